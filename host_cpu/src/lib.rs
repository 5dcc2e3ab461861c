//! The workspace is compiled for x86-64-v3 (AVX2, BMI2, FMA: `.cargo/config.toml`), which roughly
//! halves OpenVM's proving time. Such a binary started on an older CPU would die of SIGILL at its
//! first VEX-encoded instruction, which LLVM then uses for plain moves too. So every binary checks
//! at start-up, before `main` (from `.init_array`), that the CPU and the OS provide every extension
//! the build's Rust code was compiled for, and otherwise names what is missing and how to build
//! for that CPU in one line, and exits 1.
//!
//! The check is C (`src/check.c`), compiled by build.rs for the x86-64 baseline with general
//! registers only: Rust code here would be compiled for x86-64-v3 like the rest and could fault
//! inside the check itself. A portable build (`PORTABLE=1`) requires nothing, a `target-cpu=native`
//! build what its build machine had.

/// The extensions this build's Rust code is compiled for, as rustc names them.
pub fn compiled() -> Vec<&'static str> {
    include_str!(concat!(env!("OUT_DIR"), "/required.txt")).lines().filter(|l| !l.is_empty()).collect()
}

/// The check `check_cpu_at_start!` registers, and what it is made of. Not for direct use.
#[doc(hidden)]
pub mod ffi {
    /// CPUID leaves 1, 7.0, 7.1, 0xd.1 and 0x80000001 (EAX, EBX, ECX, EDX each), and XCR0.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, Default)]
    pub struct Cpu {
        /// CPUID leaf 1.
        pub leaf1: [u32; 4],
        /// CPUID leaf 7, subleaf 0.
        pub leaf7: [u32; 4],
        /// CPUID leaf 7, subleaf 1.
        pub leaf7_1: [u32; 4],
        /// CPUID leaf 0xd, subleaf 1.
        pub leafd_1: [u32; 4],
        /// CPUID leaf 0x80000001.
        pub ext1: [u32; 4],
        /// The register state the OS enabled (XGETBV 0).
        pub xcr0: u64,
    }

    #[cfg(target_arch = "x86_64")]
    extern "C" {
        /// Refuses to go on (one line on stderr, exit 1 or a VM's power-off) on a CPU without the
        /// build's extensions; returns otherwise.
        pub fn host_cpu_check();
        /// The refusal for `program` on `cpu`, in `out` (NUL-terminated); its length, 0 when the
        /// CPU has everything.
        pub fn host_cpu_refusal(program: *const u8, cpu: *const Cpu, out: *mut u8, cap: usize) -> usize;
    }

    /// A name as the C check reads it: NUL-padded to 64 bytes (longer names are cut).
    pub const fn program_name(name: &str) -> [u8; 64] {
        let mut out = [0u8; 64];
        let bytes = name.as_bytes();
        let mut i = 0;
        while i < bytes.len() && i < 63 {
            out[i] = bytes[i];
            i += 1;
        }
        out
    }
}

/// The line a binary named `program` prints on `cpu`, or None when it can run there.
#[cfg(target_arch = "x86_64")]
pub fn refusal(program: &str, cpu: &ffi::Cpu) -> Option<String> {
    let name = ffi::program_name(program);
    let mut out = vec![0u8; 1024];
    // SAFETY: `name` is NUL-terminated, `cpu` a valid struct, `out` has the capacity given.
    let len = unsafe { ffi::host_cpu_refusal(name.as_ptr(), cpu, out.as_mut_ptr(), out.len()) };
    out.truncate(len);
    (len > 0).then(|| String::from_utf8_lossy(&out).into_owned())
}

/// Puts the check in the binary's `.init_array`, so that it runs before `main` and before any
/// code of the binary that may use the extensions: `check_cpu_at_start!("prover_cmd");`, or
/// `check_cpu_at_start!("prover", vm_init);` for a program that may be the init of a Gevulot VM
/// image (it then attaches the console first and powers off instead of exiting).
#[macro_export]
macro_rules! check_cpu_at_start {
    ($program:literal) => {
        $crate::check_cpu_at_start!(@ $program, 0);
    };
    ($program:literal, vm_init) => {
        $crate::check_cpu_at_start!(@ $program, 1);
    };
    (@ $program:literal, $vm_init:literal) => {
        #[cfg(target_arch = "x86_64")]
        #[used]
        #[link_section = ".init_array"]
        static HOST_CPU_CHECK: unsafe extern "C" fn() = $crate::ffi::host_cpu_check;
        #[cfg(target_arch = "x86_64")]
        #[used]
        #[no_mangle]
        static HOST_CPU_PROGRAM: [u8; 64] = $crate::ffi::program_name($program);
        #[cfg(target_arch = "x86_64")]
        #[used]
        #[no_mangle]
        static HOST_CPU_VM_INIT: u8 = $vm_init;
    };
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// A CPU with every extension of x86-64-v4, and the OS state for them.
    fn v4_cpu() -> ffi::Cpu {
        ffi::Cpu {
            leaf1: [0, 0, !0, !0],
            leaf7: [0, !0, !0, 0],
            leaf7_1: [!0, 0, 0, 0],
            leafd_1: [!0, 0, 0, 0],
            ext1: [0, 0, !0, 0],
            xcr0: 0xe7,
        }
    }

    #[test]
    fn a_cpu_without_avx2_is_refused_in_one_line_naming_what_it_lacks() {
        assert_eq!(refusal("prover_cmd", &v4_cpu()), None, "a CPU with everything runs it");
        // No AVX2 (leaf 7 EBX bit 5) and no FMA (leaf 1 ECX bit 12), as on a Sandy Bridge.
        let mut old = v4_cpu();
        old.leaf7[1] &= !(1 << 5);
        old.leaf1[2] &= !(1 << 12);
        let line = refusal("prover_cmd", &old);
        if !compiled().contains(&"avx2") {
            assert_eq!(line, None, "the portable build runs on it");
            return;
        }
        let line = line.expect("refused");
        assert!(line.starts_with("prover_cmd: this CPU lacks avx2, fma that this build was compiled for"), "{line}");
        assert!(line.contains("PORTABLE=1") && line.contains("target-cpu=x86-64") && !line.contains('\n'), "{line}");
        // The CPU has AVX but the OS did not enable its registers: every YMM extension is missing.
        let no_os = ffi::Cpu { xcr0: 0x3, ..v4_cpu() };
        let line = refusal("x", &no_os).expect("refused");
        assert!(line.starts_with("x: this CPU lacks avx, avx2, f16c, fma that"), "{line}");
    }

    #[test]
    fn the_default_build_is_x86_64_v3_and_the_list_is_what_rustc_compiled_for() {
        let compiled = compiled();
        for (name, on) in [("avx", cfg!(target_feature = "avx")), ("avx2", cfg!(target_feature = "avx2"))] {
            assert_eq!(compiled.contains(&name), on, "{name}: {compiled:?}");
        }
        // Unless this test was built with the portable switch, the default is x86-64-v3.
        if option_env!("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS").is_none() {
            for f in ["avx", "avx2", "bmi1", "bmi2", "fma", "f16c", "lzcnt", "movbe"] {
                assert!(compiled.contains(&f), "{f} is not in this build: {compiled:?}");
            }
        }
    }
}
