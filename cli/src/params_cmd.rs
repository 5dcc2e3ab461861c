//! `params`: make KZG params for a circuit size: INSECURE development params from a public seed
//! (tests, local runs), or a downsized copy of real ones.

use std::path::{Path, PathBuf};

use anyhow::{ensure, Context};
use circuit::{params, CapacityClass, ClassName};
use clap::Args;

#[derive(Args)]
#[command(group = clap::ArgGroup::new("size").required(true).args(["k", "class"]))]
pub(crate) struct ParamsArgs {
    /// Circuit size (log2 of rows), 1..=28.
    #[arg(short)]
    k: Option<u32>,
    /// The k of this circuit class instead (micro 15, tiny 17, small 19).
    #[arg(long)]
    class: Option<ClassName>,
    /// Downsize these params (a kzg_bn254_{k}.srs file of a larger k) instead of generating
    /// insecure ones.
    #[arg(long)]
    from: Option<PathBuf>,
    /// Output directory (file named kzg_bn254_{k}.srs, or .insecure-dev.srs), or a .srs file.
    #[arg(short, long, default_value = ".")]
    out: PathBuf,
}

fn out_path(out: &Path, k: u32, insecure: bool) -> PathBuf {
    if out.extension().is_some_and(|e| e == "srs") {
        return out.to_path_buf();
    }
    out.join(if insecure { params::dev_file_name(k) } else { params::file_name(k) })
}

pub(crate) fn run(args: ParamsArgs) -> anyhow::Result<()> {
    let k = args.k.unwrap_or_else(|| CapacityClass::named(args.class.expect("clap requires k or class")).k);
    ensure!((1..=28).contains(&k), "-k must be 1..=28, got {k}");
    if args.out.extension().is_none_or(|e| e != "srs") {
        std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
    }
    let (params, insecure) = match &args.from {
        Some(from) => {
            let loaded = params::load(from, k)?;
            (loaded.params, loaded.insecure_dev)
        }
        None => {
            tracing::warn!(
                "generating INSECURE development params (k = {k}) from a public seed: anyone can forge \
                 proofs against them; use them for tests only"
            );
            (params::generate_insecure_dev(k), true)
        }
    };
    let path = out_path(&args.out, k, insecure);
    params::write(&params, &path)?;
    println!("{}", path.display());
    Ok(())
}
