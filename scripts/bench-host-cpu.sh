#!/usr/bin/env bash
# What the CPU a build targets (and the release profile's other knobs) does to proving: builds
# prover_cmd once per variant (each in a target directory of its own under target/bench-cpu/,
# except v3, the workspace's own target/), copies each binary out to target/bench-cpu/bin/, then, in one run on this
# machine, makes the same execution proof of the same 1-transaction witness with each build in
# turn, ROUNDS times, and prints a table: the guest in the executor, the proof, wall time, peak RSS, and whether the verifier (the default build's) accepts it.
#
#   scripts/bench-host-cpu.sh                       # generic and x86-64-v3 (about 25 min here)
#   VARIANTS="generic v3 v4 v3-lto v3-mimalloc" ROUNDS=1 scripts/bench-host-cpu.sh
#   VARIANTS="v3 old=/tmp/prover_cmd-701ea04" ROUNDS=2 scripts/bench-host-cpu.sh
#
# BUILD_ONLY=1 builds the variants and stops (to build while the machine is busy, then run the
# proofs on a quiet machine with the binaries as NAME=target/bench-cpu/bin/NAME).
# A variant NAME=PATH is a prebuilt prover_cmd (another commit's, say: another guest or VM
# configuration), not built here and checked by its own verifier, since its image id is its own.
#
# Variants: generic (-C target-cpu=x86-64, the portable build), v3 (the default), v4
# (x86-64-v4, AVX-512: needs a CPU that has it), v3-lto (v3 with lto = "thin" and
# codegen-units = 1), v3-mimalloc (v3 with mimalloc as the global allocator instead of jemalloc,
# OpenVM's default and ours: the features of cli and execution). Build times are printed too (a
# variant's first build is a cold one).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
variants=${VARIANTS:-generic v3}
rounds=${ROUNDS:-1}
witness=${WITNESS:-gevulot/tests/fixtures/execution/witness.json}
out=$root/target/bench-cpu
mkdir -p "$out"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | sed -n 1p)"
grep -q avx512f /proc/cpuinfo && echo "this CPU has AVX-512 (x86-64-v4)" || echo "this CPU has no AVX-512: v4 cannot run here"

# build VARIANT: target/bench-cpu/bin/VARIANT
build() {
  local variant=$1 flags="-C target-cpu=x86-64-v3" env=() features=()
  case "$variant" in
    generic) flags="-C target-cpu=x86-64" ;;
    v3) ;;
    v4) flags="-C target-cpu=x86-64-v4" ;;
    v3-lto) env=(CARGO_PROFILE_RELEASE_LTO=thin CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1) ;;
    v3-mimalloc) features=(--no-default-features --features mimalloc) ;;
    *) echo "unknown variant $variant" >&2; exit 2 ;;
  esac
  local dir=$out/$variant start
  # v3-mimalloc shares the workspace's target/: only the crates above the allocator differ, and
  # cargo keeps both feature sets' artifacts apart (target/release/prover_cmd is then its build).
  case "$variant" in v3 | v3-mimalloc) dir=$root/target ;; esac
  start=$(date +%s)
  env "${env[@]}" CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="$flags" CARGO_TARGET_DIR="$dir" \
    cargo build --locked --release -q -p cli --bin prover_cmd "${features[@]}"
  mkdir -p "$out/bin"
  cp "$dir/release/prover_cmd" "$out/bin/$variant"
  echo "built $variant in $(( $(date +%s) - start )) s" >&2
}

for variant in $variants; do
  case "$variant" in *=*) ;; *) build "$variant" ;; esac
done
reference=$out/bin/v3
[ -x "$reference" ] || build v3
[ "${BUILD_ONLY:-}" != 1 ] || exit 0

printf '\n| build | round | execute (s) | prove (s) | wall (s) | peak RSS (GiB) | verified |\n|---|---|---|---|---|---|---|\n'
for round in $(seq "$rounds"); do
  for spec in $variants; do
    variant=${spec%%=*} bin=$out/bin/$spec checker=$reference
    case "$spec" in *=*) bin=${spec#*=} checker=$bin ;; esac
    run=$out/$variant-run$round
    execute=$("$bin" -q offline_prover --proof execution --execute-only -w "$witness" |
      python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["execute_seconds"])')
    /usr/bin/time -v -o "$run.time" "$bin" -q offline_prover --proof execution -w "$witness" -p "$run.json" 2> "$run.log"
    prove=$(python3 -c 'import json,sys; print("%.1f" % json.load(open(sys.argv[1]))["timings"]["prove"])' "$run.json")
    read -r wall rss < <("$root/scripts/time-v-summary.py" "$run.time")
    verified=no
    "$checker" -q verifier -p "$run.json" -w "$witness" > /dev/null && verified=yes
    echo "| $variant | $round | $execute | $prove | $wall | $rss | $verified |"
  done
done
