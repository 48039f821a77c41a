#!/bin/bash
# Run inside: unshare --pid --fork --mount-proc --uts --ipc --cgroup bash capture.sh OUTDIR N
out=$1; n=$2
hostname sample-host
for i in $(seq 1 $n); do
  case $((i % 4)) in
    0) sleep 100000 & ;;
    1) python3 -c "import time, json, decimal; x=[0]*100000; time.sleep(100000)" & ;;
    2) perl -e 'my @a=(1..50000); sleep 100000' & ;;
    3) bash -c 'sleep 100000; :' & ;;
  esac
done
sleep 2
pids=$(ps -e -o pid= | awk '$1 != 1 {print $1}' | sort -n | tr '\n' ' ')
pids=$(for p in $pids; do [ -r /proc/$p/smaps ] && [ "$(readlink /proc/$p/exe)" != "/usr/bin/ps" ] && echo -n "$p "; done)
echo "$pids" > $out/pids.txt
pmap $pids > $out/pmap-default.txt
pmap -x $pids > $out/pmap-x.txt
pmap -X $pids > $out/pmap-X.txt
pmap -XX $pids > $out/pmap-XX.txt
pmap -d $pids > $out/pmap-d.txt
for p in $pids; do echo "==> /proc/$p/smaps <=="; cat /proc/$p/smaps; echo; done > $out/smaps.txt
uname -a > $out/uname.txt
kill $(jobs -p) 2>/dev/null
