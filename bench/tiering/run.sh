#!/usr/bin/env bash
# The tiering benchmark: thingsdb_tiering_bench (release build) on N things with R follows
# each, 90% flushed to a local cold tier, beside the same rows all hot; then DuckDB's time for
# the full aggregate over the cold Parquet files. Usage:
#   bench/tiering/run.sh [--things N] [--rels R] [--reps K]     (default 1M things, 10 follows)
# Needs `cmake --preset release && cmake --build --preset release` (scripts/setup does it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${THINGSDB_BENCH_BUILD:-$root/build/release}"
bin="$build/bench/tiering/thingsdb_tiering_bench"
[[ -x "$bin" ]] || cmake --build "$build" --target thingsdb_tiering_bench
work="$(mktemp -d /tmp/thingsdb-tiering-XXXXXX)"
trap 'rm -rf "$work"' EXIT
"$bin" --dir "$work" --json "$work/result.json" "$@"
echo
node "$here/duckdb_aggregate.mjs" "$work/data/warehouse/bench/things" | tee "$work/duckdb.json"
