#!/bin/bash
# Runs INSIDE a fresh pid+mount+uts+cgroup+ipc namespace (started by make_samples.sh).
# usage: run_capture.sh planted|clean OUT PLANTED_BINARY
# Starts the processes, then captures the same moment three ways:
#   OUT/smaps-loop.txt  a shell loop over /proc/[0-9]*/smaps ("==> FILE <==" headers, like head/tail)
#   OUT/pmap-X.txt      pmap -X of every process
#   OUT/sos/            sos report (process, memory, host, date, sysvipc; smaps on)
# and the ground truth beside them (OUT/truth/: meminfo, sysvipc, thp mode, max_map_count, ps).
set -u
WHAT=$1; OUT=$2; BIN=$3
hostname "findings-$WHAT"
mount -t tmpfs -o size=256m tmpfs /dev/shm          # our own /dev/shm (the machine's is not ours)
mkdir -p "$OUT/sos" "$OUT/truth" /tmp/findings-lib
cd /
wait_ready() { read -r -t 60 _ < "$1" || echo "no READY from $1" >&2; }
start() {   # start PLANTED ARGS... in the background, wait until it has done its work
    local fifo; fifo=$(mktemp -u /tmp/findings-lib/fifo.XXXXXX); mkfifo "$fifo"
    "$BIN" "$@" 3>"$fifo" &
    wait_ready "$fifo"; rm -f "$fifo"
}
# benign look-alikes, in both captures
start benign                                   # attached SysV + memfd + a 2-thread server's arenas and stacks
sleep 100000 &
if [ "$WHAT" = planted ]; then
    cp /usr/lib/x86_64-linux-gnu/libz.so.1.2.13 /tmp/findings-lib/libz-copy.so.1
    start libdel /tmp/findings-lib/libz-copy.so.1  # deleted library still mapped
    start arenas 8 12                          # 8 thread arenas, 12 MiB resident each
    start maps 27000                           # 27000 mappings (41% of 65530)
    start mlock 8                              # 8 MiB locked
    start thp 80                               # 80 MiB asked for with MADV_HUGEPAGE
    start sysv-orphan 16                       # 16 MiB SysV segment, creator gone, nattch 0
    head -c 48M /dev/zero > /dev/shm/orphan-file   # 48 MiB in tmpfs nobody maps
fi
sleep 2
cat /proc/meminfo > "$OUT/truth/meminfo"
cat /proc/sysvipc/shm > "$OUT/truth/sysvipc-shm"
cat /sys/kernel/mm/transparent_hugepage/enabled > "$OUT/truth/thp-enabled"
cat /proc/sys/vm/max_map_count > "$OUT/truth/max_map_count"
ls -l /dev/shm > "$OUT/truth/dev-shm"
ps -eo pid,ppid,user,nlwp,rss,vsz,args > "$OUT/truth/ps-before.txt"
for f in /proc/[0-9]*/smaps; do echo "==> $f <=="; cat "$f"; done > "$OUT/smaps-loop.txt" 2>/dev/null
pmap -X $(ps -eo pid= | tr '\n' ' ') > "$OUT/pmap-X.txt" 2>/dev/null
sos report --batch --quiet --tmp-dir "$OUT/sos" -o process,memory,host,date,sysvipc --label findings \
    -k process.smaps=on -k process.lsof=off --all-logs
rc=$?
ps -eo pid,ppid,user,nlwp,rss,vsz,args > "$OUT/truth/ps-after.txt"
exit $rc
