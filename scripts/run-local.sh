#!/usr/bin/env bash
# Sets everything up and runs the main job on a local anvil: installs anvil (into .tools/), builds
# prover_cmd (release), starts anvil, makes a small block (one storage clear: two accounts and one
# slot touched), captures its witness, proves it and verifies the proof. PROOF=execution (the
# default) makes the execution proof (the guest in the zkVM executor, then a real OpenVM proof);
# PROOF=state writes INSECURE development KZG params and makes the state proof (keys are cached in
# run-local/, so a second run skips key generation). Everything it writes goes to run-local/.
#
#   scripts/run-local.sh                     # execution proof, about 25 minutes on 2 cores cold
#   PROOF=state scripts/run-local.sh         # state proof, about 4 minutes the first time
#   HARDFORK=cancun KIND=mixed scripts/run-local.sh   # any anvil hardfork; mixed: 5 txs, ~30 min
#   HARDFORK=cancun KIND=point-evaluation scripts/run-local.sh   # one KZG point evaluation: proven
#                                            # in the full guest image (BLS12-381 on extensions)
#   VM=1 scripts/run-local.sh                # then verify once more inside the verifier VM image
#                                            # (either kind; installs QEMU and the kernel)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/portable.sh"
cd "$root"
hardfork=${HARDFORK:-shanghai}
kind=${KIND:-small}
proof=${PROOF:-execution}
case "$proof" in execution|state) ;; *) echo "PROOF must be execution or state" >&2; exit 2 ;; esac
out=run-local
mkdir -p "$out"

scripts/install-test-deps.sh anvil
# One release build of everything run here, the Gevulot binaries (static, for VM=1) included.
RUSTC_WORKSPACE_WRAPPER="$root/scripts/rustc-static-gevulot-bins" \
  cargo build --release -p cli -p testkit -p gevulot -p runner --bins
bin=target/release

anvil=.tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$anvil" --host 127.0.0.1 --port "$port" --hardfork "$hardfork" --silent &
anvil_pid=$!
trap 'kill $anvil_pid 2>/dev/null || true' EXIT
rpc="http://127.0.0.1:$port"
for _ in $(seq 100); do
  curl -sf -X POST -H 'content-type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "$rpc" >/dev/null && break
  sleep 0.1
done

block=$("$bin/make_blocks" --rpc "$rpc" --kind "$kind")
echo "== made block $block ($kind, hardfork $hardfork) on anvil at $rpc"
"$bin/prover_cmd" witness_capture -b "$block" -r "$rpc" -w "$out/witness.json"
"$bin/prover_cmd" witness_inspect "$out/witness.json"

# VM=1: the proof verified once more inside the verifier VM image (QEMU, TCG), as a Gevulot node
# would run it. Arguments: extra runner files and task arguments (the state proof's keys).
verify_in_vm() {
  [ "${VM:-0}" = 1 ] || return 0
  echo "== verifying again inside the verifier VM image (QEMU, TCG), as a Gevulot node would run it"
  scripts/install-test-deps.sh
  PROVER_CMD="$bin/prover_cmd" PARAMS="${params:-}" BINARIES_DIR="$bin" VM_IMAGES_DIR="$root/$out/vm-images" \
    PROFILE=release scripts/build-test-images.sh
  rm -rf "$out/vm-task"
  local files=(--file "$out/proof.json" --file "$out/witness.json") task_args=()
  if [ "$proof" = state ]; then
    files+=(--file "$out/keys") task_args=(--keys-dir /workspace/keys)
  fi
  "$bin/gevulot-runner" --image "$out/vm-images/verifier" --workspace "$out/vm-task" "${files[@]}" \
    -- --proof /workspace/proof.json --witness /workspace/witness.json "${task_args[@]}"
}

if [ "$proof" = execution ]; then
  echo "== the guest in the zkVM executor (no proof yet)"
  "$bin/prover_cmd" offline_prover --proof execution --execute-only -w "$out/witness.json"
  echo "== proving the execution (OpenVM; every segment, aggregated into one STARK)"
  "$bin/prover_cmd" offline_prover --proof execution -w "$out/witness.json" -p "$out/proof.json"
  echo "== verifying"
  "$bin/prover_cmd" verifier -p "$out/proof.json" -w "$out/witness.json"
  verify_in_vm
  exit 0
fi

echo "== INSECURE development params (public seed; for local runs only)"
params=$("$bin/prover_cmd" -q params --class micro -o "$out/params")
echo "$params"

echo "== proving"
"$bin/prover_cmd" offline_prover -k "$out/params" -w "$out/witness.json" -p "$out/proof.json" --keys-dir "$out/keys"

echo "== verifying"
"$bin/prover_cmd" verifier -k "$out/params" -p "$out/proof.json" -w "$out/witness.json" --keys-dir "$out/keys"
verify_in_vm
