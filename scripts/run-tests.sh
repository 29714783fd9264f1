#!/usr/bin/env bash
# Every test: installs what is missing, builds the library alone (the lib preset, scripts/build-lib.sh),
# builds everything with warnings as errors, runs the whole ctest suite (unit, durability, packaging), runs
# every fuzz target for a short while (a clang build with libFuzzer, ASan and UBSan; docs/fuzzing.md), then
# builds and runs the suite again under AddressSanitizer and UndefinedBehaviorSanitizer. The fuzz and
# sanitizer builds run beside the plain pass's tests, at the lowest priority. The PostgreSQL
# tests start private clusters themselves. To keep CI within its time, the sanitizer pass leaves out what
# the plain pass runs and memory checks add nothing to (the ci-asan presets: the Qt demo, the server
# suites' second run on PostgreSQL, label postgres_servers, and three long soak tests).
# SYNCLATCH_SKIP_ASAN=1 skips the sanitizer pass and SYNCLATCH_SKIP_FUZZ=1 the fuzz smoke run, for a quick
# local run; SYNCLATCH_FUZZ_SECONDS sets how long each target runs (10 s by default).
set -euo pipefail
cd "$(dirname "$0")/.."
# Where the time goes (CI has a budget): each phase's end, in seconds since the start.
started=$(date +%s)
phase() { echo "run-tests: $(( $(date +%s) - started )) s: $*"; }
scripts/install-deps.sh
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
# loops and timers): the fuzz and sanitizer builds use what they leave, at the lowest priority, so that
# the tests get the CPU whenever they want it. Each build's output is shown if it fails.
background_builds() {
  if [ "${SYNCLATCH_SKIP_FUZZ:-0}" != "1" ]; then
    scripts/fuzz.sh --build build/fuzz --build-only >build/fuzz-build.log 2>&1 ||
      { echo "run-tests: the fuzz build failed:"; cat build/fuzz-build.log; return 1; }
    touch build/fuzz-build.done
    phase "the fuzz build done (in the background)"
  fi
  if [ "${SYNCLATCH_SKIP_ASAN:-0}" != "1" ]; then
    { cmake --preset ci-asan && cmake --build --preset ci-asan -j "$jobs"; } >build/ci-asan-build.log 2>&1 ||
      { echo "run-tests: the sanitizer build failed:"; cat build/ci-asan-build.log; return 1; }
    phase "the sanitizer build done (in the background)"
  fi
}
rm -f build/fuzz-build.done
nice -n 19 bash -c "$(declare -f phase background_builds); started=$started; jobs=$jobs; background_builds" &
builds=$!
tests_ok=0
ctest --preset ci -j "$jobs" || tests_ok=$?
phase "the plain pass's tests done"
if [ "$tests_ok" != 0 ]; then
  scripts/show-failed-tests.sh build/ci
  echo "run-tests: the plain pass failed; waiting for the background builds to stop" >&2
  wait "$builds" || true
  exit "$tests_ok"
fi

if [ "${SYNCLATCH_SKIP_FUZZ:-0}" != "1" ]; then
  # The fuzz build comes first in the background: wait for it alone, then run while the sanitizer build
  # goes on (each target runs on one core).
  while [ ! -f build/fuzz-build.done ] && kill -0 "$builds" 2>/dev/null; do sleep 2; done
  if [ ! -f build/fuzz-build.done ]; then
    wait "$builds" || true
    exit 1
  fi
  scripts/fuzz.sh --build build/fuzz --seconds "${SYNCLATCH_FUZZ_SECONDS:-10}"
  phase "the fuzz smoke run done"
fi
wait "$builds"

if [ "${SYNCLATCH_SKIP_ASAN:-0}" != "1" ]; then
  asan_ok=0
  ctest --preset ci-asan -j "$jobs" || asan_ok=$?
  phase "the sanitizer pass's tests done"
  if [ "$asan_ok" != 0 ]; then
    scripts/show-failed-tests.sh build/ci-asan
    exit "$asan_ok"
  fi
fi
