#!/usr/bin/env bash
# The main job: installs what is missing, builds synclatch (release), and runs the walk-through of the
# local dataset store. Arguments go to synclatch-store-tour (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release -DSYNCLATCH_BUILD_TESTS=OFF -DSYNCLATCH_BUILD_BENCH=OFF >/dev/null
cmake --build --preset release --target synclatch-store-tour
exec build/release/tools/synclatch-store-tour "$@"
