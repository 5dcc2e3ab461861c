#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (anvil), then every crate's tests.
# Needs ../shared/fixtures beside the checkout (or FIXTURES_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-test-deps.sh
fixtures=${FIXTURES_DIR:-$root/../shared/fixtures}
[ -f "$fixtures/README.md" ] || { echo "fixtures not found at $fixtures (set FIXTURES_DIR)" >&2; exit 1; }
cargo test --workspace --locked "$@"
