//! Split proving measured (docs/split-proving.md, docs/performance.md):
//!
//! - `mainnet`: mainnet block 21230867 (67 transactions, replayed from the zeth recording) proven
//!   whole, in pieces, one `prover_cmd` process per piece: the plan, every segment alone
//!   (executed from the beginning to its start, then proven), every leaf, the aggregation, the
//!   verification. Prints each piece's times, wall and CPU time, peak memory, and the wall time
//!   projected for 1 to 64 workers from the measured pieces (the model is in `model.rs`). About
//!   an hour on 2 cores; it goes on where it was if stopped (`mainnet.rs`).
//! - `cost`: what splitting costs. One `offline_prover` process on 2 threads against two lanes of
//!   1-thread `prove_segment` / `aggregate` processes on the same block: CPU time (user + system,
//!   from /usr/bin/time) and wall time of each.
//!
//! Run with:
//!
//!     cargo bench -p cli --bench split                       # both
//!     BENCH_SPLIT=mainnet cargo bench -p cli --bench split   # or cost
//!
//! Figures go in docs/performance.md with the date and the machine.

mod cost;
mod mainnet;
mod model;
mod run;

fn main() -> anyhow::Result<()> {
    let modes = std::env::var("BENCH_SPLIT").unwrap_or_else(|_| "cost,mainnet".into());
    for mode in modes.split(',') {
        match mode.trim() {
            "mainnet" => mainnet::mainnet()?,
            "cost" => cost::cost()?,
            other => anyhow::bail!("BENCH_SPLIT: unknown mode {other:?} (mainnet, cost)"),
        }
    }
    Ok(())
}
