#!/usr/bin/env bash
# Installs what bench/sync_bench compares against from npm: PouchDB and pouchdb-server, pinned by
# bench/pouchdb/package-lock.json, and Yjs, y-websocket and @y/websocket-server, pinned by
# bench/yjs/package-lock.json. Not part of install-deps.sh: the tests do not need them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
if [ ! -d bench/pouchdb/node_modules ] || [ bench/pouchdb/package-lock.json -nt bench/pouchdb/node_modules ]; then
  echo "install-bench-deps: installing the sync benchmark's npm packages (PouchDB)"
  npm ci --prefix bench/pouchdb --no-audit --no-fund --loglevel=error
fi
if [ ! -d bench/yjs/node_modules ] || [ bench/yjs/package-lock.json -nt bench/yjs/node_modules ]; then
  echo "install-bench-deps: installing the sync benchmark's npm packages (Yjs)"
  npm ci --prefix bench/yjs --no-audit --no-fund --loglevel=error
fi
