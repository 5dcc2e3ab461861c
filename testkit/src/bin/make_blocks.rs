//! Makes the test blocks on a running anvil and prints the number of the mixed block (a
//! transfer, a contract creation, two storage writes and a slot clear in one block).
//!
//!     make_blocks --rpc http://127.0.0.1:8545

use clap::Parser;
use testkit::{anvil::Anvil, blocks};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    rpc: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let anvil = Anvil::attach(&args.rpc);
    let chain = blocks::Chain::new(&anvil)?;
    let made = blocks::mixed_block(&chain)?;
    println!("{}", made.number);
    Ok(())
}
