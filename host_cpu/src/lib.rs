//! The workspace is compiled for x86-64-v3 (AVX2, BMI2, FMA: `.cargo/config.toml`), which roughly
//! halves OpenVM's proving time. Such a binary started on an older CPU would die of SIGILL at the
//! first AVX2 instruction, somewhere deep in a proof. Instead every binary checks at start-up,
//! before `main` (from `.init_array`), that the CPU has every extension the binary was compiled
//! to use, and otherwise says which are missing and how to build for that CPU, and exits 1.
//!
//! The check compares what the compiler was told (`cfg!(target_feature)`, fixed at build time)
//! with what the CPU reports (CPUID, through std's detection, which is compiled for the baseline):
//! a portable build requires nothing, a `target-cpu=native` build requires what its build machine
//! had.

use std::io::Write;

/// A CPU extension: its name as `rustc` spells it, whether this build uses it, and whether the
/// running CPU has it.
#[derive(Clone, Copy, Debug)]
pub struct Feature {
    pub name: &'static str,
    pub compiled: bool,
    detect: fn() -> bool,
}

impl Feature {
    /// Whether the running CPU has it.
    pub fn present(&self) -> bool {
        (self.detect)()
    }
}

macro_rules! features {
    ($($name:tt),* $(,)?) => {
        &[$(Feature {
            name: $name,
            compiled: cfg!(target_feature = $name),
            detect: || std::arch::is_x86_feature_detected!($name),
        }),*]
    };
}

/// Every extension a build of this workspace may be compiled for: x86-64-v2, -v3 and -v4, and
/// the others `target-cpu=native` turns on for the CPUs of today.
#[cfg(target_arch = "x86_64")]
pub const FEATURES: &[Feature] = features!(
    // x86-64-v2
    "cmpxchg16b", "popcnt", "sse3", "sse4.1", "sse4.2", "ssse3",
    // x86-64-v3
    "avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "lzcnt", "movbe", "xsave",
    // x86-64-v4
    "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl",
    // Beyond the levels (native builds)
    "adx", "aes", "pclmulqdq", "sha", "gfni", "vaes", "vpclmulqdq", "avx512ifma", "avx512vbmi",
    "avx512vbmi2", "avx512bitalg", "avx512vnni", "avx512vpopcntdq", "avx512bf16", "rdrand", "rdseed",
    "xsavec", "xsaveopt", "xsaves",
);

/// Other architectures are built for their baseline: nothing to check.
#[cfg(not(target_arch = "x86_64"))]
pub const FEATURES: &[Feature] = &[];

/// The extensions this build was compiled for, by name.
pub fn compiled() -> Vec<&'static str> {
    FEATURES.iter().filter(|f| f.compiled).map(|f| f.name).collect()
}

/// The extensions among `features` that the build uses and `present` says the CPU lacks.
pub fn missing_from(features: &[Feature], present: impl Fn(&Feature) -> bool) -> Vec<&'static str> {
    features.iter().filter(|f| f.compiled && !present(f)).map(|f| f.name).collect()
}

/// The extensions this build uses that the running CPU lacks (empty: it can run here).
pub fn missing() -> Vec<&'static str> {
    missing_from(FEATURES, Feature::present)
}

/// The one line a binary prints when it cannot run on this CPU.
pub fn refusal(program: &str, missing: &[&str]) -> String {
    format!(
        "{program}: this CPU lacks {} that this build was compiled for (x86-64-v3 by default); \
         build for it with PORTABLE=1 (scripts) or CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS=\"-C target-cpu=x86-64\" (cargo), see docs/performance.md",
        missing.join(", ")
    )
}

/// Writes the refusal and exits 1 when the CPU lacks something; returns when it has everything.
/// `before` runs before the message and `after` after it: a VM's PID 1 attaches its console first
/// and powers off instead of exiting (its exit would be a kernel panic).
pub fn exit_if_unsupported(program: &str, before: fn(), after: fn()) {
    let missing = missing();
    if missing.is_empty() {
        return;
    }
    before();
    let mut line = refusal(program, &missing);
    line.push('\n');
    let _ = std::io::stderr().write_all(line.as_bytes());
    after();
    std::process::exit(1);
}

/// Puts the check in the binary's `.init_array`, so that it runs before `main` and before any
/// code of the binary that may use the extensions: `check_cpu_at_start!("prover_cmd");`, or with
/// the two hooks of `exit_if_unsupported`: `check_cpu_at_start!("prover", attach, power_off);`.
#[macro_export]
macro_rules! check_cpu_at_start {
    ($program:expr) => {
        $crate::check_cpu_at_start!($program, || {}, || {});
    };
    ($program:expr, $before:expr, $after:expr) => {
        #[used]
        #[link_section = ".init_array"]
        static HOST_CPU_CHECK: extern "C" fn() = {
            extern "C" fn check() {
                $crate::exit_if_unsupported($program, $before, $after);
            }
            check
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cpu_without_avx2_is_refused_in_one_line_naming_what_it_lacks() {
        let build = features!("sse4.2", "avx", "avx2", "fma");
        // As built for x86-64-v3 (whatever this test binary was built for): every one compiled.
        let as_v3: Vec<Feature> = build.iter().map(|f| Feature { compiled: true, ..*f }).collect();
        let sandy_bridge = |f: &Feature| matches!(f.name, "sse4.2" | "avx");
        let missing = missing_from(&as_v3, sandy_bridge);
        assert_eq!(missing, vec!["avx2", "fma"]);
        let line = refusal("prover_cmd", &missing);
        assert!(line.starts_with("prover_cmd: this CPU lacks avx2, fma that this build was compiled for"), "{line}");
        assert!(line.contains("PORTABLE=1") && line.contains("target-cpu=x86-64"), "{line}");
        assert!(!line.contains('\n'));
        // A CPU with everything, and a portable build on any CPU, run.
        assert!(missing_from(&as_v3, |_| true).is_empty());
        let portable: Vec<Feature> = build.iter().map(|f| Feature { compiled: false, ..*f }).collect();
        assert!(missing_from(&portable, |_| false).is_empty());
    }

    #[test]
    fn this_build_runs_on_this_machine_and_is_x86_64_v3_by_default() {
        assert!(missing().is_empty(), "the check ran before this test, so this cannot fail: {:?}", missing());
        // Unless this test was built with the portable switch, the default is x86-64-v3.
        #[cfg(target_arch = "x86_64")]
        if option_env!("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS").is_none() {
            for f in ["avx", "avx2", "bmi1", "bmi2", "fma", "f16c", "lzcnt", "movbe"] {
                assert!(compiled().contains(&f), "{f} is not in this build: {:?}", compiled());
            }
        }
    }
}
