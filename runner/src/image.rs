//! A built VM image: `vmlinux`, `initramfs.cpio` and `image.json` in one directory.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("{0} is not a VM image directory: {1} is missing (build one with scripts/build-vm-image.sh)")]
    Missing(PathBuf, &'static str),
    #[error("{path}: {source}")]
    Manifest { path: PathBuf, source: serde_json::Error },
}

/// What scripts/build-vm-image.sh records about the image.
#[derive(Clone, Debug, Deserialize)]
pub struct ImageInfo {
    pub program: String,
    pub profile: String,
    pub kernel: String,
    pub init_bytes: u64,
    pub initramfs_bytes: u64,
    pub vmlinux_bytes: u64,
    pub params: Vec<String>,
    pub keys: bool,
}

#[derive(Clone, Debug)]
pub struct Image {
    pub kernel: PathBuf,
    pub initramfs: PathBuf,
    pub info: ImageInfo,
}

impl Image {
    pub fn open(dir: &Path) -> Result<Image, ImageError> {
        for name in ["vmlinux", "initramfs.cpio", "image.json"] {
            if !dir.join(name).is_file() {
                return Err(ImageError::Missing(dir.to_path_buf(), name));
            }
        }
        let manifest = dir.join("image.json");
        let text = std::fs::read(&manifest)
            .map_err(|e| ImageError::Manifest { path: manifest.clone(), source: serde_json::Error::io(e) })?;
        let info = serde_json::from_slice(&text).map_err(|source| ImageError::Manifest { path: manifest, source })?;
        Ok(Image { kernel: dir.join("vmlinux"), initramfs: dir.join("initramfs.cpio"), info })
    }
}
