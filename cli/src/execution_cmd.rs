//! `execution_image`: which guest image this build proves and verifies, and (for whoever changes
//! the guest) the image id of a rebuilt ELF and its verifying key.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use execution::{
    image::{guest_elf, image_id_hex, GuestImage},
    zkvm, ExecutionProver, ProverSettings,
};

#[derive(Args)]
pub(crate) struct ImageArgs {
    /// The guest image: `base` (most blocks) or `full` (blocks that call the point evaluation,
    /// BLS12-381 or P-256): its VM configuration, its pinned ELF.
    #[arg(long, value_name = "IMAGE", default_value = "base")]
    image: GuestImage,
    /// A guest ELF to compute the image id of [default: the image's, built into this program].
    #[arg(long)]
    elf: Option<PathBuf>,
    /// Also generate the verifying key of that ELF (key generation: about a minute) and write it
    /// here; execution/guest/execution-guest.vk (base) and execution-guest-full.vk are this file
    /// for the committed ELFs.
    #[arg(long)]
    write_vk: Option<PathBuf>,
    /// Write the image's openvm_init.rs (the moduli and curves of its VM configuration, in their
    /// order) here; execution/guest/openvm_init.rs (base) and openvm_init_full.rs are this file.
    #[arg(long)]
    write_init: Option<PathBuf>,
}

pub(crate) fn run(args: ImageArgs) -> anyhow::Result<()> {
    let image = args.image;
    if let Some(out) = &args.write_init {
        witness::file::write_atomic_with(out, |w| w.write_all(zkvm::init_file(image).as_bytes()))
            .with_context(|| format!("writing {}", out.display()))?;
        if args.write_vk.is_none() {
            return Ok(());
        }
    }
    let pinned: Vec<_> = GuestImage::ALL
        .into_iter()
        .map(|image| {
            serde_json::json!({
                "image": image,
                "pinned_image_id": image.id(),
                "zkvm": image.zkvm(),
                // The committed key's own id (an error when the key is missing or damaged, which
                // is what --write-vk is there to repair).
                "verifying_key_image_id": zkvm::image_id_of_vk(image.verifying_key())
                    .map(|id| image_id_hex(&id))
                    .unwrap_or_else(|e| e.to_string()),
            })
        })
        .collect();
    let Some(out) = args.write_vk.as_ref() else {
        anyhow::ensure!(args.elf.is_none(), "--elf needs --write-vk: its image id comes with its key");
        println!("{}", serde_json::to_string_pretty(&pinned)?);
        return Ok(());
    };
    let elf = match &args.elf {
        Some(path) => std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
        None => guest_elf(image).to_vec(),
    };
    let prover = ExecutionProver::with_elf(&ProverSettings::default(), image, &elf)?;
    let vk = prover.verifying_key(image)?;
    witness::file::write_atomic_with(out, |w| w.write_all(&vk))
        .with_context(|| format!("writing {}", out.display()))?;
    let id = image_id_hex(&zkvm::image_id_of_vk(&vk)?);
    println!(
        "{}",
        serde_json::to_string_pretty(
            &serde_json::json!({ "image": image, "image_id": id, "verifying_key": out, "pinned": pinned })
        )?
    );
    Ok(())
}
