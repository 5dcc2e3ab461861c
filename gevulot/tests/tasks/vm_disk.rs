//! The verifier as a node boots it: its image as one bootable disk (scripts/build-disk-image.sh:
//! an MBR, SYSLINUX, the kernel and the initramfs, the task form fixed in the disk's config),
//! attached read-only on virtio-scsi and booted through the BIOS under the node's machine shape
//! (TCG), in the v1 file form and the v2 form. scripts/build-test-images.sh builds both disks.

use runner::{image::Boot, Accel, TaskMode, TaskSpec};

use crate::{
    execution,
    vm::{image, LIMITS},
};

fn spec(mode: TaskMode, id: &str, dir: &str, files: Vec<std::path::PathBuf>) -> TaskSpec {
    let args = ["--proof", &format!("{dir}/proof.json"), "--witness", &format!("{dir}/witness.json")];
    TaskSpec { mode, id: id.into(), args: args.map(String::from).to_vec(), files }
}

#[test]
fn disk_images_boot_as_a_node_boots_them_and_verify_as_natively() {
    let proof = serde_json::from_slice(&std::fs::read(execution::proof()).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (mode, name, inputs) in
        [(TaskMode::V1, "verifier-disk-v1", "/workspace"), (TaskMode::V2, "verifier-disk-v2", "/mnt/gevulot/input")]
    {
        let disk = image(name);
        assert!(matches!(disk.boot, Boot::Disk { .. }), "{name} is a disk image");
        let task = spec(mode, name, inputs, vec![execution::proof(), execution::witness()]);
        let outcome = runner::run(&disk, &dir.path().join(name), &task, LIMITS, Accel::Tcg).unwrap();
        let console = std::fs::read_to_string(&outcome.console).unwrap_or_default();
        assert!(outcome.success(), "{name}: {outcome:?}\n{console}");
        assert!(console.contains("fork and exec are forbidden (seccomp)"), "{console}");
        // The same report as the native verifier's (execution::check_report: kind, image id,
        // block, public values).
        execution::check_report(&outcome.result.as_ref().unwrap()["data"], &proof);
    }

    // A garbage proof is a completed task that says so; a missing input is a failed one, with
    // the reason on the console.
    let garbage = dir.path().join("garbage/proof.json");
    std::fs::create_dir_all(garbage.parent().unwrap()).unwrap();
    std::fs::write(&garbage, b"\x00not a proof").unwrap();
    let task = spec(TaskMode::V1, "disk-garbage", "/workspace", vec![garbage, execution::witness()]);
    let outcome =
        runner::run(&image("verifier-disk-v1"), &dir.path().join("garbage-ws"), &task, LIMITS, Accel::Tcg).unwrap();
    let data = &outcome.result.as_ref().unwrap()["data"];
    assert_eq!(data["is_success"], false, "{data}");

    let task = spec(TaskMode::V2, "disk-missing", "/mnt/gevulot/input", vec![execution::witness()]);
    let outcome =
        runner::run(&image("verifier-disk-v2"), &dir.path().join("missing"), &task, LIMITS, Accel::Tcg).unwrap();
    assert!(!outcome.success() && !outcome.timed_out, "{outcome:?}");
    assert_eq!(outcome.qemu_exit, Some(1), "the VM reports failure through the debug exit port");
    let console = std::fs::read_to_string(&outcome.console).unwrap();
    assert!(
        console.contains("the task's proof file /mnt/gevulot/input/proof.json was not delivered"),
        "the reason names the missing input: {console}"
    );

    // The disk's task form is fixed: the runner refuses the other one before booting.
    let task = spec(TaskMode::V2, "disk-wrong-form", "/mnt/gevulot/input", vec![]);
    let error =
        runner::run(&image("verifier-disk-v1"), &dir.path().join("wrong"), &task, LIMITS, Accel::Tcg).unwrap_err();
    assert!(error.to_string().contains("boots in the v1 task form"), "{error}");
}
