#!/usr/bin/env bash
# Makes the execution proof the Gevulot tests verify (gevulot/tests/fixtures/execution/): a
# 1-transaction anvil block (Shanghai), its witness, and a real proof of it. Run it after every
# change of the guest: the image id changes and the committed proof no longer verifies
# (gevulot's tests say so). The proof is also the proof_file fuzz target's seed.
#
#   scripts/make-execution-fixture.sh                 # a new anvil block, proven by run-local.sh
#   scripts/make-execution-fixture.sh --same-witness  # the committed witness, proven again
#
# --same-witness keeps the witness (also the witness_file fuzz seeds) and uses PROVER_CMD (for
# instance the test build's target/debug/prover_cmd) or a release build. About 6 to 9 minutes of
# proving on 2 cores, the build aside.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/portable.sh"
cd "$root"
dest=gevulot/tests/fixtures/execution
case "${1:-}" in
  --same-witness)
    bin=${PROVER_CMD:-}
    if [ -z "$bin" ]; then
      cargo build --release -p cli --bin prover_cmd
      bin=target/release/prover_cmd
    fi
    "$bin" offline_prover --proof execution --threads 2 -w "$dest/witness.json" -p "$dest/proof.json.new"
    "$bin" verifier -p "$dest/proof.json.new" -w "$dest/witness.json"
    mv "$dest/proof.json.new" "$dest/proof.json"
    ;;
  "")
    PROOF=execution HARDFORK=shanghai KIND=small scripts/run-local.sh
    mkdir -p "$dest"
    cp run-local/witness.json run-local/proof.json "$dest/"
    ;;
  *) echo "usage: $0 [--same-witness]" >&2; exit 2 ;;
esac
cp "$dest/proof.json" fuzz/seeds/proof_file/execution-1tx.json
echo "$dest: $(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["image_id"], "block", p["block_number"])' "$dest/proof.json")"
