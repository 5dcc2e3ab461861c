//! Proving figures per circuit class (key generation, prove and verify times, proof sizes, peak
//! memory), and the end-to-end `prover_cmd offline_prover` time against the bare in-process
//! prove calls for the same chunks (target: at most 1.15x).
//!
//!     cargo bench -p cli --bench proving                      # micro (about 8 minutes)
//!     BENCH_CLASSES=micro,tiny,small cargo bench -p cli --bench proving   # small: ~20 min, 13 GiB
//!
//! Insecure development params throughout (timings do not depend on the params' secret).
//! Each class runs in a child process of its own, so that its peak memory is its own.
//!
//! Execution proofs (execution_rows.rs): `BENCH_KINDS=state,execution` (default: both).

mod execution_rows;

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Instant,
};

use anyhow::{ensure, Context};
use circuit::{chunks, keys::KeyCache, params, proving, CapacityClass, Chunk, ClassName};
use testkit::{anvil::Anvil, blocks, fixtures::ZethCache, replay::ReplayNode};
use witness::{
    capture::{capture, CaptureOptions, Silent},
    rpc::{RpcClient, RpcConfig},
    WitnessFile,
};

pub(crate) fn captured(url: &str, block: u64) -> anyhow::Result<WitnessFile> {
    let client = RpcClient::new(url, RpcConfig::default());
    Ok(capture(&client, &CaptureOptions::new(block, 1), &Silent)?.witness)
}

/// A real witness for a class: the small anvil block for micro, mainnet 21230867 (replayed) else.
fn witness_for(class: CapacityClass) -> anyhow::Result<WitnessFile> {
    if class.name == ClassName::Micro {
        let anvil = Anvil::start(Some("shanghai"))?;
        let chain = blocks::Chain::new(&anvil)?;
        let made = blocks::small_block(&chain)?;
        captured(&anvil.url, made.number)
    } else {
        let server = ReplayNode::new(ZethCache::load("mainnet-zeth/1-21230867.json.gz")?).serve(0)?;
        captured(&server.url, 21230867)
    }
}

/// Peak resident memory of this process so far.
pub(crate) fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// What in-process proving of some chunks cost, and the last chunk's proofs (to verify).
struct BareProving {
    main_s: f64,
    keccak_s: f64,
    main: proving::MainProof,
    keccak_proof: Vec<u8>,
    keccak_commit: circuit::Fr,
}

/// In-process proving of `chunks` with keys in memory.
fn bare_prove(
    params: &params::LoadedParams,
    keys: &circuit::keys::ProvingKeys,
    chunks: &[Chunk],
) -> anyhow::Result<BareProving> {
    let (mut main_s, mut keccak_s, mut last) = (0.0, 0.0, None);
    for chunk in chunks {
        let t = Instant::now();
        let mut main = proving::prove_main(&params.params, &keys.main, chunk)?;
        main_s += t.elapsed().as_secs_f64();
        let keccak_inputs = std::mem::take(&mut main.keccak_inputs);
        let t = Instant::now();
        let (kproof, commit) = proving::prove_keccak(&params.params, &keys.keccak, keccak_inputs)?;
        keccak_s += t.elapsed().as_secs_f64();
        last = Some((main, kproof, commit));
    }
    let (main, keccak_proof, keccak_commit) = last.context("no chunks to prove")?;
    Ok(BareProving { main_s, keccak_s, main, keccak_proof, keccak_commit })
}

/// One class, in this (child) process: prints one result line.
fn run_class(class: CapacityClass) -> anyhow::Result<()> {
    let w = witness_for(class)?;
    let checked = witness::check_witness(&w)?;
    let chunk = chunks(&w, &checked, class)?.remove(0);
    let loaded = params::LoadedParams {
        params: params::generate_insecure_dev(class.k),
        path: PathBuf::new(),
        file_k: class.k,
        insecure_dev: true,
    };
    let t = Instant::now();
    let (keys, _) = KeyCache::new(None).proving_keys(&loaded.params, class)?;
    let keygen = t.elapsed().as_secs_f64();
    let bare = bare_prove(&loaded, &keys, std::slice::from_ref(&chunk))?;
    let t = Instant::now();
    proving::verify(&loaded.params, keys.main.pk.get_vk(), &bare.main.proof, &bare.main.instances)?;
    proving::verify(&loaded.params, keys.keccak.pk.get_vk(), &bare.keccak_proof, &[bare.keccak_commit])?;
    let verify_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{:<6} k={:<2} {:>3} acc {:>3} slots | keygen {:>7.1} s | prove {:>7.1} s + keccak {:>6.1} s | verify {:>6.1} ms | proof {:>6} + {:>6} B | peak {:>7.0} MiB",
        class.name.as_str(),
        class.k,
        class.accounts,
        class.slots,
        keygen,
        bare.main_s,
        bare.keccak_s,
        verify_ms,
        bare.main.proof.len(),
        bare.keccak_proof.len(),
        peak_rss_mib()
    );
    Ok(())
}

/// offline_prover end to end (warm key cache) against bare prove calls of the same chunks.
fn end_to_end() -> anyhow::Result<()> {
    let class = CapacityClass::MICRO;
    let dir = tempfile::tempdir()?;
    let w = witness_for(class)?;
    let witness_path = dir.path().join("w.json");
    witness::file::write(&witness_path, &w, witness::file::Format::Json)?;
    let params_path = dir.path().join(params::dev_file_name(class.k));
    params::write(&params::generate_insecure_dev(class.k), &params_path)?;
    let keys_dir = dir.path().join("keys");
    let offline = |proof: &Path| -> anyhow::Result<f64> {
        let t = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_prover_cmd"))
            .args(["-q", "offline_prover", "--class", "micro"])
            .arg("-k")
            .arg(&params_path)
            .arg("-w")
            .arg(&witness_path)
            .arg("-p")
            .arg(proof)
            .arg("--keys-dir")
            .arg(&keys_dir)
            .output()?;
        ensure!(out.status.success(), "offline_prover: {}", String::from_utf8_lossy(&out.stderr));
        Ok(t.elapsed().as_secs_f64())
    };
    offline(&dir.path().join("warmup.json")).context("warm-up run (key generation)")?;
    let e2e = offline(&dir.path().join("proof.json"))?;

    let loaded = params::load(&params_path, class.k)?;
    let (keys, _) = KeyCache::new(Some(keys_dir.clone())).proving_keys(&loaded.params, class)?;
    let checked = witness::check_witness(&w)?;
    let chunks = chunks(&w, &checked, class)?;
    let bare = bare_prove(&loaded, &keys, &chunks)?;
    let bare = bare.main_s + bare.keccak_s;
    println!(
        "offline_prover end to end (warm key cache), {} micro chunks: {:.1} s; bare prove calls: {:.1} s; ratio {:.3}x (target <= 1.15x)",
        chunks.len(),
        e2e,
        bare,
        e2e / bare
    );
    Ok(())
}

/// Runs `--<flag> <name>` in a child process and prints what it printed.
fn child(flag: &str, name: &str) -> anyhow::Result<()> {
    let out = Command::new(std::env::current_exe()?).args([flag, name]).output()?;
    ensure!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    print!("{}", String::from_utf8_lossy(&out.stdout));
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    if let (Some(flag), Some(name)) = (args.next(), args.next()) {
        match flag.as_str() {
            "--class" => return run_class(CapacityClass::named(name.parse().map_err(anyhow::Error::msg)?)),
            "--execution" if name == "mainnet" => return execution_rows::mainnet_row(),
            "--execution" => return execution_rows::prove_row(&name),
            _ => {}
        }
    }
    let kinds = std::env::var("BENCH_KINDS").unwrap_or_else(|_| "state,execution".into());
    if kinds.contains("execution") {
        println!("execution proofs (OpenVM 2.0.2, CPU, real proofs aggregated to one STARK; 2 cores here):");
        for name in std::env::var("BENCH_EXECUTION").unwrap_or_else(|_| "small,mixed,mainnet".into()).split(',') {
            child("--execution", name.trim())?;
        }
    }
    if !kinds.contains("state") {
        return Ok(());
    }
    let classes = std::env::var("BENCH_CLASSES").unwrap_or_else(|_| "micro".into());
    println!("proving, per class (one real chunk each; insecure dev params; 2 cores here):");
    for name in classes.split(',') {
        let name: ClassName = name.trim().parse().map_err(anyhow::Error::msg)?;
        child("--class", name.as_str())?;
    }
    end_to_end()
}
