#!/bin/bash
# A real, full sosreport for benchmarks/sos_speed.py: every sos plugin that applies to this machine
# (not only process,memory), with smaps, of ~120 processes started here in a fresh namespace.
# Not committed (it holds this machine's configuration); run as root, needs the `sosreport` package.
#
#   sudo bash benchmarks/make_full_sosreport.sh [OUT]      # default OUT: /tmp/memmaps-bench/full
#   .venv/bin/python benchmarks/sos_speed.py --archive OUT/sosreport-full-sos-host-*.tar.xz
set -eu
OUT=${1:-/tmp/memmaps-bench/full}
mkdir -p "$OUT"
if [ "${MEMMAPS_INSIDE:-}" != 1 ]; then
    exec env MEMMAPS_INSIDE=1 unshare --pid --fork --mount-proc --uts --cgroup bash "$0" "$OUT"
fi
hostname full-sos-host
cd /
for i in $(seq 1 40); do python3 -c "import time, json, decimal, email, http.client; x=[0]*($i*20000); time.sleep(1e6)" & done
for i in $(seq 1 20); do perl -e 'my @a=(1..50000); sleep 1000000' & done
for i in $(seq 1 40); do sleep $((300000 + i)) & done
for i in $(seq 1 20); do bash -c "sleep $((400000 + i))" & done
sleep 2
sos report --batch --quiet --tmp-dir "$OUT" -k process.smaps=on -k process.lsof=off
# leaving the namespace ends every process started here (its init exits)
