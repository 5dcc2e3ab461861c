//! KZG parameters (BN254) in halo2's RawBytes layout, the layout of the public `kzg_bn254_{k}.srs`
//! files: k as u32 LE, 2^k G1 points, 2^k Lagrange G1 points, two G2 points.
//!
//! Development parameters come from a fixed, public seed: anyone can forge proofs against them.
//! They are INSECURE, named `kzg_bn254_{k}.insecure-dev.srs`, and recognised as such wherever
//! they are loaded, whatever their file name.

use std::{
    fs::File,
    io::{BufReader, Read},
    path::{Path, PathBuf},
};

use axiom_eth::halo2_proofs::{
    arithmetic::Field as _,
    halo2curves::{
        bn256::{Bn256, Fr, G1Affine},
        group::Curve,
    },
    poly::{
        commitment::{Params, ParamsProver},
        kzg::commitment::ParamsKZG,
    },
    SerdeFormat,
};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

/// The public seed of development parameters. Public means insecure.
pub const INSECURE_DEV_SEED: [u8; 32] = *b"insecure dev params: public seed";

const G1_BYTES: u64 = 64;
const G2_BYTES: u64 = 128;

/// Why params cannot be loaded. Each message names the file or directory.
#[derive(Debug, thiserror::Error)]
pub enum ParamsError {
    /// The file cannot be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        cause: std::io::Error,
    },
    /// The file's length is not the layout's for its k.
    #[error("{path}: not KZG params for k = {k}: {len} bytes, the RawBytes layout needs {expected}")]
    BadLength {
        /// The file.
        path: PathBuf,
        /// The k its header says.
        k: u32,
        /// Its length.
        len: u64,
        /// The layout's length for that k.
        expected: u64,
    },
    /// The file is for a smaller k than the circuit needs.
    #[error("{path}: params for k = {found}, but k = {needed} is needed (a larger file can be downsized, a smaller one cannot)")]
    TooSmall {
        /// The file.
        path: PathBuf,
        /// Its k.
        found: u32,
        /// The circuit's k.
        needed: u32,
    },
    /// The header's k is no KZG params file's.
    #[error("{path}: header says k = {k}, which is not a KZG params file")]
    BadK {
        /// The file.
        path: PathBuf,
        /// The k it says.
        k: u32,
    },
    /// No file in the directory is large enough.
    #[error("no kzg_bn254_{{k}}.srs with k >= {needed} in {dir}")]
    NotFound {
        /// The directory.
        dir: PathBuf,
        /// The circuit's k.
        needed: u32,
    },
}

/// Params ready for a circuit of size k, and where they came from.
pub struct LoadedParams {
    /// The params, at the circuit's k.
    pub params: ParamsKZG<Bn256>,
    /// The file they came from.
    pub path: PathBuf,
    /// k of the file before downsizing.
    pub file_k: u32,
    /// They are the public-seed development params: proofs against them prove nothing.
    pub insecure_dev: bool,
}

/// The name of real params for k: `kzg_bn254_{k}.srs`.
pub fn file_name(k: u32) -> String {
    format!("kzg_bn254_{k}.srs")
}

/// The name of INSECURE development params for k: `kzg_bn254_{k}.insecure-dev.srs`.
pub fn dev_file_name(k: u32) -> String {
    format!("kzg_bn254_{k}.insecure-dev.srs")
}

/// Byte length of a RawBytes params file for k.
pub fn expected_len(k: u32) -> u64 {
    4 + ((2 * G1_BYTES) << k) + 2 * G2_BYTES
}

/// The insecure development params for k.
pub fn generate_insecure_dev(k: u32) -> ParamsKZG<Bn256> {
    ParamsKZG::setup(k, ChaCha20Rng::from_seed(INSECURE_DEV_SEED))
}

/// Are these params the development ones? `setup` draws its secret first from the seeded RNG;
/// the second G1 point is that secret times the generator.
pub fn is_insecure_dev(params: &ParamsKZG<Bn256>) -> bool {
    let secret = Fr::random(ChaCha20Rng::from_seed(INSECURE_DEV_SEED));
    let g = params.get_g();
    g.len() > 1 && g[1] == (G1Affine::generator() * secret).to_affine()
}

/// Loads params for a circuit of size `k` from a file, or from the smallest fitting
/// `kzg_bn254_{j}.srs` (then `.insecure-dev.srs`) in a directory; downsizes a larger file.
pub fn load(path: &Path, k: u32) -> Result<LoadedParams, ParamsError> {
    let file = if path.is_dir() { find_in_dir(path, k)? } else { path.to_path_buf() };
    let io = |cause| ParamsError::Io { path: file.clone(), cause };
    let len = std::fs::metadata(&file).map_err(io)?.len();
    let mut reader = BufReader::new(File::open(&file).map_err(io)?);
    let mut head = [0u8; 4];
    reader.read_exact(&mut head).map_err(io)?;
    let file_k = u32::from_le_bytes(head);
    if file_k == 0 || file_k > 28 {
        return Err(ParamsError::BadK { path: file, k: file_k });
    }
    if len != expected_len(file_k) {
        return Err(ParamsError::BadLength { path: file, k: file_k, len, expected: expected_len(file_k) });
    }
    if file_k < k {
        return Err(ParamsError::TooSmall { path: file, found: file_k, needed: k });
    }
    let mut reader = BufReader::new(File::open(&file).map_err(io)?);
    let mut params = ParamsKZG::<Bn256>::read_custom(&mut reader, SerdeFormat::RawBytes).map_err(io)?;
    if file_k > k {
        params.downsize(k);
    }
    let insecure_dev = is_insecure_dev(&params);
    if insecure_dev {
        tracing::warn!(path = %file.display(), "using INSECURE development KZG params (public seed): proofs made with them prove nothing");
    }
    Ok(LoadedParams { params, path: file, file_k, insecure_dev })
}

fn find_in_dir(dir: &Path, k: u32) -> Result<PathBuf, ParamsError> {
    for j in k..=28 {
        for name in [file_name(j), dev_file_name(j)] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    Err(ParamsError::NotFound { dir: dir.to_path_buf(), needed: k })
}

/// Writes params atomically (temporary file, then rename).
pub fn write(params: &ParamsKZG<Bn256>, path: &Path) -> Result<(), ParamsError> {
    witness::file::write_atomic_with(path, |mut out| params.write_custom(&mut out, SerdeFormat::RawBytes))
        .map_err(|cause| ParamsError::Io { path: path.to_path_buf(), cause })
}
