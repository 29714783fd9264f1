#!/usr/bin/env bash
# Seeds the fuzz corpora (tests/fuzz/corpus/<target>) with what the tests themselves send and receive.
# Runs the in-process sync tests, the server integration tests, the CLI tests and the interop tests (the
# real AWS JavaScript SDKs v2 and v3, when their npm packages are installed) with SYNCLATCH_CAPTURE_DIR set
# (tests/support/capture.hpp, tests/interop/server.mjs), sorts the captured requests and answers by target,
# and merges them into each corpus with libFuzzer's -merge=1, which keeps only inputs that add coverage.
# Identity ids are rewritten to the one the fuzz targets' store has, and sync session tokens to the
# placeholder sync_api_fuzzer fills in. Run it when the tests send something new; commit the corpora.
#
#   scripts/fuzz-seeds.sh [--build DIR] [--fuzz-build DIR] [--fresh] [--captures DIR]
#     --build DIR       the gcc build with the tests (default build/default; built here if need be)
#     --fuzz-build DIR  the clang fuzz build (default build/fuzz; configured and built by scripts/fuzz.sh)
#     --fresh           rebuild each corpus from the seeds alone (files named regress-* are kept)
#     --captures DIR    use the captures already in DIR (an earlier run's) instead of running the tests
# Seeds larger than 2 KiB are left out: the corpora stay small, and libFuzzer grows inputs by itself.
# Needs python3 (sorting the captures) besides what the builds need.
set -euo pipefail
cd "$(dirname "$0")/.."

build=build/default
fuzz_build=build/fuzz
fresh=0
captures=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --fuzz-build) fuzz_build="$2"; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --captures) captures="$2"; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "fuzz-seeds: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v python3 >/dev/null || { echo "fuzz-seeds: needs python3" >&2; exit 1; }

# Runs the tests with SYNCLATCH_CAPTURE_DIR=$captures.
capture_from_tests() {
  echo "fuzz-seeds: building the tests in $build"
  [ -f "$build/build.ninja" ] || [ -f "$build/Makefile" ] || cmake --preset default -DSYNCLATCH_BUILD_DEMO=OFF
  cmake --build "$build" --target sync_engine_tests server_integration_tests cli_tests synclatch-server synclatch >/dev/null

  echo "fuzz-seeds: running the tests with SYNCLATCH_CAPTURE_DIR=$captures"
  export SYNCLATCH_CAPTURE_DIR="$captures"
  "$build/tests/sync_engine_tests" >/dev/null
  "$build/tests/server_integration_tests" "~[load]~[durability]" >/dev/null  # the slow ones add nothing new
  "$build/tests/cli_tests" "~[crash]" >/dev/null
  if command -v node >/dev/null && [ -d tests/interop/node_modules ]; then
    SYNCLATCH_SERVER_BINARY="$build/server/synclatch-server" \
      node --test tests/interop/sdk_v3.test.mjs tests/interop/sdk_v2.test.mjs >/dev/null
  else
    echo "fuzz-seeds: no node or no tests/interop/node_modules (scripts/install-deps.sh): no SDK requests"
  fi
  unset SYNCLATCH_CAPTURE_DIR
}

work=$(mktemp -d "${TMPDIR:-/tmp}/synclatch-fuzz-seeds.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -n "$captures" ]; then
  captures=$(cd "$captures" && pwd)
else
  captures="$work/captures"
  mkdir -p "$captures"
  capture_from_tests
fi

echo "fuzz-seeds: $(find "$captures" -type f | wc -l) files captured"

python3 - "$captures" "$work/seeds" <<'PY'
import hashlib, json, os, re, sys

captures, out = sys.argv[1], sys.argv[2]
MAX = 2 * 1024
IDENTITY = "us-east-1:00000000-0000-4000-8000-000000000001"  # tests/fuzz/fuzz_support.hpp kIdentity
POOL_UUID = b"00000000-0000-0000-0000-000000000000"
ID = re.compile(rb"us-east-1(:|%3A|%3a)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})")
TOKEN = re.compile(rb'"SyncSessionToken"\s*:\s*"[^"]*"')
targets = ["http_framing", "sigv4", "sync_request", "identity_request", "sync_api", "stream_event", "client_answer"]
for t in targets:
    os.makedirs(os.path.join(out, t), exist_ok=True)

def one_identity(data):
    return ID.sub(lambda m: m.group(0) if m.group(2) == POOL_UUID
                  else b"us-east-1" + m.group(1) + IDENTITY.split(":")[1].encode(), data)

def add(target, data):
    if 0 < len(data) <= MAX:
        name = hashlib.sha1(data).hexdigest()
        with open(os.path.join(out, target, name), "wb") as f:
            f.write(data)

def split(message):
    head, sep, body = message.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    fields = []
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields.append((name.strip().lower(), value.strip()))
    return lines[0], fields, body

def field(fields, name):
    return next((v for n, v in fields if n == name), None)

def json_or_none(body):
    try:
        return json.loads(body)
    except Exception:
        return None

for name in sorted(os.listdir(captures)):
    with open(os.path.join(captures, name), "rb") as f:
        data = one_identity(f.read())
    if name.endswith(".raw"):
        add("http_framing", data)
        continue
    start, fields, body = split(data)
    if name.endswith(".response"):
        add("client_answer", data)
        if body.startswith(b"{"):
            add("sync_request", body)
        continue
    add("http_framing", data)
    add("sync_api", TOKEN.sub(b'"SyncSessionToken":"@SYNC_SESSION_TOKEN@"', data))
    if field(fields, b"authorization") is not None:
        add("sigv4", data)
    amz_target = field(fields, b"x-amz-target")
    if amz_target is not None:
        add("identity_request", amz_target + b"\n" + body)
    if body.startswith(b"{") or body.startswith(b"["):
        add("sync_request", body)
    if b" /streams/events/records" in start and start.startswith(b"POST"):
        add("stream_event", body)
    parsed = json_or_none(body)
    if isinstance(parsed, dict):  # record values, for thing events made from written records
        for patch in parsed.get("RecordPatches") or []:
            if isinstance(patch, dict) and isinstance(patch.get("Value"), str):
                add("stream_event", patch["Value"].encode())

for t in targets:
    print(f"fuzz-seeds: {t}: {len(os.listdir(os.path.join(out, t)))} distinct seeds")
PY

scripts/fuzz.sh --build "$fuzz_build" --build-only
for target_dir in "$work"/seeds/*; do
  target=$(basename "$target_dir")
  corpus=tests/fuzz/corpus/$target
  mkdir -p "$corpus"
  merged="$work/merged-$target"
  mkdir -p "$merged"
  if [ "$fresh" = 1 ]; then
    find "$corpus" -maxdepth 1 -name 'regress-*' -exec cp {} "$merged" \;
    "$fuzz_build/tests/fuzz/${target}_fuzzer" -merge=1 "$merged" "$target_dir" >/dev/null 2>&1
    find "$corpus" -maxdepth 1 -type f ! -name 'regress-*' -delete
    cp "$merged"/* "$corpus"/
  else
    "$fuzz_build/tests/fuzz/${target}_fuzzer" -merge=1 "$corpus" "$target_dir" >/dev/null 2>&1
  fi
  echo "fuzz-seeds: $corpus: $(find "$corpus" -type f | wc -l) inputs, $(find "$corpus" -type f -exec cat {} + | wc -c) bytes"
done
