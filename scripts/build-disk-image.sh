#!/usr/bin/env bash
# Turns a VM image of scripts/build-vm-image.sh into the form a Gevulot node boots: one raw,
# bootable disk. The node attaches it (read-only, on virtio-scsi for v1) and boots it through the
# BIOS, so the disk carries its bootloader, the kernel, the initramfs (our static program as
# /init) and the kernel command line that names the task form (v1 or v2), fixed at build time.
#
#   scripts/build-disk-image.sh IMAGE_DIR OUT_DIR v1|v2
#
# The layout is the one `gvltctl build` makes (an MBR with SYSLINUX 6's boot code, a DOS
# partition table, one bootable partition holding SYSLINUX, the kernel and its config), built
# from Debian's tools without root or loop devices: the partition is FAT (mkfs.vfat, mtools,
# `syslinux --install` on the file), where gvltctl formats ext4 and installs EXTLINUX on a mount.
# The root file system stays the initramfs, so nothing on the disk is written at run time.
# OUT_DIR gets disk.img and image.json (the source image's, with "disk": its form and size).
set -euo pipefail
usage="usage: build-disk-image.sh IMAGE_DIR OUT_DIR v1|v2"
src=${1:?$usage}
out=${2:?$usage}
mode=${3:?$usage}
case "$mode" in v1|v2) ;; *) echo "the task form must be v1 or v2, not $mode" >&2; exit 2 ;; esac
for f in vmlinuz initramfs.cpio image.json; do
  [ -f "$src/$f" ] || { echo "$src/$f missing: scripts/build-vm-image.sh makes the image" >&2; exit 1; }
done
export PATH="$PATH:/usr/sbin:/sbin"
missing=()
command -v syslinux >/dev/null || missing+=(syslinux)
[ -f /usr/lib/syslinux/mbr/mbr.bin ] || missing+=(syslinux-common)
command -v mcopy >/dev/null || missing+=(mtools)
command -v mkfs.vfat >/dev/null || missing+=(dosfstools)
command -v sfdisk >/dev/null || missing+=(fdisk)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || { echo "please install: ${missing[*]}" >&2; exit 1; }
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  echo "installing ${missing[*]} (apt)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# The isa-debug-exit port is the one the runtime configs name (gevulot-runner's DEBUG_EXIT_PORT).
cat > "$stage/syslinux.cfg" <<CFG
DEFAULT gevulot
PROMPT 0
TIMEOUT 0
LABEL gevulot
    LINUX /vmlinuz
    INITRD /initrd
    APPEND console=ttyS0 panic=-1 quiet gevulot.mode=$mode gevulot.debug_exit=0xf4
CFG
# The partition starts at 1 MiB (sector 2048) and holds the files with 4 MiB to spare.
payload=$(( $(stat -c %s "$src/vmlinuz") + $(stat -c %s "$src/initramfs.cpio") ))
part_kib=$(( (payload / 1024 / 1024 + 5) * 1024 ))
# A fixed volume id and --invariant: the same inputs make the same file system.
mkfs.vfat -C --invariant -i 47564c54 -n GEVULOT -h 2048 "$stage/part.img" "$part_kib" >/dev/null
export MTOOLS_SKIP_CHECK=1
syslinux --install "$stage/part.img"
mcopy -i "$stage/part.img" -m "$src/vmlinuz" ::/vmlinuz
mcopy -i "$stage/part.img" -m "$src/initramfs.cpio" ::/initrd
mcopy -i "$stage/part.img" -m "$stage/syslinux.cfg" ::/syslinux.cfg

mkdir -p "$out"
disk="$out/disk.img"
rm -f "$disk.tmp"
truncate -s $(( (1024 + part_kib) * 1024 )) "$disk.tmp"
printf 'label: dos\nlabel-id: 0x47564c54\nstart=2048, type=c, bootable\n' | sfdisk --quiet "$disk.tmp"
dd if="$stage/part.img" of="$disk.tmp" bs=1M seek=1 conv=notrunc status=none
dd if=/usr/lib/syslinux/mbr/mbr.bin of="$disk.tmp" bs=440 count=1 conv=notrunc status=none
mv "$disk.tmp" "$disk"
python3 - "$src/image.json" "$out/image.json" "$mode" "$disk" <<'PY'
import hashlib, json, os, sys
info = json.load(open(sys.argv[1]))
disk = sys.argv[4]
digest = hashlib.sha256(open(disk, "rb").read()).hexdigest()
info["disk"] = {"mode": sys.argv[3], "bytes": os.path.getsize(disk), "sha256": digest}
json.dump(info, open(sys.argv[2] + ".tmp", "w"), indent=2)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
echo "$disk"
