#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer, ASan+UBSan) and fuzzes the Parquet reader for
# SECONDS (default 30; keep <= 60 in CI). Seeds are generated, not committed.
# Usage: src/parquet/fuzz/run.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
seconds="${1:-30}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${2:-$root/build/fuzz}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DTHINGSDB_FUZZ=ON \
  -DTHINGSDB_SANITIZE=ON -DTHINGSDB_BUILD_TESTS=OFF -DTHINGSDB_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j2 --target parquet_reader_fuzz parquet_interop_tool
fuzzer="$(find "$build" -name parquet_reader_fuzz -type f -perm -u+x | head -1)"
tool="$(find "$build" -name parquet_interop_tool -type f -perm -u+x | head -1)"
corpus="$build/parquet_fuzz_corpus"
mkdir -p "$corpus" "$build/parquet_fuzz_crashes"
"$tool" seeds "$corpus"
"$fuzzer" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 \
  -timeout=10 -print_final_stats=1 -artifact_prefix="$build/parquet_fuzz_crashes/"
