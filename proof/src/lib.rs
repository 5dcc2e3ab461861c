//! One envelope for every proof file: `{format, version, kind, chain_id, block_number,
//! block_hash, ...}`, where the rest is the kind's own body (crate `circuit` for the state proof,
//! crate `execution` for the execution proof). The verifier reads the head, then hands the file to
//! the kind it names; nothing here knows a kind's insides.
//!
//! Version 2 added `kind`. A version 1 file (which had no kind) is a state proof and still reads.

use std::path::Path;

use alloy_primitives::B256;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

pub const FORMAT: &str = "eth-block-proof";
pub const VERSION: u32 = 2;
/// Files of this version hold state proofs only and carry no `kind`.
pub const VERSION_STATE_ONLY: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ProofKind {
    /// halo2 KZG proofs of the header chain and the pre-state the block reads (crate `circuit`).
    State,
    /// A zkVM proof that the block re-executes statelessly to its header (crate `execution`).
    Execution,
}

impl ProofKind {
    pub fn name(self) -> &'static str {
        match self {
            ProofKind::State => "state",
            ProofKind::Execution => "execution",
        }
    }
}

impl std::fmt::Display for ProofKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ProofKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "state" => Ok(ProofKind::State),
            "execution" => Ok(ProofKind::Execution),
            other => Err(format!("unknown proof kind {other:?} (state or execution)")),
        }
    }
}

/// The head every proof file has, whatever its kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub format: String,
    pub version: u32,
    pub kind: ProofKind,
    pub chain_id: u64,
    pub block_number: u64,
    pub block_hash: B256,
}

impl Head {
    pub fn new(kind: ProofKind, chain_id: u64, block_number: u64, block_hash: B256) -> Self {
        Self { format: FORMAT.into(), version: VERSION, kind, chain_id, block_number, block_hash }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}: not a proof file: {reason}")]
    NotAProof { path: String, reason: String },
    #[error("{path}: proof format version {found}, this build reads versions {VERSION_STATE_ONLY} and {VERSION}")]
    Version { path: String, found: u64 },
    #[error("{path}: a {found} proof, where a {expected} proof was expected")]
    Kind { path: String, found: ProofKind, expected: ProofKind },
    #[error("{path}: damaged proof file: {reason}")]
    Corrupt { path: String, reason: String },
}

/// A proof file read as JSON, its head checked: format, a version this build reads, a known kind.
pub struct Envelope {
    pub kind: ProofKind,
    pub version: u32,
    value: serde_json::Value,
    path: String,
}

impl Envelope {
    pub fn decode(bytes: &[u8], path: &str) -> Result<Self, EnvelopeError> {
        let not_a_proof = |reason: String| EnvelopeError::NotAProof { path: path.into(), reason };
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| not_a_proof(format!("not JSON: {e}")))?;
        let format = value.get("format").and_then(|f| f.as_str());
        if format != Some(FORMAT) {
            return Err(not_a_proof(format!("format field is {format:?}")));
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        let kind = match version {
            v if v == VERSION_STATE_ONLY as u64 => ProofKind::State,
            v if v == VERSION as u64 => {
                let kind = value.get("kind").ok_or_else(|| not_a_proof("no kind field".into()))?;
                serde_json::from_value(kind.clone()).map_err(|_| not_a_proof(format!("unknown proof kind {kind}")))?
            }
            found => return Err(EnvelopeError::Version { path: path.into(), found }),
        };
        Ok(Self { kind, version: version as u32, value, path: path.into() })
    }

    pub fn read(path: &Path) -> Result<Self, EnvelopeError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| EnvelopeError::Io { path: name.clone(), source })?;
        Self::decode(&bytes, &name)
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    /// The whole file as the kind's own type, after checking it is of that kind.
    pub fn into_body<T: DeserializeOwned>(self, expected: ProofKind) -> Result<T, EnvelopeError> {
        if self.kind != expected {
            return Err(EnvelopeError::Kind { path: self.path, found: self.kind, expected });
        }
        serde_json::from_value(self.value)
            .map_err(|e| EnvelopeError::Corrupt { path: self.path, reason: e.to_string() })
    }
}

/// A proof kind's file: the envelope head and the kind's body in one JSON object. Reading checks
/// the head (format, version, kind) before the body.
pub trait KindFile: Serialize + DeserializeOwned {
    const KIND: ProofKind;

    fn decode(bytes: &[u8], path: &str) -> Result<Self, EnvelopeError> {
        Envelope::decode(bytes, path)?.into_body(Self::KIND)
    }

    fn read(path: &Path) -> Result<Self, EnvelopeError> {
        Envelope::read(path)?.into_body(Self::KIND)
    }

    /// Written to a temporary file and renamed into place: never half a proof.
    fn write(&self, path: &Path) -> Result<(), EnvelopeError> {
        write_json(self, path)
    }
}

/// Pretty JSON with a final newline, written to a temporary file and renamed into place: never
/// half a proof.
pub fn write_json<T: Serialize>(value: &T, path: &Path) -> Result<(), EnvelopeError> {
    let out = to_json_bytes(value);
    witness::file::write_atomic_with(path, |w| w.write_all(&out))
        .map_err(|source| EnvelopeError::Io { path: path.display().to_string(), source })
}

/// A proof file's bytes, as `write_json` writes them (a service stores and serves these).
pub fn to_json_bytes<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("proof files always serialize");
    out.push(b'\n');
    out
}

/// What a caught panic said, when it said it with a string (`panic!` with or without format
/// arguments). Proving and verifying run dependencies that assert deep inside; every kind turns
/// such a panic into an error of its own run with this.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> Option<&str> {
    panic.downcast_ref::<String>().map(String::as_str).or(panic.downcast_ref::<&str>().copied())
}
