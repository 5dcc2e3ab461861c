//! On-disk witness files: JSON or bincode, versioned, written atomically.

use std::{io::Write, path::Path};

use crate::types::WitnessFile;

/// bincode files start with this, then the format version as u32 little-endian.
pub const BINCODE_MAGIC: &[u8; 8] = b"ETHWIT\0\0";

/// How a witness file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Pretty JSON.
    Json,
    /// The 8-byte magic, the version, then bincode.
    Bincode,
}

impl Format {
    /// `.bin` / `.bincode` mean bincode, anything else JSON.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("bin" | "bincode") => Format::Bincode,
            _ => Format::Json,
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(Format::Json),
            "bincode" => Ok(Format::Bincode),
            other => Err(format!("unknown witness format {other:?} (json or bincode)")),
        }
    }
}

/// Why a witness file cannot be read or written. Each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file cannot be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        cause: std::io::Error,
    },
    /// Neither format's head.
    #[error("{path}: not a witness file: {reason}")]
    NotAWitness {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A version this build does not read.
    #[error("{path}: witness format version {found}, this build reads versions 1 to {supported}")]
    Version {
        /// The file.
        path: String,
        /// Its version.
        found: u64,
        /// The newest version this build reads.
        supported: u32,
    },
    /// The head is right, the body does not decode.
    #[error("{path}: corrupt or truncated {format:?} witness: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// Its format.
        format: Format,
        /// What the decoder said.
        reason: String,
    },
}

/// The most a bincode witness may claim to hold (mainnet witnesses are a few MB). bincode
/// allocates what a length prefix claims before reading that many bytes: without a limit, a corrupt
/// prefix was a capacity-overflow panic or a huge allocation (found by fuzz/witness_file).
const MAX_BINCODE_BYTES: usize = 1 << 30;

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_BINCODE_BYTES>()
}

/// The file's bytes in `format`.
pub fn encode(witness: &WitnessFile, format: Format) -> Vec<u8> {
    match format {
        Format::Json => {
            let mut out = serde_json::to_vec_pretty(witness).expect("witness types always serialize to JSON");
            out.push(b'\n');
            out
        }
        Format::Bincode => {
            let mut out = BINCODE_MAGIC.to_vec();
            out.extend_from_slice(&witness.version.to_le_bytes());
            out.extend(
                bincode::serde::encode_to_vec(witness, bincode_config()).expect("witness types always serialize"),
            );
            out
        }
    }
}

/// Decodes either format (told apart by content, not by name). A file of an older version this
/// build reads comes back as the current version, so that writing it again writes that version.
pub fn decode(bytes: &[u8], path: &str) -> Result<WitnessFile, FileError> {
    let corrupt = |format, reason: String| FileError::Corrupt { path: path.into(), format, reason };
    if let Some(rest) = bytes.strip_prefix(BINCODE_MAGIC.as_slice()) {
        let (version, body) = rest.split_at_checked(4).ok_or_else(|| corrupt(Format::Bincode, "no version".into()))?;
        let version = u32::from_le_bytes(version.try_into().expect("4 bytes"));
        check_version(path, version as u64)?;
        // Version 1 ends where version 2's `fork` begins; bincode writes an absent fork as one 0.
        let body = if version == 1 { std::borrow::Cow::Owned([body, &[0]].concat()) } else { body.into() };
        let (mut witness, used): (WitnessFile, usize) = bincode::serde::decode_from_slice(&body, bincode_config())
            .map_err(|e| corrupt(Format::Bincode, e.to_string()))?;
        if used != body.len() {
            return Err(corrupt(Format::Bincode, format!("{} trailing bytes", body.len() - used)));
        }
        witness.version = WitnessFile::VERSION;
        return Ok(witness);
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(FileError::NotAWitness { path: path.into(), reason: "neither JSON nor a bincode witness".into() });
    }
    // Read the envelope first so that a file of another version says so instead of failing on
    // some field deep inside.
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| corrupt(Format::Json, e.to_string()))?;
    let format = value.get("format").and_then(|f| f.as_str());
    if format != Some(WitnessFile::FORMAT) {
        return Err(FileError::NotAWitness { path: path.into(), reason: format!("format field is {format:?}") });
    }
    let version =
        value.get("version").and_then(|v| v.as_u64()).ok_or_else(|| corrupt(Format::Json, "no version".into()))?;
    check_version(path, version)?;
    let mut witness: WitnessFile = serde_json::from_value(value).map_err(|e| corrupt(Format::Json, e.to_string()))?;
    witness.version = WitnessFile::VERSION;
    Ok(witness)
}

fn check_version(path: &str, found: u64) -> Result<(), FileError> {
    if !WitnessFile::READS.contains(&u32::try_from(found).unwrap_or(u32::MAX)) {
        return Err(FileError::Version { path: path.into(), found, supported: WitnessFile::VERSION });
    }
    Ok(())
}

/// Reads a witness file of either format (told apart by content).
pub fn read(path: &Path) -> Result<WitnessFile, FileError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|cause| FileError::Io { path: name.clone(), cause })?;
    decode(&bytes, &name)
}

/// Writes to a temporary file beside `path` and renames it into place, so a reader never sees a
/// half-written witness and a failed run leaves no file behind.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write_atomic_with(path, |out| out.write_all(bytes))
        .map_err(|cause| FileError::Io { path: path.display().to_string(), cause })
}

/// Like [`write_atomic`], for any file this project writes (proofs, keys, params): `fill` writes
/// the contents, which reach `path` only once they are complete and synced.
pub fn write_atomic_with(path: &Path, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // NamedTempFile makes 0600 files; a witness or proof is for others to read too.
    let tmp =
        tempfile::Builder::new().permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644)).tempfile_in(dir)?;
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file());
        fill(&mut out)?;
        out.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes a witness file atomically: never half a file.
pub fn write(path: &Path, witness: &WitnessFile, format: Format) -> Result<(), FileError> {
    write_atomic(path, &encode(witness, format))
}
