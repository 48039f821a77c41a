#!/bin/bash
# Driver: builds the helpers, runs run_in_ns.sh in fresh namespaces, as root.
# usage: make_samples.sh OUT   (OUT: a scratch folder; the committed samples are picked from it by hand,
# see ../PROVENANCE.md)
set -eu
OUT=$1; SRC=$(dirname "$(readlink -f "$0")")
BIN=$OUT/bin; mkdir -p "$BIN"
gcc -O2 -Wall -o "$BIN/memhog" "$SRC/../../sosreport/src/memhog.c"
gcc -O2 -Wall -o "$BIN/shmhog" "$SRC/shmhog.c"
RUNID=$(date -u +%Y%m%dT%H%M%S)
unshare --pid --fork --mount-proc --uts --cgroup --ipc bash "$SRC/run_in_ns.sh" "$OUT" "$BIN" "$RUNID"
