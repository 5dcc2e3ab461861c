#!/usr/bin/env bash
# Puts Debian's stock amd64 kernel, uncompressed (vmlinux boots fastest under QEMU: PVH, no
# decompressor) and as shipped (vmlinuz, the bzImage a bootloader loads: the disk images of
# scripts/build-disk-image.sh), and the modules the VM image loads into .tools/kernel/. Idempotent.
#   scripts/fetch-kernel.sh        -> prints the kernel directory
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.tools/kernel"
if [ -f "$dest/vmlinux" ] && [ -f "$dest/vmlinuz" ] && [ -f "$dest/version" ]; then
  echo "$dest"
  exit 0
fi
command -v apt-get >/dev/null || { echo "apt-get is needed to fetch Debian's kernel" >&2; exit 1; }
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
pkg=$(kernel_pkg)
if [ -z "$pkg" ]; then
  # A fresh container has no package lists yet.
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  $sudo apt-get update -qq >&2 || true
  pkg=$(kernel_pkg)
fi
[ -n "$pkg" ] || { echo "no linux-image-amd64 in apt's lists (is this Debian or Ubuntu with apt sources?)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download "$pkg" >/dev/null 2>&1) || { echo "apt-get download $pkg failed" >&2; exit 1; }
dpkg-deb -x "$work"/*.deb "$work/root"
version=$(ls "$work/root/lib/modules")
vmlinuz="$work/root/boot/vmlinuz-$version"
# The bzImage holds the kernel as an xz stream: find it and unpack it (what extract-vmlinux does).
offset=$(LC_ALL=C grep -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$vmlinuz" | sed -n 1p | cut -d: -f1)
[ -n "$offset" ] || { echo "$vmlinuz: no xz stream found" >&2; exit 1; }
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/modules"  # a failed run may have left one
tail -c +$((offset + 1)) "$vmlinuz" | xz -dc > "$dest.tmp/vmlinux" 2>/dev/null || true
head -c 4 "$dest.tmp/vmlinux" | grep -q ELF || { echo "could not unpack vmlinux from $vmlinuz" >&2; exit 1; }
cp "$vmlinuz" "$dest.tmp/vmlinuz"
# virtio-pci and 9p for the workspace shares, vsock for the v1 devnet (gRPC) form. Their
# dependencies come from each module's own `depends=` (they change between Debian's kernel
# builds), and each module is listed after what it depends on: init loads them in this order.
wanted="virtio_pci 9pnet_virtio 9p vmw_vsock_virtio_transport"
declare -A module_path
while IFS= read -r ko; do
  name=$(basename "$ko" .ko)
  module_path[${name//-/_}]=$ko
done < <(find "$work/root/lib/modules/$version/kernel" -name '*.ko')
loaded=" "
visiting=" "
add_module() {
  local m=$1 ko deps dep
  case "$loaded" in *" $m "*) return ;; esac
  case "$visiting" in *" $m "*) echo "modules depend on each other in a cycle through $m" >&2; exit 1 ;; esac
  ko=${module_path[$m]:-}
  [ -n "$ko" ] || { echo "module $m missing from $pkg" >&2; exit 1; }
  visiting="$visiting$m "
  deps=$(LC_ALL=C grep -ao 'depends=[a-z0-9_,-]*' "$ko" | head -1 | cut -d= -f2 || true)
  for dep in ${deps//,/ }; do add_module "${dep//-/_}"; done
  cp "$ko" "$dest.tmp/modules/"
  basename "$ko" >> "$dest.tmp/modules/load-order"
  loaded="$loaded$m "
}
for m in $wanted; do add_module "$m"; done
echo "$version ($pkg)" > "$dest.tmp/version"
rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "$dest"
