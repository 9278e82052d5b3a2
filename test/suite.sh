#!/bin/sh
# npm test's mocha run (arguments: mocha's), with every temporary folder the tests make in one
# folder, removed at the end. The tests make theirs with os.tmpdir(), which reads TMPDIR, and do
# not remove them: a few days of runs had left 37,000 folders, 22 GB, in /tmp.
#
# That folder is in memory (/dev/shm) when it has room (1 GB or more free; the suite writes
# about 250 MB): the runs journal every step with fsync, and on a disk those syncs and the
# folders' writes cost time (208 s against 216 s for test/all.sh, one quiet run each on two
# cores). BITEX_TEST_TMP=disk keeps it under TMPDIR (or /tmp).
base=${TMPDIR:-/tmp}
if [ "${BITEX_TEST_TMP:-}" != disk ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  free=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
  [ "${free:-0}" -ge 1048576 ] && base=/dev/shm
fi
dir=$(mktemp -d "$base/bitex-batch-tests.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
TMPDIR="$dir" mocha "$@"
