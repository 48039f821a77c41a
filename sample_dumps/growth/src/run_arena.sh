#!/bin/bash
# Runs INSIDE a fresh pid+mount+uts+cgroup namespace (started by make_samples.sh).
# One threaded grower (mode t: a second thread mallocs into its own glibc arena); two smaps loops:
#   OUT/arena/arena-1.smaps   after 1 step  (the arena exists: rw-p part + ---p reserve)
#   OUT/arena/arena-2.smaps   after 3 steps (the rw-p part grew into the reserve, same start)
# usage: run_arena.sh OUT BINDIR
set -u
OUT=$1; BIN=$2
hostname growth-host
mkdir -p "$OUT/arena"
cd /
loop() { for p in /proc/[0-9]*; do echo "==> $p/smaps <=="; cat $p/smaps; done > "$1"; }
"$BIN/grower" t 256 > "$OUT/arena/acks" &
PID=$!
for _ in $(seq 100); do grep -qx ready "$OUT/arena/acks" && break; sleep 0.05; done
for n in 1 2 3; do
    kill -USR1 $PID
    for _ in $(seq 100); do grep -qx "step $n" "$OUT/arena/acks" && break; sleep 0.05; done
    if [ $n = 1 ]; then loop "$OUT/arena/arena-1.smaps"; fi
done
loop "$OUT/arena/arena-2.smaps"
echo "grower=$PID" > "$OUT/arena/pids.txt"
kill -TERM $PID; wait
