#!/usr/bin/env bash
# Builds the execution proof's zkVM guest (execution/guest) for riscv32im with Debian's own Rust
# compiler and library sources (rustc-web, rust-web-src, -Zbuild-std): the zkVM toolchain
# installers cannot be fetched here, and the flags below are the ones OpenVM's own guest build
# passes. Installs the Debian packages when missing. Builds both guest images: the base one
# (target/guest/execution-guest.elf, or under $GUEST_OUT) and the full one (feature `full`:
# execution-guest-full.elf), and prints their paths; `scripts/build-guest.sh base` (or `full`)
# builds one. execution/guest/ holds the committed copies, which the test guest_rebuild compares
# with a fresh build.
#
# The ELF is what the image id (pinned in execution-verify/src/image.rs) commits to, so the build is
# made independent of where the checkout and the cargo home are (--remap-path-prefix) and of the
# compiler's version (the one scripts/ensure-rustc-web.sh checks).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cargo_target="$root/target/guest/cargo"
out=${GUEST_OUT:-$root/target/guest}

"$root/scripts/ensure-rustc-web.sh"

# The rustup toolchain's rust-lld links the RISC-V ELF (Debian's rustc-web ships no linker).
lld="$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
[ -x "$lld" ] || { echo "rust-lld not found at $lld (rustup's stable toolchain ships it)" >&2; exit 1; }

cargo_home=${CARGO_HOME:-$HOME/.cargo}
flags=(
  -C "linker=$lld"
  -C passes=lower-atomic
  -C link-arg=-Ttext=0x00200800
  -C link-arg=--fatal-warnings
  -C panic=abort
  --cfg 'getrandom_backend="custom"'
  "--remap-path-prefix=$root=/build"
  "--remap-path-prefix=$cargo_home=/cargo"
  "--remap-path-prefix=/usr/lib/rustlib/src/rust=/rustlib"
)
encoded=$(printf '%s\x1f' "${flags[@]}")
export CARGO_ENCODED_RUSTFLAGS="${encoded%$'\x1f'}"
unset RUSTFLAGS
# The guest is its own workspace, built by Debian's toolchain: no wrapper of the host build applies.
unset RUSTC_WORKSPACE_WRAPPER RUSTC_WRAPPER
export RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1
mkdir -p "$out"
jobs=${GUEST_BUILD_JOBS:-$(nproc)}
images=("$@")
[ ${#images[@]} -gt 0 ] || images=(base full)
for image in "${images[@]}"; do
  case "$image" in
    base) features=(); name=execution-guest ;;
    full) features=(--features full); name=execution-guest-full ;;
    *) echo "no guest image '$image' (base or full)" >&2; exit 2 ;;
  esac
  ( cd "$root/execution/guest" &&
    /usr/bin/cargo build --locked --release -j "$jobs" --target riscv32im-risc0-zkvm-elf "${features[@]}" \
      --target-dir "$cargo_target" \
      -Zbuild-std=alloc,core,proc_macro,panic_abort,std -Zbuild-std-features=compiler-builtins-mem ) >&2
  cp "$cargo_target/riscv32im-risc0-zkvm-elf/release/execution-guest" "$out/$name.elf.tmp"
  mv "$out/$name.elf.tmp" "$out/$name.elf"
  echo "$out/$name.elf"
done
