#!/usr/bin/env bash
# Builds the deployable images of the prover and the verifier (release profile) with the given
# KZG params file (a public kzg_bn254_{k}.srs; k >= the largest class you will prove, 19 for
# small; a larger file is downsized when loaded):
# - Nanos images with `ops build` and ops-config/ (Gevulot v1), when ops is installed;
# - the Linux microVM images (kernel + initramfs, scripts/build-vm-image.sh) always, and each as
#   the bootable disk a node boots, in the v1 and v2 task forms (scripts/build-disk-image.sh).
#
#   scripts/build-images.sh PARAMS_FILE [OUT_DIR]      # OUT_DIR default: target/images
#
# BINARIES_DIR: static prover and verifier binaries built elsewhere (the test build; PROFILE then
# says which profile they are, default dev), instead of a release build here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
params=${1:?usage: build-images.sh PARAMS_FILE [OUT_DIR]}
out=${2:-$root/target/images}
[ -f "$params" ] || { echo "params file $params not found" >&2; exit 1; }
case "$(basename "$params")" in
  *insecure-dev*) echo "WARNING: $params are INSECURE development params: proofs made with them prove nothing" >&2 ;;
esac
cd "$root"
mkdir -p "$out"
for program in prover verifier; do
  built=(--profile release)
  [ -z "${BINARIES_DIR:-}" ] || built=(--profile "${PROFILE:-dev}" --binary "$BINARIES_DIR/$program")
  scripts/build-vm-image.sh "$program" "$out/microvm-$program" "${built[@]}" --params "$params" >/dev/null
  echo "microVM image: $out/microvm-$program ($(grep -o '"initramfs_bytes": [0-9]*' "$out/microvm-$program/image.json"))"
  # The same program as the bootable disk a node boots, one per task form.
  for mode in v1 v2; do
    scripts/build-disk-image.sh "$out/microvm-$program" "$out/disk-$mode-$program" "$mode" >/dev/null
    echo "disk image ($mode): $out/disk-$mode-$program/disk.img ($(grep -o '"sha256": "[0-9a-f]*"' "$out/disk-$mode-$program/image.json"))"
  done
done

if ! command -v ops >/dev/null; then
  echo "ops is not installed: the Nanos images for Gevulot v1 were NOT built." >&2
  echo "Install it (curl https://ops.city/get.sh -sSfL | sh) and run this again." >&2
  exit 0
fi
# ops takes Files relative to its working directory: stage the binary and params/ there, under
# the name ops-config/*.json lists.
for program in prover verifier; do
  stage="$out/ops-$program"
  rm -rf "$stage" && mkdir -p "$stage/params"
  cp "target/release/$program" "$stage/$program"
  listed=$(grep -o 'params/kzg_bn254_[0-9]*\.srs' "ops-config/$program.json" | head -1)
  cp "$params" "$stage/$listed"
  (cd "$stage" && ops build "$program" -c "$root/ops-config/$program.json" -i "eth-block-$program")
  image="$HOME/.ops/images/eth-block-$program"
  [ -f "$image" ] || image="$HOME/.ops/images/eth-block-$program.img"
  cp "$image" "$out/eth-block-$program.img"
  echo "Nanos image: $out/eth-block-$program.img"
done
