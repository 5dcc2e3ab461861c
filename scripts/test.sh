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
scripts/build-test-images.sh
cargo test --workspace --locked "$@"
