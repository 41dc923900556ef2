#!/usr/bin/env bash
# Builds the fuzz preset (clang, libFuzzer, ASan+UBSan) and fuzzes the HTTP request-head
# parser for SECONDS (default 20). Seeds are written here, not committed.
# Usage: src/server/fuzz/run.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
seconds="${1:-20}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
build="${2:-$root/build/fuzz}"
fuzzer="$("$root/scripts/fuzz-build" "$build" http_head_fuzz)"
corpus="$build/http_fuzz_corpus"
mkdir -p "$corpus" "$build/http_fuzz_crashes"
printf 'GET /v1/namespaces/app/things/x?limit=5&where=a%%3D1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\n' > "$corpus/get"
printf 'POST /v1/namespaces/app/things HTTP/1.1\r\nContent-Length: 20\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n{"type":"t","data":{}}' > "$corpus/post"
printf 'GET / HTTP/1.0\nConnection: keep-alive\nTransfer-Encoding: chunked\n\n' > "$corpus/lf"
"$fuzzer" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=8192 \
  -timeout=10 -print_final_stats=1 -artifact_prefix="$build/http_fuzz_crashes/"
