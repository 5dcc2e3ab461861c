#!/usr/bin/env bash
# The VM bench: builds release images (with INSECURE dev params) into target/vm-images-release,
# then prints image sizes, the verifier's boot-to-result time in QEMU (TCG) and its ratio to the
# native (release) verifier on the same proof.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/portable.sh"
cd "$root"
scripts/install-test-deps.sh >/dev/null
export VM_IMAGES_DIR=$root/target/vm-images-release
PROFILE=release scripts/build-test-images.sh
cargo bench --locked -p gevulot --bench vm
