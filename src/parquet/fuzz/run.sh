#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer, ASan+UBSan) and fuzzes the Parquet reader for
# SECONDS (default 30; keep <= 60 in CI). Seeds are generated, not committed.
# Usage: src/parquet/fuzz/run.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
seconds="${1:-30}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${2:-$root/build/fuzz}"
built="$("$root/scripts/fuzz-build" "$build" parquet_reader_fuzz parquet_interop_tool)"
fuzzer="${built%%$'\n'*}"
tool="${built##*$'\n'}"
corpus="$build/parquet_fuzz_corpus"
mkdir -p "$corpus" "$build/parquet_fuzz_crashes"
"$tool" seeds "$corpus"
"$fuzzer" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
  -timeout=10 -print_final_stats=1 -artifact_prefix="$build/parquet_fuzz_crashes/"
