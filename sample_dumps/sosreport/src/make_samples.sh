#!/bin/bash
# Regenerates the sosreport / smemcap samples. Run as root on Debian 12 with
#   apt-get install -y sosreport smemcap gcc
# usage: src/make_samples.sh            (from sample_dumps/sosreport)
# Committed output: sample_dumps/sosreport/{*.tar.xz,*.tar.gz,*.md5,smemcap-capture.tar,expected/}
# Not committed:    /tmp/realdumps/sosreport/
set -eu
SRC=$(cd "$(dirname "$0")" && pwd)
DEST=$(dirname "$SRC")
BIG=/tmp/realdumps/sosreport
BUILD=/tmp/memmaps-build
NS="unshare --pid --fork --mount-proc --uts --cgroup"
rm -rf "$BUILD" && mkdir -p "$BUILD"
gcc -O2 -Wall -o "$BUILD/memhog" "$SRC/memhog.c"

# 1. committed small set: 3 sos runs over the same 6 processes
$NS bash "$SRC/run_sos_small.sh" "$BUILD/small" "$BUILD/memhog"
rm -f "$DEST"/sosreport-* "$DEST"/expected/*.expected.json && mkdir -p "$DEST/expected"
cp -p "$BUILD"/small/{xz,gzip,nosmaps}/sosreport-* "$DEST"/
cp "$BUILD/small/ps-at-end.txt" "$DEST/expected/ps-at-end.small.txt"

# 2. committed smemcap capture
$NS bash "$SRC/run_smemcap.sh" "$BUILD/smemcap-capture.tar" "$BUILD/memhog"
cp -p "$BUILD/smemcap-capture.tar" "$DEST/smemcap-capture.tar"

for a in "$DEST"/sosreport-*memmaps*.tar.?z "$DEST/smemcap-capture.tar"; do
    python3 "$SRC/oracle_totals.py" --out "$DEST/expected/$(basename "$a").expected.json" "$a"
done

# 3. larger, uncommitted set
rm -rf "$BIG" && mkdir -p "$BIG"
$NS bash "$SRC/run_sos_large.sh" "$BUILD/large" "$BUILD/memhog"
cp -p "$BUILD"/large/{xz,gzip}/sosreport-* "$BIG"/
cp "$BUILD/large/ps-at-end.txt" "$BIG/ps-at-end.txt"
XZ=$(ls "$BIG"/sosreport-*.tar.xz)
TOP=$(basename "$XZ" .tar.xz)
tar -xJf "$XZ" -C "$BIG"                                  # extracted directory form ($BIG/$TOP/)
T=$(mktemp -d) && tar -xJf "$XZ" -C "$T"
tar -C "$T" -czf "$BIG/$TOP.repacked.tar.gz" "$TOP"       # same content, gzip
rm -f "$T/$TOP"/proc/[0-9]*/smaps && rmdir "$T/$TOP"/proc/[0-9]*
tar -C "$T" -cJf "$BIG/$TOP.nosmaps.tar.xz" "$TOP"        # same content minus proc/PID/smaps
rm -rf "$T"
for a in "$BIG"/sosreport-*.tar.?z "$BIG/$TOP"; do
    case "$a" in *.nosmaps.tar.xz) continue;; esac
    python3 "$SRC/oracle_totals.py" --out "$(echo "$a" | sed 's:/*$::').expected.json" "$a"
done
echo done
