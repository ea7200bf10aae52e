#!/usr/bin/env bash
# Experiment, kept out of the code: what sqlx's ping of every connection handed back to its
# pool costs the PostgreSQL reads. Builds the release binary twice, with sqlx-core's release
# ping taken out (a copy of the crate, patched in through a worktree of HEAD) and as built,
# then runs bench/postgres_probe.sh on each, interleaved, ROUNDS times (3 by default).
# The ping is not safe to drop as such: it is what flushes a rollback and catches a connection
# left mid-statement. Findings: bench/README.md, "PostgreSQL: where the time goes".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR
CARGO_TARGET_DIR=$(realpath "${CARGO_TARGET_DIR:-$root/target}")
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
version=$(grep -A1 '^name = "sqlx-core"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"$/\1/p')
source=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"sqlx-core-$version" | head -1)
cp -r "$source" "$work/sqlx-core"
release="$work/sqlx-core/src/pool/connection.rs"
sed -i 's/if let Err(error) = self.raw.ping().await {/if let Err(error) = std::future::ready(Ok::<(), Error>(())).await {/' "$release"
grep -q 'std::future::ready(Ok::<(), Error>' "$release" \
  || { echo "sqlx-core $version: the release ping is not where this experiment expects it" >&2; exit 1; }
git -C "$root" worktree add -q --detach "$work/tree" HEAD
printf '\n[patch.crates-io]\nsqlx-core = { path = "%s" }\n' "$work/sqlx-core" >> "$work/tree/Cargo.toml"
# The patched build first, so that target/release/todo-api is the one as built afterwards.
(cd "$work/tree" && cargo build --release --bin todo-api -q) && cp "$CARGO_TARGET_DIR/release/todo-api" "$work/no-ping"
(cd "$root" && cargo build --release --bin todo-api -q) && cp "$CARGO_TARGET_DIR/release/todo-api" "$work/as-built"
for round in $(seq "${ROUNDS:-3}"); do
  for build in as-built no-ping; do
    echo "== round $round, $build"
    BINARY="$work/$build" "$root/bench/postgres_probe.sh" | grep -E "Requests/sec|Latency|CPU"
  done
done
