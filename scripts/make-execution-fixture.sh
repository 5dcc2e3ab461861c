#!/usr/bin/env bash
# Makes the execution proof the Gevulot tests verify (gevulot/tests/fixtures/execution/): a
# 1-transaction anvil block (Shanghai), its witness, and a real proof of it made and verified by
# scripts/run-local.sh. Run it after every change of the guest: the image id changes and the
# committed proof no longer verifies (gevulot's tests say so). About 15 minutes on 2 cores, the
# release build aside.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
PROOF=execution HARDFORK=shanghai KIND=small scripts/run-local.sh
dest=gevulot/tests/fixtures/execution
mkdir -p "$dest"
cp run-local/witness.json run-local/proof.json "$dest/"
echo "$dest: $(python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); print(p["image_id"], "block", p["block_number"])' "$dest/proof.json")"
