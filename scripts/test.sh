#!/usr/bin/env bash
# Runs the whole test suite: the format and lint checks, then installs what the tests need (anvil,
# QEMU, the Debian kernel), builds the VM images the tests boot, and runs every crate's tests.
# Needs ../shared/fixtures beside the checkout (or FIXTURES_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/portable.sh"
cd "$root"
fixtures=${FIXTURES_DIR:-$root/../shared/fixtures}
[ -f "$fixtures/README.md" ] || { echo "fixtures not found at $fixtures (set FIXTURES_DIR)" >&2; exit 1; }
# Style first: it fails in a second where the tests take half an hour.
cargo fmt --all --check
# Beside the workspace build, niced (it takes the cycles the build leaves idle: single large
# crates, linking): the guest rebuild (about 6 minutes cold; it installs Debian's rustc-web first
# when missing), which the test guest_rebuild compares with the committed ELF instead of building
# again, then installing what the tests need (apt and npm wait on the network; geth's Go build).
# One after the other, so that two apt-get never run at once; on all cores, so that what is left
# when the workspace build ends finishes at full speed.
rebuilt="$root/target/guest-rebuild"
rm -rf "$rebuilt" && mkdir -p "$rebuilt"
(
  GUEST_OUT="$rebuilt" nice -n 19 scripts/build-guest.sh > "$rebuilt/build.log" 2>&1 ||
    { echo "the guest rebuild failed" >> "$rebuilt/build.log"; exit 1; }
  nice -n 19 scripts/install-test-deps.sh > "$rebuilt/install.log" 2>&1 ||
    { echo "installing the test dependencies failed" >> "$rebuilt/install.log"; exit 1; }
) &
beside_pid=$!
trap 'kill "$beside_pid" 2>/dev/null || true' EXIT
# One build for everything, the lints included:
# - the gevulot binaries come out static (rustc-static-gevulot-bins), so the VM images take them
#   from this build instead of compiling the workspace a second time;
# - the workspace's own crates are compiled by clippy-driver with -D warnings (the "linted" wrapper),
#   every target as `cargo clippy --all-targets` sees them, so the dependencies are compiled once
#   instead of being checked apart first;
# - incremental compilation only costs time and disk (16 GB) on a build that starts clean.
export RUSTC_WORKSPACE_WRAPPER="$root/scripts/rustc-linted-static-gevulot-bins" CARGO_INCREMENTAL=0
cargo test --workspace --locked --all-targets --no-run
wait "$beside_pid" || { cat "$rebuilt"/*.log >&2; exit 1; }
cat "$rebuilt/install.log"
PROVER_CMD="$root/target/debug/prover_cmd" BINARIES_DIR="$root/target/debug" scripts/build-test-images.sh
# The fuzz targets' instrumented build (cargo-fuzz's install and a release build of the witness
# and proof readers: 8 minutes cold on both cores) runs beside the tests, niced: it takes the
# cycles they leave idle (waiting on anvil, geth, QEMU's boots, the database). The targets run
# after the tests, FUZZ_SECONDS each.
fuzz_log="$root/target/fuzz-build.log"
mkdir -p "$root/target"
# After it, gevulot/v2's tests are built the same way (gevulot-rs, ~330 crates of its own
# workspace: 3.5 minutes on 2 cores; protoc came with the test dependencies).
# Its own session, so that a failing test stops it whole (cargo-fuzz, cargo, rustc).
setsid nice -n 19 bash -c 'scripts/fuzz.sh --build-only && scripts/gevulot-v2.sh --build-tests' > "$fuzz_log" 2>&1 &
fuzz_pid=$!
trap 'kill -- "-$fuzz_pid" 2>/dev/null || true' EXIT
GUEST_REBUILT="$rebuilt/execution-guest.elf" cargo test --workspace --locked "$@"
# On request, the one test too slow for the budget: a real state proof made inside the prover
# image under QEMU's TCG (26 minutes measured on 2 cores). --workspace, not -p gevulot: the same
# feature set as the build above, so nothing is compiled again.
[ "${VM_PROVER:-}" != 1 ] || cargo test --workspace --locked --test tasks -- --ignored
wait "$fuzz_pid" || { cat "$fuzz_log" >&2; echo "the fuzz targets' or gevulot/v2's build failed" >&2; exit 1; }
scripts/gevulot-v2.sh --test
FUZZ_SECONDS=${FUZZ_SECONDS:-20} scripts/fuzz.sh
