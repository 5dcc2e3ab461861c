//! A built VM image, in one of the two forms a directory can hold:
//! - `vmlinux`, `initramfs.cpio` and `image.json` (scripts/build-vm-image.sh): booted directly
//!   (QEMU's -kernel and -initrd), the task form on the command line the runner writes;
//! - `disk.img` and `image.json` (scripts/build-disk-image.sh): the bootable disk a node boots
//!   through the BIOS, read-only on virtio-scsi, its task form fixed in the disk's own config.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error(
        "{0} is not a VM image directory: {1} is missing (build one with scripts/build-vm-image.sh, \
         or a disk with scripts/build-disk-image.sh)"
    )]
    Missing(PathBuf, &'static str),
    #[error("{path}: {source}")]
    Manifest { path: PathBuf, source: serde_json::Error },
}

/// What scripts/build-vm-image.sh (and build-disk-image.sh) record about the image.
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
    /// Present for a disk image.
    #[serde(default)]
    pub disk: Option<DiskInfo>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct DiskInfo {
    /// The task form the disk's kernel command line names: "v1" or "v2".
    pub mode: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Clone, Debug)]
pub enum Boot {
    Direct { kernel: PathBuf, initramfs: PathBuf },
    Disk { disk: PathBuf, mode: String },
}

#[derive(Clone, Debug)]
pub struct Image {
    pub boot: Boot,
    pub info: ImageInfo,
}

impl Image {
    pub fn open(dir: &Path) -> Result<Image, ImageError> {
        let manifest = dir.join("image.json");
        if !manifest.is_file() {
            return Err(ImageError::Missing(dir.to_path_buf(), "image.json"));
        }
        let text = std::fs::read(&manifest)
            .map_err(|e| ImageError::Manifest { path: manifest.clone(), source: serde_json::Error::io(e) })?;
        let info: ImageInfo =
            serde_json::from_slice(&text).map_err(|source| ImageError::Manifest { path: manifest, source })?;
        let boot = match &info.disk {
            Some(disk) => {
                if !dir.join("disk.img").is_file() {
                    return Err(ImageError::Missing(dir.to_path_buf(), "disk.img"));
                }
                Boot::Disk { disk: dir.join("disk.img"), mode: disk.mode.clone() }
            }
            None => {
                for name in ["vmlinux", "initramfs.cpio"] {
                    if !dir.join(name).is_file() {
                        return Err(ImageError::Missing(dir.to_path_buf(), name));
                    }
                }
                Boot::Direct { kernel: dir.join("vmlinux"), initramfs: dir.join("initramfs.cpio") }
            }
        };
        Ok(Image { boot, info })
    }
}
