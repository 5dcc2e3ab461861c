# Sourced by the scripts that build. The workspace is built for x86-64-v3 (AVX2, BMI2, FMA; see
# .cargo/config.toml); PORTABLE=1 builds for the x86-64 baseline instead, for a CPU without them
# (about half the proving speed). The variable replaces the configured flags; switching between
# the two rebuilds the workspace.
if [ "${PORTABLE:-}" = 1 ]; then
  export CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="-C target-cpu=x86-64"
fi
