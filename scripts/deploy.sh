#!/usr/bin/env bash
# Deploys the prover/verifier pair to Gevulot and runs a prove-then-verify job on it.
#
# One command that prepares a deployment: builds both programs' images (scripts/build-images.sh:
# the microVM images and the bootable disks of both task forms), names them for upload under
# URL_BASE, and prints what deploys them: the exact gevulot-cli deploy line with the v1 disks'
# checksums, their program hashes, with a witness the exact `gevulot-cli exec --tasks` line that
# proves and verifies it, and the v2 command naming the v2 disks:
#   scripts/deploy.sh prepare --params FILE --url-base URL [--images DIR] [--witness FILE --witness-url URL]
# Gevulot v1 (devnet; gevulot-cli, disk or Nanos images from scripts/build-images.sh):
#   scripts/deploy.sh v1 deploy --name NAME --prover-image FILE --prover-url URL \
#                               --verifier-image FILE --verifier-url URL
#   scripts/deploy.sh v1 exec --prover HASH --verifier HASH --witness FILE --witness-url URL
# Gevulot v2 (gvltctl, manifests/):
#   scripts/deploy.sh v2 --prover-image URL --verifier-image URL --witness CID|URL \
#                        --params CID|URL [--params-file NAME] [--class micro|tiny|small] [--proof CID]
#   scripts/deploy.sh v2 --kind execution --prover-image URL --verifier-image URL \
#                        --witness CID|URL [--proof CID] [--gpu]   (the execution proof: no params;
#                        --gpu: the task for a worker with a GPU)
#   scripts/deploy.sh v2 --kind execution --segments N [--segment-memory GIB] --prover-image URL \
#                        --verifier-image URL --witness CID|URL [--pieces CID,CID,...] [--proof CID]
#                        (split proving, docs/split-proving.md: N segment tasks, then with
#                        --pieces their aggregation, then with --proof the verifier; N and GIB
#                        as `prover_cmd offline_prover --proof execution --execute-only` says)
#   v2 also takes --prover-image-file FILE --verifier-image-file FILE: the images to pin.
#
# --dry-run prints the commands (and writes the rendered files) without running them; for v2 also
# the messages gevulot-rs would send (pins, then the task; scripts/gevulot-v2.sh messages). v2
# checks every rendered file with gevulot-rs' own types first. Needs gevulot-cli or gvltctl on
# PATH otherwise. Environment: GEVULOT_JSONURL, GEVULOT_KEYFILE (v1),
# GEVULOT_ENDPOINT, GEVULOT_MNEMONIC (v2). OUT_DIR (default target/deploy) gets what is rendered.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT_DIR:-$root/target/deploy}
dry=
args=()
for a in "$@"; do [ "$a" = --dry-run ] && dry=1 || args+=("$a"); done
set -- "${args[@]}"
usage() { sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
run() {
  if [ -n "$dry" ]; then printf '+'; printf ' %q' "$@"; printf '\n'; else "$@"; fi
}
need() {
  [ -n "$dry" ] || command -v "$1" >/dev/null || { echo "$1 is not installed: $2" >&2; exit 1; }
}
# Gevulot v1's identities, computed as gevulot-cli and the node compute them (gevulot's public
# sources), so that no gevulot-cli is needed to prepare a deployment: a file's checksum is its
# BLAKE3 in hex (`gevulot-cli calculate-hash`); a program's hash, which `exec --tasks` names, is
# SHA3-256 of its name, its image's file name (the last segment of the URL), the URL and the
# checksum, concatenated.
checksum_of() {
  command -v b3sum >/dev/null || { echo "b3sum is needed (apt-get install b3sum)" >&2; exit 1; }
  b3sum --no-names "$1"
}
program_hash() {
  python3 -c 'import hashlib, sys, urllib.parse
name, url, checksum = sys.argv[1:]
file = urllib.parse.urlparse(url).path.rsplit("/", 1)[-1]
if not file: sys.exit(url + ": names no file")
print(hashlib.sha3_256((name + file + url + checksum).encode()).hexdigest())' "$@"
}

# Resources: the prover's class peaks at 1.2 (micro) / 3.6 GiB (tiny) while proving, keys on top.
PROVER_CPUS=${PROVER_CPUS:-4} PROVER_MEM_MIB=${PROVER_MEM_MIB:-16384}
VERIFIER_CPUS=${VERIFIER_CPUS:-1} VERIFIER_MEM_MIB=${VERIFIER_MEM_MIB:-4096}
mkdir -p "$out"

v1_deploy() {
  local name= pimg= purl= vimg= vurl=
  while [ $# -gt 0 ]; do
    case "$1" in
      --name) name=$2 ;; --prover-image) pimg=$2 ;; --prover-url) purl=$2 ;;
      --verifier-image) vimg=$2 ;; --verifier-url) vurl=$2 ;; *) usage ;;
    esac; shift 2
  done
  [ -n "$name" ] && [ -n "$pimg" ] && [ -n "$purl" ] && [ -n "$vimg" ] && [ -n "$vurl" ] || usage
  for f in "$pimg" "$vimg"; do [ -f "$f" ] || { echo "image $f not found (scripts/build-images.sh)" >&2; exit 1; }; done
  need gevulot-cli "cargo install --git https://github.com/gevulotnetwork/gevulot.git gevulot-cli"
  # Each image's checksum, and the program hash the node will record (and `exec --tasks` names).
  local ph vh prover_program verifier_program
  ph=$(checksum_of "$pimg"); vh=$(checksum_of "$vimg")
  prover_program=$(program_hash "#eth-block-prover" "$purl" "$ph")
  verifier_program=$(program_hash "#eth-block-verifier" "$vurl" "$vh")
  echo "prover image $ph, program $prover_program" >&2
  echo "verifier image $vh, program $verifier_program" >&2
  printf '{"prover": "%s", "verifier": "%s"}\n' "$prover_program" "$verifier_program" > "$out/v1-programs.json"
  echo "then: scripts/deploy.sh v1 exec --prover $prover_program --verifier $verifier_program --witness FILE --witness-url URL" >&2
  run gevulot-cli --jsonurl "${GEVULOT_JSONURL:-http://api.devnet.gevulot.com:9944}" --keyfile "${GEVULOT_KEYFILE:-gevulot.pki}" \
    deploy --name "$name" \
    --prover "$ph" --provername "#eth-block-prover" --proverimgurl "$purl" \
    --provercpus "$PROVER_CPUS" --provermem "$PROVER_MEM_MIB" --provergpus 0 \
    --verifier "$vh" --verifiername "#eth-block-verifier" --verifierimgurl "$vurl" \
    --verifiercpus "$VERIFIER_CPUS" --verifiermem "$VERIFIER_MEM_MIB" --verifiergpus 0
}

v1_exec() {
  local prover= verifier= witness= wurl=
  while [ $# -gt 0 ]; do
    case "$1" in
      --prover) prover=$2 ;; --verifier) verifier=$2 ;; --witness) witness=$2 ;; --witness-url) wurl=$2 ;; *) usage ;;
    esac; shift 2
  done
  [ -n "$prover" ] && [ -n "$verifier" ] && [ -n "$witness" ] && [ -n "$wurl" ] || usage
  [ -f "$witness" ] || { echo "witness $witness not found" >&2; exit 1; }
  need gevulot-cli "cargo install --git https://github.com/gevulotnetwork/gevulot.git gevulot-cli"
  local wh
  wh=$(checksum_of "$witness")
  # The prover reads the witness the node downloads; the verifier reads the prover's proof file
  # and checks it covers that same witness.
  cat > "$out/v1-tasks.json" <<JSON
[
  {
    "program": "$prover",
    "cmd_args": [
      {"name": "--witness", "value": "/workspace/witness.json"},
      {"name": "--proof", "value": "/workspace/proof.json"}
    ],
    "inputs": [
      {"Input": {"local_path": "$wh", "vm_path": "/workspace/witness.json", "file_url": "$wurl"}}
    ]
  },
  {
    "program": "$verifier",
    "cmd_args": [
      {"name": "--proof", "value": "/workspace/proof.json"},
      {"name": "--witness", "value": "/workspace/witness.json"}
    ],
    "inputs": [
      {"Output": {"source_program": "$prover", "file_name": "/workspace/proof.json"}},
      {"Input": {"local_path": "$wh", "vm_path": "/workspace/witness.json", "file_url": "$wurl"}}
    ]
  }
]
JSON
  echo "$out/v1-tasks.json" >&2
  run gevulot-cli --jsonurl "${GEVULOT_JSONURL:-http://api.devnet.gevulot.com:9944}" --keyfile "${GEVULOT_KEYFILE:-gevulot.pki}" \
    exec --tasks "$(cat "$out/v1-tasks.json")"
}

# render NAME [SOURCE]: manifests/NAME (or SOURCE) filled in, as $out/NAME.
render() {
  local source=${2:-$root/manifests/$1} pieces=() i=0 cid
  # Split proving: SEGMENT_i is the CID of segment task i's piece (--pieces), SEGMENT the index.
  for cid in ${PIECES//,/ }; do pieces+=(-e "s|\${SEGMENT_$i}|$cid|g"); i=$((i + 1)); done
  mkdir -p "$out"
  sed -e "s|\${PROVER_IMAGE}|$PROVER_IMAGE|g" -e "s|\${VERIFIER_IMAGE}|$VERIFIER_IMAGE|g" \
      -e "s|\${WITNESS}|$WITNESS|g" -e "s|\${PARAMS}|$PARAMS|g" -e "s|\${PROOF}|$PROOF|g" \
      -e "s|\${CLASS}|$CLASS|g" -e "s|\${PARAMS_FILE}|$PARAMS_FILE|g" \
      -e "s|\${SEGMENT_GIB}|$SEGMENT_GIB|g" -e "s|\${SEGMENT}|$SEGMENT|g" "${pieces[@]}" "$source" > "$out/$1"
  if grep -q '\${' "$out/$1"; then echo "$out/$1: unfilled placeholder: $(grep -o '\${[A-Z_0-9]*}' "$out/$1" | sed -n 1p)" >&2; exit 1; fi
  echo "$out/$1"
}

# Split proving's stages (v2 --segments N): the segment tasks; with --pieces, their aggregation;
# with --proof, the verifier. The workflow of all three is rendered and checked at each stage.
v2_split() {
  local segments=$1 ctl=("${@:2}") i
  case "$segments" in ''|*[!0-9]*|0) echo "--segments must be a number of segments (1 or more)" >&2; exit 2 ;; esac
  local piece_count=0 cid
  for cid in ${PIECES//,/ }; do piece_count=$((piece_count + 1)); done
  [ -z "$PIECES" ] || [ "$piece_count" = "$segments" ] ||
    { echo "--pieces names $piece_count pieces, the block has $segments segments" >&2; exit 2; }
  "$root/scripts/gevulot-v2.sh" split-workflow --segments "$segments" > "$out/split-workflow.template.yaml"
  "$root/scripts/gevulot-v2.sh" split-workflow --segments "$segments" --aggregate-task > "$out/split-aggregate.template.yaml"
  # The workflow with what later stages fill in shown as such, checked as a node takes it.
  local saved_pieces=$PIECES saved_proof=$PROOF
  PIECES=$(seq -s, -f 'SEGMENT-%g-CID-FROM-ITS-TASK' 0 $((segments - 1)))
  PROOF=${PROOF:-PROOF-CID-FROM-THE-AGGREGATION-TASK}
  render workflow-execution-split.yaml "$out/split-workflow.template.yaml" >/dev/null
  PIECES=$saved_pieces PROOF=$saved_proof
  "$root/scripts/gevulot-v2.sh" check "$out/workflow-execution-split.yaml" >&2
  local files=()
  if [ -n "$PROOF" ]; then
    files+=("$(render verifier-execution-task.yaml)")
  elif [ -n "$PIECES" ]; then
    files+=("$(render aggregate-task.yaml "$out/split-aggregate.template.yaml")")
  else
    for i in $(seq 0 $((segments - 1))); do
      SEGMENT=$i
      files+=("$(render "segment-$i-task.yaml" "$root/manifests/prover-execution-segment-task.yaml")")
    done
  fi
  "$root/scripts/gevulot-v2.sh" check "${files[@]}" >&2
  [ -z "$dry" ] || "$root/scripts/gevulot-v2.sh" messages "${pins[@]}" "${files[@]}"
  for file in "${files[@]}"; do run "${ctl[@]}" task create -f "$file"; done
  if [ -z "$PIECES$PROOF" ]; then
    echo "then: gvltctl task get <each task id>; scripts/deploy.sh v2 ... --pieces <their status.outputContexts[0], in segment order, comma-separated>" >&2
  elif [ -z "$PROOF" ]; then
    echo "then: gvltctl task get <task id>; scripts/deploy.sh v2 ... --proof <status.outputContexts[0]>" >&2
  fi
}

v2() {
  # PARAMS_FILE: the name the prover finds the params by (kzg_bn254_19.srs covers every class).
  PROVER_IMAGE= VERIFIER_IMAGE= WITNESS= PARAMS= PROOF= CLASS=tiny PARAMS_FILE=kzg_bn254_19.srs
  # Split proving: the segment count and setting (OpenVM's default segment budget, 15 GiB).
  PIECES= SEGMENT= SEGMENT_GIB=4
  local kind=state gpu= prover_file= verifier_file= pins=() segments=
  while [ $# -gt 0 ]; do
    case "$1" in
      --gpu) gpu=1; shift; continue ;;
      --prover-image) PROVER_IMAGE=$2 ;; --verifier-image) VERIFIER_IMAGE=$2 ;; --witness) WITNESS=$2 ;;
      --params) PARAMS=$2 ;; --params-file) PARAMS_FILE=$2 ;; --class) CLASS=$2 ;; --proof) PROOF=$2 ;; --kind) kind=$2 ;;
      --prover-image-file) prover_file=$2 ;; --verifier-image-file) verifier_file=$2 ;;
      --segments) segments=$2 ;; --segment-memory) SEGMENT_GIB=$2 ;; --pieces) PIECES=$2 ;;
      *) usage ;;
    esac; shift 2
  done
  [ -z "$prover_file" ] || pins+=(--pin "eth-block-prover-image=$PROVER_IMAGE=$prover_file")
  [ -z "$verifier_file" ] || pins+=(--pin "eth-block-verifier-image=$VERIFIER_IMAGE=$verifier_file")
  [ -n "$PROVER_IMAGE" ] && [ -n "$VERIFIER_IMAGE" ] && [ -n "$WITNESS" ] || usage
  local prover_task=prover-task.yaml verifier_task=verifier-task.yaml
  case "$kind" in
    state)
      [ -n "$PARAMS" ] || usage
      case "$CLASS" in micro|tiny|small) ;; *) echo "class must be micro, tiny or small" >&2; exit 2 ;; esac ;;
    execution)
      [ -z "$PARAMS" ] || { echo "--params is for the state proof: the execution proof needs none" >&2; exit 2; }
      prover_task=prover-execution-task.yaml verifier_task=verifier-execution-task.yaml
      [ -z "$gpu" ] || prover_task=prover-execution-gpu-task.yaml ;;
    *) echo "kind must be state or execution" >&2; exit 2 ;;
  esac
  [ -z "$gpu" ] || [ "$kind" = execution ] || { echo "--gpu is for the execution proof (OpenVM's GPU prover)" >&2; exit 2; }
  [ -z "$segments$PIECES" ] || [ "$kind" = execution ] || { echo "--segments and --pieces are for the execution proof" >&2; exit 2; }
  [ -z "$PIECES" ] || [ -n "$segments" ] || { echo "--pieces needs --segments" >&2; exit 2; }
  need gvltctl "https://github.com/gevulotnetwork/gvltctl/releases/latest"
  local ctl=(gvltctl)
  [ -z "${GEVULOT_ENDPOINT:-}" ] || ctl+=(-e "$GEVULOT_ENDPOINT")
  [ -z "${GEVULOT_MNEMONIC:-}" ] || ctl+=(-n "$GEVULOT_MNEMONIC")
  if [ -n "$segments" ]; then v2_split "$segments" "${ctl[@]}"; return; fi
  local workflow=workflow.yaml task
  [ "$kind" = state ] || workflow=workflow-execution.yaml
  if [ -z "$PROOF" ]; then
    # Stage 1. Its status lists the output CIDs (proof.json first): rerun with --proof CID.
    PROOF=PROOF-CID-FROM-THE-PROVER-TASK
    task=$prover_task
  else
    task=$verifier_task
  fi
  render "$workflow" >/dev/null
  render "$task" >/dev/null
  # A node's own types refuse what it would refuse, before anything is sent.
  "$root/scripts/gevulot-v2.sh" check "$out/$task" "$out/$workflow" >&2
  [ -z "$dry" ] || "$root/scripts/gevulot-v2.sh" messages "${pins[@]}" "$out/$task"
  run "${ctl[@]}" task create -f "$out/$task"
  [ -n "${PROOF#PROOF-CID-FROM-THE-PROVER-TASK}" ] ||
    echo "then: gvltctl task get <task id>; scripts/deploy.sh v2 ... --proof <status.outputContexts[0]>" >&2
}

prepare() {
  local params= base= images="$root/target/images" witness= witness_url=
  while [ $# -gt 0 ]; do
    case "$1" in
      --params) params=$2 ;; --url-base) base=${2%/} ;; --images) images=$2 ;;
      --witness) witness=$2 ;; --witness-url) witness_url=$2 ;; *) usage ;;
    esac; shift 2
  done
  [ -z "$witness" ] || [ -n "$witness_url" ] || { echo "--witness needs --witness-url (where the node fetches it)" >&2; exit 2; }
  [ -n "$params" ] && [ -n "$base" ] || usage
  "$root/scripts/build-images.sh" "$params" "$images" >&2
  # The names the images are uploaded under: the node records the URL's file name.
  local upload="$images/upload" program mode
  mkdir -p "$upload"
  for program in prover verifier; do
    for mode in v1 v2; do
      ln -f "$images/disk-$mode-$program/disk.img" "$upload/eth-block-$program-$mode.img"
    done
  done
  echo "upload $upload/* to $base/, then:" >&2
  local saved_dry=$dry
  dry=1
  v1_deploy --name eth-block --prover-image "$upload/eth-block-prover-v1.img" --prover-url "$base/eth-block-prover-v1.img" \
    --verifier-image "$upload/eth-block-verifier-v1.img" --verifier-url "$base/eth-block-verifier-v1.img"
  if [ -n "$witness" ]; then
    local programs="$out/v1-programs.json"
    v1_exec --prover "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["prover"])' "$programs")" \
      --verifier "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verifier"])' "$programs")" \
      --witness "$witness" --witness-url "$witness_url"
  fi
  dry=$saved_dry
  printf '+ scripts/deploy.sh v2 --prover-image %q --verifier-image %q --prover-image-file %q --verifier-image-file %q --witness CID --params CID\n' \
    "$base/eth-block-prover-v2.img" "$base/eth-block-verifier-v2.img" "$upload/eth-block-prover-v2.img" "$upload/eth-block-verifier-v2.img"
}

case "${1:-}" in
  prepare) shift; prepare "$@" ;;
  v1) shift; case "${1:-}" in deploy) shift; v1_deploy "$@" ;; exec) shift; v1_exec "$@" ;; *) usage ;; esac ;;
  v2) shift; v2 "$@" ;;
  *) usage ;;
esac
