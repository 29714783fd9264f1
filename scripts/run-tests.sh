#!/usr/bin/env bash
# Every test: installs what is missing, builds everything with warnings as errors, runs the whole ctest
# suite (unit, durability, packaging), then builds and runs it again under AddressSanitizer and
# UndefinedBehaviorSanitizer. SYNCLATCH_SKIP_ASAN=1 skips the second pass for a quick local run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
cmake --preset default -DSYNCLATCH_WERROR=ON
cmake --build --preset default -j "$jobs"
ctest --preset default -j "$jobs"

if [ "${SYNCLATCH_SKIP_ASAN:-0}" != "1" ]; then
  cmake --preset asan -DSYNCLATCH_WERROR=ON
  cmake --build --preset asan -j "$jobs"
  ctest --preset asan -j "$jobs"
fi
