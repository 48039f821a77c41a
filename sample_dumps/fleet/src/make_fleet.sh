#!/bin/bash
# Makes the fleet samples: one real sosreport (sos 4.0, smaps on) per host name, each in a
# fresh PID + mount + UTS + cgroup namespace of its own. Run as root on Debian 12 with
#   apt-get install -y sosreport gcc
# usage: src/make_fleet.sh          (from sample_dumps/fleet)
set -eu
SRC=$(cd "$(dirname "$0")" && pwd)
DEST=$(dirname "$SRC")
BUILD=/tmp/memmaps-fleet-build
NS="unshare --pid --fork --mount-proc --uts --cgroup"
rm -rf "$BUILD" && mkdir -p "$BUILD"
gcc -O2 -Wall -o "$BUILD/memhog" "$DEST/../sosreport/src/memhog.c"
rm -f "$DEST"/sosreport-*
for spec in fleet-web-1:1024 fleet-db-2:4096 fleet-cache-3:2048; do
    host=${spec%%:*}; kib=${spec##*:}
    $NS bash "$SRC/run_sos_host.sh" "$BUILD/$host" "$BUILD/memhog" "$host" "$kib"
    cp -p "$BUILD/$host"/sosreport-* "$DEST"/
done
mkdir -p "$DEST/expected"
for a in "$DEST"/sosreport-*.tar.xz; do
    python3 "$DEST/../sosreport/src/oracle_totals.py" --out "$DEST/expected/$(basename "$a").expected.json" "$a"
done
