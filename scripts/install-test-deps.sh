#!/usr/bin/env bash
# Installs what the tests need (idempotent):
# - anvil, the real binary shipped inside the npm package @foundry-rs/anvil, into .tools/;
# - geth and its evm tool, built with `go install` from the go-ethereum module (pinned), into .tools/;
# - QEMU (qemu-system-x86, and qemu-user for a binary on an emulated older CPU) and cpio from apt,
#   for the VM image tests;
# - the Debian kernel and modules the VM images boot, into .tools/kernel (scripts/fetch-kernel.sh);
# - Debian's rustc-web, cargo-web and rust-web-src, which build the execution proof's zkVM guest
#   (scripts/build-guest.sh; the test guest_rebuild rebuilds it);
# - Debian's postgresql (a server the serve tests start in a temporary directory) and chromium
#   with chromium-driver (the explorer page's browser test);
# - Debian's protobuf-compiler, which gevulot-rs (gevulot/v2) compiles its protos with;
# - syslinux, syslinux-common, mtools, dosfstools and fdisk, which make the bootable disk images,
#   and b3sum (Gevulot v1's checksums in scripts/deploy.sh).
# With the argument `anvil`, only anvil; `packages`, all but geth and evm; `geth`, only those two
# (the test command builds them beside the guest, once the packages that build needs are in).
set -euo pipefail
# Under pipefail, `cmd | head -1` (or grep -q / -m1) fails when cmd is still writing as head exits
# (SIGPIPE, status 141): the readers below read their whole input (sed -n 1p, grep >/dev/null).
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
anvil_version=1.7.1
anvil="$tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"

install_anvil() {
  if [ -x "$anvil" ] && "$anvil" --version 2>/dev/null | grep "$anvil_version" >/dev/null; then
    echo "anvil $anvil_version already in $tools"
  else
    command -v npm >/dev/null || { echo "npm is needed to install anvil (apt-get install npm)" >&2; exit 1; }
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "@foundry-rs/anvil@$anvil_version"
    [ -x "$anvil" ] || { echo "npm installed @foundry-rs/anvil but $anvil is missing" >&2; exit 1; }
  fi
  "$anvil" --version | sed -n 1p
}

install_geth() {
  # geth, built from the go-ethereum module at a pinned version (the Go module proxy serves it).
  geth_version=v1.17.10
  geth="$tools/geth-$geth_version/bin/geth"
  if [ -x "$geth" ]; then
    echo "geth $geth_version already in $tools"
  else
    command -v go >/dev/null || { echo "Go is needed to build geth (https://go.dev/dl or apt-get install golang)" >&2; exit 1; }
    echo "building geth $geth_version from the go-ethereum module (about 3 minutes)"
    GOBIN="$tools/geth-$geth_version/bin" GOFLAGS=-mod=mod go install "github.com/ethereum/go-ethereum/cmd/geth@$geth_version"
    [ -x "$geth" ] || { echo "go install finished but $geth is missing" >&2; exit 1; }
  fi
  "$geth" version | sed -n "/^Version/p"
  # geth's evm tool, the differential tests' second oracle (its t8n), from the same module.
  evm="$tools/geth-$geth_version/bin/evm"
  if [ ! -x "$evm" ]; then
    echo "building evm $geth_version from the go-ethereum module"
    GOBIN="$tools/geth-$geth_version/bin" GOFLAGS=-mod=mod go install "github.com/ethereum/go-ethereum/cmd/evm@$geth_version"
    [ -x "$evm" ] || { echo "go install finished but $evm is missing" >&2; exit 1; }
  fi
}

install_packages() {
  missing=()
  command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
  # User-mode QEMU: runs prover_cmd on an emulated older CPU (its refusal to start, cli_errors).
  command -v qemu-x86_64 >/dev/null || missing+=(qemu-user)
  command -v cpio >/dev/null || missing+=(cpio)
  command -v xz >/dev/null || missing+=(xz-utils)
  # The guest's pinned image id is for this compiler version (scripts/build-guest.sh checks it).
  /usr/bin/rustc --version 2>/dev/null | grep '^rustc 1\.96\.0 ' >/dev/null || missing+=(rustc-web cargo-web)
  [ -d /usr/lib/rustlib/src/rust/library ] || missing+=(rust-web-src)
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  # gevulot-rs' protos (gevulot/v2, scripts/gevulot-v2.sh).
  command -v protoc >/dev/null || missing+=(protobuf-compiler)
  # Gevulot v1's file checksums (BLAKE3) in scripts/deploy.sh.
  command -v b3sum >/dev/null || missing+=(b3sum)
  # The bootable disk images (scripts/build-disk-image.sh).
  command -v syslinux >/dev/null || missing+=(syslinux)
  [ -f /usr/lib/syslinux/mbr/mbr.bin ] || missing+=(syslinux-common)
  command -v mcopy >/dev/null || missing+=(mtools)
  PATH="$PATH:/usr/sbin:/sbin" command -v mkfs.vfat >/dev/null || missing+=(dosfstools)
  PATH="$PATH:/usr/sbin:/sbin" command -v sfdisk >/dev/null || missing+=(fdisk)
  if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || { echo "please install: ${missing[*]}" >&2; exit 1; }
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    echo "installing ${missing[*]} (apt)"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  qemu-system-x86_64 --version | sed -n 1p
  "$root/scripts/fetch-kernel.sh" >/dev/null
  echo "kernel $(cat "$tools/kernel/version")"

  # The Ethereum execution specification (PyPI ethereum-execution, pinned; Python 3.11), whose t8n
  # the differential tests run beside the stateless re-execution (testkit/src/differential).
  eels_version=2.20.0
  eels="$tools/eels"
  if "$eels/bin/python" -c "import importlib.metadata as m; assert m.version('ethereum-execution') == '$eels_version'" 2>/dev/null; then
    echo "ethereum-execution $eels_version already in $eels"
  else
    command -v python3 >/dev/null || { echo "python3 (3.11) is needed for the execution specification" >&2; exit 1; }
    python3 -m venv "$eels" 2>/dev/null || {
      sudo=$([ "$(id -u)" = 0 ] || echo sudo)
      $sudo apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
      python3 -m venv "$eels"
    }
    "$eels/bin/pip" install -q "ethereum-execution==$eels_version"
  fi
  echo "ethereum-execution $("$eels/bin/python" -c "import importlib.metadata as m; print(m.version('ethereum-execution'))")"
}

case "${1:-all}" in
  all) install_anvil; install_geth; install_packages ;;
  anvil) install_anvil ;;
  packages) install_anvil; install_packages ;;
  geth) install_geth ;;
  *) echo "usage: $0 [anvil|packages|geth]" >&2; exit 2 ;;
esac
