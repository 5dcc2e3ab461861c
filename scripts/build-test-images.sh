#!/usr/bin/env bash
# Builds the prover and verifier VM images the tests boot, into target/vm-images/ (or
# VM_IMAGES_DIR): dev profile (the test build's optimised dependencies; PROFILE=release for the
# bench), with the micro class's INSECURE development params in /params. Not for deployment: see
# scripts/build-images.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/portable.sh"
cd "$root"
out=${VM_IMAGES_DIR:-$root/target/vm-images}
mkdir -p "$out/params"
if [ -n "${PARAMS:-}" ]; then
  params=$PARAMS    # an existing params file, e.g. run-local's
else
  # PROVER_CMD: a prover_cmd already built (scripts/test.sh passes the one its test build made, so
  # that OpenVM is not compiled a second time with another feature set).
  prover_cmd=${PROVER_CMD:-}
  if [ -z "$prover_cmd" ]; then
    cargo build --locked --quiet -p cli --bin prover_cmd
    prover_cmd=target/debug/prover_cmd
  fi
  params=$("$prover_cmd" -q params --class micro -o "$out/params")
fi
# BINARIES_DIR: where static prover and verifier binaries already are (scripts/test.sh: its test
# build's target/debug); without it they are built here.
for program in prover verifier; do
  binary=()
  [ -z "${BINARIES_DIR:-}" ] || binary=(--binary "$BINARIES_DIR/$program")
  scripts/build-vm-image.sh "$program" "$out/$program" --profile "${PROFILE:-dev}" --params "$params" "${binary[@]}" >/dev/null
  echo "$out/$program: $(tr -d '\n ' < "$out/$program/image.json")"
done
# The verifier also as the bootable disk a node boots, in each task form (the test vm_disk boots them).
for mode in v1 v2; do
  scripts/build-disk-image.sh "$out/verifier" "$out/verifier-disk-$mode" "$mode" >/dev/null
  echo "$out/verifier-disk-$mode: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["disk"])' "$out/verifier-disk-$mode/image.json")"
done
