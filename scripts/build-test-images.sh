#!/usr/bin/env bash
# Builds the prover and verifier VM images the tests boot, into target/vm-images/ (or
# VM_IMAGES_DIR): dev profile (the test build's optimised dependencies; PROFILE=release for the
# bench), with the micro class's INSECURE development params in /params. Not for deployment: see
# scripts/build-images.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${VM_IMAGES_DIR:-$root/target/vm-images}
mkdir -p "$out/params"
if [ -n "${PARAMS:-}" ]; then
  params=$PARAMS    # an existing params file, e.g. run-local's
else
  cargo build --locked --quiet -p cli --bin prover_cmd
  params=$(target/debug/prover_cmd -q params --class micro -o "$out/params")
fi
for program in prover verifier; do
  scripts/build-vm-image.sh "$program" "$out/$program" --profile "${PROFILE:-dev}" --params "$params" >/dev/null
  echo "$out/$program: $(tr -d '\n ' < "$out/$program/image.json")"
done
