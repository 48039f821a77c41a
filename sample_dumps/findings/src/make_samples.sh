#!/bin/bash
# Regenerates sample_dumps/findings/{planted,clean}/. Run as root on Debian 12 with
#   apt-get install -y sosreport gcc procps xz-utils
# usage: src/make_samples.sh            (from sample_dumps/findings)
set -eu
SRC=$(cd "$(dirname "$0")" && pwd)
DEST=$(dirname "$SRC")
BUILD=/tmp/memmaps-findings-build
NS="unshare --pid --fork --mount-proc --uts --cgroup --ipc"
rm -rf "$BUILD" && mkdir -p "$BUILD"
gcc -O2 -Wall -pthread -o "$BUILD/planted" "$SRC/planted.c" -ldl
for what in clean planted; do
    $NS bash "$SRC/run_capture.sh" "$what" "$BUILD/$what" "$BUILD/planted"
    rm -rf "${DEST:?}/$what" && mkdir -p "$DEST/$what"
    cp -p "$BUILD/$what"/sos/sosreport-* "$DEST/$what/"
    cp -rp "$BUILD/$what/truth" "$DEST/$what/truth"
    if [ "$what" = planted ]; then   # 27000 mappings: 19 MB of smaps, compressed
        xz -9 -c "$BUILD/$what/smaps-loop.txt" > "$DEST/$what/smaps-loop.txt.xz"
        xz -9 -c "$BUILD/$what/pmap-X.txt" > "$DEST/$what/pmap-X.txt.xz"
    else
        cp "$BUILD/$what"/{smaps-loop.txt,pmap-X.txt} "$DEST/$what/"
    fi
done
# independent totals (the smaps and sosreport folders' stdlib oracles) for tests/test_findings.py
mkdir -p "$DEST/expected" && cd "$DEST"
for what in clean planted; do
    loop=$(ls "$what"/smaps-loop.txt*)
    python3 ../smaps/src/oracle_totals.py "$loop" > "expected/$(basename "$loop").expected.json"
    sos=$(ls "$what"/sosreport-*.tar.xz)
    python3 ../sosreport/src/oracle_totals.py --out "expected/$(basename "$sos").expected.json" "$sos"
done
