//! A built VM image, in one of the two forms a directory can hold:
//! - `vmlinux`, `initramfs.cpio` and `image.json` (scripts/build-vm-image.sh): booted directly
//!   (QEMU's -kernel and -initrd), the task form on the command line the runner writes;
//! - `disk.img` and `image.json` (scripts/build-disk-image.sh): the bootable disk a node boots
//!   through the BIOS, read-only on virtio-scsi, its task form fixed in the disk's own config.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Why a directory is not a VM image.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// A file the image needs is missing.
    #[error(
        "{0} is not a VM image directory: {1} is missing (build one with scripts/build-vm-image.sh, \
         or a disk with scripts/build-disk-image.sh)"
    )]
    Missing(PathBuf, &'static str),
    /// `image.json` does not read.
    #[error("{path}: {cause}")]
    Manifest {
        /// The file.
        path: PathBuf,
        /// What serde said.
        cause: serde_json::Error,
    },
}

/// What scripts/build-vm-image.sh (and build-disk-image.sh) record about the image.
#[derive(Clone, Debug, Deserialize)]
pub struct ImageInfo {
    /// `prover` or `verifier`.
    pub program: String,
    /// The cargo profile its binary was built in.
    pub profile: String,
    /// The kernel's version.
    pub kernel: String,
    /// The size of `/init` (the binary).
    pub init_bytes: u64,
    /// The size of the initramfs.
    pub initramfs_bytes: u64,
    /// The size of the kernel.
    pub vmlinux_bytes: u64,
    /// The params files it carries.
    pub params: Vec<String>,
    /// Whether it carries verifying keys.
    pub keys: bool,
    /// Present for a disk image.
    #[serde(default)]
    pub disk: Option<DiskInfo>,
}

/// A bootable disk's record (build-disk-image.sh).
#[derive(Clone, Debug, Deserialize)]
pub struct DiskInfo {
    /// The task form the disk's kernel command line names: "v1" or "v2".
    pub mode: String,
    /// Its size.
    pub bytes: u64,
    /// Its SHA-256.
    pub sha256: String,
}

/// How an image boots.
#[derive(Clone, Debug)]
pub enum Boot {
    /// The kernel and initramfs, booted directly.
    Direct {
        /// vmlinux.
        kernel: PathBuf,
        /// The initramfs.
        initramfs: PathBuf,
    },
    /// A bootable disk, through the BIOS, as a node boots it.
    Disk {
        /// The disk image.
        disk: PathBuf,
        /// The task form its command line fixes.
        mode: String,
    },
}

/// A VM image directory.
#[derive(Clone, Debug)]
pub struct Image {
    /// How it boots.
    pub boot: Boot,
    /// What it holds.
    pub info: ImageInfo,
}

impl Image {
    /// The image in `dir` (from build-vm-image.sh or build-disk-image.sh).
    pub fn open(dir: &Path) -> Result<Image, ImageError> {
        let manifest = dir.join("image.json");
        if !manifest.is_file() {
            return Err(ImageError::Missing(dir.to_path_buf(), "image.json"));
        }
        let text = std::fs::read(&manifest)
            .map_err(|e| ImageError::Manifest { path: manifest.clone(), cause: serde_json::Error::io(e) })?;
        let info: ImageInfo =
            serde_json::from_slice(&text).map_err(|cause| ImageError::Manifest { path: manifest, cause })?;
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
