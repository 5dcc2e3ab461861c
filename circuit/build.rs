//! CIRCUIT_SOURCE_HASH: blake3 of this crate's sources and manifest, so that cached keys of a
//! changed circuit are never reused (see src/keys.rs).

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("src"))
        .expect("src/")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.push(root.join("Cargo.toml"));
    files.sort();
    let mut hasher = blake3::Hasher::new();
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        hasher.update(file.file_name().expect("file name").as_encoded_bytes());
        hasher.update(&std::fs::read(file).expect("readable source"));
    }
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rustc-env=CIRCUIT_SOURCE_HASH={}", hasher.finalize().to_hex());
}
