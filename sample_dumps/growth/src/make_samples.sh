#!/bin/bash
# Regenerates the growth samples. Run as root on Debian 12 with
#   apt-get install -y sosreport gcc procps
# usage: src/make_samples.sh            (from sample_dumps/growth)
# Committed output: sample_dumps/growth/{loop,pmap,proc,sosreport,arena,expected}/
set -eu
SRC=$(cd "$(dirname "$0")" && pwd)
DEST=$(dirname "$SRC")
BIN=/tmp/memmaps-growth
NS="unshare --pid --fork --mount-proc --uts --cgroup"
rm -rf "$BIN" && mkdir -p "$BIN"
gcc -O2 -Wall -static -pthread -o "$BIN/grower" "$SRC/grower.c"
cp "$BIN/grower" "$BIN/oneshot"          # the same program under another name: a different command
python3 -c "
import hashlib
with open('$BIN/data.bin', 'wb') as f:
    for i in range(2 * 1024 * 1024 // 32):
        f.write(hashlib.sha256(i.to_bytes(4, 'big')).digest())
"
$NS bash "$SRC/run_growth.sh" "$BIN/out" "$BIN"
$NS bash "$SRC/run_arena.sh" "$BIN/out" "$BIN"
rm -rf "$DEST/loop" "$DEST/pmap" "$DEST/proc" "$DEST/sosreport" "$DEST/arena" "$DEST/expected"
mkdir -p "$DEST/sosreport" "$DEST/expected"
cp -r "$BIN/out/loop" "$BIN/out/pmap" "$BIN/out/proc" "$DEST/"
for n in 1 2 3; do cp -p "$BIN/out/sos/snapshot-$n"/sosreport-* "$DEST/sosreport/"; done
cp "$BIN/out/pids.txt" "$DEST/expected/pids.txt"
mkdir -p "$DEST/arena" && cp "$BIN"/out/arena/arena-*.smaps "$DEST/arena/" && cp "$BIN/out/arena/pids.txt" "$DEST/expected/arena-pids.txt"
cd "$DEST"
python3 "$SRC/oracle_growth.py" loop/*.smaps pmap/*.txt proc/snapshot-* sosreport/*.tar.xz arena/*.smaps
echo done
