#!/usr/bin/env bash
# The library alone, as an app's build gets it: `cmake --preset lib` in a clean build folder, warnings as
# errors, then installed into a staging folder. Fails if the configuration looked up anything the library
# does not need (Qt, CLI11, Catch2, Node.js): a machine with only a compiler, CMake, SQLite, Boost, OpenSSL
# and nlohmann-json must be able to build it (the preset names no generator: CMake's default, so not even
# Ninja is needed). CI runs it first.
set -euo pipefail
cd "$(dirname "$0")/.."

rm -rf build/lib
cmake --preset lib -DSYNCLATCH_WERROR=ON
looked_up=$(grep -E '^(Qt6_DIR|CLI11_DIR|Catch2_DIR|NODE_EXECUTABLE)[:=]' build/lib/CMakeCache.txt || true)
if [ -n "$looked_up" ]; then
  echo "build-lib: the lib preset looked up what the library does not need:" >&2
  echo "$looked_up" >&2
  exit 1
fi
cmake --build --preset lib -j "$(nproc)"
cmake --install build/lib --prefix build/lib/stage >/dev/null
test -f build/lib/stage/include/synclatch/client.hpp
test -f build/lib/stage/lib/cmake/synclatch/synclatchConfig.cmake
test -f build/lib/stage/include/synclatch/synclatch.h   # the C API
test -f build/lib/stage/lib/pkgconfig/synclatch.pc
echo "build-lib: the library built and installed without Qt, CLI11, Catch2 or Node.js"
