#!/bin/bash
# Runs INSIDE a fresh pid+mount+uts+cgroup namespace (started by make_fleet.sh).
# Names the namespace's host HOST, starts a few small processes (memhog with N KiB of
# private anon memory), then runs sos 4.0 once with smaps on (lsof off: its warnings list
# host mount points).
# usage: run_sos_host.sh OUT MEMHOG HOST KIB
set -u
OUT=$1; MEMHOG=$2; HOST=$3; KIB=$4
hostname "$HOST"
mkdir -p "$OUT"
cd /
sleep 100000 &
"$MEMHOG" "$KIB" /usr/bin/bash 512 fork &
sleep 1
sos report --batch --quiet --tmp-dir "$OUT" -o process,memory,host,date --label fleet \
    -k process.smaps=on -k process.lsof=off
