#!/usr/bin/env bash
# Every test: installs what is missing, builds the library alone (the lib preset, scripts/build-lib.sh),
# builds everything with warnings as errors, runs the whole ctest suite (unit, durability, packaging), runs
# every fuzz target for a short while (a clang build with libFuzzer, ASan and UBSan; docs/fuzzing.md), then
# builds and runs the suite again under AddressSanitizer and UndefinedBehaviorSanitizer. The PostgreSQL
# tests start private clusters themselves. To keep CI within its time, the sanitizer pass leaves out what
# the plain pass runs and memory checks add nothing to (the ci-asan presets: the Qt demo, the server
# suites' second run on PostgreSQL, label postgres_servers, and three long soak tests).
# SYNCLATCH_SKIP_ASAN=1 skips the sanitizer pass and SYNCLATCH_SKIP_FUZZ=1 the fuzz smoke run, for a quick
# local run; SYNCLATCH_FUZZ_SECONDS sets how long each target runs (10 s by default).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
# The library alone first (scripts/build-lib.sh): no Qt, server, tools, tests or Node.js.
scripts/build-lib.sh

# The CI presets: the default and sanitizer builds with warnings as errors and lean debug info (build/ci,
# build/ci-asan), which cuts a quarter of the build time; build/default stays the developer's.
cmake --preset ci
cmake --build --preset ci -j "$jobs"
ctest --preset ci -j "$jobs"

if [ "${SYNCLATCH_SKIP_FUZZ:-0}" != "1" ]; then
  scripts/fuzz.sh --build build/fuzz --seconds "${SYNCLATCH_FUZZ_SECONDS:-10}"
fi

if [ "${SYNCLATCH_SKIP_ASAN:-0}" != "1" ]; then
  cmake --preset ci-asan
  cmake --build --preset ci-asan -j "$jobs"
  ctest --preset ci-asan -j "$jobs"
fi
