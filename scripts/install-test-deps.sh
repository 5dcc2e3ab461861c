#!/usr/bin/env bash
# Installs what the tests need into .tools/ (project-local, idempotent):
# anvil, the real binary shipped inside the npm package @foundry-rs/anvil.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools"
anvil_version=1.7.1
anvil="$tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"

if [ -x "$anvil" ] && "$anvil" --version 2>/dev/null | grep -q "$anvil_version"; then
  echo "anvil $anvil_version already in $tools"
else
  command -v npm >/dev/null || { echo "npm is needed to install anvil (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "@foundry-rs/anvil@$anvil_version"
  [ -x "$anvil" ] || { echo "npm installed @foundry-rs/anvil but $anvil is missing" >&2; exit 1; }
fi
"$anvil" --version | head -1
