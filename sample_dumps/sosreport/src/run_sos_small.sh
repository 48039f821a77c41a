#!/bin/bash
# Runs INSIDE a fresh pid+mount+uts+cgroup namespace (started by make_samples.sh).
# Starts a few small processes, then runs sos 4.0 three times over the same processes
# (lsof is switched off everywhere: its warnings list host mount points):
#   OUT/xz      : default compression (xz), with -k process.smaps=on -k process.lsof=off
#   OUT/gzip    : -z gzip, with -k process.smaps=on -k process.lsof=off
#   OUT/nosmaps : default compression, without the smaps option (sos default)
# usage: run_sos_small.sh OUT MEMHOG
set -u
OUT=$1; MEMHOG=$2
hostname sample-host
mkdir -p "$OUT/xz" "$OUT/gzip" "$OUT/nosmaps"
cd /
sleep 100000 &                                   # plain sleep
"$MEMHOG" 2048 /usr/bin/bash 512 fork &          # private anon + file mapping + shared anon; forks a child
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 100001 &   # runs as user nobody
( sleep 0.2 & exec sleep 100002 ) &              # "sleep 100002" never reaps its child -> zombie
sleep 1
rc=0
sos report --batch --quiet --tmp-dir "$OUT/xz" -o process,memory,host,date --label memmaps -k process.smaps=on -k process.lsof=off || rc=1
sos report --batch --quiet --tmp-dir "$OUT/gzip" -o process,memory,host,date --label memmaps -k process.smaps=on -k process.lsof=off -z gzip || rc=1
sos report --batch --quiet --tmp-dir "$OUT/nosmaps" -o process,memory,host,date --label nosmaps -k process.lsof=off || rc=1
ps -eo pid,ppid,user,stat,args > "$OUT/ps-at-end.txt"
exit $rc
