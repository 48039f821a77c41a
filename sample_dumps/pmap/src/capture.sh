#!/bin/bash
# capture.sh - regenerate the real pmap captures in sample_dumps/pmap/ (small) or a larger
# uncommitted set (large).
#
# Usage:  src/setup.sh                     # once: locales, busybox-static:i386, BusyBox with pmap,
#                                          # unpacked 32-bit procps
#         src/capture.sh OUTDIR [small|large]
#
# Everything runs inside fresh PID/mount/UTS/IPC namespaces (unshare), hostname "sample-host", so the
# only processes pmap can see are the ones started here (PID 1 is this script's bash).
#
# For every capture NAME it writes
#   OUTDIR/NAME.txt                      the tool's stdout, verbatim
#   OUTDIR/smaps/pidN.smaps              /proc/N/smaps of each process involved, as the tool read it
#   OUTDIR/smaps/NAME.pidN.smaps         only when that capture saw other smaps than all earlier
#                                        ones (PSS of shared libc pages moves whenever any process
#                                        on the host, the reader included, maps or unmaps them)
#   OUTDIR/meta/capture-log.tsv          NAME, exit status, PIDs, smaps files, their source, command
#   OUTDIR/meta/capture-meta.txt         date, kernel, tool versions, PID roles
# The tool runs under strace; strace_reads.py recovers the bytes it read from /proc/N/smaps
# (source "read-by-tool"). Modes that read only /proc/N/maps get a snapshot by a static reader
# (source "snapshot"), retried (up to 5 times) until the snapshots before and after agree.
set -u
SELF=$(readlink -f "$0")
SRC=$(dirname "$SELF")
TOOLS=${TOOLS:-/tmp/memmaps-pmap-tools}
SCRATCH=${SCRATCH:-/tmp/memmaps-sample}   # appears in command lines and mapping names

if [ "${1:-}" != "--inner" ]; then
    OUT=${1:?usage: capture.sh OUTDIR [small|large]}
    MODE=${2:-small}
    mkdir -p "$OUT"
    OUT=$(readlink -f "$OUT")
    rm -rf "$SCRATCH"
    mkdir -p "$SCRATCH/d" "$SCRATCH/d2" "$SCRATCH/home" "$SCRATCH/snap"
    gcc -O1 -Wall -o "$SCRATCH/mapper" "$SRC/mapper.c" -lpthread || exit 1
    exec unshare --pid --fork --mount-proc --uts --ipc \
        env TOOLS="$TOOLS" SCRATCH="$SCRATCH" bash "$SELF" --inner "$OUT" "$MODE"
fi

# ------------------------------------------------------------------ inside the namespaces
OUT=$2
MODE=$3
unset LC_ALL LC_MESSAGES LANGUAGE
export LANG=C.UTF-8
hostname sample-host
PMAP=/usr/bin/pmap
PMAP32=$TOOLS/pmap32
BB=$TOOLS/busybox-pmap
BB32=/bin/busybox            # busybox-static:i386 (no pmap applet; only used as a 32-bit process)
SNAP=$SCRATCH/snap
mkdir -p "$OUT/smaps" "$OUT/meta"
LOG=$OUT/meta/capture-log.tsv
printf 'name\texit\tpids\tsmaps\tsmaps_source\tcommand\n' > "$LOG"

cleanup() { kill $(jobs -p) 2>/dev/null; rm -f /dev/shm/memmaps-shm; }
trap cleanup EXIT

# start_mapper OUTFILE ARGS... ; sets MAPPER_PID and ZOMBIE_PID
start_mapper() {
    local o=$1; shift
    "$SCRATCH/mapper" "$@" > "$o" &
    local i
    for i in $(seq 100); do grep -q ready "$o" 2>/dev/null && break; sleep 0.05; done
    MAPPER_PID=$(awk '/^ready/{print $2}' "$o")
    ZOMBIE_PID=$(awk '/^zombie/{print $2}' "$o")
}

STATIC_CAT="$BB cat"   # a static reader (our BusyBox build): maps no libc and no file the targets map

snap() { # snap TAG PIDS...  -> $SNAP/TAG.N
    local tag=$1 p; shift
    for p in "$@"; do $STATIC_CAT "/proc/$p/smaps" > "$SNAP/$tag.$p" 2>/dev/null || : > "$SNAP/$tag.$p"; done
}
same() { # same TAG1 TAG2 PIDS...
    local a=$1 b=$2 p; shift 2
    for p in "$@"; do cmp -s "$SNAP/$a.$p" "$SNAP/$b.$p" || return 1; done
}

# store_smaps NAME PID FILE -> echoes the stored path; identical contents share one file
store_smaps() {
    local name=$1 p=$2 f=$3 v
    for v in "$OUT"/smaps/pid$p.smaps "$OUT"/smaps/*.pid$p.smaps; do
        [ -e "$v" ] && cmp -s "$f" "$v" && { echo "smaps/${v##*/}"; return; }
    done
    if [ ! -e "$OUT/smaps/pid$p.smaps" ]; then v=pid$p.smaps; else v=$name.pid$p.smaps; fi
    cp "$f" "$OUT/smaps/$v"
    echo "smaps/$v"
}

# cap NAME "PIDS" CMD...   (PIDS: the processes whose smaps belong to this capture)
# The tool runs under strace, so the smaps it read are recovered byte for byte; for modes that
# read only /proc/N/maps (default, -d, -q) the smaps saved are a static reader's, taken right
# before and after the tool (retried until both agree).
cap() {
    local name=$1 pids=$2; shift 2
    local try rc
    for try in 1 2 3 4 5; do
        snap before $pids
        rm -rf "$SNAP/read"
        strace -o "$SNAP/strace.log" -e trace=open,openat,read,close,lseek,_llseek -e read=all -s 0 \
            "$@" > "$OUT/$name.txt" 2> "$SNAP/stderr"
        rc=$?
        snap after $pids
        same before after $pids && break
    done
    python3 "$SRC/strace_reads.py" "$SNAP/strace.log" "$SNAP/read"
    local files="" srcs="" p f
    for p in $pids; do
        if [ -e "$SNAP/read/$p.smaps" ]; then
            f=$SNAP/read/$p.smaps; srcs="$srcs,read-by-tool"
            if [ -e "$SNAP/read/$p.smaps.pass1" ]; then
                srcs="$srcs(pass1-differed:$(store_smaps "$name.pass1" "$p" "$SNAP/read/$p.smaps.pass1"))"
            fi
        elif [ -e "$SNAP/read/$p.smaps.partial" ]; then
            f=$SNAP/after.$p; srcs="$srcs,snapshot(tool-read-stopped-early)"
        else
            f=$SNAP/after.$p; srcs="$srcs,snapshot"
        fi
        files="$files $(store_smaps "$name" "$p" "$f")"
    done
    local err
    err=$(tr '\n' ' ' < "$SNAP/stderr")
    printf '%s\t%s\t%s\t%s\t%s\t%s%s\n' "$name" "$rc" "${pids// /,}" "${files# }" "${srcs#,}" "$*" \
        "${err:+	stderr: $err}" >> "$LOG"
}

# ------------------------------------------------------------------ processes
# (all started from PID 1; PIDs are recorded in meta/capture-meta.txt)
if [ "$MODE" = small ]; then
    start_mapper "$SCRATCH/mapper.out" "$SCRATCH/d" zombie thread oddname
    M=$MAPPER_PID Z=$ZOMBIE_PID
    sleep 100000 & S=$!
    "$BB32" sleep 100000 & B=$!
    sleep 0.3
else
    start_mapper "$SCRATCH/mapper.out" "$SCRATCH/d2" big thread oddname zombie
    M=$MAPPER_PID Z=$ZOMBIE_PID
    python3 -c 'import time, json, sqlite3; time.sleep(1e6)' & S=$!
    tail -f /dev/null & T=$!
    "$BB32" sh -c "$BB32 sleep 100000 & wait" & B=$!
    sleep 0.5
    B2=$(tr -d " " < /proc/$B/task/$B/children)
fi

{
    echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "uname_r: $(uname -r)"
    echo "uname_a: $(uname -a)"
    echo "hostname: $(hostname)"
    echo "os: $(. /etc/os-release; echo "$PRETTY_NAME")"
    echo "pmap_V: $($PMAP -V)"
    echo "pmap32_V: $($PMAP32 -V) (i386 build from procps:i386 $(dpkg-deb -f "$TOOLS"/p32/debs/procps_*_i386.deb Version), run via the i386 loader)"
    echo "busybox_pmap: $($BB 2>&1 | head -1) built from Debian source busybox $(cd "$TOOLS"/bb && ls -d busybox-*/ | tr -d /) with CONFIG_PMAP=y CONFIG_STATIC=y (x86_64)"
    echo "busybox32: $($BB32 2>&1 | head -1) (busybox-static:i386, the 32-bit target process)"
    echo "mode: $MODE"
    echo "pid_mapper: $M  ($(tr '\0' ' ' < /proc/$M/cmdline))"
    echo "pid_zombie: $Z  (child of the mapper, exited, never reaped)"
    if [ "$MODE" = small ]; then
        echo "pid_sleep: $S  ($(tr '\0' ' ' < /proc/$S/cmdline))"
        echo "pid_busybox32: $B  ($(tr '\0' ' ' < /proc/$B/cmdline))"
    else
        echo "pid_python: $S  ($(tr '\0' ' ' < /proc/$S/cmdline))"
        echo "pid_tail: $T  ($(tr '\0' ' ' < /proc/$T/cmdline))"
        echo "pid_busybox32_sh: $B  ($(tr '\0' ' ' < /proc/$B/cmdline))"
        echo "pid_busybox32_sleep: $B2  ($(tr '\0' ' ' < /proc/$B2/cmdline))"
    fi
    echo "missing_pid: 99999 (does not exist)"
} > "$OUT/meta/capture-meta.txt"

# rc files for -c / -C
cp "$SRC/pmaprc-C" "$SCRATCH/pmaprc-C"
cp "$SRC/pmaprc-c" "$SCRATCH/home/.pmaprc"

# an address range for -A: from the start of shared.dat's mapping to the end of the first libc mapping
ALOW=$(awk '/shared.dat/{split($1,a,"-"); print a[1]; exit}' /proc/$M/maps)
AHIGH=$(awk '/libc.so/{split($1,a,"-"); print a[2]; exit}' /proc/$M/maps)

# ------------------------------------------------------------------ captures
if [ "$MODE" = small ]; then
    cap pmap-default            "$M"        $PMAP $M
    cap pmap-x                  "$M"        $PMAP -x $M
    cap pmap-d                  "$M"        $PMAP -d $M
    cap pmap-X                  "$M"        $PMAP -X $M
    cap pmap-XX                 "$M"        $PMAP -XX $M
    cap pmap-xq                 "$M"        $PMAP -x -q $M
    cap pmap-xp                 "$M"        $PMAP -x -p $M
    cap pmap-xA                 "$M"        $PMAP -x -A "$ALOW,$AHIGH" $M
    cap pmap-C                  "$M"        $PMAP -C "$SCRATCH/pmaprc-C" $M
    cap pmap-c                  "$M"        env HOME="$SCRATCH/home" $PMAP -c $M
    cap pmap-multi              "$M $S $B $Z" $PMAP $M $S $B $Z 99999
    cap pmap-x-multi            "$S $B $Z"  $PMAP -x $S $B $Z
    cap pmap-X-multi            "$S $B"     $PMAP -X $S $B
    cap pmap-zombie             "$Z"        $PMAP -x $Z
    cap pmap-X-zombie           "$Z"        $PMAP -X $Z
    for l in de_DE fr_FR zh_CN; do
        cap pmap-default.$l     "$S"        env LANG=$l.UTF-8 LANGUAGE=$l $PMAP $S
        cap pmap-x.$l           "$S"        env LANG=$l.UTF-8 LANGUAGE=$l $PMAP -x $S
        cap pmap-d.$l           "$S"        env LANG=$l.UTF-8 LANGUAGE=$l $PMAP -d $S
        cap pmap-X.$l           "$S"        env LANG=$l.UTF-8 LANGUAGE=$l $PMAP -X $S
    done
    cap pmap-i386               "$B"        $PMAP $B
    cap pmap-x-i386             "$B"        $PMAP -x $B
    cap pmap32-i386             "$B"        $PMAP32 $B
    cap pmap32-x-i386           "$B"        $PMAP32 -x $B
    cap pmap32-d-i386           "$B"        $PMAP32 -d $B
    cap pmap32-x-on-64bit       "$S"        $PMAP32 -x $S
    cap busybox-pmap            "$M"        $BB pmap $M
    cap busybox-pmap-x          "$M"        $BB pmap -x $M
    cap busybox-pmap-xq         "$S"        $BB pmap -x -q $S
    cap busybox-pmap-multi      "$S $B $Z"  $BB pmap -x $S $B $Z 99999
else
    ALL="$M $S $T $B $B2"
    for p in $ALL $Z; do
        cap pmap-default.$p     "$p"        $PMAP $p
        cap pmap-x.$p           "$p"        $PMAP -x $p
        cap pmap-d.$p           "$p"        $PMAP -d $p
        cap pmap-X.$p           "$p"        $PMAP -X $p
        cap pmap-XX.$p          "$p"        $PMAP -XX $p
        cap pmap-xq.$p          "$p"        $PMAP -x -q $p
        cap pmap-q.$p           "$p"        $PMAP -q $p
        cap pmap-xp.$p          "$p"        $PMAP -x -p $p
        cap pmap-dp.$p          "$p"        $PMAP -d -p $p
        cap pmap-Xp.$p          "$p"        $PMAP -X -p $p
        cap pmap-C.$p           "$p"        $PMAP -C "$SCRATCH/pmaprc-C" $p
        cap pmap-c.$p           "$p"        env HOME="$SCRATCH/home" $PMAP -c $p
        cap busybox-pmap.$p     "$p"        $BB pmap $p
        cap busybox-pmap-x.$p   "$p"        $BB pmap -x $p
        cap busybox-pmap-q.$p   "$p"        $BB pmap -q $p
        cap pmap32-x.$p         "$p"        $PMAP32 -x $p
        cap pmap32.$p           "$p"        $PMAP32 $p
        cap pmap32-d.$p         "$p"        $PMAP32 -d $p
        cap pmap32-X.$p         "$p"        $PMAP32 -X $p
        for l in de_DE fr_FR zh_CN; do
            cap pmap-default.$l.$p "$p"     env LANG=$l.UTF-8 LANGUAGE=$l $PMAP $p
            cap pmap-x.$l.$p    "$p"        env LANG=$l.UTF-8 LANGUAGE=$l $PMAP -x $p
            cap pmap-d.$l.$p    "$p"        env LANG=$l.UTF-8 LANGUAGE=$l $PMAP -d $p
            cap pmap-X.$l.$p    "$p"        env LANG=$l.UTF-8 LANGUAGE=$l $PMAP -X $p
            cap pmap-XX.$l.$p   "$p"        env LANG=$l.UTF-8 LANGUAGE=$l $PMAP -XX $p
        done
    done
    cap pmap-xA.$M              "$M"        $PMAP -x -A "$ALOW,$AHIGH" $M
    cap pmap-XA.$M              "$M"        $PMAP -X -A "$ALOW,$AHIGH" $M
    cap pmap-dA.$M              "$M"        $PMAP -d -A "$ALOW,$AHIGH" $M
    cap pmap-multi              "$ALL $Z"   $PMAP $ALL $Z 99999
    cap pmap-x-multi            "$ALL $Z"   $PMAP -x $ALL $Z 99999
    cap pmap-d-multi            "$ALL $Z"   $PMAP -d $ALL $Z 99999
    cap pmap-X-multi            "$ALL $Z"   $PMAP -X $ALL $Z 99999
    cap pmap-XX-multi           "$ALL $Z"   $PMAP -XX $ALL $Z 99999
    cap pmap-xq-multi           "$ALL"      $PMAP -x -q $ALL
    cap busybox-pmap-multi      "$ALL $Z"   $BB pmap $ALL $Z 99999
    cap busybox-pmap-x-multi    "$ALL $Z"   $BB pmap -x $ALL $Z 99999
    cap pmap32-x-multi          "$B $B2"    $PMAP32 -x $B $B2
    cap pmap-x-multi.de_DE      "$ALL"      env LANG=de_DE.UTF-8 LANGUAGE=de_DE $PMAP -x $ALL
fi
exit 0
