//! Serves a recorded zeth mainnet cache as a JSON-RPC node on 127.0.0.1.
//!
//!     rpc_replay --fixture mainnet-zeth/1-21230867.json.gz --port 8546

use clap::Parser;
use testkit::{fixtures::ZethCache, replay::ReplayNode};

#[derive(Parser)]
struct Args {
    /// Path below the fixtures dir (../shared/fixtures or $FIXTURES_DIR).
    #[arg(long, default_value = "mainnet-zeth/1-21230867.json.gz")]
    fixture: String,
    #[arg(long, default_value_t = 8546)]
    port: u16,
}

host_cpu::check_cpu_at_start!("rpc_replay");

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let cache = ZethCache::load(&args.fixture)?;
    let blocks: Vec<String> = cache.blocks.iter().filter_map(|b| b["number"].as_str().map(String::from)).collect();
    let server = ReplayNode::new(cache).serve(args.port)?;
    eprintln!("replaying {} (blocks {blocks:?}) on {}", args.fixture, server.url);
    server.wait();
    Ok(())
}
