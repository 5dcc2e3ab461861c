#!/usr/bin/env bash
# Sets everything up and runs the main job on a local anvil: installs anvil (into .tools/),
# builds prover_cmd (release), starts anvil, makes a block with a transfer, a contract creation,
# storage writes and a slot clear, captures its witness and prints its summary.
#
#   scripts/run-local.sh [witness file]      (default: witness.json)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-witness.json}

scripts/install-test-deps.sh
cargo build --release -p prover -p testkit --bins

anvil=.tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$anvil" --host 127.0.0.1 --port "$port" --silent &
anvil_pid=$!
trap 'kill $anvil_pid 2>/dev/null || true' EXIT
rpc="http://127.0.0.1:$port"
for _ in $(seq 100); do
  curl -sf -X POST -H 'content-type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$rpc" >/dev/null && break
  sleep 0.1
done

block=$(target/release/make_blocks --rpc "$rpc")
echo "made block $block on anvil at $rpc"
target/release/prover_cmd witness_capture -b "$block" -r "$rpc" -w "$out"
target/release/prover_cmd witness_inspect "$out"
