#!/usr/bin/env bash
# The main job: installs what is missing, builds synclatch (release), runs the walk-through of the local
# dataset store, then the sync walk-through: synclatch-server on its embedded SQLite store and two devices
# syncing through the synclatch CLI. Arguments go to synclatch-store-tour (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release -DSYNCLATCH_BUILD_TESTS=OFF -DSYNCLATCH_BUILD_BENCH=OFF >/dev/null
cmake --build --preset release --target synclatch-store-tour synclatch-server synclatch
build/release/tools/synclatch-store-tour "$@"
exec scripts/sync-tour.sh build/release
