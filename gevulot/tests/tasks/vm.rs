//! The images booted in QEMU (TCG) by the local runner, as a node would run them: the verifier
//! (v1 and v2) and the prover give the answers the binaries give natively. The images are built
//! by scripts/test.sh (scripts/build-vm-image.sh, dev profile, INSECURE dev params in /params).

use std::path::{Path, PathBuf};

use runner::{Accel, Image, Limits, TaskMode, TaskSpec};
use serde_json::Value;

use crate::{
    execution,
    fixture::{data, fixture, params_name, run, s, stderr, v1_result, v1_workspace, witness_that_does_not_check},
};

pub(crate) fn image(program: &str) -> Image {
    let dir = std::env::var_os("VM_IMAGES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| testkit::workspace_root().join("target/vm-images"))
        .join(program);
    let image = Image::open(&dir).unwrap_or_else(|e| {
        panic!("{e}\nscripts/test.sh builds the images before the tests; by hand: scripts/build-vm-image.sh {program} {} --profile dev --params <kzg_bn254_15.insecure-dev.srs>", dir.display())
    });
    assert_eq!(image.info.params, vec![params_name()], "the test images carry the micro class's dev params");
    image
}

pub(crate) const LIMITS: Limits = Limits { cpus: 2, mem_mib: 4096, timeout_s: 3600, cpu_model: Limits::NODE_CPU_MODEL };

/// Verifying keys only (what the verifier reads): keys.json and *.vk of each cached shape.
fn vk_only(keys: &Path, to: &Path) -> PathBuf {
    for entry in std::fs::read_dir(keys).unwrap() {
        let shape = entry.unwrap().path();
        let target = to.join(shape.file_name().unwrap());
        std::fs::create_dir_all(&target).unwrap();
        for file in std::fs::read_dir(&shape).unwrap() {
            let file = file.unwrap().path();
            let name = file.file_name().unwrap().to_str().unwrap();
            if name == "keys.json" || name.ends_with(".vk") {
                std::fs::copy(&file, target.join(name)).unwrap();
            }
        }
    }
    to.to_path_buf()
}

/// A verifier report without what differs between runs (time) and places (none: paths are the
/// node's names in both).
fn comparable(mut data: Value) -> Value {
    let report = data["report"].as_object_mut().unwrap();
    report.remove("seconds");
    data.as_object_mut().unwrap().remove("timestamp");
    data
}

fn native_verification(dir: &Path, keys: &Path) -> Value {
    let f = fixture();
    let ws = v1_workspace(
        dir,
        "verify",
        &[
            "--proof",
            "/workspace/proof.json",
            "--params",
            &format!("/workspace/{}", params_name()),
            "--keys-dir",
            s(keys),
        ],
        &[&f.proof(), &f.params],
    );
    let out = run("verifier", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    data(&v1_result(&ws).unwrap())
}

#[test]
fn verifier_image_in_qemu_answers_as_the_native_verifier_v1_and_v2() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let keys = vk_only(&f.keys, &dir.path().join("keys"));
    let native = native_verification(&dir.path().join("native"), &keys);
    assert_eq!(native["is_success"], true, "{native}");
    let image = image("verifier");

    let spec = TaskSpec {
        mode: TaskMode::V1,
        id: "vm-verify".into(),
        args: ["--proof", "/workspace/proof.json", "--keys-dir", "/workspace/keys"].map(String::from).to_vec(),
        files: vec![f.proof(), keys.clone()],
    };
    let outcome = runner::run(&image, &dir.path().join("v1"), &spec, LIMITS, Accel::Tcg).unwrap();
    let console = std::fs::read_to_string(&outcome.console).unwrap_or_default();
    assert!(outcome.success(), "{outcome:?}\n{console}");
    assert!(console.contains("fork and exec are forbidden (seccomp)"), "{console}");
    let result = outcome.result.as_ref().unwrap();
    assert_eq!(result["id"], "vm-verify");
    let in_vm = result["data"].clone();
    assert!(in_vm["message"].as_str().unwrap().contains("INSECURE"), "{in_vm}");
    // The image's params are /params/...: the message names no path, so everything but time matches.
    assert_eq!(comparable(in_vm), comparable(native.clone()));

    let spec = TaskSpec {
        mode: TaskMode::V2,
        id: "vm-verify-v2".into(),
        args: ["--proof", "proof.json", "--keys-dir", "/mnt/gevulot/input/keys"].map(String::from).to_vec(),
        files: vec![f.proof(), keys],
    };
    let outcome = runner::run(&image, &dir.path().join("v2"), &spec, LIMITS, Accel::Tcg).unwrap();
    let console = std::fs::read_to_string(&outcome.console).unwrap_or_default();
    assert!(outcome.success(), "{outcome:?}\n{console}");
    let mut in_vm = outcome.result.as_ref().unwrap()["data"].clone();
    assert_eq!(in_vm["proof_file"], "/mnt/gevulot/input/proof.json");
    in_vm["proof_file"] = "/workspace/proof.json".into();
    in_vm["report"]["proof_file"] = "/workspace/proof.json".into();
    assert_eq!(comparable(in_vm), comparable(native));
    assert!(outcome.output_dir.join("result.json").is_file());
}

/// The verifier image verifies an execution proof (its verifying key is built into the binary)
/// and answers as the native verifier does.
#[test]
fn verifier_image_in_qemu_verifies_an_execution_proof() {
    let proof = serde_json::from_slice(&std::fs::read(execution::proof()).unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spec = TaskSpec {
        mode: TaskMode::V1,
        id: "vm-verify-execution".into(),
        args: ["--proof", "/workspace/proof.json", "--witness", "/workspace/witness.json"].map(String::from).to_vec(),
        files: vec![execution::proof(), execution::witness()],
    };
    let outcome = runner::run(&image("verifier"), dir.path(), &spec, LIMITS, Accel::Tcg).unwrap();
    let console = std::fs::read_to_string(&outcome.console).unwrap_or_default();
    assert!(outcome.success(), "{outcome:?}\n{console}");
    execution::check_report(&outcome.result.as_ref().unwrap()["data"], &proof);
}

/// The binaries are built for x86-64-v3: on a CPU model without AVX2 (Westmere: SSE4.2, no AVX)
/// the verifier says so in one line on the console and the VM powers off with a failure, before
/// the task is read; no illegal instruction, no kernel panic. `max` (above) has what they need.
#[test]
fn a_vm_whose_cpu_lacks_avx2_refuses_to_start_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TaskSpec {
        mode: TaskMode::V1,
        id: "vm-old-cpu".into(),
        args: ["--proof", "/workspace/proof.json"].map(String::from).to_vec(),
        files: vec![execution::proof()],
    };
    let limits = Limits { cpu_model: "Westmere".into(), ..LIMITS };
    let outcome = runner::run(&image("verifier"), dir.path(), &spec, limits, Accel::Tcg).unwrap();
    let console = std::fs::read_to_string(&outcome.console).unwrap_or_default();
    if !cfg!(target_feature = "avx2") {
        // The portable build (PORTABLE=1; this test is built with the binaries' flags) runs there.
        assert!(outcome.success(), "{outcome:?}\n{console}");
        return;
    }
    assert!(!outcome.success() && !outcome.timed_out, "{outcome:?}\n{console}");
    let refusal: Vec<&str> = console.lines().filter(|l| l.contains("this CPU lacks")).collect();
    assert_eq!(refusal.len(), 1, "{console}");
    // The firmware's "Booting from ROM.." may end without a newline, so the line is taken from
    // the binary's name on.
    let line = refusal[0].find("verifier: ").map(|at| &refusal[0][at..]).unwrap_or(refusal[0]);
    assert!(line.starts_with("verifier: this CPU lacks avx, avx2,"), "{line}");
    assert!(line.contains("PORTABLE=1"), "{line}");
    for crash in ["invalid opcode", "Illegal instruction", "Kernel panic", "trap invalid"] {
        assert!(!console.contains(crash), "{crash}:\n{console}");
    }
    assert!(!console.contains("verifier starting"), "it stopped before the task:\n{console}");
}

#[test]
fn a_bad_task_in_the_vm_is_a_failed_result_and_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let spec = TaskSpec {
        mode: TaskMode::V1,
        id: "vm-bad".into(),
        args: ["--no-such-flag"].map(String::from).to_vec(),
        files: vec![],
    };
    let outcome = runner::run(&image("verifier"), dir.path(), &spec, LIMITS, Accel::Tcg).unwrap();
    assert!(!outcome.success());
    assert_eq!(outcome.qemu_exit, Some(1), "the VM reports failure through the debug exit port");
    let err = outcome.result.unwrap_err();
    assert!(err.contains("bad task arguments") && err.contains("--no-such-flag"), "{err}");
}

/// The prover image reads its task, its witness and its params through its mounts, checks the
/// witness natively and refuses one that does not check, before any proving: a failed result
/// naming the account, exit status 1, no proof in the output directory.
#[test]
fn prover_image_in_qemu_refuses_a_witness_that_does_not_check() {
    let dir = tempfile::tempdir().unwrap();
    let (bad, address) = witness_that_does_not_check(dir.path());
    let spec = TaskSpec {
        mode: TaskMode::V1,
        id: "vm-prove-bad".into(),
        args: ["--witness", "/workspace/witness.json"].map(String::from).to_vec(),
        files: vec![bad],
    };
    let outcome = runner::run(&image("prover"), &dir.path().join("ws"), &spec, LIMITS, Accel::Tcg).unwrap();
    let console = std::fs::read_to_string(&outcome.console).unwrap_or_default();
    assert!(!outcome.success(), "{outcome:?}\n{console}");
    assert_eq!(outcome.qemu_exit, Some(1), "{console}");
    let err = outcome.result.as_ref().unwrap_err();
    assert!(err.to_lowercase().contains(&address[2..]), "names the account: {err}");
    let outputs: Vec<_> = std::fs::read_dir(&outcome.output_dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(!outputs.iter().any(|n| n.to_string_lossy().ends_with("proof.json")), "no proof: {outputs:?}");
}

/// A real proof in the VM: the micro state chunk, the cheapest proof the prover makes, with cached
/// keys. Under TCG it took 26 minutes on 2 cores (against about 1.5 natively), more than
/// the test command's whole budget for tests, so it runs on request: `VM_PROVER=1
/// scripts/test.sh`.
#[test]
#[ignore = "26 minutes under TCG; VM_PROVER=1 scripts/test.sh runs it"]
fn prover_image_in_qemu_proves_what_the_native_prover_proves() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let spec = TaskSpec {
        mode: TaskMode::V1,
        id: "vm-prove".into(),
        args: ["--witness", "/workspace/witness.json", "--keys-dir", "/workspace/keys"].map(String::from).to_vec(),
        // The cached proving keys go along: key generation under TCG would take most of an hour.
        files: vec![f.witness.clone(), f.keys.clone()],
    };
    let outcome = runner::run(&image("prover"), &dir.path().join("ws"), &spec, LIMITS, Accel::Tcg).unwrap();
    let console = std::fs::read_to_string(&outcome.console).unwrap_or_default();
    assert!(outcome.success(), "{outcome:?}\n{console}");
    let result = outcome.result.as_ref().unwrap();
    assert_eq!(result["files"], serde_json::json!(["/workspace/proof.json"]));
    let in_vm = &result["data"];
    let native = data(&f.prover_result);
    for field in ["block_number", "block_hash", "class", "chunks", "circuits", "insecure_dev_params"] {
        assert_eq!(in_vm[field], native[field], "{field}");
    }
    assert_eq!(in_vm["timings"]["keys_source"], "cache");

    // Same public instances (proofs themselves are randomised), and it verifies natively.
    let read = |p: &Path| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let (vm_proof, native_proof) = (read(&outcome.output_dir.join("proof.json")), read(&f.proof()));
    for circuit in ["block_state", "keccak"] {
        assert_eq!(vm_proof["chunks"][0][circuit]["instances"], native_proof["chunks"][0][circuit]["instances"]);
    }
    let ws = v1_workspace(
        &dir.path().join("verify"),
        "verify-vm-proof",
        &[
            "--proof",
            "/workspace/proof.json",
            "--params",
            &format!("/workspace/{}", params_name()),
            "--keys-dir",
            s(&f.keys),
        ],
        &[&outcome.output_dir.join("proof.json"), &f.params],
    );
    let out = run("verifier", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(data(&v1_result(&ws).unwrap())["is_success"], true);
}
