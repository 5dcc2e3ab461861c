//! Proving keys kept between runs. Generating the app and aggregation proving keys is a fixed cost
//! of every proof (the README has the figure); they depend only on OpenVM's version, the VM
//! configuration and the STARK parameters, never on the guest or the block, so one file serves
//! every later proof.
//!
//! The cache is not trusted for soundness: keys that do not belong to the committed verifying
//! key make proofs that do not verify, and every new proof is verified under the committed key
//! before it is written (pipeline). A file that cannot be read or decoded is regenerated.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use openvm_sdk::{
    config::{AggregationSystemParams, AppConfig},
    keygen::{AggProvingKey, AppProvingKey},
    prover::vm::types::VmProvingKey,
    Sdk,
};
use openvm_sdk_config::SdkVmConfig;
use serde::{Deserialize, Serialize};

/// Bumped when the file's layout changes; part of the file name, so old files are never misread.
const FORMAT: u32 = 1;

/// The keys as stored: the app key without its VM configuration (which also carries the segment
/// size, a setting that does not change the key, so one file serves every segment size), and the
/// aggregation key.
#[derive(Serialize, Deserialize)]
struct StoredKeys {
    app_vm_pk: AppProvingKey<SdkVmConfig>,
    agg_pk: AggProvingKey,
}

/// One cache file, named after everything the keys depend on.
pub(crate) struct KeyCacheFile {
    path: PathBuf,
}

impl KeyCacheFile {
    /// The file in `dir` for these parameters. `keyed_config` is the VM configuration with the
    /// default segment size, so that the name does not depend on that setting.
    pub(crate) fn new(dir: &Path, keyed_config: &AppConfig<SdkVmConfig>, agg_params: &AggregationSystemParams) -> Self {
        let mut h = blake3::Hasher::new();
        h.update(b"openvm-sdk 2.0.2\0");
        h.update(&serde_json::to_vec(keyed_config).unwrap_or_default());
        h.update(&serde_json::to_vec(agg_params).unwrap_or_default());
        let tag = &h.finalize().to_hex()[..16];
        Self { path: dir.join(format!("execution-openvm-2.0.2-v{FORMAT}-{tag}.pk")) }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The cached keys with `app_config`'s VM configuration (this run's segment size), or None
    /// when there is no usable file.
    pub(crate) fn load(
        &self,
        app_config: &AppConfig<SdkVmConfig>,
    ) -> Option<(AppProvingKey<SdkVmConfig>, AggProvingKey)> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!(file = %self.path.display(), "cannot read the cached proving keys, generating them: {e}");
                return None;
            }
        };
        let stored: StoredKeys = match bitcode::deserialize(&bytes) {
            Ok(stored) => stored,
            Err(e) => {
                tracing::warn!(file = %self.path.display(), "cached proving keys do not decode, generating them: {e}");
                return None;
            }
        };
        let vm_pk = stored.app_vm_pk.app_vm_pk.vm_pk.clone();
        if vm_pk.params != app_config.system_params {
            tracing::warn!(file = %self.path.display(), "cached proving keys are for other parameters, generating them");
            return None;
        }
        let app_pk =
            AppProvingKey { app_vm_pk: Arc::new(VmProvingKey { vm_config: app_config.app_vm_config.clone(), vm_pk }) };
        Some((app_pk, stored.agg_pk))
    }

    /// Writes the keys `sdk` has generated. A failure to cache is not a failure to prove (a
    /// read-only directory, a full disk): it is reported and the run goes on.
    pub(crate) fn store(&self, sdk: &Sdk) {
        let stored = match sdk.cached_proving_key() {
            Ok(keys) => StoredKeys { app_vm_pk: keys.app_pk, agg_pk: keys.agg_pk },
            Err(e) => {
                tracing::warn!("no proving keys to cache: {e}");
                return;
            }
        };
        let written = bitcode::serialize(&stored).map_err(std::io::Error::other).and_then(|bytes| {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            witness::file::write_atomic_with(&self.path, |out| out.write_all(&bytes))
        });
        match written {
            Ok(()) => tracing::info!(file = %self.path.display(), "proving keys cached"),
            Err(e) => tracing::warn!(file = %self.path.display(), "cannot cache the proving keys: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProverSettings;

    #[test]
    fn a_missing_or_damaged_file_is_no_keys_and_the_name_ignores_the_segment_size() {
        let dir = tempfile::tempdir().unwrap();
        let config = super::super::app_config(&ProverSettings::default());
        let agg = AggregationSystemParams::default();
        let file = KeyCacheFile::new(dir.path(), &config, &agg);
        assert!(file.load(&config).is_none(), "no file");
        std::fs::write(file.path(), b"not keys").unwrap();
        assert!(file.load(&config).is_none(), "garbage");
        std::fs::write(file.path(), []).unwrap();
        assert!(file.load(&config).is_none(), "empty");

        let small_segments = ProverSettings::new(Some(2.0), None).unwrap();
        let keyed =
            ProverSettings { segment_max_memory: ProverSettings::default().segment_max_memory, ..small_segments };
        assert_eq!(KeyCacheFile::new(dir.path(), &super::super::app_config(&keyed), &agg).path(), file.path());
        let other_params = ProverSettings { log_stacked_height: 19, ..Default::default() };
        assert_ne!(KeyCacheFile::new(dir.path(), &super::super::app_config(&other_params), &agg).path(), file.path());
    }
}
