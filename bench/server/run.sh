#!/usr/bin/env bash
# Load test of `thingsdb serve` with wrk: simple GETs, single-thing POSTs and a mixed load
# (80% GET / 20% POST) over 100 namespaces, sampling the server's RSS once a second.
# Usage: bench/server/run.sh [--quick] [--seconds N] [--bin PATH] [--connections N]
#                           [--threads N] [--serve-args "ARGS"]  (extra `thingsdb serve` options)
#                           [--paced [--get-rate R] [--post-rate R] [--mixed-rate R]]
#   full run: 3 phases of 20 s (60 s); --seconds N: 3 phases of N s (a soak); --quick: 10 s.
#   wrk keeps every connection busy (closed loop: the server's throughput at saturation);
#   --paced sends at fixed rates instead (thingsdb_openloop, built beside the server in
#   bench/server/: latency from each request's scheduled time, at 25,000 GETs/s, 6,000
#   POSTs/s and 15,000 mixed/s unless given; --connections defaults to 16 there).
# Prints one JSON line per phase (requests/s, p50/p99 ms, errors), the RSS samples and the
# machine pauses during the phase (pause_probe.py: the host took this VM's CPUs; wrk's
# percentiles count the requests a pause held back, its coordinated-omission correction).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${THINGSDB_BIN:-$root/build/release/thingsdb}"
quick=0
connections=32
server_threads=40
namespaces=100
things=100
serve_args=
phase_seconds=20
paced=0
get_rate=25000
post_rate=6000
mixed_rate=15000
connections_given=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --seconds) phase_seconds="$2"; shift ;;
    --bin) bin="$2"; shift ;;
    --connections) connections="$2"; connections_given=1; shift ;;
    --paced) paced=1 ;;
    --get-rate) get_rate="$2"; shift ;;
    --post-rate) post_rate="$2"; shift ;;
    --mixed-rate) mixed_rate="$2"; shift ;;
    --threads) server_threads="$2"; shift ;;
    --serve-args) serve_args="$2"; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ $quick == 1 ]]; then phase_get=4; phase_post=3; phase_mixed=3; else phase_get=$phase_seconds; phase_post=$phase_seconds; phase_mixed=$phase_seconds; fi
[[ -x "$bin" ]] || { echo "no server binary at $bin (build it, or pass --bin)" >&2; exit 1; }
if [[ $paced == 1 ]]; then
  openloop="${THINGSDB_OPENLOOP:-$(dirname "$bin")/bench/server/thingsdb_openloop}"
  [[ -x "$openloop" ]] || { echo "no load generator at $openloop (./scripts/setup builds it; or set THINGSDB_OPENLOOP)" >&2; exit 1; }
  [[ $connections_given == 1 ]] || connections=16
else
  command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
fi

work="$(mktemp -d /tmp/thingsdb-bench-server.XXXXXX)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$bin" --data "$work/data" serve --port "$port" --token "$token" --threads "$server_threads" \
  --quiet $serve_args 2>"$work/server.log" &
pid=$!
cleanup() { kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

# Seed: every namespace gets things t0..t(things-1), one batch each, 4 at a time.
seed_start=$(date +%s.%N)
python3 -c "import json; print(json.dumps([{'id':'t%d'%i,'type':'user','data':{'name':'user %d'%i,'age':i%90}} for i in range($things)]))" \
  > "$work/batch.json"
seq 0 $((namespaces - 1)) | xargs -P4 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  --data-binary "@$work/batch.json" "$base/v1/namespaces/bench-{}/things" > "$work/seed.codes"
if [[ $(grep -c '^201$' "$work/seed.codes") != "$namespaces" ]]; then
  echo "seeding failed: $(sort "$work/seed.codes" | uniq -c | tr '\n' ' ')" >&2; exit 1
fi
echo "{\"seeded_namespaces\":$namespaces,\"things_each\":$things,\"seconds\":$(echo "$(date +%s.%N) - $seed_start" | bc)}"

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
# Resident memory that is not a mapped file: the heap (SQLite page caches, requests). RSS also
# counts the pages of the namespaces' files that memory-mapped reads touched (RssFile), which
# the kernel can drop at any time.
rss_anon_kb() { awk '/RssAnon/ {print $2}' "/proc/$pid/status"; }
rss_samples=()
run_phase() {  # mode seconds
  local mode=$1 seconds=$2
  ( while kill -0 "$pid" 2>/dev/null; do
      rss_kb >> "$work/rss.$mode"; rss_anon_kb >> "$work/anon.$mode"; sleep 1
    done ) &
  local sampler=$!
  python3 "$here/pause_probe.py" > "$work/pauses.$mode" &
  local probe=$!
  if [[ $paced == 1 ]]; then
    local rate_var="${mode}_rate"
    "$openloop" --port "$port" --token "$token" --mode "$mode" --rate "${!rate_var}" \
      --seconds "$seconds" --connections "$connections" --namespaces "$namespaces" --things "$things"
  else
    MODE=$mode TOKEN=$token NAMESPACES=$namespaces THINGS=$things \
      wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$here/mixed.lua" "$base" \
      | grep '^{"mode"'
  fi
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  kill -TERM "$probe" 2>/dev/null || true
  wait "$probe" 2>/dev/null || true
  echo "{\"phase\":\"$mode\",\"pauses\":$(cat "$work/pauses.$mode" 2>/dev/null || echo null)}"
  echo "{\"phase\":\"$mode\",\"rss_kb\":[$(paste -sd, "$work/rss.$mode")]}"
  echo "{\"phase\":\"$mode\",\"rss_anon_kb\":[$(paste -sd, "$work/anon.$mode")]}"
}
echo "{\"rss_kb_before\":$(rss_kb)}"
run_phase get "$phase_get"
run_phase post "$phase_post"
run_phase mixed "$phase_mixed"
echo "{\"rss_kb_after\":$(rss_kb),\"rss_anon_kb_after\":$(rss_anon_kb)}"
# Server-side figures: checkpoints, and the latency of single-thing POSTs and GETs as the
# server saw it (all phases together; wrk's figures add the time a request waits for a core).
curl -s -H "Authorization: Bearer $token" "$base/metrics" > "$work/metrics.txt"
grep -E '^thingsdb_(open_namespaces|errors_total|flushes_total|flushed_rows_total|flush_duration_seconds_sum|wal_checkpoints_total|wal_checkpoint_errors_total|wal_checkpoint_duration_seconds_(sum|count))' \
  "$work/metrics.txt" || true
grep -E '^thingsdb_http_request_duration_seconds_(bucket|count)\{route="(POST /v1/namespaces/\{ns\}/things|GET /v1/namespaces/\{ns\}/things/\{id\})"' \
  "$work/metrics.txt" | grep -E 'le="(0.001|0.005|0.01|0.025|0.05|0.1|\+Inf)"|_count' || true
grep -c '"msg":"checkpoint"' "$work/server.log" | sed 's/^/checkpoint log lines (blocking or failed): /' || true
