#!/usr/bin/env bash
# The VM bench: builds the test images, then prints image sizes, the verifier's boot-to-result
# time in QEMU (TCG) and its ratio to the native verifier.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-test-deps.sh >/dev/null
scripts/build-test-images.sh
cargo bench --locked -p gevulot --bench vm
