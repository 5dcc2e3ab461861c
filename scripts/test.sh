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
# Beside the workspace build, niced (it takes the cycles the build leaves idle): first the
# packages the tests need (apt and npm wait on the network, which the build hides), then three
# builds at once: the guest rebuild (about 6 minutes cold), which the test guest_rebuild compares
# with the committed ELF instead of building again; gevulot/v2's test build (gevulot-rs, ~330
# crates of its own workspace; protoc comes with the packages); geth and its evm tool (Go). At
# once, because once the workspace build is done they are what the tests wait for, and the
# guest's link-time optimisation is one thread: one after the other, they left a core idle.
# Nothing is built beside the tests: even niced, a build there slowed them (mock_prover: 117 s
# beside gevulot/v2's build, 47 s alone; docs/testing.md).
rebuilt="$root/target/guest-rebuild"
rm -rf "$rebuilt" && mkdir -p "$rebuilt"
(
  nice -n 19 scripts/install-test-deps.sh packages > "$rebuilt/install.log" 2>&1 ||
    { echo "installing the test dependencies failed" >> "$rebuilt/install.log"; exit 1; }
  GUEST_OUT="$rebuilt" nice -n 19 scripts/build-guest.sh > "$rebuilt/build.log" 2>&1 &
  guest=$!
  nice -n 19 scripts/gevulot-v2.sh --build-tests > "$rebuilt/gevulot-v2.log" 2>&1 &
  v2=$!
  failed=0
  nice -n 19 scripts/install-test-deps.sh geth > "$rebuilt/geth.log" 2>&1 ||
    { echo "building geth failed" >> "$rebuilt/geth.log"; failed=1; }
  wait "$guest" || { echo "the guest rebuild failed" >> "$rebuilt/build.log"; failed=1; }
  wait "$v2" || { echo "gevulot/v2's test build failed" >> "$rebuilt/gevulot-v2.log"; failed=1; }
  exit "$failed"
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
cat "$rebuilt/install.log" "$rebuilt/geth.log"
PROVER_CMD="$root/target/debug/prover_cmd" BINARIES_DIR="$root/target/debug" scripts/build-test-images.sh
GUEST_REBUILT="$rebuilt" cargo test --workspace --locked "$@"
# On request, the one test too slow for the budget: a real state proof made inside the prover
# image under QEMU's TCG (26 minutes measured on 2 cores). --workspace, not -p gevulot: the same
# feature set as the build above, so nothing is compiled again.
[ "${VM_PROVER:-}" != 1 ] || cargo test --workspace --locked --test tasks -- --ignored
scripts/gevulot-v2.sh --test
# The fuzz targets only on request (FUZZ_SECONDS=20 scripts/test.sh): their instrumented build
# is 8 minutes of both cores cold, and beside the tests it made them about a quarter slower
# (docs/testing.md); what they found stays tested by the ordinary tests.
if [ "${FUZZ_SECONDS:-0}" != 0 ]; then
  scripts/fuzz.sh
fi
