//! The local equivalent of Gevulot's shim-executor and v2 worker: prepares a task's shares the
//! way the node does, boots the image in QEMU with the node's machine shape and limits, and
//! collects the result. The image is a kernel and an initramfs (scripts/build-vm-image.sh), or the
//! bootable disk a node boots (scripts/build-disk-image.sh).

pub mod image;
pub mod qemu;
pub mod task;

pub use image::Image;
pub use qemu::{Accel, Limits};
pub use task::{run, Outcome, TaskMode, TaskSpec};
