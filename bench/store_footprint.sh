#!/usr/bin/env bash
# store_footprint: what a record costs on disk in each server store, for docs/scaling.md's capacity model.
# Devices (the synclatch CLI) push IDENTITIES identities x RECORDS records of a 100-byte value with a
# 12-byte key into one server on the embedded store and one on PostgreSQL (a private cluster,
# tests/helpers/with_postgres); the growth of each store over its empty start, divided by the records,
# is the figure: table rows, indexes and the change event each write leaves in the dataset-changes stream.
#
#   bench/store_footprint.sh [BUILD_DIR] [IDENTITIES] [RECORDS]   (default build/default 20 500)
set -euo pipefail
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  exit 0
fi
cd "$(dirname "$0")/.."
build=${1:-build/default}
identities=${2:-20}
records=${3:-500}
server=$build/server/synclatch-server
cli=$build/tools/synclatch
with_postgres=$build/tests/helpers/with_postgres
for program in "$server" "$cli" "$with_postgres"; do
  [ -x "$program" ] || { echo "store_footprint: $program is missing: build $build first" >&2; exit 1; }
done

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

python3 - "$records" >"$work/records.json" <<'EOF'
import json, sys
n = int(sys.argv[1])
print(json.dumps({f"key-{i:08d}": ("v%07d" % i) * 12 + "x" * 4 for i in range(n)}))
EOF

# Starts the server with "$@", sets server_pid and port.
start_server() {
  "$server" --listen 127.0.0.1:0 --auth sigv4 --no-data-lake --log-level warn "$@" >"$work/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    port=$(sed -n 's#.*listening on http://127.0.0.1:\([0-9]*\).*#\1#p' "$work/server.out")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "store_footprint: the server did not start:" >&2
  cat "$work/server.out" >&2
  exit 1
}

stop_server() {
  kill "$server_pid"
  wait "$server_pid" || true
  server_pid=""
}

# Every identity imports the records into one dataset and syncs them up.
load() {
  for i in $(seq "$identities"); do
    "$cli" --endpoint "http://127.0.0.1:$port" --data "$work/device-$1-$i" import things "$work/records.json" >/dev/null
    "$cli" --endpoint "http://127.0.0.1:$port" --data "$work/device-$1-$i" sync >/dev/null
  done
}

per_record() { python3 -c "print(round(($2 - $1) / ($identities * $records)))"; }

if [ -z "${STORE_FOOTPRINT_PG:-}" ]; then
  # The embedded store: the database file and its WAL, after a clean stop (which checkpoints).
  start_server --data "$work/sqlite"
  stop_server
  empty=$(du -cb "$work"/sqlite/synclatch-server.db* | tail -1 | cut -f1)
  start_server --data "$work/sqlite"
  load sqlite
  stop_server
  full=$(du -cb "$work"/sqlite/synclatch-server.db* | tail -1 | cut -f1)
  echo "embedded SQLite: $(per_record "$empty" "$full") bytes per record ($identities identities x $records records)"
  STORE_FOOTPRINT_PG=1 exec "$with_postgres" "$0" "$build" "$identities" "$records"
fi

# PostgreSQL: tables with their indexes and TOAST, after a CHECKPOINT and VACUUM (the steady state).
psql_url=$SYNCLATCH_TEST_PG_URL
psql -q -X "$psql_url" -c "CREATE DATABASE footprint" >/dev/null
store=${psql_url/\/postgres?//footprint?}
size() {
  psql -q -X -At "$store" -c "VACUUM" >/dev/null
  psql -q -X -At "$store" -c "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n
    ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'"
}
start_server --data "$work/pg" --store "$store"
empty=$(size)
load pg
full=$(size)
echo "PostgreSQL: $(per_record "$empty" "$full") bytes per record ($identities identities x $records records)"
psql -q -X -At "$store" -F ' ' -c "SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c JOIN
  pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'
  ORDER BY 2 DESC LIMIT 4" | sed 's/^/  /'
stop_server
