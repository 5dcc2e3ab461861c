//! The execution proof's rows of the proving bench: real OpenVM proofs (not dev mode) of anvil
//! blocks, and mainnet blocks measured in the zkVM executor with a few of their segments proven
//! for real and the whole block projected from them. Each row runs in a child process of its own,
//! so that its peak memory is its own.
//!
//!     BENCH_KINDS=execution cargo bench -p cli --bench proving
//!     BENCH_EXECUTION=small,mixed,mainnet BENCH_SEGMENTS=2 ...   (the default rows and segments)

use std::time::Instant;

use anyhow::Context;
use execution::{zkvm, ExecutionProver, ProverSettings};
use testkit::{anvil::Anvil, blocks, fixtures::ZethCache, replay::ReplayNode};
use witness::WitnessFile;

use crate::{captured, peak_rss_mib};

fn anvil_block(mixed: bool) -> anyhow::Result<WitnessFile> {
    let anvil = Anvil::start(Some("shanghai"))?;
    let chain = blocks::Chain::new(&anvil)?;
    let number = if mixed { blocks::mixed_block(&chain)?.number } else { blocks::small_block(&chain)?.number };
    captured(&anvil.url, number)
}

/// One anvil block proven for real: key generation, proof (all segments, aggregated), verification.
pub(crate) fn prove_row(name: &str) -> anyhow::Result<()> {
    let w = anvil_block(name == "mixed")?;
    let prover = ExecutionProver::new(&ProverSettings::default());
    let run = execution::execute_witness(&prover, &w)?;
    let t = Instant::now();
    prover.verifying_key(run.image)?;
    let keygen = t.elapsed().as_secs_f64();
    let (input, _) = witness::execution::reexecute(&w)?;
    let t = Instant::now();
    let (proof, _) = prover.prove(run.image, &input)?;
    let prove = t.elapsed().as_secs_f64();
    let t = Instant::now();
    zkvm::verify(run.image.verifying_key(), &proof)?;
    let verify_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "execution {name:<6} {:>2} tx {:>9} gas | {:>10} instructions {:>3} segments | keygen {:>6.1} s | prove {:>7.1} s | verify {:>6.1} ms | proof {:>7} B | peak {:>6.0} MiB",
        run.commitment.transactions,
        run.commitment.gas_used,
        run.instructions,
        run.segments,
        keygen,
        prove,
        verify_ms,
        proof.len(),
        peak_rss_mib()
    );
    Ok(())
}

/// Mainnet: instructions and segments of every recorded block; the first segments of 21230867
/// proven for real, and each block's app proving time projected from them (segments x the mean
/// segment time; aggregation not included).
pub(crate) fn mainnet_row() -> anyhow::Result<()> {
    let prover = ExecutionProver::new(&ProverSettings::default());
    let segments_to_prove: usize = std::env::var("BENCH_SEGMENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2);
    let mut rows = Vec::new();
    for (file, number) in testkit::fixtures::ZETH_BLOCKS {
        let server = ReplayNode::new(ZethCache::load(file)?).serve(0)?;
        let w = captured(&server.url, *number).with_context(|| format!("capturing {number} from the replay node"))?;
        let run = execution::execute_witness(&prover, &w)?;
        rows.push((*number, w, run));
    }
    let (_, w, run) = rows.iter().find(|(n, _, _)| *n == 21230867).context("21230867 is recorded")?;
    let (input, _) = witness::execution::reexecute(w)?;
    let times = prover.time_segments(run.image, &input, segments_to_prove)?;
    let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
    println!(
        "execution mainnet 21230867: first {} segments proven for real: {} s (mean {:.1} s a segment; peak {:.0} MiB)",
        times.len(),
        times.iter().map(|t| format!("{t:.1}")).collect::<Vec<_>>().join(" + "),
        mean,
        peak_rss_mib()
    );
    for (number, _, run) in &rows {
        let c = run.commitment;
        println!(
            "execution mainnet {number}: {:>3} tx {:>9} gas | {:>11} instructions {:>4} segments | executed in {:>5.1} s | app proof projected {:>6.1} h (segments x mean), aggregation not included",
            c.transactions,
            c.gas_used,
            run.instructions,
            run.segments,
            run.execute_seconds,
            run.segments as f64 * mean / 3600.0
        );
    }
    Ok(())
}
