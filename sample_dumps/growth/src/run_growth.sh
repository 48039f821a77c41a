#!/bin/bash
# Runs INSIDE a fresh pid+mount+uts+cgroup namespace (started by make_samples.sh).
# Starts a few growers, takes 3 snapshots of them, each in four forms:
#   OUT/loop/snapshot-N.smaps       the smaps loop: for p in /proc/[0-9]*; do echo "==> $p/smaps <=="; cat $p/smaps; done
#   OUT/pmap/snapshot-N.txt         pmap -x PID for each PID, concatenated
#   OUT/proc/snapshot-N/proc/PID/   copied proc tree: smaps + cmdline of each PID
#   OUT/sos/snapshot-N/             sos report (sos 4.0), process/memory/host/date plugins, with smaps
# Between snapshots: one step of growth (SIGUSR1); before snapshot 2 the "oneshot" process exits and
# a late grower starts on its PID (ns_last_pid), a PID reused by another command.
# usage: run_growth.sh OUT BINDIR      (BINDIR holds grower, oneshot and data.bin)
set -u
OUT=$1; BIN=$2
hostname growth-host
mkdir -p "$OUT/loop" "$OUT/pmap" "$OUT/proc" "$OUT/sos" "$OUT/acks"
cd /

snapshot() {   # snapshot N
    local n=$1 p pid
    for p in /proc/[0-9]*; do echo "==> $p/smaps <=="; cat $p/smaps; done > "$OUT/loop/snapshot-$n.smaps"
    for p in /proc/[0-9]*; do pmap -x "${p#/proc/}"; done > "$OUT/pmap/snapshot-$n.txt"
    for p in /proc/[0-9]*; do
        pid=${p#/proc/}
        mkdir -p "$OUT/proc/snapshot-$n/proc/$pid"
        cat "$p/smaps" > "$OUT/proc/snapshot-$n/proc/$pid/smaps"
        cat "$p/cmdline" > "$OUT/proc/snapshot-$n/proc/$pid/cmdline"
    done
    mkdir -p "$OUT/sos/snapshot-$n"
    sos report --batch --quiet --tmp-dir "$OUT/sos/snapshot-$n" -o process,memory,host,date \
        --label "snapshot$n" -k process.smaps=on -k process.lsof=off
    date --utc +%FT%TZ > "$OUT/sos/snapshot-$n/done-at.txt"
}

start() {      # start NAME ARGS...: a grower in the background, its acks in OUT/acks/NAME
    local name=$1; shift
    "$@" > "$OUT/acks/$name" &
    eval "PID_$name=$!"
}

wait_acks() {  # wait_acks WORD NAME...: until each NAME's acks have a line WORD
    local word=$1; shift
    local name
    for name in "$@"; do
        for _ in $(seq 100); do grep -qx "$word" "$OUT/acks/$name" && break; sleep 0.05; done
    done
}

start heap   "$BIN/grower" b 256
start mmap   "$BIN/grower" m 512
start file   "$BIN/grower" f 128 "$BIN/data.bin"
start shrink "$BIN/grower" s 256
start idle   "$BIN/grower" - 4
start oneshot "$BIN/oneshot" - 8
wait_acks ready heap mmap file shrink idle oneshot
snapshot 1

kill -TERM "$PID_oneshot"; wait "$PID_oneshot"
echo $((PID_oneshot - 1)) > /proc/sys/kernel/ns_last_pid      # the next process gets oneshot's PID
start late "$BIN/grower" bm 64
wait_acks ready late
kill -USR1 "$PID_heap" "$PID_mmap" "$PID_file" "$PID_shrink"
wait_acks "step 1" heap mmap file shrink
sleep 5
snapshot 2

kill -USR1 "$PID_heap" "$PID_mmap" "$PID_file" "$PID_shrink" "$PID_late"
wait_acks "step 2" heap mmap file shrink
wait_acks "step 1" late
sleep 5
snapshot 3

echo "oneshot=$PID_oneshot late=$PID_late heap=$PID_heap mmap=$PID_mmap file=$PID_file shrink=$PID_shrink idle=$PID_idle" > "$OUT/pids.txt"
kill -TERM "$PID_heap" "$PID_mmap" "$PID_file" "$PID_shrink" "$PID_idle" "$PID_late"
wait
