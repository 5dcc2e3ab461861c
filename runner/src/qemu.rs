//! The QEMU command line: the machine shape a Gevulot node gives a task VM (q35, `-cpu max`,
//! PCIe root ports for the virtio devices, an entropy source, no display, no reboot, the
//! isa-debug-exit port for the exit status) and the task's shares as 9p; the image's kernel and
//! initramfs booted directly, or its disk through the BIOS, attached read-only on virtio-scsi as
//! the v1 node attaches a program's image.

use std::{
    borrow::Cow,
    path::{Path, PathBuf},
    process::Command,
};

use crate::{image::Boot, Image};

/// The isa-debug-exit port the VM writes its status to (the one gevulot-rs runtime configs name).
pub const DEBUG_EXIT_PORT: u16 = 0xf4;
/// QEMU's exit status when the program reports success through the port; failure is 1.
pub const DEBUG_EXIT_SUCCESS: i32 = 3;

/// How QEMU runs the VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Accel {
    /// KVM when /dev/kvm can be opened, TCG otherwise.
    Auto,
    /// KVM (a usable /dev/kvm).
    Kvm,
    /// QEMU's software emulation: works everywhere, slower.
    Tcg,
}

impl Accel {
    /// `Auto` made concrete: KVM if /dev/kvm can be opened, else TCG.
    pub fn resolve(self) -> Accel {
        match self {
            Accel::Auto if kvm_usable() => Accel::Kvm,
            Accel::Auto => Accel::Tcg,
            other => other,
        }
    }
}

fn kvm_usable() -> bool {
    std::fs::OpenOptions::new().read(true).write(true).open("/dev/kvm").is_ok()
}

/// What the node allots a task.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Limits {
    /// Virtual CPUs.
    pub cpus: u32,
    /// Memory (MiB).
    pub mem_mib: u64,
    /// Seconds before the VM is stopped and the task failed.
    pub timeout_s: u64,
    /// QEMU's CPU model. The binaries are built for x86-64-v3 (AVX2, BMI2, FMA), which QEMU's TCG
    /// emulates under `max` (the model a Gevulot node gives); an older model (`Westmere`, no AVX)
    /// shows the binaries' refusal to start on a CPU that lacks them.
    pub cpu_model: Cow<'static, str>,
}

impl Limits {
    /// The CPU model a Gevulot node gives a task VM.
    pub const NODE_CPU_MODEL: Cow<'static, str> = Cow::Borrowed("max");
}

/// A 9p share: host directory, mount tag, read-only or not.
#[derive(Clone, Debug)]
pub struct Share {
    /// The host directory.
    pub path: PathBuf,
    /// Its mount tag.
    pub tag: String,
    /// Whether the VM may not write to it.
    pub read_only: bool,
}

/// One VM to boot.
pub struct Machine<'a> {
    /// What it boots.
    pub image: &'a Image,
    /// What it is allotted.
    pub limits: Limits,
    /// TCG or KVM.
    pub accel: Accel,
    /// The kernel command line (direct boot; a disk carries its own).
    pub cmdline: String,
    /// The task's 9p shares.
    pub shares: Vec<Share>,
    /// Where the serial console goes.
    pub console: &'a Path,
}

impl Machine<'_> {
    /// The qemu-system-x86_64 command line.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new("qemu-system-x86_64");
        let accel = match self.accel.resolve() {
            Accel::Kvm => "kvm",
            _ => "tcg",
        };
        cmd.args(["-machine", &format!("q35,accel={accel}"), "-cpu", &self.limits.cpu_model]);
        cmd.args(["-smp", &self.limits.cpus.to_string(), "-m", &format!("{}M", self.limits.mem_mib)]);
        cmd.args(["-nodefaults", "-no-user-config", "-nographic", "-no-reboot", "-vga", "none"]);
        cmd.args(["-serial", &format!("file:{}", self.console.display()), "-monitor", "none"]);
        match &self.image.boot {
            Boot::Direct { kernel, initramfs } => {
                cmd.args(["-kernel", &kernel.display().to_string()]);
                cmd.args(["-initrd", &initramfs.display().to_string()]);
                cmd.args(["-append", &self.cmdline]);
            }
            // The disk's bootloader carries the command line.
            Boot::Disk { disk, .. } => {
                cmd.args(["-drive", &format!("file={},if=none,id=disk0,format=raw,readonly=on", disk.display())]);
                cmd.args(["-device", "virtio-scsi-pci,id=scsi0", "-device", "scsi-hd,drive=disk0,bus=scsi0.0"]);
            }
        }
        cmd.args(["-device", &format!("isa-debug-exit,iobase={DEBUG_EXIT_PORT:#x},iosize=0x04")]);
        for (i, share) in self.shares.iter().enumerate() {
            cmd.args(["-device", &format!("pcie-root-port,port={},chassis={},id=rp{i},bus=pcie.0", 0x10 + i, i + 1)]);
            let ro = if share.read_only { ",readonly=on" } else { "" };
            cmd.args([
                "-fsdev",
                &format!("local,id=fs{i},path={},security_model=none,multidevs=remap{ro}", share.path.display()),
                "-device",
                &format!("virtio-9p-pci,fsdev=fs{i},mount_tag={},bus=rp{i}", share.tag),
            ]);
        }
        cmd.args(["-object", "rng-random,id=rng0,filename=/dev/urandom", "-device", "virtio-rng-pci,rng=rng0"]);
        cmd
    }
}
