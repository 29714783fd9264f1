#!/usr/bin/env bash
# The sync walk-through: starts synclatch-server on its embedded SQLite store (a temp folder, 127.0.0.1)
# and drives two devices of one identity with the synclatch CLI: offline writes, sync, a conflict and its
# resolution, the change events the server emitted, and the domain events its trigger made of them. Usage: sync-tour.sh BIN_DIR (holding
# server/synclatch-server and tools/synclatch).
set -euo pipefail
bin=${1:?usage: sync-tour.sh BUILD_DIR}
work=$(mktemp -d)
server_log="$work/server.log"
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

"$bin/server/synclatch-server" --listen 127.0.0.1:0 --data "$work/server" --admin-key ADMIN:tour-secret \
  --processor trigger --processor listener >"$server_log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$server_log" && break; sleep 0.05; done
endpoint=$(grep -o "http://127.0.0.1:[0-9]*" "$server_log" | head -1)
[ -n "$endpoint" ] || { echo "the server did not start:"; cat "$server_log"; exit 1; }

step() { printf '\n== %s\n' "$*"; }
show() { printf '$ synclatch %s\n' "$*"; }
phone() { show "(phone) $*"; "$bin/tools/synclatch" --endpoint "$endpoint" --data "$work/phone" "$@"; }
laptop() { show "(laptop) $*"; "$bin/tools/synclatch" --endpoint "$endpoint" --data "$work/laptop" \
             --admin-key ADMIN:tour-secret --identity "$identity" "$@"; }

step "synclatch-server runs at $endpoint (SQLite store in $work/server)"
step "The phone writes offline: nothing is sent yet"
phone put things thing-1 '{"name":"thing one"}'
phone put things thing-2 '{"name":"thing two"}'
phone ls things
step "The phone syncs: it gets a Cognito identity (GetId) and pushes its records"
phone sync
identity=$(phone identity | tail -1)
echo "identity: $identity"
step "The laptop acts for the same identity and pulls"
laptop sync things
laptop get things thing-1
step "Both edit thing-1 while apart; the phone syncs first"
phone put things thing-1 '{"name":"thing one, from the phone"}'
laptop put things thing-1 '{"name":"thing one, from the laptop"}'
phone sync
step "The laptop's sync finds the conflict; it shows it (exit code 4) and keeps both sides"
laptop conflicts things || echo "(exit code $?)"
step "The laptop keeps its own edit; the phone syncs and takes it"
laptop conflicts things --resolve local
phone sync
final=$(phone get things thing-1 | tail -1)
echo "$final"
[ "$final" = '{"name":"thing one, from the laptop"}' ] || { echo "the devices did not converge"; exit 1; }
step "Every acknowledged write emitted one change event (stream dataset-changes)"
"$bin/tools/synclatch" --endpoint "$endpoint" --admin-key ADMIN:tour-secret tail dataset-changes --no-follow |
  cut -c1-160
step "The trigger turned each written record into one thing-* event (stream events); the listener is on too, and the latch keeps them from looping"
tail_stream() { "$bin/tools/synclatch" --endpoint "$endpoint" --admin-key ADMIN:tour-secret tail "$1" --no-follow; }
records=$(tail_stream dataset-changes | grep -o '"op":' | wc -l)
for _ in $(seq 100); do
  events=$(tail_stream events | wc -l)
  [ "$events" -ge "$records" ] && break
  sleep 0.05
done
# Each line: sequence number, event id (origin:originSeq), type.
tail_stream events | sed -E 's/^([0-9]+) .*\{"hops":[0-9]+,"id":"([^"]*)".*"type":"([^"]*)".*/\1  \2  \3/' 
sleep 0.5  # time for a loop to show, if there were one
events=$(tail_stream events | wc -l)
echo "$records records written, $events events"
[ "$events" -eq "$records" ] || { echo "expected exactly one event per record"; exit 1; }
step "Done. The same protocol serves the AWS SDKs; see docs/client.md, docs/server.md and docs/latch.md"
