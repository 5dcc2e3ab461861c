//! Capture time and round trips, batched vs one request at a time, for an anvil block and a
//! replayed mainnet block; with loopback latency and with 20 ms added per request.
//!
//!     cargo bench -p prover --bench capture

use std::time::Duration;

use testkit::{
    anvil::Anvil,
    blocks,
    fault::{Fault, FaultProxy},
    fixtures::ZethCache,
    replay::ReplayNode,
};
use witness::{
    capture::{capture, CaptureOptions, Silent},
    rpc::{RpcClient, RpcConfig},
};

struct Run {
    seconds: f64,
    requests: u64,
    round_trips: u64,
}

fn measure(url: &str, opts: &CaptureOptions, config: RpcConfig) -> anyhow::Result<Run> {
    let client = RpcClient::new(url, config);
    let c = capture(&client, opts, &Silent)?;
    Ok(Run { seconds: c.seconds, requests: c.stats.http_requests, round_trips: c.stats.sequential_round_trips })
}

fn compare(name: &str, url: &str, opts: &CaptureOptions, latency: Option<Duration>) -> anyhow::Result<()> {
    let proxy;
    let url = match latency {
        Some(d) => {
            proxy = FaultProxy::start(url, move |_, _| Fault::Delay(d))?;
            proxy.url().to_string()
        }
        None => url.to_string(),
    };
    // Warm the node's caches so that both modes see the same node.
    measure(&url, opts, RpcConfig::default())?;
    let batched = measure(&url, opts, RpcConfig::default())?;
    let single = measure(&url, opts, RpcConfig::one_at_a_time())?;
    let lat = latency.map_or("loopback".to_string(), |d| format!("+{} ms", d.as_millis()));
    println!(
        "{name:<28} {lat:<9} {:>9.3} s {:>5} req {:>4} rt | {:>9.3} s {:>5} req {:>5} rt | {:>6.1}x",
        batched.seconds,
        batched.requests,
        batched.round_trips,
        single.seconds,
        single.requests,
        single.round_trips,
        single.seconds / batched.seconds,
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    println!(
        "capture: batched (default: {} calls/batch, {} in flight) vs one request at a time",
        RpcConfig::default().max_batch,
        RpcConfig::default().concurrency
    );
    println!("{:<28} {:<9} {:>25} | {:>26} | speedup", "block", "latency", "batched", "one at a time");

    let anvil = Anvil::start(None)?;
    let chain = blocks::Chain::new(&anvil)?;
    let number = blocks::busy_block(&chain, 60)?;
    let opts = CaptureOptions::new(number, 256);
    compare(&format!("anvil #{number} (60 txs)"), &anvil.url, &opts, None)?;
    compare(&format!("anvil #{number} (60 txs)"), &anvil.url, &opts, Some(Duration::from_millis(20)))?;

    let server = ReplayNode::new(ZethCache::load("mainnet-zeth/1-21230867.json.gz")?).serve(0)?;
    let opts = CaptureOptions::new(21230867, 1);
    compare("mainnet #21230867 (replay)", &server.url, &opts, None)?;
    compare("mainnet #21230867 (replay)", &server.url, &opts, Some(Duration::from_millis(20)))?;
    Ok(())
}
