#!/usr/bin/env bash
# The main job: installs what is missing, builds synclatch (release), runs the walk-through of the local
# dataset store, the sync walk-through (synclatch-server on its embedded SQLite store and two devices
# syncing through the synclatch CLI), then the Qt demo against two bridged servers: its window on a machine
# with a display; without one, its four scenes scripted and offscreen, printing each step and where the
# screenshots are. Arguments go to synclatch-store-tour (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release -DSYNCLATCH_BUILD_TESTS=OFF -DSYNCLATCH_BUILD_BENCH=OFF >/dev/null
cmake --build --preset release --target synclatch-store-tour synclatch-server synclatch synclatch-demo
build/release/tools/synclatch-store-tour "$@"
scripts/sync-tour.sh build/release

printf '\n== The Qt demo: the Cognito recipes, live (synclatch-demo, demo-app/)\n'
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "Opening the demo's window; close it to finish."
  exec scripts/demo.sh build/release
fi
shots=build/release/demo-screenshots
echo "No display here: the demo runs its four scenes offscreen (demo-app/scenarios/walkthrough.txt)."
QT_QPA_PLATFORM=offscreen scripts/demo.sh build/release --scenario demo-app/scenarios/walkthrough.txt \
  --screenshot-dir "$shots" --screenshot "$shots/final.png"
echo "Screenshots of the scenes, as the window showed them: $(pwd)/$shots/"
ls "$shots"
