#!/usr/bin/env bash
# Runs gevulot/v2 (Gevulot v2 manifests through gevulot-rs' own types), building it first: its own
# workspace and target directory, with DOCS_RS=1 from gevulot/v2/.cargo/config.toml (gevulot-rs
# 0.4.0 then compiles its bundled protos with Debian's protoc instead of fetching them from
# buf.build). About 3.5 minutes the first time on 2 cores.
#   scripts/gevulot-v2.sh manifests [--check]          (writes manifests/ from the settings)
#   scripts/gevulot-v2.sh check FILE...                 (a manifest as a node would take it)
#   scripts/gevulot-v2.sh messages FILE... [--pin NAME=URL=FILE]   (what a deployment sends)
#   scripts/gevulot-v2.sh --test | --build-tests        (its tests; the test command runs them)
# GEVULOT_V2_BIN: a built gevulot-v2 to run instead (its tests run scripts/deploy.sh with theirs).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/portable.sh"
[ -z "${GEVULOT_V2_BIN:-}" ] || exec "$GEVULOT_V2_BIN" "$@"
if ! command -v protoc >/dev/null; then
  command -v apt-get >/dev/null || { echo "please install protoc (Debian: protobuf-compiler)" >&2; exit 1; }
  sudo=$([ "$(id -u)" = 0 ] || echo sudo)
  echo "installing protobuf-compiler (apt)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends protobuf-compiler >/dev/null
fi
# The project's wrapper is for the main workspace's gevulot binaries; this is another workspace.
unset RUSTC_WORKSPACE_WRAPPER
export CARGO_INCREMENTAL=0
target="$root/target/gevulot-v2"
# Cargo reads .cargo/config.toml (DOCS_RS) from the directory it runs in.
cd "$root/gevulot/v2"
case "${1:-}" in
  --test) shift; exec cargo test --locked --target-dir "$target" "$@" ;;
  --build-tests) exec cargo test --locked --target-dir "$target" --no-run ;;
esac
cargo build --locked --quiet --target-dir "$target" >&2
cd "$root"
exec "$target/debug/gevulot-v2" "$@"
