#!/usr/bin/env bash
# Runs synclatch's libFuzzer targets (tests/fuzz, docs/fuzzing.md), one after the other, each for a given
# time on its corpus in the tree (tests/fuzz/corpus/<target>, read only: new inputs go to a scratch
# directory unless --merge), with its dictionary. Configures and builds the clang fuzz build first when
# needed. Prints per target: executions, executions per second, coverage (libFuzzer's cov and ft), corpus
# size, and what it found (the input is saved; the path is printed). Exits 1 if any target found anything.
#
#   scripts/fuzz.sh [--build DIR] [--seconds N] [--merge] [--out DIR] [--build-only] [target...]
#     --build DIR   the clang fuzz build (default build/fuzz)
#     --seconds N   how long each target runs (default 60)
#     --merge       afterwards, add the new inputs that add coverage to the corpus in the tree (-merge=1)
#     --out DIR     where each run keeps its new inputs, findings and log (default DIR/runs/<date>)
#     --build-only  configure and build the fuzz build, run nothing
#     target        http_framing sigv4 sync_request identity_request sync_api stream_event client_answer
#                   (default: all of them)
# Environment: FUZZ_JOBS (build jobs, default nproc), FUZZ_ARGS (more libFuzzer flags, e.g. -max_len=).
# Reproduce a finding: DIR/tests/fuzz/<target>_fuzzer <saved input>.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(http_framing sigv4 sync_request identity_request sync_api stream_event client_answer)
build=build/fuzz
seconds=60
merge=0
out=""
build_only=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --merge) merge=1; shift ;;
    --out) out="$2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *)
      target="${1%_fuzzer}"
      if [[ ! " ${all_targets[*]} " == *" $target "* ]]; then
        echo "fuzz.sh: no target $1; the targets are ${all_targets[*]}" >&2
        exit 2
      fi
      targets+=("$target"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

# The dictionaries each target gets (tests/fuzz/dict).
dictionaries() {
  case "$1" in
    http_framing|sigv4) echo http ;;
    sync_request|identity_request|stream_event) echo json ;;
    sync_api|client_answer) echo "http json" ;;
  esac
}

if [ ! -f "$build/build.ninja" ]; then
  command -v clang++ >/dev/null || { echo "fuzz.sh: needs clang (scripts/install-deps.sh)" >&2; exit 1; }
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  # Line tables only: what a finding's stack trace needs, at a fraction of full debug info's build time.
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -gline-tables-only -DNDEBUG" \
    -DSYNCLATCH_BUILD_FUZZ=ON -DSYNCLATCH_BUILD_TESTS=OFF -DSYNCLATCH_BUILD_TOOLS=OFF \
    -DSYNCLATCH_BUILD_BENCH=OFF -DSYNCLATCH_BUILD_DEMO=OFF -DSYNCLATCH_BUILD_C_API=OFF "${launcher[@]}" >/dev/null
fi
echo "fuzz.sh: building the fuzz targets in $build"
# The compiler's output in a file, shown when the build fails (not lost with the progress lines).
cmake --build "$build" --target synclatch_fuzzers -j "${FUZZ_JOBS:-$(nproc)}" >"$build/last-build.log" 2>&1 ||
  { echo "fuzz.sh: the fuzz build failed:" >&2; grep -B2 -A12 -m5 "error" "$build/last-build.log" >&2; exit 1; }
[ "$build_only" = 0 ] || exit 0

[ -n "$out" ] || out="$build/runs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
found=0
printf '%-18s %12s %9s %7s %8s %13s  %s\n' target executions exec/s cov ft corpus found
for target in "${targets[@]}"; do
  run="$out/$target"
  mkdir -p "$run/new" "$run/found"
  dict="$run/dict"
  : >"$dict"
  for d in $(dictionaries "$target"); do cat "tests/fuzz/dict/$d.dict" >>"$dict"; done
  corpus="tests/fuzz/corpus/$target"
  mkdir -p "$corpus"
  status=0
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  "$build/tests/fuzz/${target}_fuzzer" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -dict="$dict" -artifact_prefix="$run/found/" ${FUZZ_ARGS:-} "$run/new" "$corpus" >"$run/log" 2>&1 || status=$?
  # libFuzzer's last status line ("#N DONE cov: ... ft: ... corp: ...") and its final stats.
  line=$(grep -E '^#[0-9]+' "$run/log" | tail -1 || true)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$line")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$line")
  corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$line")
  execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$run/log")
  rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$run/log")
  findings=$(find "$run/found" -type f | sort)
  if [ "$status" != 0 ] || [ -n "$findings" ]; then
    found=1
    what=$(grep -m1 -E '^==== fuzz check failed|^SUMMARY:|ERROR: libFuzzer' "$run/log" || echo "exit status $status")
    printf '%-18s %12s %9s %7s %8s %13s  %s\n' "$target" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" \
      "${corp:-?}" "$what"
    for f in $findings; do echo "                   input: $f"; done
    echo "                   log: $run/log"
  else
    printf '%-18s %12s %9s %7s %8s %13s  %s\n' "$target" "$execs" "$rate" "$cov" "$ft" "$corp" nothing
  fi
  if [ "$merge" = 1 ]; then
    before=$(find "$corpus" -type f | wc -l)
    "$build/tests/fuzz/${target}_fuzzer" -merge=1 "$corpus" "$run/new" >"$run/merge.log" 2>&1
    echo "                   merged: $((  $(find "$corpus" -type f | wc -l) - before )) new inputs into $corpus"
  fi
done
echo "fuzz.sh: runs kept in $out"
exit "$found"
