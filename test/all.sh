#!/bin/sh
# npm test: build dist/, type-check src and test, run every test file. Exit 0 only when all three
# pass.
#
# The type check (tsc over src and test: TypeScript 7's native compiler, ~4 s of CPU where 5.9
# took ~26) runs beside the tests instead of before them: the build emits without checking
# (--noCheck, under a second), the tests start as soon as dist/ is there, and the check's verdict
# is read at the end. Its errors are printed after the tests' report, not in the middle of it.
set -u
checked=$(mktemp "${TMPDIR:-/tmp}/bitex-batch-typecheck.XXXXXX") || exit 1
tsc --noEmit -p tsconfig.test.json >"$checked" 2>&1 &
check=$!
if ! tsc -p tsconfig.json --noCheck; then
  wait "$check"
  cat "$checked"
  rm -f "$checked"
  exit 1
fi

# The timing test of --rate's window first, alone: under six files at once the emulator's
# stamps of arrivals lag (README, Development). It mostly waits on timers, so the type check
# on the other core costs it nothing, and the check no longer competes with the six files.
sh test/suite.sh test/e2e/rate-window.test.ts
window=$?

# 6 files at a time, the longest end-to-end files and the unit files that mostly wait first, so
# that their waits on the emulator's clock overlap everything else (README, Development).
sh test/suite.sh --parallel --jobs 6 \
  test/e2e/cron.test.ts test/e2e/safety.test.ts test/e2e/exactly-once.test.ts \
  test/e2e/real-api.test.ts test/e2e/inbox.test.ts test/submit/landing.test.ts \
  test/bitex/included.test.ts test/app/inbox-run.test.ts test/batch/input-copy.test.ts \
  test/batch/journal-stream.test.ts test/submit/writers.test.ts test/submit/twins.test.ts \
  'test/e2e/!(cron|safety|exactly-once|real-api|inbox|rate-window).test.ts' \
  'test/!(e2e)/**/!(landing|included|inbox-run|input-copy|journal-stream|writers|twins).test.ts' \
  'test/*.test.ts'
tests=$?
[ "$window" -eq 0 ] || tests=$window

wait "$check"
typecheck=$?
if [ "$typecheck" -ne 0 ]; then
  echo "tsc --noEmit -p tsconfig.test.json failed:"
  cat "$checked"
fi
rm -f "$checked"
[ "$tests" -eq 0 ] && [ "$typecheck" -eq 0 ]
