#!/bin/bash
# Runs INSIDE a fresh pid+mount+uts+cgroup namespace (started by make_case.sh): starts a few small
# processes in cgroups named like systemd units and a container, then captures them the ways
# customers do: `cat` of every smaps, a smaps_rollup loop, and two sosreports (sos 4.0).
# usage: CGROOT=/path run_case.sh OUT   (CGROOT: the memory cgroup this namespace runs in, below /sys/fs/cgroup/memory)
set -u
OUT=$1; CG=/sys/fs/cgroup/memory$CGROOT
hostname case-host
mkdir -p "$OUT/sos1" "$OUT/sos2"
cd /
place() {  # place PID CGROUP: move a process into a memory cgroup below ours
    mkdir -p "$CG/$2"; echo "$1" > "$CG/$2/cgroup.procs"
}
for i in 1 2 3; do   # the same program, three workers
    /usr/bin/python3 -c 'import time; x = bytearray(2 << 20); time.sleep(100000)' &
    place $! system.slice/web.service
done
setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c $'\nimport time\nx = bytearray(1 << 20)\ntime.sleep(100000)' &
BATCH=$!
place $BATCH system.slice/batch.service      # a command line with newlines, run as nobody
sleep 100000 &
place $! docker/3f2a9c0e5b7d41a6a1c2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c
sleep 100001 &                               # no unit
LONE=$!
sleep 1
cat /proc/[0-9]*/smaps > "$OUT/all.smaps"
for p in /proc/[0-9]*; do cat "$p/smaps_rollup"; done > "$OUT/rollup-loop.txt"
cat /proc/$LONE/smaps > "$OUT/sleep.smaps"
mkdir -p "$OUT/tree/proc/$BATCH"                # a copied proc tree of the newline process
for f in smaps cmdline status; do cat /proc/$BATCH/$f > "$OUT/tree/proc/$BATCH/$f"; done
ps -ewwo pid,ppid,user,cgroup,args > "$OUT/ps-at-capture.txt"
rc=0
sos report --batch --quiet --tmp-dir "$OUT/sos1" -o process,memory,host,date --label case1 -k process.smaps=on -k process.lsof=off || rc=1
/usr/bin/python3 -c 'import time; x = bytearray(8 << 20); time.sleep(100000)' &    # something new before the second capture
place $! system.slice/web.service
sleep 1
sos report --batch --quiet --tmp-dir "$OUT/sos2" -o process,memory,host,date --label case2 -k process.smaps=on -k process.lsof=off -z gzip || rc=1
mkdir -p "$OUT/sos3"                            # without the date plugin: the time is in sos_reports/manifest.json only
sos report --batch --quiet --tmp-dir "$OUT/sos3" -o process,host --label nodate -k process.smaps=on -k process.lsof=off || rc=1
exit $rc
