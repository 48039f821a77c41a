#!/bin/bash
# Runs INSIDE a fresh pid+mount+uts+cgroup namespace (started by make_samples.sh).
# usage: run_smemcap.sh OUTFILE MEMHOG
set -u
OUT=$1; MEMHOG=$2
hostname smemcap-host
cd /
"$MEMHOG" 2048 /usr/bin/bash 512 fork &                                 # parent + forked child
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 100001 &       # user nobody
( sleep 0.2 & exec sleep 100002 ) &                                     # zombie
bash -c 'exec -a "my daemon: worker [pool 1]" sleep 100003' &           # argv[0] with spaces
sleep 1
smemcap > "$OUT"
