//! Makes test blocks on a running anvil and prints the number of the block made.
//!
//!     make_blocks --rpc http://127.0.0.1:8545 [--kind mixed|small|point-evaluation]
//!
//! mixed: a transfer, a contract creation, two storage writes and a slot clear in one block.
//! small: one storage clear sent by the fee recipient (two accounts and one slot touched).
//! point-evaluation: one call of the KZG point evaluation with a proof that holds (Cancun or
//! later): a block the execution prover proves in the full guest image.

use clap::{Parser, ValueEnum};
use testkit::{anvil::Anvil, blocks};

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    Mixed,
    Small,
    PointEvaluation,
}

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:8545")]
    rpc: String,
    #[arg(long, value_enum, default_value_t = Kind::Mixed)]
    kind: Kind,
}

host_cpu::check_cpu_at_start!("make_blocks");

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let anvil = Anvil::attach(&args.rpc);
    let chain = blocks::Chain::new(&anvil)?;
    let number = match args.kind {
        Kind::Mixed => blocks::mixed_block(&chain)?.number,
        Kind::Small => blocks::small_block(&chain)?.number,
        Kind::PointEvaluation => blocks::point_evaluation_block(&chain)?,
    };
    println!("{number}");
    Ok(())
}
