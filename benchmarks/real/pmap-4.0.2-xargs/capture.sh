#!/bin/bash
# Run inside: unshare --pid --fork --mount-proc --uts --ipc --cgroup bash capture.sh OUTDIR N BATCH
# N processes of varied sizes, then `pmap -X`/`-XX`/`-x` of all of them through `xargs -n BATCH`:
# several pmap runs one after the other, as thousands of PIDs must be given (procps-ng 4.0.2's
# pmap fails with "library failed pids statistics" for 256 PIDs or more in one run).
out=$1; n=$2; batch=$3
hostname sample-host
for i in $(seq 1 $n); do
  case $((i % 5)) in
    0) sleep 100000 & ;;
    1) python3 -c "
import time, random, mmap
random.seed($i)
keep = [bytearray(random.choice([1, 10, 100, 1000, 5000, 20000]) * 1024) for _ in range(random.randint(1, 6))]
m = mmap.mmap(-1, random.choice([1, 64, 4096, 65536, 262144]) * 1024)
for k in range(0, min(len(m), 4096 * random.randint(1, 3000)), 4096): m[k] = 1
time.sleep(100000)" & ;;
    2) perl -e 'my @a=(1..'$((i * 997 % 300000 + 1))'); sleep 100000' & ;;
    3) bash -c 'sleep 100000; :' & ;;
    4) awk 'BEGIN { for (i = 0; i < '$((i * 7919 % 200000))'; i++) a[i] = i; system("sleep 100000") }' & ;;
  esac
done
sleep 5
pids=$(ps -e -o pid= | awk '$1 != 1 {print $1}' | sort -n | tr '\n' ' ')
pids=$(for p in $pids; do [ -r /proc/$p/smaps ] && [ "$(readlink /proc/$p/exe)" != "/usr/bin/ps" ] && echo -n "$p "; done)
echo "$pids" > $out/pids.txt
echo $pids | xargs -n $batch pmap -X > $out/pmap-X.txt
echo $pids | xargs -n $batch pmap -XX > $out/pmap-XX.txt
echo $pids | xargs -n $batch pmap -x > $out/pmap-x.txt
for p in $pids; do echo "==> /proc/$p/smaps <=="; cat /proc/$p/smaps; echo; done > $out/smaps.txt
uname -a > $out/uname.txt
kill $(jobs -p) 2>/dev/null
