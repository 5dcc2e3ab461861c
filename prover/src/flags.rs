//! The prove flags every edge takes (`prover_cmd offline_prover` and `legacy_prover`, `serve`,
//! `worker`, the Gevulot prover's task arguments), and the one check of which flags go with which
//! kind.

use std::path::PathBuf;

use circuit::{ClassName, StateConfig};
use clap::Args;
use execution::{ProverSettings, SettingError};
use proof::ProofKind;

use crate::ProveConfig;

/// KZG params and the key cache: the state proof's, for proving and verifying.
#[derive(Args, Clone, Debug, Default, PartialEq)]
pub struct KeyFlags {
    /// State proofs: KZG params, a kzg_bn254_{k}.srs file (halo2 RawBytes layout; a larger k is
    /// downsized) or a directory holding such files.
    #[arg(short = 'k', long = "params")]
    pub params: Option<PathBuf>,
    /// State proofs: key cache directory [default: $XDG_CACHE_HOME/eth-block-prover/keys, else
    /// ~/.cache/eth-block-prover/keys].
    #[arg(long)]
    pub keys_dir: Option<PathBuf>,
    /// State proofs: generate keys every time, cache nothing.
    #[arg(long, conflicts_with = "keys_dir")]
    pub no_key_cache: bool,
}

impl KeyFlags {
    /// The key cache to use: the flag's, none with `--no-key-cache`, else `default`.
    pub fn keys_dir_or(&self, default: Option<PathBuf>) -> Option<PathBuf> {
        if self.no_key_cache {
            return None;
        }
        self.keys_dir.clone().or(default)
    }
}

/// The user's key cache: `$XDG_CACHE_HOME/eth-block-prover/keys`, else under `~/.cache`.
pub fn default_keys_dir() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(cache.join("eth-block-prover/keys"))
}

/// How to prove, for either kind: each flag belongs to one kind, and a flag of the other kind is
/// refused rather than ignored.
#[derive(Args, Clone, Debug, Default, PartialEq)]
pub struct ProveFlags {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub keys: KeyFlags,
    /// State proofs: circuit class, micro, tiny or small [default: the cheapest that fits].
    #[arg(long)]
    pub class: Option<ClassName>,
    /// Execution proofs: the segment size, as the proving memory (GiB, OpenVM's estimate) one
    /// segment may need; a new segment starts before one would need more. Lower it for a lower
    /// peak (more, shorter segments) [default: 4, which a mainnet block's segments fit in 24 GiB].
    #[arg(long, value_name = "GIB")]
    pub segment_memory: Option<f64>,
    /// Execution proofs: threads that prove [default: one per core].
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Flags that do not make a configuration.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FlagError {
    /// A flag of the other kind was given.
    #[error("{flags} {} for {kind} proofs{why}", if flags.contains(" and ") { "are" } else { "is" })]
    OtherKind {
        /// The flags, as the user typed them.
        flags: &'static str,
        /// The kind they belong to.
        kind: ProofKind,
        /// Why they make no sense for the kind asked for, when it helps.
        why: &'static str,
    },
    /// A state proof without params.
    #[error("a state proof needs KZG params: give them with -k / --params")]
    NoParams,
    /// An execution setting out of range.
    #[error(transparent)]
    Setting(#[from] SettingError),
}

impl ProveFlags {
    /// The configuration these flags make for `kind`, the key cache defaulting to `keys_dir`.
    pub fn config(&self, kind: ProofKind, keys_dir: Option<PathBuf>) -> Result<ProveConfig, FlagError> {
        match kind {
            ProofKind::State => {
                if self.segment_memory.is_some() || self.threads.is_some() {
                    let flags = "--segment-memory and --threads";
                    return Err(FlagError::OtherKind { flags, kind: ProofKind::Execution, why: "" });
                }
                let params = self.keys.params.clone().ok_or(FlagError::NoParams)?;
                Ok(ProveConfig::State(StateConfig {
                    params,
                    keys_dir: self.keys.keys_dir_or(keys_dir),
                    class: self.class,
                }))
            }
            ProofKind::Execution => {
                if self.class.is_some() {
                    return Err(FlagError::OtherKind {
                        flags: "--class",
                        kind: ProofKind::State,
                        why: " (circuit classes)",
                    });
                }
                if self.keys.params.is_some() {
                    let why = ": an execution proof needs no KZG params";
                    return Err(FlagError::OtherKind { flags: "--params", kind: ProofKind::State, why });
                }
                Ok(ProveConfig::Execution(ProverSettings::new(self.segment_memory, self.threads)?))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_flag_goes_with_its_kind_and_the_other_kind_refuses_it_by_name() {
        let message = |flags: ProveFlags, kind| flags.config(kind, None).unwrap_err().to_string();
        let params = KeyFlags { params: Some("p".into()), ..KeyFlags::default() };
        assert_eq!(
            message(ProveFlags { keys: params.clone(), ..Default::default() }, ProofKind::Execution),
            "--params is for state proofs: an execution proof needs no KZG params"
        );
        assert_eq!(
            message(ProveFlags { class: Some(ClassName::Micro), ..Default::default() }, ProofKind::Execution),
            "--class is for state proofs (circuit classes)"
        );
        assert_eq!(
            message(ProveFlags { threads: Some(2), keys: params.clone(), ..Default::default() }, ProofKind::State),
            "--segment-memory and --threads are for execution proofs"
        );
        assert_eq!(message(ProveFlags::default(), ProofKind::State), FlagError::NoParams.to_string());
        assert!(
            message(ProveFlags { threads: Some(0), ..Default::default() }, ProofKind::Execution).contains("at least 1")
        );
        let state = ProveFlags { keys: params, class: Some(ClassName::Tiny), ..Default::default() };
        match state.config(ProofKind::State, Some("cache".into())).unwrap() {
            ProveConfig::State(c) => assert_eq!((c.keys_dir, c.class), (Some("cache".into()), Some(ClassName::Tiny))),
            other => panic!("{other:?}"),
        }
        let no_cache = KeyFlags { no_key_cache: true, keys_dir: None, params: None };
        assert_eq!(no_cache.keys_dir_or(Some("cache".into())), None);
        assert!(matches!(ProveFlags::default().config(ProofKind::Execution, None), Ok(ProveConfig::Execution(_))));
    }
}
