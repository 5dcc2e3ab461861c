#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (anvil, QEMU, the Debian kernel), builds
# the VM images the tests boot, then runs every crate's tests.
# Needs ../shared/fixtures beside the checkout (or FIXTURES_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-test-deps.sh
fixtures=${FIXTURES_DIR:-$root/../shared/fixtures}
[ -f "$fixtures/README.md" ] || { echo "fixtures not found at $fixtures (set FIXTURES_DIR)" >&2; exit 1; }
# The guest rebuild (about 6 minutes cold) runs beside the workspace build, which leaves a core
# idle for long stretches (single large crates, linking); the test guest_rebuild then compares
# that build with the committed ELF instead of building again.
rebuilt="$root/target/guest-rebuild"
rm -rf "$rebuilt" && mkdir -p "$rebuilt"
# Niced: it takes the cycles the workspace build leaves, not the ones it needs.
GUEST_OUT="$rebuilt" GUEST_BUILD_JOBS=1 nice -n 19 scripts/build-guest.sh > "$rebuilt/build.log" 2>&1 &
guest_pid=$!
# One build for everything: the gevulot binaries come out static (rustc-static-gevulot-bins), so
# the VM images take them from this build instead of compiling the workspace a second time.
# Incremental compilation only costs time and disk (16 GB) on a build that starts clean.
export RUSTC_WORKSPACE_WRAPPER="$root/scripts/rustc-static-gevulot-bins" CARGO_INCREMENTAL=0
cargo test --workspace --locked --no-run
PROVER_CMD="$root/target/debug/prover_cmd" BINARIES_DIR="$root/target/debug" scripts/build-test-images.sh
wait "$guest_pid" || { cat "$rebuilt/build.log" >&2; echo "the guest rebuild failed" >&2; exit 1; }
GUEST_REBUILT="$rebuilt/execution-guest.elf" cargo test --workspace --locked "$@"
# The fuzz targets, 30 s each from the seeds and past findings (a longer run: scripts/fuzz.sh).
scripts/fuzz.sh
