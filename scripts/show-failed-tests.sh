#!/usr/bin/env bash
# show-failed-tests.sh BUILD_DIR [LINES]: prints the end of each failed test's output from the last ctest
# run in BUILD_DIR (LINES lines each, 60 by default). run-tests.sh calls it after a failed pass, so that a
# CI log cut short in the middle still ends with why each test failed.
set -euo pipefail
build=$1
lines=${2:-60}
failed="$build/Testing/Temporary/LastTestsFailed.log"
log="$build/Testing/Temporary/LastTest.log"
[ -f "$failed" ] && [ -f "$log" ] || exit 0
while IFS= read -r entry; do
  name=${entry#*:}
  echo "== the end of the output of the failed test \"$name\":"
  # A test's output sits between its "Output:" line and "<end of output>", under "N/M Testing: NAME".
  awk -v name="$name" '
    index($0, "Testing: " name) && $0 ~ /^[0-9]+\/[0-9]+ Testing: / { inside = 1; next }
    inside && /^<end of output>/ { exit }
    inside { print }
  ' "$log" | tail -n "$lines"
done <"$failed"
