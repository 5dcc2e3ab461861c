#!/usr/bin/env bash
# The zkVM comparison on one block: the stateless guest in SP1 6.10 (execution/sp1) beside the
# project's OpenVM guest. Builds the SP1 guest with Debian's rustc-web for a riscv64im target of our
# own (SP1's toolchain installer cannot be fetched here) and the SP1 host from crates.io, then runs
# the block in SP1's executor (instructions, syscalls, the 224-byte commitment checked against the
# native re-execution) and in OpenVM's (`prover_cmd offline_prover --execute-only`).
#   scripts/bench-sp1.sh [WITNESS]          (default: the 1-transaction block of the Gevulot tests)
#   SP1_PROVE=1 scripts/bench-sp1.sh [...]  (also a compressed SP1 proof, verified; peak memory)
#   PROVER_CMD=target/debug/prover_cmd ...   (an OpenVM side already built; default: a release build)
# Not part of the test command: the SP1 builds took 28 minutes here (guest 7, host 21), and a proof
# of the 1-transaction block 15.6 minutes and all of 24 GiB.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
witness=$(realpath "${1:-$root/gevulot/tests/fixtures/execution/witness.json}")
guest_dir="$root/execution/sp1/guest"
cargo_target="$root/target/sp1"
sudo=$([ "$(id -u)" = 0 ] || echo sudo)

# sp1-sdk's proto types are generated with protoc and need its well-known types.
if ! command -v protoc >/dev/null || [ ! -d /usr/include/google/protobuf ]; then
  echo "installing protobuf-compiler libprotobuf-dev (apt)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends protobuf-compiler libprotobuf-dev >/dev/null
fi
"$root/scripts/ensure-rustc-web.sh"

# The guest: the flags of scripts/build-guest.sh for a 64-bit target. SP1 loads the program below
# its stack top, so the image starts there.
lld="$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
flags=(
  -C "linker=$lld"
  -C passes=lower-atomic
  -C link-arg=--image-base=0x78000000
  -C panic=abort
  --cfg 'getrandom_backend="custom"'
)
encoded=$(printf '%s\x1f' "${flags[@]}")
echo "building the SP1 guest (rustc-web, -Zbuild-std)" >&2
( cd "$guest_dir" &&
  unset RUSTFLAGS RUSTC_WORKSPACE_WRAPPER RUSTC_WRAPPER &&
  CARGO_ENCODED_RUSTFLAGS="${encoded%$'\x1f'}" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
  /usr/bin/cargo build --locked --release --target riscv64im-succinct-zkvm-elf.json \
    --target-dir "$cargo_target/guest" -Zjson-target-spec \
    -Zbuild-std=alloc,core,proc_macro,panic_abort,std -Zbuild-std-features=compiler-builtins-mem ) >&2
elf="$cargo_target/guest/riscv64im-succinct-zkvm-elf/release/execution-guest-sp1"

echo "building the SP1 host (sp1-sdk, release)" >&2
cargo build --locked --release --manifest-path "$root/execution/sp1/host/Cargo.toml" --target-dir "$cargo_target/host" >&2
host="$cargo_target/host/release/sp1-bench"

echo "== SP1 6.10 (the same stateless code, SP1's keccak and secp256k1 precompiles) =="
if [ -n "${SP1_PROVE:-}" ]; then
  /usr/bin/time -f "peak memory %M KiB, wall %e s" "$host" --elf "$elf" --witness "$witness" --prove
else
  "$host" --elf "$elf" --witness "$witness"
fi

echo "== OpenVM 2.0.2 (the project's guest) =="
prover_cmd=${PROVER_CMD:-}
if [ -z "$prover_cmd" ]; then
  cargo build --locked --release -q --bin prover_cmd --manifest-path "$root/Cargo.toml" >&2
  prover_cmd="$root/target/release/prover_cmd"
fi
"$prover_cmd" offline_prover --proof execution --execute-only -w "$witness" 2>/dev/null |
  grep -E '"(instructions|segments|execute_seconds|state_root)"'
