#!/usr/bin/env bash
# Where an execution proof's time goes, by layer, for one or more builds of prover_cmd (another
# commit's: another guest or VM configuration): the same witness (WITNESS, default the 1-transaction
# fixture) proven at --segment-memory 1 (3 segments, one leaf) by each build in turn, and a table
# of OpenVM's span times (the app proofs, the leaf, the internal layers) and the peak memory.
#
#   scripts/bench-aggregation.sh old=/tmp/prover_cmd-701ea04 new=target/release/prover_cmd
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
W=${WITNESS:-$root/gevulot/tests/fixtures/execution/witness.json}
out=$(mktemp -d)
echo "| build | segments | prove (s) | layers (s) | peak RSS (GiB) |"
echo "|---|---|---|---|---|"
for spec in "$@"; do
  name=${spec%%=*} bin=${spec#*=}
  /usr/bin/time -v -o $out/$name.time "$bin" -vv offline_prover --proof execution --segment-memory 1 -w "$W" -p $out/$name.json > $out/$name.log 2>&1
  read -r _ rss < <("$root/scripts/time-v-summary.py" $out/$name.time)
  python3 - "$name" $out/$name.log $out/$name.json "$rss" <<'PY'
import re, sys, json
name, log, proof, rss = sys.argv[1:]
def secs(v, u): return float(v) / {'ms': 1e3, 's': 1, 'µs': 1e6}[u]
groups = {}
for line in open(log):
    m = re.search(r'Z\s+\w+ (app_prove|agg_layer)\{group="([\w.]+)"\}: close time.busy=([\d.]+)(ms|s|µs)', line)
    if m: groups[m.group(2)] = secs(m.group(3), m.group(4))
p = json.load(open(proof))
layers = ", ".join(f"{k} {v:.1f}" for k, v in groups.items())
print(f"| {name} | {p['segments']} | {p['timings']['prove']:.1f} | {layers} | {rss} |")
PY
done
