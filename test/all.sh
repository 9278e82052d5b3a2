#!/bin/sh
# npm test: build dist/, type-check src and test, run every test file. Exit 0 only when all three
# pass.
#
# The type check (tsc over src and test: TypeScript 7's native compiler, ~4 s of CPU where 5.9
# took ~26) runs beside the tests instead of before them: the build emits without checking
# (--noCheck, under a second), the tests start as soon as dist/ is there, and the check's verdict
# is read at the end. Its errors are printed after the tests' report, not in the middle of it.
#
# The tests run compiled: src and test emitted as JavaScript (--noCheck, about 2 s) into
# node_modules/.cache/bitex-batch-tests/, and mocha run there without tsx (--no-config). Through
# tsx every import of a test process crossed the loader's thread and esbuild: the suite took ~50 s
# more CPU, about a fifth of its time on two cores. `npm run test:unit` and a single file
# (`npx mocha test/x.test.ts`) still run the TypeScript through tsx, with nothing to build.
set -u
js=node_modules/.cache/bitex-batch-tests
# .mocharc.json's settings, without its tsx.
compiled="--no-config --timeout 60000 --reporter spec"
checked=$(mktemp "${TMPDIR:-/tmp}/bitex-batch-typecheck.XXXXXX") || exit 1
tsc --noEmit -p tsconfig.test.json >"$checked" 2>&1 &
check=$!
rm -rf "$js"
if ! tsc -p tsconfig.json --noCheck ||
  ! tsc -p tsconfig.test.json --noCheck --noEmit false --outDir "$js" --sourceMap false ||
  # What src/ reads beside itself (../package.json, ../../fixtures/demo/seed.json), as in dist/.
  ! ln -s ../../../package.json ../../../fixtures "$js/"; then
  wait "$check"
  cat "$checked"
  rm -f "$checked"
  exit 1
fi

# The timing test of --rate's window first, alone: under six files at once the emulator's
# stamps of arrivals lag (README, Development). It mostly waits on timers, so the type check
# on the other core costs it nothing, and the check no longer competes with the six files.
sh test/suite.sh $compiled "$js/test/e2e/rate-window.test.js"
window=$?

# 6 files at a time, the longest end-to-end files and the unit files that mostly wait first, so
# that their waits on the emulator's clock overlap everything else (README, Development).
sh test/suite.sh $compiled --parallel --jobs 6 \
  "$js/test/e2e/cron.test.js" "$js/test/e2e/safety.test.js" "$js/test/e2e/exactly-once.test.js" \
  "$js/test/e2e/real-api.test.js" "$js/test/e2e/inbox.test.js" "$js/test/submit/landing.test.js" \
  "$js/test/bitex/included.test.js" "$js/test/app/inbox-run.test.js" "$js/test/batch/input-copy.test.js" \
  "$js/test/batch/journal-stream.test.js" "$js/test/submit/writers.test.js" "$js/test/submit/twins.test.js" \
  "$js/test/e2e/!(cron|safety|exactly-once|real-api|inbox|rate-window).test.js" \
  "$js/test/!(e2e)/**/!(landing|included|inbox-run|input-copy|journal-stream|writers|twins).test.js" \
  "$js/test/*.test.js"
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
