//! Where a block's guest instructions go (docs/performance.md): the four recorded mainnet blocks
//! (replayed from the zeth recordings) and the anvil blocks of the tests, each run in the zkVM
//! executor with the pinned guest and profiled (`--execute-only --profile`'s sampling: the pc
//! every 1,000 instructions, by phase of the block's check). Prints per block the instructions,
//! instructions per unit of gas, and each phase's share; with `BEFORE_ELF=<guest ELF>` the same
//! blocks with that guest too, and the ratio. Then blocks of bn254 calls, of KZG point
//! evaluations, of P-256 signature checks, of EIP-2537 calls and of modexp calls (testkit's
//! precompile cases, checked against the execution specification's t8n), each in the image it
//! picks, and in the base image (where those of the full image run in
//! plain RISC-V) or with `BEFORE_ELF` for comparison. `FAMILIES=modexp,p256` runs only those
//! blocks of calls; `FULL_ELF=<guest ELF>` runs another build of the full image in its place.
//!
//! Run with:
//!
//!     cargo bench -p cli --bench guest_profile
//!     BEFORE_ELF=/path/to/older/execution-guest.elf cargo bench -p cli --bench guest_profile
//!     FAMILIES=modexp FULL_ELF=target/guest/execution-guest-full.elf cargo bench -p cli --bench guest_profile

use std::collections::BTreeMap;

use execution::{image::GuestImage, ExecutionProver, ProverSettings};
use progress::Silent;
use stateless::Fork;
use testkit::differential::{precompile_case, run_also, Precompiles, T8n};
use testkit::{anvil::Anvil, blocks, fixtures::ZethCache, replay::ReplayNode};
use witness::{
    capture::{capture, CaptureOptions},
    rpc::{RpcClient, RpcConfig},
    WitnessFile,
};

fn captured(url: &str, block: u64) -> anyhow::Result<WitnessFile> {
    let client = RpcClient::new(url, RpcConfig::default());
    Ok(capture(&client, &CaptureOptions::new(block, 1), &Silent)?.witness)
}

fn witnesses() -> anyhow::Result<Vec<(String, WitnessFile)>> {
    let mut out = Vec::new();
    for (file, number) in testkit::fixtures::ZETH_BLOCKS {
        let server = ReplayNode::new(ZethCache::load(file)?).serve(0)?;
        out.push((format!("mainnet {number}"), captured(&server.url, *number)?));
    }
    let anvil = Anvil::start(Some("shanghai"))?;
    let chain = blocks::Chain::new(&anvil)?;
    let small = blocks::small_block(&chain)?.number;
    out.push(("anvil, 1 tx".into(), captured(&anvil.url, small)?));
    let mixed = blocks::mixed_block(&chain)?.number;
    out.push(("anvil, 5 txs (mixed)".into(), captured(&anvil.url, mixed)?));
    Ok(out)
}

fn main() -> anyhow::Result<()> {
    let settings = ProverSettings::default();
    let pinned = ExecutionProver::new(&settings);
    let before = match std::env::var_os("BEFORE_ELF") {
        Some(path) => Some(ExecutionProver::with_elf(&settings, GuestImage::Base, &std::fs::read(path)?)?),
        None => None,
    };
    let families = std::env::var("FAMILIES").ok();
    let blocks = if families.is_some() { Vec::new() } else { witnesses()? };
    let mut phases_total: BTreeMap<String, u64> = BTreeMap::new();
    println!("| block | txs | gas | instructions | per gas | before | ratio | largest phases |\n|---|---|---|---|---|---|---|---|");
    for (name, w) in blocks {
        let (report, profile) = execution::profile_witness(&pinned, &w, 1_000)?;
        let c = report.commitment;
        let earlier = match &before {
            Some(prover) => Some(execution::execute_witness(prover, &w)?.instructions),
            None => None,
        };
        let shares: Vec<String> = profile
            .phases
            .iter()
            .take(4)
            .map(|(phase, n)| {
                format!(
                    "{} {:.0}%",
                    phase.split(" (").next().unwrap_or(phase),
                    100.0 * *n as f64 / report.instructions as f64
                )
            })
            .collect();
        for (phase, n) in &profile.phases {
            *phases_total.entry(phase.clone()).or_default() += n;
        }
        println!(
            "| {name} | {} | {} | {} | {:.1} | {} | {} | {} |",
            c.transactions,
            c.gas_used,
            report.instructions,
            report.instructions as f64 / c.gas_used.max(1) as f64,
            earlier.map_or("".into(), |e| e.to_string()),
            earlier.map_or("".into(), |e| format!("{:.2}x fewer", e as f64 / report.instructions as f64)),
            shares.join(", ")
        );
    }
    println!(
        "\n| block of precompile calls | gas | image | instructions | before | ratio |\n|---|---|---|---|---|---|"
    );
    let base = ExecutionProver::new(&settings).in_image(GuestImage::Base);
    let full = match std::env::var_os("FULL_ELF") {
        Some(path) => ExecutionProver::with_elf(&settings, GuestImage::Full, &std::fs::read(path)?)?,
        None => ExecutionProver::new(&settings).in_image(GuestImage::Full),
    };
    for (precompiles, fork, name) in [
        (Precompiles::Bn254, Fork::Cancun, "2 txs, 32 calls (ecAdd, ecMul, ecPairing)"),
        (Precompiles::PointEvaluation, Fork::Cancun, "2 txs, 32 KZG point evaluations"),
        (Precompiles::P256, Fork::Osaka, "2 txs, 32 P-256 signature checks"),
        (Precompiles::Bls12_381, Fork::Prague, "2 txs, 32 EIP-2537 calls (additions, MSMs, pairings)"),
        (Precompiles::Bls12_381Maps, Fork::Prague, "2 txs, 32 EIP-2537 maps to G1 and G2"),
        (Precompiles::Modexp, Fork::Prague, "2 txs, 32 modexp calls (mixed moduli)"),
        (Precompiles::ModexpInversions, Fork::Prague, "2 txs, 32 inversions modulo bn254's r and p"),
    ] {
        let wanted = format!("{precompiles:?}").to_lowercase();
        if families.as_ref().is_some_and(|f| !f.split(',').any(|name| name == wanted)) {
            continue;
        }
        // A block the base image proves is compared with BEFORE_ELF; one of the full image's with
        // the base image, where its precompiles run in plain RISC-V.
        let (runner, earlier) = match GuestImage::for_block(&[precompiles.address()]) {
            GuestImage::Full => (&full, Some(&base)),
            GuestImage::Base => (&pinned, before.as_ref()),
        };
        precompile_block(runner, earlier, precompiles, fork, name)?;
    }
    let all: u64 = phases_total.values().sum();
    let mut phases: Vec<_> = phases_total.into_iter().collect();
    phases.sort_by_key(|p| std::cmp::Reverse(p.1));
    println!("\nAll of these blocks together, by phase:\n\n| phase | instructions | share |\n|---|---|---|");
    for (phase, n) in phases {
        println!("| {phase} | {n} | {:.1}% |", 100.0 * n as f64 / all as f64);
    }
    Ok(())
}

/// The instructions of a block of 2 transactions of 16 calls to `precompiles` each, with the pinned
/// guest and (with `BEFORE_ELF`) the other one: each runs the block in the executor, as the
/// consensus runner's second run, so the block is also checked against t8n and the native run.
fn precompile_block(
    pinned: &ExecutionProver,
    before: Option<&ExecutionProver>,
    precompiles: Precompiles,
    fork: Fork,
    name: &str,
) -> anyhow::Result<()> {
    let counts = std::cell::RefCell::new(Vec::new());
    let largest = std::cell::RefCell::new(Vec::new());
    let second = |input: &stateless::StatelessInput| -> anyhow::Result<stateless::BlockCommitment> {
        let image = pinned.image_for_input(input);
        let (commitment, run) = pinned.execute(image, input, true)?;
        let profile = pinned.profile(image, input, run.instructions, 1_000)?;
        *largest.borrow_mut() = profile.functions.into_iter().take(4).collect();
        let earlier = match before {
            Some(prover) => Some(prover.execute(prover.image_for_input(input), input, true)?.1.instructions),
            None => None,
        };
        counts.borrow_mut().push((commitment.gas_used, image, run.instructions, earlier));
        Ok(commitment)
    };
    let case = precompile_case(0, fork, precompiles, 2, 16);
    let mut t8n = T8n::start()?;
    if let Err(d) = run_also(&mut t8n, &case, &second)?.result {
        anyhow::bail!("{name}: {}", d.reason);
    }
    for (gas, image, now, earlier) in counts.into_inner() {
        println!(
            "| {name} | {gas} | {image} | {now} | {} | {} |",
            earlier.map_or("".into(), |e| e.to_string()),
            earlier.map_or("".into(), |e| format!("{:.1}x fewer", e as f64 / now as f64)),
        );
    }
    for (function, n) in largest.into_inner() {
        eprintln!("  {name}: {function} {n}");
    }
    Ok(())
}
