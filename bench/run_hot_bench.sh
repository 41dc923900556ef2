#!/usr/bin/env bash
# The hot-tier benchmark in one command: builds thingsdb_hot_bench (Release) if needed, runs the
# seed's method on better-sqlite3 (bench/hot/seed_method.mjs) and then thingsdb on the same rows,
# and prints the seed's section-4 table with both columns and PASS/FAIL per target.
#
#   bench/run_hot_bench.sh [--quick] [--out FILE.md]
#
# --quick: 1K and 10K rows, 1K- and 10K-user graphs (no 1M rows, no 100K-user graph); for CI.
# The full run takes several minutes on 2 cores. Work files go to $HOTBENCH_WORK
# (default: a fresh directory under /tmp), removed at the end unless HOTBENCH_KEEP=1.
# HOTBENCH_BUILD=DIR: the CMake build directory of thingsdb_hot_bench (default build/benchhot).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${HOTBENCH_BUILD:-$ROOT/build/benchhot}"
QUICK=()
OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) QUICK=(--quick) ;;
    --out) OUT="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run_hot_bench.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

# --- build -------------------------------------------------------------------------------------
BIN=""
build_official() {
  if [[ ! -f "$BUILD/build.ninja" ]]; then
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTHINGSDB_BUILD_TESTS=OFF \
      -DTHINGSDB_BUILD_BENCH=ON "-DTHINGSDB_ONLY_MODULES=core;sqlite;hot" >&2 || return 1
  fi
  cmake --build "$BUILD" -j2 --target thingsdb_hot_bench >&2 || return 1
  BIN="$BUILD/bench/hot/thingsdb_hot_bench"
}
# Without add_subdirectory(hot) in bench/CMakeLists.txt, or when that build fails for reasons of
# other benchmarks: a small wrapper project builds the modules and this benchmark alone.
build_wrapper() {
  WRAP="$ROOT/build/benchhot-wrapper"
  mkdir -p "$WRAP/src"
  cat > "$WRAP/src/CMakeLists.txt.new" <<EOF
cmake_minimum_required(VERSION 3.25)
project(thingsdb_hot_bench_wrapper LANGUAGES C CXX)
set(THINGSDB_BUILD_TESTS OFF CACHE BOOL "" FORCE)
set(THINGSDB_BUILD_BENCH OFF CACHE BOOL "" FORCE)
set(THINGSDB_ONLY_MODULES "core;sqlite;hot" CACHE STRING "" FORCE)
add_subdirectory("$ROOT" thingsdb)
find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
add_subdirectory("$ROOT/bench/hot" hot)
EOF
  if ! cmp -s "$WRAP/src/CMakeLists.txt.new" "$WRAP/src/CMakeLists.txt"; then
    mv "$WRAP/src/CMakeLists.txt.new" "$WRAP/src/CMakeLists.txt"
  else
    rm "$WRAP/src/CMakeLists.txt.new"
  fi
  if [[ ! -f "$WRAP/build/build.ninja" ]]; then
    cmake -S "$WRAP/src" -B "$WRAP/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
  fi
  cmake --build "$WRAP/build" -j2 --target thingsdb_hot_bench >&2
  BIN="$WRAP/build/hot/thingsdb_hot_bench"
}
if grep -qE '^\s*add_subdirectory\(\s*hot\s*\)' "$ROOT/bench/CMakeLists.txt" 2>/dev/null; then
  build_official || {
    echo "run_hot_bench.sh: the build in $BUILD failed; building through a wrapper project" >&2
    build_wrapper
  }
else
  build_wrapper
fi

# --- run ---------------------------------------------------------------------------------------
WORK="${HOTBENCH_WORK:-$(mktemp -d /tmp/hotbench.XXXXXX)}"
mkdir -p "$WORK"
cleanup() { [[ "${HOTBENCH_KEEP:-0}" == 1 ]] || rm -rf "$WORK"; }
trap cleanup EXIT

echo "load average before the run: $(cat /proc/loadavg)" >&2

# Same rows on both sides: the generators must agree byte for byte.
N_CHECK=100000
A="$("$BIN" --dump-rows $N_CHECK | sha256sum | cut -d' ' -f1)"
B="$(node "$ROOT/bench/hot/seed_method.mjs" --dump-rows $N_CHECK | sha256sum | cut -d' ' -f1)"
if [[ "$A" != "$B" ]]; then
  echo "run_hot_bench.sh: the two sides generate different rows ($A vs $B)" >&2
  exit 1
fi
echo "rows identical on both sides (first $N_CHECK rows, sha256 $A)" >&2

# One side at a time (2 cores): the peer first, then thingsdb, which prints the merged table.
node "$ROOT/bench/hot/seed_method.mjs" --work "$WORK" "${QUICK[@]}" > "$WORK/peer.json"
MD_ARGS=()
[[ -n "$OUT" ]] && MD_ARGS=(--markdown "$OUT")
"$BIN" --work "$WORK" --peer "$WORK/peer.json" "${QUICK[@]}" "${MD_ARGS[@]}"
