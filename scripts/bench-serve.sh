#!/usr/bin/env bash
# serve under load (cli/benches/serve_load.rs), this build and, with BEFORE=<commit>, that
# commit's build beside it in the same run: readers (requests/s, p50/p99), big uploads (peak RSS,
# the slowest /healthz meanwhile), thousands of unfinished requests (sockets still held).
#
#   scripts/bench-serve.sh                  # this checkout
#   BEFORE=380ccad scripts/bench-serve.sh   # and the given commit, built in a worktree
#
# Sizes: READERS, READ_SECS, UPLOADS, CONNECTIONS (see the bench). Figures go in
# docs/serve.md with the date and the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/portable.sh
# As many file descriptors as the hard limit allows (the connection figure needs more than
# CONNECTIONS): a shell may not raise its hard limit.
ulimit -n "$(ulimit -Hn)"
if [ -n "${BEFORE:-}" ]; then
    # Built in a worktree into this target directory with this build's CPU flags, so that only
    # the workspace's own crates are compiled again; the binary is copied out, and cli touched so
    # that this build's prover_cmd is linked again after it.
    tree="target/bench-serve-before"
    [ -d "$tree" ] || git worktree add --detach "$tree" "$BEFORE"
    git -C "$tree" checkout --quiet --detach "$BEFORE"
    (cd "$tree" && CARGO_TARGET_DIR="$PWD/../../target" \
        CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS="${CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUSTFLAGS:--C target-cpu=x86-64-v3}" \
        cargo build --release --locked -p cli --bin prover_cmd)
    cp target/release/prover_cmd target/prover_cmd-before
    touch cli/src/main.rs
    echo "== before: $BEFORE"
    PROVER_CMD="$PWD/target/prover_cmd-before" cargo bench --locked -p cli --bench serve_load
fi
echo "== this build: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with uncommitted changes)')"
cargo bench --locked -p cli --bench serve_load
