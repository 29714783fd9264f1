#!/usr/bin/env bash
# ARM64: cross-builds the library (core, sync, http, platform), the C API and their unit tests with
# Debian's aarch64-linux-gnu toolchain against the :arm64 packages (the arm64 preset,
# cmake/toolchains/aarch64-linux-gnu.cmake), checks the binaries are ARM64, and runs the tests under
# qemu-aarch64; prints how long the build and the tests took. Installs what is missing first
# (scripts/install-deps.sh --arm64: adds the arm64 architecture to dpkg). Extra arguments go to ctest.
#   scripts/arm64-tests.sh [ctest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --arm64
started=$(date +%s)
cmake --preset arm64 >/dev/null
cmake --build --preset arm64 -j "$(nproc)"
built=$(date +%s)
for binary in build/arm64/tests/core_tests build/arm64/bindings/c/libsynclatch.so; do
  readelf -h "$binary" | grep -q "Machine: *AArch64" ||
    { echo "arm64-tests: $binary is not an ARM64 binary" >&2; exit 1; }
done
echo "arm64-tests: built in $((built - started)) s"
status=0
ctest --preset arm64 -j "$(nproc)" "$@" || status=$?
echo "arm64-tests: the tests ran under qemu-aarch64 in $(($(date +%s) - built)) s (exit $status)"
exit "$status"
