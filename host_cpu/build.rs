//! Compiles the start-up check (src/check.c) for the x86-64 baseline with general registers only,
//! whatever the Rust code is compiled for, and hands it the extensions this build's Rust code uses
//! (cargo's CARGO_CFG_TARGET_FEATURE, which follows -C target-cpu).

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let features = env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let mut required: Vec<&str> = features.split(',').filter(|f| !f.is_empty()).collect();
    required.sort();
    let list: String = required.iter().map(|f| format!("\"{f}\", ")).collect();
    let header = format!(
        "/* The extensions this build's Rust code is compiled for (build.rs). */\n\
         static const char *const HOST_CPU_REQUIRED[] = {{{list}0}};\n"
    );
    fs::write(out.join("host_cpu_required.h"), header).expect("writing host_cpu_required.h");
    fs::write(out.join("required.txt"), required.join("\n")).expect("writing required.txt");
    println!("cargo:rerun-if-changed=src/check.c");
    println!("cargo:rerun-if-env-changed=CARGO_CFG_TARGET_FEATURE");
    if env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("x86_64") {
        return;
    }
    cc::Build::new()
        .file("src/check.c")
        .include(&out)
        // Not the Rust build's -C target-cpu: this code must run on any x86-64.
        .inherit_rustflags(false)
        .flag("-march=x86-64")
        .flag("-mtune=generic")
        .flag("-mgeneral-regs-only")
        .warnings_into_errors(true)
        .compile("host_cpu_check");
}
