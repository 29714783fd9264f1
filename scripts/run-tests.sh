#!/usr/bin/env bash
# Every test: installs what is missing, builds the library alone (the lib preset, scripts/build-lib.sh),
# builds everything with warnings as errors, runs the whole ctest suite (unit, durability, packaging, the
# C API and the Java binding), then, from one clang build with AddressSanitizer, UndefinedBehaviorSanitizer
# and libFuzzer's coverage (the ci-asan preset), runs every fuzz target for a short while (docs/fuzzing.md)
# and the suite again. That build runs beside the plain pass's tests, at the lowest priority. The
# PostgreSQL tests start private clusters themselves. To keep CI within its time, the sanitizer pass leaves
# out what the plain pass runs and memory checks add nothing to (the ci-asan presets: the Qt demo, the Java
# binding, the server suites' second run on PostgreSQL, label postgres_servers, and three long soak tests).
# Last, the library's unit tests cross-built for ARM64 (the arm64 preset, built beside the fuzz smoke run)
# run under qemu-aarch64, as scripts/arm64-tests.sh runs them.
# SYNCLATCH_SKIP_ASAN=1 skips the sanitizer build, its tests, the fuzz smoke run and ARM64, for a quick local
# run; SYNCLATCH_SKIP_ARM64=1 skips ARM64 alone;
# SYNCLATCH_SKIP_FUZZ=1 skips the fuzz smoke run alone; SYNCLATCH_FUZZ_SECONDS sets how long each target
# runs (10 s by default).
set -euo pipefail
cd "$(dirname "$0")/.."
# Where the time goes (CI has a budget): each phase's end, in seconds since the start.
started=$(date +%s)
phase() { echo "run-tests: $(( $(date +%s) - started )) s: $*"; }
arm64=1
[ "${SYNCLATCH_SKIP_ARM64:-0}" != "1" ] && [ "${SYNCLATCH_SKIP_ASAN:-0}" != "1" ] || arm64=0
if [ "$arm64" = 1 ]; then scripts/install-deps.sh --arm64; else scripts/install-deps.sh; fi
phase "dependencies installed"

jobs=$(nproc)
# The library alone first (scripts/build-lib.sh): no Qt, server, tools, tests or Node.js.
scripts/build-lib.sh
phase "the library alone built"

# The CI presets: the default and sanitizer builds with warnings as errors and lean debug info (build/ci,
# build/ci-asan), which cuts a quarter of the build time; build/default stays the developer's.
cmake --preset ci
cmake --build --preset ci -j "$jobs"
phase "the ci build done"

# The plain pass's tests leave much of the CPU idle (they wait on servers, PostgreSQL clusters, kill -9
# loops and timers): the sanitizer build uses what they leave, at the lowest priority, so that the tests
# get the CPU whenever they want it. Its output is shown if it fails.
sanitizer_build() {
  { cmake --preset ci-asan && cmake --build --preset ci-asan -j "$jobs"; } >build/ci-asan-build.log 2>&1 ||
    { echo "run-tests: the sanitizer build failed:"; cat build/ci-asan-build.log; return 1; }
  phase "the sanitizer build done (in the background)"
}
builds=""
if [ "${SYNCLATCH_SKIP_ASAN:-0}" != "1" ]; then
  nice -n 19 bash -c "$(declare -f phase sanitizer_build); started=$started; jobs=$jobs; sanitizer_build" &
  builds=$!
fi
tests_ok=0
ctest --preset ci -j "$jobs" || tests_ok=$?
phase "the plain pass's tests done"
if [ "$tests_ok" != 0 ]; then
  scripts/show-failed-tests.sh build/ci
  echo "run-tests: the plain pass failed; waiting for the sanitizer build to stop" >&2
  [ -z "$builds" ] || wait "$builds" || true
  exit "$tests_ok"
fi
[ "${SYNCLATCH_SKIP_ASAN:-0}" != "1" ] || exit 0
wait "$builds"

# The ARM64 cross build (the arm64 preset, scripts/arm64-tests.sh) beside the fuzz smoke run, which keeps
# one core busy; the sanitizer pass's tests start once it is done, with the machine to themselves (timing
# tests under ASan are the ones a busy machine upsets).
arm64_build() {
  { cmake --preset arm64 && cmake --build --preset arm64 -j "$jobs"; } >build/arm64-build.log 2>&1 ||
    { echo "run-tests: the ARM64 build failed:"; cat build/arm64-build.log; return 1; }
  phase "the ARM64 build done (in the background)"
}
arm64_builds=""
if [ "$arm64" = 1 ]; then
  nice -n 19 bash -c "$(declare -f phase arm64_build); started=$started; jobs=$jobs; arm64_build" &
  arm64_builds=$!
fi

# The fuzz targets of the same build, each on its corpus for a short while (each runs on one core).
if [ "${SYNCLATCH_SKIP_FUZZ:-0}" != "1" ]; then
  scripts/fuzz.sh --build build/ci-asan --seconds "${SYNCLATCH_FUZZ_SECONDS:-10}"
  phase "the fuzz smoke run done"
fi

[ -z "$arm64_builds" ] || wait "$arm64_builds"

asan_ok=0
ctest --preset ci-asan -j "$jobs" || asan_ok=$?
phase "the sanitizer pass's tests done"
if [ "$asan_ok" != 0 ]; then
  scripts/show-failed-tests.sh build/ci-asan
  exit "$asan_ok"
fi

# The library's unit tests on ARM64, under qemu-aarch64.
if [ "$arm64" = 1 ]; then
  arm64_ok=0
  ctest --preset arm64 -j "$jobs" || arm64_ok=$?
  phase "the ARM64 tests done (under qemu-aarch64)"
  if [ "$arm64_ok" != 0 ]; then
    scripts/show-failed-tests.sh build/arm64
    exit "$arm64_ok"
  fi
fi
