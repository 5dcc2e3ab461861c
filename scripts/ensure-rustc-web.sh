#!/usr/bin/env bash
# Installs Debian's rustc-web, cargo-web and rust-web-src (the compiler and library sources the zkVM
# guests are built with, -Zbuild-std) when missing, and refuses another compiler version: the
# OpenVM guest's image id is pinned for this one (scripts/build-guest.sh).
set -euo pipefail
rustc_web_version="1.96.0"
if ! /usr/bin/rustc --version 2>/dev/null | grep "^rustc $rustc_web_version " >/dev/null || [ ! -d /usr/lib/rustlib/src/rust/library ]; then
  command -v apt-get >/dev/null || { echo "please install Debian's rustc-web, cargo-web and rust-web-src ($rustc_web_version)" >&2; exit 1; }
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  echo "installing rustc-web cargo-web rust-web-src (apt)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends rustc-web cargo-web rust-web-src >/dev/null
fi
found=$(/usr/bin/rustc --version)
case "$found" in
  "rustc $rustc_web_version "*) ;;
  *) echo "the guest's image id is pinned for Debian rustc-web $rustc_web_version; /usr/bin/rustc is: $found" >&2; exit 1 ;;
esac
