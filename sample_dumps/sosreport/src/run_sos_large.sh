#!/bin/bash
# Runs INSIDE a fresh pid+mount+uts+cgroup namespace (started by make_samples.sh).
# ~10 processes: threads, a zombie, a non-root user, a long command line with spaces,
# argv[0] rewritten with spaces, a mapping of a deleted file whose name has spaces.
# Runs sos twice over the same processes: OUT/xz (default xz) and OUT/gzip (-z gzip), both with smaps.
# usage: run_sos_large.sh OUT MEMHOG
set -u
OUT=$1; MEMHOG=$2
hostname big-sample-host
mkdir -p "$OUT/xz" "$OUT/gzip"
cd /
WORK=$(mktemp -d /tmp/memmaps-large.XXXXXX)
head -c 300000 /dev/urandom > "$WORK/soon-deleted data.bin"
sleep 200000 &
"$MEMHOG" 8192 /usr/bin/python3.11 1024 fork &                                  # parent + forked child
setpriv --reuid=65534 --regid=65534 --clear-groups "$MEMHOG" 1024 /etc/services 0 &   # user nobody
( sleep 0.2 & exec sleep 200002 ) &                                              # zombie child of sleep 200002
"$MEMHOG" 4096 "$WORK/soon-deleted data.bin" 0 \
    "--description=a long command line   with  spaces" --config /etc/memmaps/some\ file\ with\ spaces.conf \
    --padding=$(printf 'x%.0s' $(seq 1 300)) --last-arg "tab	here" &           # long cmdline, "(deleted)" mapping
/usr/bin/python3 -c 'import threading, time
for _ in range(3): threading.Thread(target=time.sleep, args=(1e6,), daemon=True).start()
time.sleep(1e6)' &                                                               # 4 threads, newline in cmdline
bash -c 'exec -a "my daemon: worker [pool 1]" sleep 200003' &                    # argv[0] with spaces/brackets
sleep 1
rm -f "$WORK/soon-deleted data.bin"
sleep 0.5
rc=0
sos report --batch --quiet --tmp-dir "$OUT/xz" -o process,memory,host,date --label memmaps -k process.smaps=on -k process.lsof=off || rc=1
sos report --batch --quiet --tmp-dir "$OUT/gzip" -o process,memory,host,date --label memmaps -k process.smaps=on -k process.lsof=off -z gzip || rc=1
ps -eo pid,ppid,user,stat,args > "$OUT/ps-at-end.txt"
rm -rf "$WORK"
exit $rc
