#!/usr/bin/env bash
# Runs the fuzz targets in fuzz/ (cargo-fuzz, libFuzzer) for FUZZ_SECONDS each (default 30;
# `FUZZ_SECONDS=20 scripts/test.sh` runs them after the tests), from the committed seeds
# (fuzz/seeds/<target>: real files) and regressions (fuzz/regressions/<target>: inputs that once
# failed, kept so they are re-run). Works on stable Rust: `--sanitizer none` (no AddressSanitizer;
# Rust's own checks and overflow checks stay on). A finding is written to fuzz/artifacts/<target>/
# and fails the run.
#   scripts/fuzz.sh [target ...]        FUZZ_SECONDS=3600 scripts/fuzz.sh witness_file   (a long run)
#   scripts/fuzz.sh --build-only        (the instrumented build alone)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# The test command's lint wrapper is for the main workspace: not for cargo-fuzz's install, nor for
# the fuzz workspace.
unset RUSTC_WORKSPACE_WRAPPER
version=0.13.2
tools="$root/.tools/cargo-fuzz-$version"
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
  echo "installing cargo-fuzz $version into $tools (about 2 minutes)"
  cargo install --quiet --locked --root "$tools" cargo-fuzz --version "$version"
fi
export PATH="$tools/bin:$PATH"
if [ "${1:-}" = --build-only ]; then
  exec cargo fuzz build --fuzz-dir fuzz --target-dir "$root/target/fuzz-build" --sanitizer none
fi
seconds=${FUZZ_SECONDS:-30}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(witness_file proof_file)
# The corpus grows while fuzzing: it lives in target/, the seeds stay as committed.
for target in "${targets[@]}"; do
  corpus="$root/target/fuzz-corpus/$target"
  log="$root/target/fuzz-$target.log"
  mkdir -p "$corpus"
  dirs=("$corpus" "fuzz/seeds/$target")
  [ -d "fuzz/regressions/$target" ] && dirs+=("fuzz/regressions/$target")
  echo "fuzzing $target for ${seconds}s (log: $log)"
  if ! cargo fuzz run --fuzz-dir fuzz --target-dir "$root/target/fuzz-build" --sanitizer none "$target" "${dirs[@]}" \
    -- -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 > "$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz target $target failed: the input is in fuzz/artifacts/$target; keep it in fuzz/regressions/$target once fixed" >&2
    exit 1
  fi
  grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$log" || true
done
