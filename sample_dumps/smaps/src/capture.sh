#!/bin/bash
# capture.sh - regenerate every committed sample in sample_dumps/smaps/ from
# real processes started here, each inside fresh PID/mount/UTS/IPC namespaces
# (so nothing else on the machine appears in a dump).
#
#   sudo bash sample_dumps/smaps/src/capture.sh [--install] [OUTDIR]
#
# OUTDIR defaults to the directory above this script (sample_dumps/smaps).
# --install runs apt-get for what is missing (gcc-multilib, busybox-static:i386,
# dos2unix, zstd, xz-utils, bzip2) and unpacks an amd64 busybox-static .deb
# into $TOOLS (it cannot be installed next to the i386 one: same file name).
#
# Needs root (unshare, mount, swapon, sysctls). For the duration of the run it
# temporarily changes machine state and restores it on exit:
#   * a zram swap device (hot_add'ed here, swapoff'ed and hot_remove'd after)
#     so that MADV_PAGEOUT gives a region with Swap: > 0;
#   * vm.nr_hugepages raised by 1 (a 2 MB MAP_HUGETLB region);
#   * /sys/kernel/mm/ksm/run = 1 (a MADV_MERGEABLE region gets KSM: > 0).
# Set NO_SYSTEM_CHANGES=1 to skip all three.
#
# Captured values (Rss, Pss, addresses, inode numbers, PIDs of the tree) vary a
# little from run to run; the expected/*.totals.json files are recomputed from
# whatever was captured, by src/oracle_totals.py.
set -euo pipefail

SRC=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-}
INSTALL=0
if [ "${1:-}" = "--install" ]; then INSTALL=1; OUT=${2:-}; fi
OUT=${OUT:-$(dirname "$SRC")}
TOOLS=${TOOLS:-/opt/memmaps-smaps}      # binaries live here (their paths appear in the dumps)
DATA=${DATA:-/var/tmp/memmaps-smaps-data}    # files mapped by mapper (ext4 here: DEV fe:00)
BB32=/bin/busybox                        # busybox-static:i386
BB64=$TOOLS/bin/busybox                  # busybox-static:amd64, unpacked
ORACLE="python3 $SRC/oracle_totals.py"

[ "$(id -u)" = 0 ] || { echo "capture.sh: run as root" >&2; exit 1; }

install_prereqs() {
    dpkg --add-architecture i386
    apt-get update || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y gcc gcc-multilib busybox-static:i386 \
        dos2unix zstd xz-utils bzip2 gzip coreutils util-linux python3
}
if [ $INSTALL = 1 ]; then install_prereqs; fi

mkdir -p "$TOOLS/bin"
if [ ! -x "$BB64" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download busybox-static:amd64 && dpkg -x busybox-static_*_amd64.deb x)
    cp "$tmp/x/bin/busybox" "$BB64"
    rm -rf "$tmp"
fi
for t in gcc unshare zstd xz bzip2 gzip unix2dos python3; do
    command -v $t >/dev/null || { echo "capture.sh: missing $t (try --install)" >&2; exit 1; }
done
file "$BB32" | grep -q 'Intel 80386' || { echo "capture.sh: $BB32 is not busybox-static:i386 (try --install)" >&2; exit 1; }

gcc -O0 -Wall -pthread -o "$TOOLS/bin/mapper" "$SRC/mapper.c"
gcc -O0 -Wall -static -o "$TOOLS/bin/tiny" "$SRC/tiny.c"
gcc -O0 -Wall -m32 -o "$TOOLS/bin/tiny32" "$SRC/tiny.c"

# ---------------------------------------------------------------- machine state
ZRAM=""
OLD_NR_HP=$(cat /proc/sys/vm/nr_hugepages)
OLD_KSM=$(cat /sys/kernel/mm/ksm/run)
cleanup() {
    set +e
    if [ -n "$ZRAM" ]; then
        swapoff /dev/zram$ZRAM 2>/dev/null
        echo 1 > /sys/block/zram$ZRAM/reset 2>/dev/null
        echo $ZRAM > /sys/class/zram-control/hot_remove 2>/dev/null
    fi
    echo "$OLD_NR_HP" > /proc/sys/vm/nr_hugepages
    echo "$OLD_KSM" > /sys/kernel/mm/ksm/run
    rm -rf "$DATA"
}
trap cleanup EXIT
MAPPER_OPTS=""
if [ "${NO_SYSTEM_CHANGES:-0}" != 1 ]; then
    if [ -w /sys/class/zram-control/hot_add ]; then
        ZRAM=$(cat /sys/class/zram-control/hot_add)
        echo 64M > /sys/block/zram$ZRAM/disksize
        mkswap /dev/zram$ZRAM >/dev/null
        swapon -p 5 /dev/zram$ZRAM
        MAPPER_OPTS="$MAPPER_OPTS --swap 256"
    fi
    echo $((OLD_NR_HP + 1)) > /proc/sys/vm/nr_hugepages
    MAPPER_OPTS="$MAPPER_OPTS --hugetlb 1"
    echo 1 > /sys/kernel/mm/ksm/run
    echo 1000 > /sys/kernel/mm/ksm/pages_to_scan 2>/dev/null || true
    MAPPER_OPTS="$MAPPER_OPTS --ksm 256"
fi

mkdir -p "$OUT/expected"
NS="unshare --pid --fork --mount-proc --uts --ipc --mount"

# ---------------------------------------------------------------- 1. single process
rm -rf "$DATA"; mkdir -p "$DATA"
export TOOLS DATA OUT MAPPER_OPTS
$NS bash -c '
set -e
hostname sample-host
mount -t tmpfs -o size=64m tmpfs /dev/shm
"$TOOLS/bin/mapper" "$DATA" --threads 3 $MAPPER_OPTS &
pid=$!
for i in $(seq 200); do [ -e "$DATA/ready" ] && break; sleep 0.05; done
# give ksmd a moment to merge the MADV_MERGEABLE pages
for i in $(seq 100); do
    grep -q "^KSM: *[1-9]" /proc/$pid/smaps_rollup && break; sleep 0.1
done
cat /proc/$pid/smaps        > "$OUT/single_threads_thp.smaps"
cat /proc/$pid/maps         > "$OUT/single_threads_thp.maps"
cat /proc/$pid/smaps_rollup > "$OUT/single_threads_thp.smaps_rollup"
cp "$DATA/layout.txt" "$OUT/single_threads_thp.layout.txt"
kill $pid; wait $pid || true
'
# the layout file lists the pid as seen inside the namespace

# ---------------------------------------------------------------- 2. 32-bit processes
$NS bash -c '
set -e
hostname sample-i386
/bin/busybox sleep 100000 &
bb=$!
"$TOOLS/bin/tiny32" 64 &
t32=$!
sleep 0.3
cat /proc/$bb/smaps         > "$OUT/i386_busybox_static.smaps"
cat /proc/$bb/maps          > "$OUT/i386_busybox_static.maps"
cat /proc/$bb/smaps_rollup  > "$OUT/i386_busybox_static.smaps_rollup"
cat /proc/$t32/smaps        > "$OUT/i386_dynamic_tiny32.smaps"
cat /proc/$t32/maps         > "$OUT/i386_dynamic_tiny32.maps"
kill $bb $t32; wait || true
'

# ---------------------------------------------------------------- 3+5. several processes
# pid 1 is a static amd64 busybox sh (few mappings, keeps files small). It
# runs GNU cat/head/grep by full path (a bare name would run the applet).
rm -rf "$OUT/tree" "$OUT/tree2"
mkdir -p "$DATA"
cat > "$DATA/multi.sh" <<'SCRIPT'
set -e
hostname sample-multi
# The first child becomes busybox sleep; its own child exits at once and is
# never reaped: a zombie (State: Z) whose smaps is empty.
"$TOOLS/bin/busybox" sh -c "\"$TOOLS/bin/busybox\" true & exec \"$TOOLS/bin/busybox\" sleep 100000" &
zparent=$!
/usr/bin/sleep 0.3
"$TOOLS/bin/tiny" 256 &                 # static C: heap + 256 kB anon (half touched)
t=$!
/usr/bin/sleep 0.3
/usr/bin/cat /proc/[0-9]*/status | /usr/bin/grep -q "^State:.*zombie" || { echo "no zombie" >&2; exit 1; }
# a) loop with ==> headers
for p in /proc/[0-9]*; do echo "==> $p/smaps <=="; /usr/bin/cat $p/smaps; done > "$OUT/multi_loop.smaps"
# b) head -n 100000 /proc/*/smaps
/usr/bin/head -n 100000 /proc/*/smaps > "$OUT/multi_head.smaps"
# c) grep -H
/usr/bin/grep -H "" /proc/*/smaps > "$OUT/multi_grep.smaps" || true
# d) copied trees
for p in /proc/[0-9]*; do
    n=${p#/proc/}
    /usr/bin/mkdir -p "$OUT/tree/proc/$n" "$OUT/tree2/$n"
    /usr/bin/cp $p/smaps $p/cmdline $p/status "$OUT/tree/proc/$n/"
    /usr/bin/cp $p/smaps $p/cmdline "$OUT/tree2/$n/"
done
# 5) maps and smaps_rollup of the same processes, loop form
for p in /proc/[0-9]*; do echo "==> $p/maps <=="; /usr/bin/cat $p/maps; done > "$OUT/multi_loop.maps"
# (for the zombie, reading smaps_rollup fails with ESRCH: its header stands alone)
for p in /proc/[0-9]*; do echo "==> $p/smaps_rollup <=="; /usr/bin/cat $p/smaps_rollup || true; done > "$OUT/multi_loop.smaps_rollup"
kill $zparent $t
SCRIPT
# pid 1 is a static amd64 busybox sh (few mappings, keeps files small). It
# runs GNU cat/head/grep by full path (a bare name would run the applet).
# No LANG: with LANG=C.UTF-8 every coreutils process maps ~14 locale files.
$NS env -i PATH=/usr/bin:/bin TOOLS="$TOOLS" OUT="$OUT" "$BB64" sh "$DATA/multi.sh"

# ---------------------------------------------------------------- 4. compressed, CRLF, truncated, lying names
S="$OUT/single_threads_thp.smaps"
gzip  -9 -n -c "$S" > "$OUT/single_threads_thp.smaps.gz"
xz    -9    -c "$S" > "$OUT/single_threads_thp.smaps.xz"
bzip2 -9    -c "$S" > "$OUT/single_threads_thp.smaps.bz2"
zstd  -19 -q -c "$S" > "$OUT/single_threads_thp.smaps.zst"
unix2dos -q -n "$S" "$OUT/single_threads_thp_crlf.smaps"
# cut in the middle of a record: just after "Rss:" of the record holding the 60% byte
total=$(wc -c < "$S")
cut=$(python3 - "$S" $((total * 6 / 10)) <<'PY'
import sys
data = open(sys.argv[1], 'rb').read(); at = int(sys.argv[2])
i = data.index(b'\nRss:', at)
print(i + len(b'\nRss:'))
PY
)
head -c "$cut" "$S" > "$OUT/single_threads_thp_truncated.smaps"
gzip -9 -n -c "$S" > "$OUT/lying_name_gzip_content.txt"    # gzip bytes, .txt name
cp "$S" "$OUT/lying_name_plain_content.bin"                # plain smaps text, .bin name

# ---------------------------------------------------------------- expected totals
E="$OUT/expected"
rm -f "$E"/*.totals.json
for f in "$OUT"/*.smaps "$OUT"/*.maps "$OUT"/*.smaps_rollup "$OUT"/*.gz "$OUT"/*.xz "$OUT"/*.bz2 "$OUT"/*.zst "$OUT"/lying_name_*; do
    b=$(basename "$f")
    case "$b" in
        single_threads_thp_truncated.smaps)
            $ORACLE "$f" --pid mapper --complete-only \
                --note "truncated copy (head -c $cut of $total bytes): totals over the complete records only; the last record, cut after 'Rss:', is dropped" > "$E/$b.totals.json" ;;
        single_*|lying_name_*)
            $ORACLE "$f" --pid mapper > "$E/$b.totals.json" ;;
        i386_busybox*) $ORACLE "$f" --pid busybox > "$E/$b.totals.json" ;;
        i386_dynamic*) $ORACLE "$f" --pid tiny32 > "$E/$b.totals.json" ;;
        *) $ORACLE "$f" > "$E/$b.totals.json" ;;
    esac
done
$ORACLE "$OUT/tree"  > "$E/tree.totals.json"
$ORACLE "$OUT/tree2" > "$E/tree2.totals.json"

# ---------------------------------------------------------------- provenance facts
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "kernel: $(uname -r) ($(uname -m)); $(uname -v)"
    echo "os: $(. /etc/os-release; echo "$PRETTY_NAME")"
    echo "THP enabled: $(cat /sys/kernel/mm/transparent_hugepage/enabled); defrag: $(cat /sys/kernel/mm/transparent_hugepage/defrag)"
    echo "swap during capture: ${ZRAM:+zram$ZRAM 64M (temporary)}"
    echo "mapper options: --threads 3$MAPPER_OPTS"
    echo "gcc: $(gcc --version | head -1)"
    echo "glibc: $(ldd --version | head -1)"
    echo "coreutils: $(head --version | head -1)"
    echo "grep: $(grep --version | head -1)"
    echo "util-linux: $(unshare --version)"
    echo "busybox i386: $($BB32 | head -1)"
    echo "busybox amd64: $($BB64 | head -1)"
    echo "gzip: $(gzip --version | head -1); xz: $(xz --version | head -1); bzip2: $(bzip2 --help 2>&1 | head -1 | sed 's/.*Version/Version/')"
    echo "zstd: $(zstd --version)"
    echo "dos2unix: $(unix2dos --version | head -1)"
    echo "python3 (oracle only): $(python3 --version)"
} > "$OUT/capture-facts.txt"
echo "capture.sh: done; files in $OUT"
