#!/usr/bin/env bash
# Builds the single-process Linux microVM image of the prover or the verifier: Debian's kernel
# (uncompressed) and an initramfs whose only program is the static binary, as /init (PID 1), with
# the kernel modules it loads, the KZG params and, optionally, a key cache (read-only in the VM).
#
#   scripts/build-vm-image.sh prover|verifier OUT_DIR [--profile release|dev] [--params FILE]...
#                             [--keys DIR] [--binary FILE]
#
# --binary: a static build of the program made elsewhere (scripts/test.sh builds it in the test
# build, through scripts/rustc-static-gevulot-bins); without it the program is built here.
#
# OUT_DIR gets vmlinux, initramfs.cpio and image.json. Boot it with the local runner
# (gevulot-runner) or plain QEMU: -kernel vmlinux -initrd initramfs.cpio. It also gets vmlinuz
# (the same kernel compressed) for scripts/build-disk-image.sh, which makes the node's disk form. The dev profile reuses
# the test build (dependencies optimised); release is for deployment.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/portable.sh"
program=${1:?usage: build-vm-image.sh prover|verifier OUT_DIR [--profile P] [--params FILE]... [--keys DIR]}
out=${2:?usage: build-vm-image.sh prover|verifier OUT_DIR ...}
shift 2
case "$program" in prover|verifier) ;; *) echo "program must be prover or verifier, not $program" >&2; exit 2 ;; esac
profile=release
params=()
keys=
binary=
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile=$2; shift 2 ;;
    --params) params+=("$2"); shift 2 ;;
    --keys) keys=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
for p in "${params[@]}"; do [ -f "$p" ] || { echo "params file $p not found" >&2; exit 1; }; done
[ -z "$keys" ] || [ -d "$keys" ] || { echo "keys directory $keys not found" >&2; exit 1; }
command -v cpio >/dev/null || { echo "cpio is needed (scripts/install-test-deps.sh installs it)" >&2; exit 1; }

kernel=$("$root/scripts/fetch-kernel.sh")
cd "$root"
# Static (glibc, static-pie): the image has no loader and no libraries. Only the final link gets
# the flag, so the dependencies' build is the one the other targets of this package share.
if [ -z "$binary" ]; then
  cargo rustc --quiet --profile "$profile" -p gevulot --bin "$program" -- -C target-feature=+crt-static
  dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
  binary="target/$dir/$program"
fi
[ -f "$binary" ] || { echo "binary $binary not found" >&2; exit 1; }
file "$binary" 2>/dev/null | grep -q "static" || { echo "$binary is not statically linked" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{dev,proc,sys,workspace,params,keys,lib/modules,mnt/gevulot/input,mnt/gevulot/output,mnt/gevulot/rt-config}
strip --strip-debug -o "$stage/init" "$binary"
cp "$kernel"/modules/*.ko "$stage/lib/modules/"
sed 's|^|/lib/modules/|' "$kernel/modules/load-order" > "$stage/lib/modules/load-order"
for p in "${params[@]}"; do cp "$p" "$stage/params/"; done
# Verifying keys and the manifest only: proving keys are hundreds of MB (the prover generates them,
# or reads them from a keys directory on its workspace).
if [ -n "$keys" ]; then
  (cd "$keys" && find . \( -name keys.json -o -name '*.vk' \) -print0 | cpio -p0dm --quiet "$stage/keys")
fi

mkdir -p "$out"
cp "$kernel/vmlinux" "$out/vmlinux"
cp "$kernel/vmlinuz" "$out/vmlinuz"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible) > "$out/initramfs.cpio"
cat > "$out/image.json" <<JSON
{
  "program": "$program",
  "profile": "$profile",
  "kernel": "$(cat "$kernel/version")",
  "init_bytes": $(stat -c %s "$stage/init"),
  "initramfs_bytes": $(stat -c %s "$out/initramfs.cpio"),
  "vmlinux_bytes": $(stat -c %s "$out/vmlinux"),
  "params": [$(for p in "${params[@]}"; do printf '"%s",' "$(basename "$p")"; done | sed 's/,$//')],
  "keys": $([ -n "$keys" ] && echo true || echo false)
}
JSON
echo "$out"
