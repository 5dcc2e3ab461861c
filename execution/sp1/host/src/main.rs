//! The SP1 side of the zkVM comparison: re-executes a witness's block natively (the project's own
//! check, as `offline_prover` runs it before proving), runs the SP1 guest on the same stateless
//! input in SP1's executor and requires the same 224-byte block commitment, then with `--prove`
//! makes a compressed SP1 proof (CPU) and verifies it. Prints the figures the README's zkVM table
//! holds; scripts/bench-sp1.sh builds and runs it beside OpenVM's executor.

use std::{path::PathBuf, time::Instant};

use anyhow::{ensure, Context};
use clap::Parser;
use sp1_sdk::{Elf, ProveRequest, Prover, ProverClient, ProvingKey, SP1Stdin};

#[derive(Parser)]
struct Args {
    /// The SP1 guest ELF (execution/sp1/guest, built by scripts/bench-sp1.sh).
    #[arg(long)]
    elf: PathBuf,
    /// A witness file, as `prover_cmd witness_capture` writes it.
    #[arg(long, short)]
    witness: PathBuf,
    /// Also prove (compressed STARK, SP1's CPU prover) and verify.
    #[arg(long)]
    prove: bool,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let file = witness::file::read(&args.witness)?;
    let started = Instant::now();
    let (input, executed) = witness::execution::reexecute(&file).context("the block does not re-execute natively")?;
    let expected = executed.commitment.to_bytes();
    println!(
        "block {} ({} transactions): native re-execution {:.2?}",
        file.block_number,
        input.transactions.len(),
        started.elapsed()
    );

    let elf = Elf::Dynamic(std::fs::read(&args.elf).with_context(|| format!("reading {}", args.elf.display()))?.into());
    let mut stdin = SP1Stdin::new();
    stdin.write_vec(input.to_bytes());
    let client = ProverClient::builder().cpu().build().await;
    let started = Instant::now();
    let (public_values, report) = client.execute(elf.clone(), stdin.clone()).await.context("SP1 execution")?;
    println!(
        "SP1 executor: {} instructions, {} syscalls (precompile calls), {:.2?}",
        report.total_instruction_count(),
        report.total_syscall_count(),
        started.elapsed()
    );
    ensure!(
        public_values.as_slice() == expected.as_slice(),
        "SP1's guest committed 0x{}, the native re-execution 0x{}",
        hex(public_values.as_slice()),
        hex(&expected)
    );
    println!("commitment: the native re-execution's {} bytes, byte for byte", expected.len());
    if !args.prove {
        return Ok(());
    }

    let started = Instant::now();
    let key = client.setup(elf).await.context("SP1 setup")?;
    println!("setup {:.2?}", started.elapsed());
    let started = Instant::now();
    let proof = client.prove(&key, stdin).compressed().await.context("SP1 proving")?;
    println!("prove (compressed STARK) {:.2?}", started.elapsed());
    let started = Instant::now();
    client.verify(&proof, key.verifying_key(), None).context("SP1 verification")?;
    println!("verify {:.2?}", started.elapsed());
    ensure!(
        proof.public_values.as_slice() == expected.as_slice(),
        "the proof's public values are not the block's commitment"
    );
    let saved = tempfile::NamedTempFile::new()?;
    proof.save(saved.path())?;
    println!("proof {} bytes (SP1's own bincode file)", std::fs::metadata(saved.path())?.len());
    Ok(())
}
