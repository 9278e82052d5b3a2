#!/bin/sh
# npm test's mocha run (arguments: mocha's), with every temporary folder the tests make in one
# folder, removed at the end. The tests make theirs with os.tmpdir(), which reads TMPDIR, and do
# not remove them: a few days of runs had left 37,000 folders, 22 GB, in /tmp.
dir=$(mktemp -d "${TMPDIR:-/tmp}/bitex-batch-tests.XXXXXX") || exit 1
TMPDIR="$dir" mocha "$@"
status=$?
rm -rf "$dir"
exit "$status"
