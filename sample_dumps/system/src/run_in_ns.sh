#!/bin/bash
# Runs INSIDE a fresh pid+mount+uts+cgroup+ipc namespace (started by make_samples.sh).
# usage: run_in_ns.sh OUT BIN RUNID
#   OUT: where captures go; BIN: folder with memhog and shmhog (a dmesg wrapper is written there); RUNID: tag
# 1. a private /var/log (tmpfs) with rsyslogd (imklog) writing kern.log and messages there (user.* too,
#    for our marker lines: /dev/kmsg gives what userspace writes the user facility);
#    /usr/bin/dmesg bind-mounted with a wrapper printing only the kernel lines from our marker on
#    (the kernel ring buffer is global: the machine's boot log is not ours to publish);
# 2. SysV segments (shmhog: one attached, one not), a few small processes;
# 3. a memory cgroup (v1) of 32 MiB holding a sleep, a 4 MiB memhog and a 64 MiB memhog:
#    the kernel's OOM killer kills the large one (a memcg OOM, with its task table);
# 4. standalone captures (status, meminfo, sysvipc, ipcs, dmesg variants, kern.log), then sos.
set -u
OUT=$1; BIN=$2; RUNID=$3
hostname sample-host
cd /
mount -t tmpfs -o size=16m memmaps-log /var/log
cp /usr/bin/dmesg "$BIN/dmesg.real"
printf '#!/bin/bash\n"%s" "$@" | sed -n "/memmaps-sample: begin %s/,\\$p"\n' "$BIN/dmesg.real" "$RUNID" > "$BIN/dmesg-wrapper"
chmod +x "$BIN/dmesg-wrapper"
mount --bind "$BIN/dmesg-wrapper" /usr/bin/dmesg
# the machine's boot command line is not ours to publish, and kallsyms is 5 MB of kernel symbols:
# sos's kernel plugin copies both; it gets empty files instead
: > "$BIN/empty"
mount --bind "$BIN/empty" /proc/cmdline
mount --bind "$BIN/empty" /proc/kallsyms
echo "memmaps-sample: begin $RUNID" > /dev/kmsg
cat > /tmp/rsyslog.conf <<'CONF'
module(load="imklog" PermitNonKernelFacility="on")
$FileCreateMode 0644
kern.*;user.*   /var/log/kern.log;RSYSLOG_TraditionalFileFormat
*.*      /var/log/messages
CONF
rm -f "$BIN/rsyslogd.pid"
rsyslogd -f /tmp/rsyslog.conf -i "$BIN/rsyslogd.pid"
sleep 1
"$BIN/shmhog" 0x6d6d0001 1024 0x6d6d0002 2048 &
sleep 100000 &
"$BIN/memhog" 2048 /usr/bin/bash 512 fork &
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 100001 &
sleep 1
CG=/sys/fs/cgroup/memory/memmaps-oom-$RUNID
mkdir "$CG"
echo $((32 << 20)) > "$CG/memory.limit_in_bytes"
( echo $BASHPID > "$CG/cgroup.procs"; exec sleep 100003 ) &
( echo $BASHPID > "$CG/cgroup.procs"; exec "$BIN/memhog" 4096 /usr/bin/bash 0 ) &
sleep 1
( echo $BASHPID > "$CG/cgroup.procs"; exec "$BIN/memhog" 65536 /usr/bin/bash 0 ) &
wait $!
echo "first oom victim exit status: $?" > "$OUT/victim-exit.txt"
sleep 1
( echo $BASHPID > "$CG/cgroup.procs"; echo 300 > /proc/self/oom_score_adj; exec "$BIN/memhog" 40960 /usr/bin/bash 0 ) &
wait $!
echo "second oom victim exit status: $?" >> "$OUT/victim-exit.txt"
sleep 2
echo "memmaps-sample: captured $RUNID" > /dev/kmsg
sleep 1
# --- standalone captures
mkdir -p "$OUT/standalone"
S=$OUT/standalone
cp /proc/meminfo "$S/meminfo"
cp /proc/sysvipc/shm "$S/sysvipc_shm"
ipcs -m > "$S/ipcs_-m"
ipcs > "$S/ipcs"
free -b > "$S/free_-b"; free > "$S/free"
head -n 1000 /proc/[0-9]*/status > "$S/status_head.txt" 2>/dev/null
grep -H '' /proc/[0-9]*/status > "$S/status_grep.txt" 2>/dev/null
mkdir -p "$S/proc"
for d in /proc/[0-9]*; do
  p=${d#/proc/}
  [ -r "$d/status" ] || continue
  mkdir -p "$S/proc/$p"
  for f in status oom_score oom_score_adj limits cmdline smaps; do cat "$d/$f" > "$S/proc/$p/$f" 2>/dev/null; done
done
cp /proc/1/status "$S/status_pid1"
dmesg > "$S/dmesg.txt"
dmesg -T > "$S/dmesg_-T.txt"
dmesg -t > "$S/dmesg_-t.txt"
dmesg --time-format iso > "$S/dmesg_iso.txt"
kill "$(cat "$BIN/rsyslogd.pid")"; sleep 1
# imklog read the whole ring buffer: keep our lines only, in the files sos will copy too
for f in kern.log messages; do
  sed -n "/memmaps-sample: begin $RUNID/,\$p" "/var/log/$f" > "/tmp/$f" && cat "/tmp/$f" > "/var/log/$f"
done
cp /var/log/kern.log "$S/kern.log"; cp /var/log/messages "$S/messages"
ps -eo pid,ppid,user,stat,rss,vsz,args > "$S/ps.txt"
mkdir -p "$OUT/sos412" "$OUT/sos412smaps" "$OUT/sos40" "$OUT/sos40smaps"
# --- sosreports (each sees the same processes; the cgroup's sleep and small memhog stay)
cd /work/sos-upstream
/work/sos-venv/bin/python bin/sos report --batch --quiet --tmp-dir "$OUT/sos412" \
  -o process,memory,host,date,kernel,logs,sysvipc --label sos412 -k process.lsof=off 2>"$OUT/sos412.err"
/work/sos-venv/bin/python bin/sos report --batch --quiet --tmp-dir "$OUT/sos412smaps" \
  -o process,memory,host,date,kernel,logs,sysvipc --label sos412smaps -k process.smaps=on -k process.lsof=off 2>"$OUT/sos412smaps.err"
cd /
sos report --batch --quiet --tmp-dir "$OUT/sos40" \
  -o process,memory,host,date,kernel,logs,sysvipc --label sos40 -k process.lsof=off 2>"$OUT/sos40.err"
sos report --batch --quiet --tmp-dir "$OUT/sos40smaps" \
  -o process,memory,host,date,kernel,logs,sysvipc --label sos40smaps -k process.smaps=on -k process.lsof=off 2>"$OUT/sos40smaps.err"
ps -eo pid,ppid,user,stat,args > "$OUT/ps-at-end.txt"
for p in $(cat "$CG/cgroup.procs"); do kill -9 "$p"; done
sleep 0.5
rmdir "$CG"
