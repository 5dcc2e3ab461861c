//! Proving and verifying keys of a class's two circuits, generated once per circuit shape and
//! params and cached on disk, so that a second proof (or verification) skips key generation.
//!
//! A cache entry is a directory named after the class, k and a fingerprint of the shape, the
//! params (their secret-dependent points) and this crate's circuit sources. It holds the keys as
//! files named by circuit id (as axiom-eth names them) and `keys.json`, which records the circuit
//! configuration needed to read them back and every file's length and blake3 hash. A file that does
//! not match is regenerated, never deserialized (halo2 panics on a short key). The cache is the
//! user's own: it guards against damage, not against someone who can write to it.

use std::{
    fs::File,
    io::BufReader,
    path::{Path, PathBuf},
};

use axiom_eth::{
    halo2_proofs::{
        halo2curves::bn256::{Bn256, G1Affine},
        plonk::{ProvingKey, VerifyingKey},
        poly::{
            commitment::{Params, ParamsProver},
            kzg::commitment::ParamsKZG,
        },
        SerdeFormat,
    },
    halo2curves::group::GroupEncoding,
    utils::build_utils::pinning::RlcCircuitPinning,
    zkevm_hashes::keccak::component::circuit::shard::KeccakComponentShardCircuit,
};
use serde::{Deserialize, Serialize};

use crate::{
    proving::{self, circuit_id, KeccakKeys, KeccakPinning, MainCircuit, MainKeys},
    CapacityClass,
};

/// blake3 of this crate's sources (build.rs): a changed circuit never meets an old key.
pub const SOURCE_REVISION: &str = env!("CIRCUIT_SOURCE_HASH");

const MANIFEST: &str = "keys.json";

type KeccakCircuit = KeccakComponentShardCircuit<axiom_eth::halo2curves::bn256::Fr>;
/// Keys hold field elements in Montgomery form as computed here; they are checked by hash instead.
const KEY_FORMAT: SerdeFormat = SerdeFormat::RawBytesUnchecked;

/// Why keys could not be made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// halo2's key generation failed.
    #[error("key generation for the {class} circuits failed: {reason}")]
    Keygen {
        /// The class.
        class: crate::ClassName,
        /// What halo2 said.
        reason: String,
    },
}

/// Circuit ids (content hashes of the verifying keys) of a class's two circuits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitIds {
    /// The block-state circuit's.
    pub block_state: String,
    /// The keccak circuit's.
    pub keccak: String,
}

/// The proving keys of a class's two circuits.
pub struct ProvingKeys {
    /// The class.
    pub class: CapacityClass,
    /// The block-state circuit's keys.
    pub main: MainKeys,
    /// The keccak circuit's keys.
    pub keccak: KeccakKeys,
    /// Their circuit ids.
    pub ids: CircuitIds,
}

/// The verifying keys of a class's two circuits.
pub struct VerifyingKeys {
    /// The class.
    pub class: CapacityClass,
    /// The block-state circuit's.
    pub main: VerifyingKey<G1Affine>,
    /// The keccak circuit's.
    pub keccak: VerifyingKey<G1Affine>,
    /// Their circuit ids.
    pub ids: CircuitIds,
}

/// Where keys came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeySource {
    /// Read from the cache.
    Cache,
    /// Generated now.
    Generated,
}

#[derive(Clone, Serialize, Deserialize)]
struct FileEntry {
    name: String,
    bytes: u64,
    blake3: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct CircuitEntry<P> {
    id: String,
    pinning: P,
    vk: FileEntry,
    pk: Option<FileEntry>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Manifest {
    revision: String,
    class: CapacityClass,
    params: String,
    block_state: CircuitEntry<RlcCircuitPinning>,
    keccak: CircuitEntry<KeccakPinning>,
}

/// A key cache directory; `None` keeps nothing.
#[derive(Clone, Debug)]
pub struct KeyCache {
    root: Option<PathBuf>,
}

/// Identifies params by k and their secret-dependent points.
pub fn params_fingerprint(params: &ParamsKZG<Bn256>) -> String {
    let mut h = blake3::Hasher::new();
    h.update(&params.k().to_le_bytes());
    h.update(params.get_g()[1].to_bytes().as_ref());
    h.update(params.g2().to_bytes().as_ref());
    h.update(params.s_g2().to_bytes().as_ref());
    h.finalize().to_hex().to_string()
}

impl KeyCache {
    /// The cache under `root` (None: keys are generated every time and not kept).
    pub fn new(root: Option<PathBuf>) -> Self {
        Self { root }
    }

    /// The entry directory for a class and params.
    pub fn entry_dir(&self, params: &ParamsKZG<Bn256>, class: CapacityClass) -> Option<PathBuf> {
        let root = self.root.as_ref()?;
        let mut h = blake3::Hasher::new();
        h.update(SOURCE_REVISION.as_bytes());
        h.update(&serde_json::to_vec(&class).expect("class serializes"));
        h.update(params_fingerprint(params).as_bytes());
        let tag = &h.finalize().to_hex()[..16];
        Some(root.join(format!("{}-k{}-{tag}", class.name, class.k)))
    }

    fn manifest(&self, dir: &Path, params: &ParamsKZG<Bn256>, class: CapacityClass) -> Option<Manifest> {
        let text = std::fs::read(dir.join(MANIFEST)).ok()?;
        let m: Manifest = match serde_json::from_slice(&text) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(dir = %dir.display(), "unreadable key manifest, regenerating: {e}");
                return None;
            }
        };
        (m.revision == SOURCE_REVISION && m.class == class && m.params == params_fingerprint(params)).then_some(m)
    }

    /// Verifying keys of both circuits: from the cache, else generated (and cached).
    pub fn verifying_keys(
        &self,
        params: &ParamsKZG<Bn256>,
        class: CapacityClass,
    ) -> Result<(VerifyingKeys, KeySource), KeyError> {
        let dir = self.entry_dir(params, class);
        let cached = dir.as_deref().and_then(|d| Some((d, self.manifest(d, params, class)?)));
        if let Some((d, m)) = &cached {
            if let (Some(main), Some(keccak)) = (read_main_vk(d, m), read_keccak_vk(d, m)) {
                return Ok((VerifyingKeys { class, main, keccak, ids: m.ids() }, KeySource::Cache));
            }
        }
        let keygen = keygen_error(class);
        let (main, main_pinning) = proving::keygen_main_vk(params, class).map_err(keygen)?;
        let (keccak, keccak_pinning) = proving::keygen_keccak_vk(params, class).map_err(keygen)?;
        let ids = CircuitIds { block_state: circuit_id(&main), keccak: circuit_id(&keccak) };
        if let Some(dir) = dir {
            let main_entry = Generated { vk: &main, pk: None, pinning: &main_pinning };
            let keccak_entry = Generated { vk: &keccak, pk: None, pinning: &keccak_pinning };
            store(&dir, params, class, main_entry, keccak_entry);
        }
        Ok((VerifyingKeys { class, main, keccak, ids }, KeySource::Generated))
    }

    /// Proving keys of both circuits: from the cache, else generated (and cached). Cached
    /// verifying keys are reused: they are most of the cost of key generation.
    pub fn proving_keys(
        &self,
        params: &ParamsKZG<Bn256>,
        class: CapacityClass,
    ) -> Result<(ProvingKeys, KeySource), KeyError> {
        let dir = self.entry_dir(params, class);
        let cached = dir.as_deref().and_then(|d| Some((d, self.manifest(d, params, class)?)));
        if let Some((d, m)) = &cached {
            if let (Some(main), Some(keccak)) = (read_main_pk(d, m), read_keccak_pk(d, m)) {
                let keys = ProvingKeys {
                    class,
                    main: MainKeys { pk: main, pinning: m.block_state.pinning.clone() },
                    keccak: KeccakKeys { pk: keccak, pinning: m.keccak.pinning.clone() },
                    ids: m.ids(),
                };
                return Ok((keys, KeySource::Cache));
            }
        }
        let main_vk = cached.as_ref().and_then(|(d, m)| read_main_vk(d, m));
        let keccak_vk = cached.as_ref().and_then(|(d, m)| read_keccak_vk(d, m));
        let keygen = keygen_error(class);
        let main = proving::keygen_main(params, class, main_vk).map_err(keygen)?;
        let keccak = proving::keygen_keccak(params, class, keccak_vk).map_err(keygen)?;
        let ids = CircuitIds { block_state: circuit_id(main.pk.get_vk()), keccak: circuit_id(keccak.pk.get_vk()) };
        if let Some(dir) = dir {
            let main_entry = Generated { vk: main.pk.get_vk(), pk: Some(&main.pk), pinning: &main.pinning };
            let keccak_entry = Generated { vk: keccak.pk.get_vk(), pk: Some(&keccak.pk), pinning: &keccak.pinning };
            store(&dir, params, class, main_entry, keccak_entry);
        }
        Ok((ProvingKeys { class, main, keccak, ids }, KeySource::Generated))
    }
}

impl Manifest {
    fn ids(&self) -> CircuitIds {
        CircuitIds { block_state: self.block_state.id.clone(), keccak: self.keccak.id.clone() }
    }
}

fn keygen_error(class: CapacityClass) -> impl Fn(axiom_eth::halo2_proofs::plonk::Error) -> KeyError + Copy {
    move |e| KeyError::Keygen { class: class.name, reason: e.to_string() }
}

fn read_main_vk(dir: &Path, m: &Manifest) -> Option<VerifyingKey<G1Affine>> {
    let params = proving::main_circuit_params(m.class, &m.block_state.pinning);
    read_checked(dir, &m.block_state.vk, |r| VerifyingKey::read::<_, MainCircuit>(r, KEY_FORMAT, params))
}

fn read_keccak_vk(dir: &Path, m: &Manifest) -> Option<VerifyingKey<G1Affine>> {
    let params = m.keccak.pinning.params.clone();
    read_checked(dir, &m.keccak.vk, |r| VerifyingKey::read::<_, KeccakCircuit>(r, KEY_FORMAT, params))
}

fn read_main_pk(dir: &Path, m: &Manifest) -> Option<ProvingKey<G1Affine>> {
    let params = proving::main_circuit_params(m.class, &m.block_state.pinning);
    read_checked(dir, m.block_state.pk.as_ref()?, |r| ProvingKey::read::<_, MainCircuit>(r, KEY_FORMAT, params))
}

fn read_keccak_pk(dir: &Path, m: &Manifest) -> Option<ProvingKey<G1Affine>> {
    let params = m.keccak.pinning.params.clone();
    read_checked(dir, m.keccak.pk.as_ref()?, |r| ProvingKey::read::<_, KeccakCircuit>(r, KEY_FORMAT, params))
}

/// Keys generated in this run, to be cached.
struct Generated<'a, P> {
    vk: &'a VerifyingKey<G1Affine>,
    pk: Option<&'a ProvingKey<G1Affine>>,
    pinning: &'a P,
}

impl<P: Clone> Generated<'_, P> {
    fn write(&self, dir: &Path) -> std::io::Result<CircuitEntry<P>> {
        let id = circuit_id(self.vk);
        let vk = write_key(dir, &format!("{id}.vk"), &self.vk.to_bytes(KEY_FORMAT))?;
        let pk = match self.pk {
            Some(pk) => Some(write_key(dir, &format!("{id}.pk"), &pk.to_bytes(KEY_FORMAT))?),
            None => None,
        };
        Ok(CircuitEntry { id, pinning: self.pinning.clone(), vk, pk })
    }
}

/// A failure to cache is not a failure to prove (a read-only cache, a full disk): say so and go on.
fn store(
    dir: &Path,
    params: &ParamsKZG<Bn256>,
    class: CapacityClass,
    block_state: Generated<'_, RlcCircuitPinning>,
    keccak: Generated<'_, KeccakPinning>,
) {
    let result = (|| -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let m = Manifest {
            revision: SOURCE_REVISION.into(),
            class,
            params: params_fingerprint(params),
            block_state: block_state.write(dir)?,
            keccak: keccak.write(dir)?,
        };
        let json = serde_json::to_vec_pretty(&m).expect("manifest serializes");
        witness::file::write_atomic_with(&dir.join(MANIFEST), |out| out.write_all(&json))
    })();
    match result {
        Ok(()) => tracing::info!(dir = %dir.display(), "keys cached"),
        Err(e) => tracing::warn!(dir = %dir.display(), "could not cache keys: {e}"),
    }
}

fn write_key(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<FileEntry> {
    witness::file::write_atomic_with(&dir.join(name), |out| out.write_all(bytes))?;
    Ok(FileEntry { name: name.into(), bytes: bytes.len() as u64, blake3: blake3::hash(bytes).to_hex().to_string() })
}

/// Reads a key file after checking its length and hash; None (with a warning) if it does not match
/// or does not parse.
fn read_checked<T>(
    dir: &Path,
    entry: &FileEntry,
    read: impl FnOnce(&mut BufReader<File>) -> std::io::Result<T>,
) -> Option<T> {
    let path = dir.join(&entry.name);
    let check = || -> std::io::Result<bool> {
        if std::fs::metadata(&path)?.len() != entry.bytes {
            return Ok(false);
        }
        let mut hasher = blake3::Hasher::new();
        hasher.update_reader(BufReader::with_capacity(1 << 22, File::open(&path)?))?;
        Ok(hasher.finalize().to_hex().as_str() == entry.blake3)
    };
    match check() {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(path = %path.display(), "cached key is damaged (length or hash), regenerating");
            return None;
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), "cached key unreadable, regenerating: {e}");
            return None;
        }
    }
    let mut reader = match File::open(&path) {
        Ok(f) => BufReader::with_capacity(1 << 22, f),
        Err(e) => {
            tracing::warn!(path = %path.display(), "cached key unreadable, regenerating: {e}");
            return None;
        }
    };
    match read(&mut reader) {
        Ok(key) => Some(key),
        Err(e) => {
            tracing::warn!(path = %path.display(), "cached key does not parse, regenerating: {e}");
            None
        }
    }
}
