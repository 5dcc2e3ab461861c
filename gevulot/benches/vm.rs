//! VM bench: image sizes, boot-to-result time of the verifier image in QEMU (TCG) against the
//! native verifier binary on the same proof, and their ratio. Needs the images
//! (scripts/bench-vm.sh builds them first). Makes one real proof of an empty anvil block first.
//!
//!     scripts/bench-vm.sh            # BENCH_RUNS=3 by default

#[path = "../tests/tasks/fixture.rs"]
#[allow(dead_code)]
mod fixture;

use std::{path::PathBuf, time::Instant};

use fixture::{fixture, params_name, run, s, v1_result, v1_workspace};
use runner::{Accel, Image, Limits, TaskMode, TaskSpec};

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1 << 20) as f64
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let images = std::env::var_os("VM_IMAGES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| testkit::workspace_root().join("target/vm-images"));
    let open = |p: &str| Image::open(&images.join(p)).unwrap_or_else(|e| panic!("{e} (run scripts/bench-vm.sh)"));
    let (prover_image, verifier_image) = (open("prover"), open("verifier"));

    println!("VM images ({} profile, kernel {}):", verifier_image.info.profile, verifier_image.info.kernel);
    for image in [&prover_image, &verifier_image] {
        let i = &image.info;
        println!(
            "  {:8} init {:6.1} MiB | initramfs {:6.1} MiB (modules, params {:?}) | vmlinux {:5.1} MiB",
            i.program,
            mib(i.init_bytes),
            mib(i.initramfs_bytes),
            i.params,
            mib(i.vmlinux_bytes)
        );
    }

    eprintln!("making a proof of an empty anvil block (one micro chunk)...");
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let keys = f.keys.clone();

    let mut native = Vec::new();
    for i in 0..runs {
        let ws = v1_workspace(
            &dir.path().join(format!("native-{i}")),
            "bench",
            &[
                "--proof",
                "/workspace/proof.json",
                "--params",
                &format!("/workspace/{}", params_name()),
                "--keys-dir",
                s(&keys),
            ],
            &[&f.proof(), &f.params],
        );
        let started = Instant::now();
        let out = run("verifier", &[("GEVULOT_WORKSPACE", &ws)], "v1", &[]);
        native.push(started.elapsed().as_secs_f64());
        assert!(out.status.success() && v1_result(&ws).is_ok());
    }

    let mut in_vm = Vec::new();
    let mut inside = Vec::new();
    for i in 0..runs {
        let spec = TaskSpec {
            mode: TaskMode::V1,
            id: "bench".into(),
            args: ["--proof", "/workspace/proof.json", "--keys-dir", "/workspace/keys"].map(String::from).to_vec(),
            files: vec![f.proof(), keys.clone()],
        };
        let limits = Limits { cpus: 2, mem_mib: 4096, timeout_s: 1800, cpu_model: Limits::NODE_CPU_MODEL };
        let outcome =
            runner::run(&verifier_image, &dir.path().join(format!("vm-{i}")), &spec, limits, Accel::Tcg).unwrap();
        assert!(outcome.success(), "{outcome:?}");
        in_vm.push(outcome.seconds);
        inside.push(outcome.result.as_ref().unwrap()["data"]["report"]["seconds"].as_f64().unwrap());
    }
    let (n, v) = (median(native), median(in_vm));
    println!("verifier, one micro chunk, median of {runs} (2 cores here, QEMU TCG, 2 vCPUs, 4 GiB):");
    println!("  native process          {n:7.2} s");
    println!("  QEMU boot to result     {v:7.2} s  (verification inside the VM {:.2} s)", median(inside));
    println!("  VM / native             {:7.1}x", v / n);
}
