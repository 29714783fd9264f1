#!/usr/bin/env bash
# Runs synclatch-demo against two fresh synclatch-server deployments on their embedded SQLite stores
# (A and B, 127.0.0.1, temp folders), bridged both ways with the trigger and the listener on, and the
# developer provider login.demo.app that the demo's app backend signs its users in with, as the demo's four
# scenes need. Usage: demo.sh BUILD_DIR [synclatch-demo options...], e.g.
#   scripts/demo.sh build/release                                   # the window, to click through
#   scripts/demo.sh build/release --scenario demo-app/scenarios/walkthrough.txt --screenshot-dir shots
# BUILD_DIR holds server/synclatch-server and demo-app/synclatch-demo. The servers stop when the demo ends;
# the demo's exit code is this script's.
set -euo pipefail
bin=${1:?usage: demo.sh BUILD_DIR [synclatch-demo options...]}
shift
admin_key=ADMIN:demo-secret
work=$(mktemp -d)
# Qt wants a private runtime folder; a bare container has none.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="$work/runtime"
  mkdir -m 700 "$XDG_RUNTIME_DIR"
fi
pids=()
stop_servers() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_servers; rm -rf "$work"' EXIT

# start NAME PORT [flags...]: starts deployment NAME on PORT (0: any free one); sets url to its URL.
start() {
  local name=$1 port=$2
  shift 2
  "$bin/server/synclatch-server" --listen "127.0.0.1:$port" --data "$work/$name" --deployment-id "$name" \
    --admin-key "$admin_key" --developer-provider login.demo.app --processor trigger --processor listener \
    "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 200); do grep -q "listening on" "$work/$name.log" && break; sleep 0.05; done
  url=$(grep -o "http://127.0.0.1:[0-9]*" "$work/$name.log" | head -1)
  [ -n "$url" ] || { echo "demo.sh: server $name did not start:" >&2; cat "$work/$name.log" >&2; exit 1; }
}

# Each deployment names the other with --peer, so A is started again on its port once B's is known.
start A 0
a=$url
start B 0 --peer "$a"
b=$url
kill "${pids[0]}" && wait "${pids[0]}" 2>/dev/null || true
pids=("${pids[1]}")
start A "${a##*:}" --peer "$b"
echo "demo.sh: deployment A at $a, deployment B at $b (bridged; logs and data in $work)"

status=0
"$bin/demo-app/synclatch-demo" --endpoint "$a" --peer-endpoint "$b" --admin-key "$admin_key" --data "$work/devices" \
  "$@" || status=$?
if [ "$status" != 0 ]; then
  for name in A B; do
    echo "demo.sh: the last lines of deployment $name's log:"
    tail -n 25 "$work/$name.log"
  done
fi
exit "$status"
