#!/usr/bin/env bash
# Makes the execution proofs the tests verify: gevulot/tests/fixtures/execution/ (the base guest
# image: a 1-transaction anvil block, Shanghai) and gevulot/tests/fixtures/execution-full/ (the
# full image: a Cancun block of one KZG point evaluation, which the prover proves in the full
# image), each its witness and a real proof of it. Run it after every change of the guest: the
# image ids change and the committed proofs no longer verify (the tests say so). The base proof
# is also the proof_file fuzz target's seed.
#
#   scripts/make-execution-fixture.sh                      # a new anvil block, proven by run-local.sh
#   scripts/make-execution-fixture.sh --same-witness       # the committed witness, proven again
#   scripts/make-execution-fixture.sh --full               # the same two for the full image
#   scripts/make-execution-fixture.sh --full --same-witness
#
# --same-witness keeps the witness (also the witness_file fuzz seeds) and uses PROVER_CMD (for
# instance the test build's target/debug/prover_cmd) or a release build. About 3 to 9 minutes of
# proving on 2 cores, the build aside.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/portable.sh"
cd "$root"
dest=gevulot/tests/fixtures/execution hardfork=shanghai kind=small same=0
for arg in "$@"; do
  case "$arg" in
    --full) dest=gevulot/tests/fixtures/execution-full hardfork=cancun kind=point-evaluation ;;
    --same-witness) same=1 ;;
    *) echo "usage: $0 [--full] [--same-witness]" >&2; exit 2 ;;
  esac
done
mkdir -p "$dest"
if [ "$same" = 1 ]; then
  bin=${PROVER_CMD:-}
  if [ -z "$bin" ]; then
    cargo build --release -p cli --bin prover_cmd
    bin=target/release/prover_cmd
  fi
  "$bin" offline_prover --proof execution --threads 2 -w "$dest/witness.json" -p "$dest/proof.json.new"
  "$bin" verifier -p "$dest/proof.json.new" -w "$dest/witness.json"
  mv "$dest/proof.json.new" "$dest/proof.json"
else
  PROOF=execution HARDFORK=$hardfork KIND=$kind scripts/run-local.sh
  cp run-local/witness.json run-local/proof.json "$dest/"
fi
[ "$dest" = gevulot/tests/fixtures/execution ] && cp "$dest/proof.json" fuzz/seeds/proof_file/execution-1tx.json
echo "$dest: $(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["image_id"], "block", p["block_number"])' "$dest/proof.json")"
