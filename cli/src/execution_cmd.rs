//! `execution_image`: which guest image this build proves and verifies, and (for whoever changes
//! the guest) the image id of a rebuilt ELF and its verifying key.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use execution::{image, zkvm, ExecutionProver, ProverSettings};

#[derive(Args)]
pub(crate) struct ImageArgs {
    /// A guest ELF to compute the image id of [default: the one built into this program].
    #[arg(long)]
    elf: Option<PathBuf>,
    /// Also generate the verifying key of that ELF (key generation: about a minute) and write it
    /// here; execution/guest/execution-guest.vk is this file for the committed ELF.
    #[arg(long)]
    write_vk: Option<PathBuf>,
    /// Write the guest's openvm_init.rs (the moduli and curve of the VM configuration, in its
    /// order) here; execution/guest/openvm_init.rs is this file.
    #[arg(long)]
    write_init: Option<PathBuf>,
}

pub(crate) fn run(args: ImageArgs) -> anyhow::Result<()> {
    if let Some(out) = &args.write_init {
        witness::file::write_atomic_with(out, |w| w.write_all(zkvm::init_file().as_bytes()))
            .with_context(|| format!("writing {}", out.display()))?;
        if args.write_vk.is_none() {
            return Ok(());
        }
    }
    let pinned = serde_json::json!({
        "pinned_image_id": image::IMAGE_ID,
        "zkvm": execution::ZKVM,
        // The committed key's own id (an error when the key is missing or damaged, which is what
        // --write-vk is there to repair).
        "verifying_key_image_id": zkvm::image_id_of_vk(image::VERIFYING_KEY)
            .map(|id| image::image_id_hex(&id))
            .unwrap_or_else(|e| e.to_string()),
    });
    let Some(out) = args.write_vk.as_ref() else {
        anyhow::ensure!(args.elf.is_none(), "--elf needs --write-vk: its image id comes with its key");
        println!("{}", serde_json::to_string_pretty(&pinned)?);
        return Ok(());
    };
    let elf = match &args.elf {
        Some(path) => std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        None => image::GUEST_ELF.to_vec(),
    };
    let prover = ExecutionProver::with_elf(&ProverSettings::default(), &elf)?;
    let vk = prover.verifying_key()?;
    witness::file::write_atomic_with(out, |w| w.write_all(&vk))
        .with_context(|| format!("writing {}", out.display()))?;
    let id = image::image_id_hex(&zkvm::image_id_of_vk(&vk)?);
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({ "image_id": id, "verifying_key": out, "pinned": pinned }))?
    );
    Ok(())
}
