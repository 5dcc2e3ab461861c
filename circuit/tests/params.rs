//! KZG params files: RawBytes layout, downsizing, refusal of wrong files, and the insecure marker.

use axiom_eth::halo2_proofs::{halo2curves::bn256::Bn256, poly::kzg::commitment::ParamsKZG, SerdeFormat};
use circuit::params::{self, ParamsError};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

fn bytes(p: &ParamsKZG<Bn256>) -> Vec<u8> {
    let mut out = Vec::new();
    p.write_custom(&mut out, SerdeFormat::RawBytes).unwrap();
    out
}

#[test]
fn dev_params_round_trip_are_recognised_and_downsize_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join(params::dev_file_name(11));
    params::write(&params::generate_insecure_dev(11), &big).unwrap();
    assert_eq!(std::fs::metadata(&big).unwrap().len(), params::expected_len(11));

    let loaded = params::load(&big, 11).unwrap();
    assert!(loaded.insecure_dev);
    assert_eq!(loaded.file_k, 11);

    // From a directory, for a smaller circuit: found and downsized, identical to a fresh setup.
    let small = params::load(dir.path(), 9).unwrap();
    assert_eq!((small.file_k, small.path.clone()), (11, big.clone()));
    assert!(small.insecure_dev);
    assert_eq!(bytes(&small.params), bytes(&params::generate_insecure_dev(9)));
}

#[test]
fn other_params_are_not_called_insecure() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(params::file_name(8));
    let other = ParamsKZG::<Bn256>::setup(8, ChaCha20Rng::from_seed([7; 32]));
    params::write(&other, &path).unwrap();
    assert!(!params::load(&path, 8).unwrap().insecure_dev);
}

#[test]
fn wrong_files_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(params::file_name(8));
    params::write(&params::generate_insecure_dev(8), &path).unwrap();

    assert!(matches!(params::load(&path, 9), Err(ParamsError::TooSmall { found: 8, needed: 9, .. })));
    assert!(matches!(params::load(dir.path(), 9), Err(ParamsError::NotFound { needed: 9, .. })));

    let full = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.srs");
    std::fs::write(&cut, &full[..full.len() - 64]).unwrap();
    let err = params::load(&cut, 8).err().unwrap();
    assert!(matches!(err, ParamsError::BadLength { k: 8, .. }), "{err}");
    assert!(err.to_string().contains(&params::expected_len(8).to_string()));

    let junk = dir.path().join("junk.srs");
    std::fs::write(&junk, b"\xff\xff\xff\xffnot params").unwrap();
    assert!(matches!(params::load(&junk, 8), Err(ParamsError::BadK { .. })));
    assert!(matches!(params::load(&dir.path().join("missing.srs"), 8), Err(ParamsError::Io { .. })));
}
