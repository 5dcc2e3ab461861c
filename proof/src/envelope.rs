//! The envelope every proof file has: `{format, version, kind, chain_id, block_number,
//! block_hash, ...}`, the kind's own body after it. Version 2 added `kind`; a version 1 file
//! (which had none) is a state proof and still reads.

use std::path::Path;

use alloy_primitives::B256;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// The `format` field of every proof file.
pub const FORMAT: &str = "eth-block-proof";
/// The version this build writes.
pub const VERSION: u32 = 2;
/// Files of this version hold state proofs only and carry no `kind`.
pub const VERSION_STATE_ONLY: u32 = 1;

/// The kinds of proof a file may hold. The one place that lists them; code that must tell them
/// apart matches on this enum in the dispatch of `prover` and `verifier`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ProofKind {
    /// halo2 KZG proofs of the header chain and the pre-state the block reads (crate `circuit`).
    State,
    /// A zkVM proof that the block re-executes statelessly to its header (crate `execution`).
    Execution,
}

impl ProofKind {
    /// Every kind, in the order the help texts list them.
    pub const ALL: [ProofKind; 2] = [ProofKind::Execution, ProofKind::State];

    /// "a state" or "an execution", for messages.
    pub fn with_article(self) -> &'static str {
        match self {
            ProofKind::State => "a state",
            ProofKind::Execution => "an execution",
        }
    }

    /// The kind's name in files, flags, the database and the API.
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

/// A name that is not a proof kind.
#[derive(Debug, thiserror::Error)]
#[error("unknown proof kind {0:?} (state or execution)")]
pub struct UnknownKind(pub String);

impl std::str::FromStr for ProofKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, UnknownKind> {
        ProofKind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| UnknownKind(s.into()))
    }
}

/// The head every proof file has, whatever its kind; each kind's file flattens it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// Always [`FORMAT`].
    pub format: String,
    /// The file's version ([`VERSION`] when written by this build).
    pub version: u32,
    /// Which kind of proof the body holds.
    pub kind: ProofKind,
    /// The chain, as the prover names it (an execution proof proves it; see each kind).
    pub chain_id: u64,
    /// The block, as the prover names it.
    pub block_number: u64,
    /// The block's hash: what every kind of proof proves something about.
    pub block_hash: B256,
}

impl Head {
    /// The head of a new file of this build's version.
    pub fn new(kind: ProofKind, chain_id: u64, block_number: u64, block_hash: B256) -> Self {
        Self { format: FORMAT.into(), version: VERSION, kind, chain_id, block_number, block_hash }
    }
}

/// Why a proof file cannot be read or written. Each message names the file and reads whole.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// The file could not be read or written.
    #[error("{path}: {cause}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        cause: std::io::Error,
    },
    /// Not JSON, or JSON without this format's head.
    #[error("{path}: not a proof file: {reason}")]
    NotAProof {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A format version this build does not read.
    #[error("{path}: proof format version {found}, this build reads versions {VERSION_STATE_ONLY} and {VERSION}")]
    Version {
        /// The file.
        path: String,
        /// The version it says.
        found: u64,
    },
    /// Another kind of proof than the one asked for.
    #[error("{path}: {} proof, where {} proof was expected", found.with_article(), expected.with_article())]
    Kind {
        /// The file.
        path: String,
        /// The kind it holds.
        found: ProofKind,
        /// The kind that was asked for.
        expected: ProofKind,
    },
    /// The head is fine, the kind's body is not.
    #[error("{path}: damaged proof file: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// What serde found.
        reason: String,
    },
}

/// A proof file read as JSON, its head checked: format, a version this build reads, a known kind.
#[derive(Debug)]
pub struct Envelope {
    /// The kind the file holds.
    pub kind: ProofKind,
    /// The file's version.
    pub version: u32,
    value: serde_json::Value,
    path: String,
}

impl Envelope {
    /// Reads the head of proof-file bytes; `path` names them in errors.
    pub fn decode(bytes: &[u8], path: &str) -> Result<Self, EnvelopeError> {
        let not_a_proof = |reason: String| EnvelopeError::NotAProof { path: path.into(), reason };
        let mut value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| not_a_proof(format!("not JSON: {e}")))?;
        let format = value.get("format").and_then(|f| f.as_str());
        if format != Some(FORMAT) {
            return Err(not_a_proof(format!("format field is {format:?}")));
        }
        let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        let kind = match version {
            v if v == VERSION_STATE_ONLY as u64 => {
                // The kind version 2 made explicit, so that both versions read into one head.
                if let Some(object) = value.as_object_mut() {
                    object.insert("kind".into(), ProofKind::State.name().into());
                }
                ProofKind::State
            }
            v if v == VERSION as u64 => {
                let kind = value.get("kind").ok_or_else(|| not_a_proof("no kind field".into()))?;
                serde_json::from_value(kind.clone()).map_err(|_| not_a_proof(format!("unknown proof kind {kind}")))?
            }
            found => return Err(EnvelopeError::Version { path: path.into(), found }),
        };
        Ok(Self { kind, version: version as u32, value, path: path.into() })
    }

    /// Reads a proof file's head.
    pub fn read(path: &Path) -> Result<Self, EnvelopeError> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|cause| EnvelopeError::Io { path: name.clone(), cause })?;
        Self::decode(&bytes, &name)
    }

    /// How the file was named when it was read.
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
    /// The kind of proof this file holds.
    const KIND: ProofKind;

    /// The head (block and chain as the file names them).
    fn head(&self) -> &Head;

    /// Reads such a file from bytes; `path` names them in errors.
    fn decode(bytes: &[u8], path: &str) -> Result<Self, EnvelopeError> {
        Envelope::decode(bytes, path)?.into_body(Self::KIND)
    }

    /// Reads such a file.
    fn read(path: &Path) -> Result<Self, EnvelopeError> {
        Envelope::read(path)?.into_body(Self::KIND)
    }

    /// The file's bytes, as [`KindFile::write`] writes them (a service stores and serves these).
    fn to_json_bytes(&self) -> Vec<u8> {
        to_json_bytes(self)
    }

    /// Written to a temporary file and renamed into place: never half a proof.
    fn write(&self, path: &Path) -> Result<(), EnvelopeError> {
        write_json(self, path)
    }
}

/// Pretty JSON with a final newline, written to a temporary file and renamed into place: never
/// half a proof.
pub fn write_json<T: Serialize + ?Sized>(value: &T, path: &Path) -> Result<(), EnvelopeError> {
    let out = to_json_bytes(value);
    witness::file::write_atomic_with(path, |w| w.write_all(&out))
        .map_err(|cause| EnvelopeError::Io { path: path.display().to_string(), cause })
}

/// A proof file's bytes, as `write_json` writes them.
pub fn to_json_bytes<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(value).expect("proof files always serialize");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_file_reads_as_a_state_proof_with_the_same_head() {
        let v1 = br#"{"format": "eth-block-proof", "version": 1, "chain_id": 1, "block_number": 5,
            "block_hash": "0x0000000000000000000000000000000000000000000000000000000000000007"}"#;
        let envelope = Envelope::decode(v1, "v1.json").unwrap();
        assert_eq!((envelope.kind, envelope.version), (ProofKind::State, 1));
        let head: Head = envelope.into_body(ProofKind::State).unwrap();
        assert_eq!((head.kind, head.block_number, head.block_hash), (ProofKind::State, 5, B256::with_last_byte(7)));
        let wrong = Envelope::decode(v1, "v1.json").unwrap().into_body::<Head>(ProofKind::Execution).unwrap_err();
        assert_eq!(wrong.to_string(), "v1.json: a state proof, where an execution proof was expected");
        assert!(Envelope::decode(b"{}", "x").unwrap_err().to_string().contains("not a proof file"));
        let v3 = br#"{"format": "eth-block-proof", "version": 3}"#;
        assert!(Envelope::decode(v3, "x").unwrap_err().to_string().contains("proof format version 3"));
        assert_eq!(
            "telepathy".parse::<ProofKind>().unwrap_err().to_string(),
            "unknown proof kind \"telepathy\" (state or execution)"
        );
    }
}
