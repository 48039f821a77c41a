#!/bin/bash
# Regenerates sample_dumps/cases/ (run as root from sample_dumps/cases/src): one namespace, the
# captures run_case.sh makes, then the cut copies. Needs: util-linux (unshare, setpriv), sos 4.0
# (Debian package sosreport), python3, xz.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd); DEST=$(dirname "$HERE")
OUT=$(mktemp -d /tmp/memmaps-case.XXXXXX)
export CGROOT=$(awk -F: '$2=="memory"{print $3}' /proc/self/cgroup)
cd "$HERE"
unshare --pid --fork --mount-proc --uts --cgroup bash run_case.sh "$OUT"
find "/sys/fs/cgroup/memory$CGROOT" -mindepth 1 -type d | sort -r | xargs -r rmdir
cd "$DEST"
rm -rf sosreport-* all.smaps.xz rollup-loop.txt sleep*.smaps ps-at-capture.txt tree
cp "$OUT"/sos1/sosreport-* "$OUT"/sos2/sosreport-* "$OUT"/sos3/sosreport-* .
cp -r "$OUT/tree" tree
chmod 644 sosreport-*
xz -9 -c "$OUT/all.smaps" > all.smaps.xz
cp "$OUT/rollup-loop.txt" "$OUT/sleep.smaps" "$OUT/ps-at-capture.txt" .
# copies cut short: right after the header line of the last mapping, and inside its Private_Dirty line
last=$(grep -n '^[0-9a-f]*-[0-9a-f]* ' sleep.smaps | tail -1 | cut -d: -f1)
head -n "$last" sleep.smaps > sleep_cut_header.smaps
python3 - <<'PY'
data = open("sleep.smaps", "rb").read()
at = data.rindex(b"Private_Dirty:") + len(b"Private_Dirty: ")
open("sleep_cut_field.smaps", "wb").write(data[:at])
PY
rm -rf "$OUT"
