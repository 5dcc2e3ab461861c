/*
 * The start-up check of every binary, in C on purpose: build.rs compiles this file for the
 * x86-64 baseline with general registers only, so it cannot itself contain an instruction the
 * CPU may lack. The Rust code around it is compiled for x86-64-v3, and LLVM then encodes even
 * 128-bit moves with VEX (AVX): a Rust check of the CPU would die of SIGILL on the very CPU it
 * is there to refuse (a VM test saw it happen).
 *
 * host_cpu_check runs from .init_array (the check_cpu_at_start! macro puts it there), before main.
 * It reads CPUID and XCR0, names every extension the build needs (host_cpu_required.h, from
 * build.rs) that the CPU or the OS does not provide, writes one line to stderr and exits 1. As
 * the init of a Gevulot VM image (HOST_CPU_VM_INIT) it first gives itself the console, which the
 * image has no /dev node for, and powers the VM off instead of exiting (an init that exits panics
 * the kernel).
 */
#include <cpuid.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "host_cpu_required.h"

enum reg { EAX, EBX, ECX, EDX };
/* Which OS-enabled register state an extension needs (XCR0). */
enum state { PLAIN, YMM, ZMM };

struct feature {
    const char *name;
    unsigned leaf, subleaf;
    enum reg reg;
    unsigned bit;
    enum state state;
};

/* The extensions rustc may compile for, where CPUID reports them (Intel SDM vol. 2A, CPUID). */
static const struct feature FEATURES[] = {
    {"sse3", 1, 0, ECX, 0, PLAIN},         {"pclmulqdq", 1, 0, ECX, 1, PLAIN},
    {"ssse3", 1, 0, ECX, 9, PLAIN},        {"fma", 1, 0, ECX, 12, YMM},
    {"cmpxchg16b", 1, 0, ECX, 13, PLAIN},  {"sse4.1", 1, 0, ECX, 19, PLAIN},
    {"sse4.2", 1, 0, ECX, 20, PLAIN},      {"movbe", 1, 0, ECX, 22, PLAIN},
    {"popcnt", 1, 0, ECX, 23, PLAIN},      {"aes", 1, 0, ECX, 25, PLAIN},
    {"xsave", 1, 0, ECX, 26, PLAIN},       {"avx", 1, 0, ECX, 28, YMM},
    {"f16c", 1, 0, ECX, 29, YMM},          {"rdrand", 1, 0, ECX, 30, PLAIN},
    {"fxsr", 1, 0, EDX, 24, PLAIN},        {"sse", 1, 0, EDX, 25, PLAIN},
    {"sse2", 1, 0, EDX, 26, PLAIN},        {"bmi1", 7, 0, EBX, 3, PLAIN},
    {"avx2", 7, 0, EBX, 5, YMM},           {"bmi2", 7, 0, EBX, 8, PLAIN},
    {"avx512f", 7, 0, EBX, 16, ZMM},       {"avx512dq", 7, 0, EBX, 17, ZMM},
    {"rdseed", 7, 0, EBX, 18, PLAIN},      {"adx", 7, 0, EBX, 19, PLAIN},
    {"avx512ifma", 7, 0, EBX, 21, ZMM},    {"avx512cd", 7, 0, EBX, 28, ZMM},
    {"sha", 7, 0, EBX, 29, PLAIN},         {"avx512bw", 7, 0, EBX, 30, ZMM},
    {"avx512vl", 7, 0, EBX, 31, ZMM},      {"avx512vbmi", 7, 0, ECX, 1, ZMM},
    {"avx512vbmi2", 7, 0, ECX, 6, ZMM},    {"gfni", 7, 0, ECX, 8, PLAIN},
    {"vaes", 7, 0, ECX, 9, YMM},           {"vpclmulqdq", 7, 0, ECX, 10, YMM},
    {"avx512vnni", 7, 0, ECX, 11, ZMM},    {"avx512bitalg", 7, 0, ECX, 12, ZMM},
    {"avx512vpopcntdq", 7, 0, ECX, 14, ZMM}, {"avx512bf16", 7, 1, EAX, 5, ZMM},
    {"x87", 1, 0, EDX, 0, PLAIN},          {"lahfsahf", 0x80000001, 0, ECX, 0, PLAIN},
    {"lzcnt", 0x80000001, 0, ECX, 5, PLAIN}, {"sse4a", 0x80000001, 0, ECX, 6, PLAIN},
    {"xsaveopt", 0xd, 1, EAX, 0, PLAIN},   {"xsavec", 0xd, 1, EAX, 1, PLAIN},
    {"xsaves", 0xd, 1, EAX, 3, PLAIN},
};

/* What the CPU and the OS report: CPUID leaves 1, 7.0, 7.1, 0xd.1, 0x80000001 and XCR0. */
struct cpu {
    unsigned leaf1[4], leaf7[4], leaf7_1[4], leafd_1[4], ext1[4];
    unsigned long long xcr0;
};

static void read_leaf(unsigned leaf, unsigned subleaf, unsigned out[4]) {
    out[0] = out[1] = out[2] = out[3] = 0;
    if (__get_cpuid_max(leaf & 0x80000000u, 0) >= leaf) {
        __cpuid_count(leaf, subleaf, out[0], out[1], out[2], out[3]);
    }
}

static void read_cpu(struct cpu *cpu) {
    read_leaf(1, 0, cpu->leaf1);
    read_leaf(7, 0, cpu->leaf7);
    read_leaf(7, 1, cpu->leaf7_1);
    read_leaf(0xd, 1, cpu->leafd_1);
    read_leaf(0x80000001u, 0, cpu->ext1);
    cpu->xcr0 = 0;
    /* XGETBV only exists once the OS has turned XSAVE on (OSXSAVE, leaf 1 ECX bit 27). */
    if (cpu->leaf1[ECX] & (1u << 27)) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        cpu->xcr0 = ((unsigned long long)hi << 32) | lo;
    }
}

static const unsigned *words(const struct cpu *cpu, unsigned leaf, unsigned subleaf) {
    if (leaf == 1) return cpu->leaf1;
    if (leaf == 7) return subleaf ? cpu->leaf7_1 : cpu->leaf7;
    if (leaf == 0xd) return cpu->leafd_1;
    return cpu->ext1;
}

static int has(const struct cpu *cpu, const struct feature *f) {
    if (!(words(cpu, f->leaf, f->subleaf)[f->reg] & (1u << f->bit))) return 0;
    if (f->state == YMM) return (cpu->xcr0 & 0x6) == 0x6;
    if (f->state == ZMM) return (cpu->xcr0 & 0xe6) == 0xe6;
    return 1;
}

static void append(char *out, size_t cap, size_t *len, const char *text) {
    size_t n = strlen(text);
    if (*len + n >= cap) n = cap - 1 - *len;
    memcpy(out + *len, text, n);
    *len += n;
    out[*len] = 0;
}

/*
 * The one line for `program` on `cpu` (no newline), or an empty string when the CPU has every
 * required extension. Returns the line's length. Also what the Rust unit test drives, with a
 * made-up CPU.
 */
size_t host_cpu_refusal(const char *program, const struct cpu *cpu, char *out, size_t cap) {
    size_t len = 0, missing = 0;
    out[0] = 0;
    for (size_t r = 0; HOST_CPU_REQUIRED[r]; r++) {
        for (size_t f = 0; f < sizeof FEATURES / sizeof FEATURES[0]; f++) {
            if (strcmp(FEATURES[f].name, HOST_CPU_REQUIRED[r]) != 0 || has(cpu, &FEATURES[f])) continue;
            if (!missing++) {
                append(out, cap, &len, program);
                append(out, cap, &len, ": this CPU lacks ");
            } else {
                append(out, cap, &len, ", ");
            }
            append(out, cap, &len, FEATURES[f].name);
        }
    }
    if (missing) {
        append(out, cap, &len,
               " that this build was compiled for (x86-64-v3 by default); build for it with PORTABLE=1 "
               "(scripts) or CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS=\"-C target-cpu=x86-64\" "
               "(cargo), see docs/performance.md");
    }
    return len;
}

/*
 * Set by the check_cpu_at_start! macro in the binary: its name, and whether it may be a VM's init.
 * Weak, so that a test binary that only drives host_cpu_refusal links without them.
 */
extern const char HOST_CPU_PROGRAM[64] __attribute__((weak));
extern const unsigned char HOST_CPU_VM_INIT __attribute__((weak));

void host_cpu_check(void) {
    struct cpu cpu;
    char line[1024];
    read_cpu(&cpu);
    size_t len = host_cpu_refusal(HOST_CPU_PROGRAM ? HOST_CPU_PROGRAM : "this program", &cpu, line, sizeof line - 1);
    if (!len) return;
    int init = &HOST_CPU_VM_INIT && HOST_CPU_VM_INIT && getpid() == 1;
    if (init) {
        mkdir("/dev", 0755);
        mount("devtmpfs", "/dev", "devtmpfs", 0, "");
        int console = open("/dev/console", O_WRONLY | O_NOCTTY);
        if (console >= 0) dup2(console, 2);
    }
    line[len++] = '\n';
    ssize_t written = write(2, line, len);
    (void)written;
    if (init) {
        /* Wait until the serial line has sent the reason: QEMU exits at power-off. */
        tcdrain(2);
        sync();
        reboot(RB_POWER_OFF);
    }
    _exit(1);
}
