#!/bin/bash
# realdumps.sh - make a LARGER set of real captures that is NOT committed, for
# verifying memmaps against later: bigger processes (mapper with 64 threads and
# odd file names, python3, java, node), a 12-process namespace captured in every
# concatenation form, a 3000-mapping process, 32-bit processes, compressed,
# CRLF, truncated and misnamed copies. Next to every file X it writes
# X.expected.json from src/oracle_totals.py, and a README.txt describing all.
#
#   sudo bash sample_dumps/smaps/src/realdumps.sh [OUTDIR]     (default /tmp/realdumps/smaps)
#
# Run src/capture.sh once first (it builds the programs and fetches busybox).
# Temporarily changes machine state like capture.sh (zram swap, nr_hugepages,
# ksm/run), restored on exit; NO_SYSTEM_CHANGES=1 skips that.
set -euo pipefail
SRC=$(cd "$(dirname "$0")" && pwd)
R=${1:-/tmp/realdumps/smaps}
TOOLS=${TOOLS:-/opt/memmaps-smaps}
DATA=${DATA:-/var/tmp/memmaps-smaps-real}
ORACLE="python3 $SRC/oracle_totals.py"
[ "$(id -u)" = 0 ] || { echo "realdumps.sh: run as root" >&2; exit 1; }
[ -x "$TOOLS/bin/busybox" ] || { echo "run capture.sh first" >&2; exit 1; }
gcc -O0 -Wall -pthread -o "$TOOLS/bin/mapper" "$SRC/mapper.c"
gcc -O0 -Wall -static -o "$TOOLS/bin/tiny" "$SRC/tiny.c"
gcc -O0 -Wall -m32 -o "$TOOLS/bin/tiny32" "$SRC/tiny.c"

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
        echo 128M > /sys/block/zram$ZRAM/disksize
        mkswap /dev/zram$ZRAM >/dev/null
        swapon -p 5 /dev/zram$ZRAM
        MAPPER_OPTS="$MAPPER_OPTS --swap 1024"
    fi
    echo $((OLD_NR_HP + 2)) > /proc/sys/vm/nr_hugepages
    MAPPER_OPTS="$MAPPER_OPTS --hugetlb 2"
    echo 1 > /sys/kernel/mm/ksm/run
    echo 1000 > /sys/kernel/mm/ksm/pages_to_scan 2>/dev/null || true
    MAPPER_OPTS="$MAPPER_OPTS --ksm 512"
fi

rm -rf "$R"; mkdir -p "$R" "$DATA/m" "$DATA/huge"
NS="unshare --pid --fork --mount-proc --uts --ipc --mount"

cat > "$DATA/Sleep.java" <<'EOF'
public class Sleep {
    public static void main(String[] a) throws Exception {
        byte[][] keep = new byte[16][];
        for (int i = 0; i < keep.length; i++) { keep[i] = new byte[1 << 20]; java.util.Arrays.fill(keep[i], (byte) i); }
        System.out.println("ready"); System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
EOF
cat > "$DATA/py.py" <<'EOF'
import mmap, os, sys, threading, time, json, decimal, sqlite3
anon = mmap.mmap(-1, 32 << 20)              # 32 MB anonymous, half touched
anon.write(b"p" * (16 << 20))
path = os.path.join(sys.argv[1], "python mapped file.bin")
with open(path, "wb") as f:
    f.write(os.urandom(1 << 20))
fmap = mmap.mmap(os.open(path, os.O_RDONLY), 0, prot=mmap.PROT_READ)
_ = fmap[:: 4096]
blob = [bytes(1000) + str(i).encode() for i in range(20000)]   # python heap
ev = threading.Event()
for i in range(8):
    threading.Thread(target=ev.wait, daemon=True).start()
open(os.path.join(sys.argv[1], "py.ready"), "w").close()
ev.wait()
EOF

# ---------------------------------------------------------------- the 12-process namespace
cat > "$DATA/multi.sh" <<'SCRIPT'
set -e
hostname real-host
mount -t tmpfs -o size=256m tmpfs /dev/shm
D=$DATA/m
"$TOOLS/bin/mapper" "$D" --threads 64 --thp-mb 8 --extra-files 40 --odd-names $MAPPER_OPTS &
mapper=$!
/usr/bin/python3 "$DATA/py.py" "$DATA" & py=$!
java -Xmx64m -XX:+UseSerialGC "$DATA/Sleep.java" > "$DATA/java.out" & jv=$!
node -e 'const b = Buffer.alloc(8 << 20, 1); setInterval(() => b[0]++, 1e9)' & nd=$!
"$TOOLS/bin/tiny" 1024 & tiny=$!
/usr/bin/sleep 100000 & sl=$!
/bin/busybox sleep 100000 & bb32=$!          # i386 static busybox
"$TOOLS/bin/tiny32" 512 & t32=$!             # i386 dynamic
tail -f /dev/null & tl=$!
bash -c 'sleep 0.2 & exec sleep 100000' & zp=$!  # its child exits after the exec: a zombie
for i in $(seq 600); do
    [ -e "$D/ready" ] && [ -e "$DATA/py.ready" ] && grep -q ready "$DATA/java.out" 2>/dev/null && break
    sleep 0.1
done
for i in $(seq 100); do grep -q "^KSM: *[1-9]" /proc/$mapper/smaps_rollup && break; sleep 0.1; done
sleep 1
grep -l "^State:.*zombie" /proc/[0-9]*/status > "$DATA/zombies" || true
cp "$D/layout.txt" "$OUT/mapper_64threads_oddnames.layout.txt"
for x in smaps maps smaps_rollup; do
    cat /proc/$mapper/$x > "$OUT/mapper_64threads_oddnames.$x"
    cat /proc/$py/$x     > "$OUT/python3_mmap_threads.$x"
    cat /proc/$jv/$x     > "$OUT/java17_serialgc.$x"
    cat /proc/$nd/$x     > "$OUT/node20.$x"
    cat /proc/$bb32/$x   > "$OUT/i386_busybox_static.$x"
    cat /proc/$t32/$x    > "$OUT/i386_tiny32.$x"
done
for p in /proc/[0-9]*; do echo "==> $p/smaps <=="; cat $p/smaps; done > "$OUT/ns12_loop.smaps"
head -n 100000000 /proc/*/smaps > "$OUT/ns12_head.smaps"
grep -H '' /proc/*/smaps > "$OUT/ns12_grep.smaps" || true
cat /proc/[0-9]*/smaps > "$OUT/ns12_cat_no_headers.smaps"
for p in /proc/[0-9]*; do echo "==> $p/maps <=="; cat $p/maps; done > "$OUT/ns12_loop.maps"
head -n 100000000 /proc/*/maps > "$OUT/ns12_head.maps"
for p in /proc/[0-9]*; do echo "==> $p/smaps_rollup <=="; cat $p/smaps_rollup 2>/dev/null || true; done > "$OUT/ns12_loop.smaps_rollup"
grep -H '' /proc/*/smaps_rollup > "$OUT/ns12_grep.smaps_rollup" 2>/dev/null || true
for p in /proc/[0-9]*; do
    n=${p#/proc/}
    mkdir -p "$OUT/ns12_tree/proc/$n" "$OUT/ns12_tree2/$n"
    cp $p/smaps $p/cmdline $p/status $p/stat "$OUT/ns12_tree/proc/$n/" 2>/dev/null || true
    cp $p/smaps $p/cmdline "$OUT/ns12_tree2/$n/" 2>/dev/null || true
done
ps -eo pid,ppid,stat,nlwp,rss,vsz,args > "$OUT/ns12_ps.txt"
kill $mapper $py $jv $nd $tiny $sl $bb32 $t32 $tl $zp 2>/dev/null || true
wait 2>/dev/null || true
SCRIPT
export TOOLS DATA MAPPER_OPTS OUT="$R"
$NS env LANG=C.UTF-8 TOOLS="$TOOLS" DATA="$DATA" MAPPER_OPTS="$MAPPER_OPTS" OUT="$R" \
    PATH=/usr/local/bin:/usr/bin:/bin bash "$DATA/multi.sh"

# ---------------------------------------------------------------- a 3000-mapping process
$NS bash -c '
hostname real-huge
mount -t tmpfs -o size=64m tmpfs /dev/shm
"$TOOLS/bin/mapper" "$DATA/huge" --threads 8 --extra-files 3000 &
pid=$!
for i in $(seq 600); do [ -e "$DATA/huge/ready" ] && break; sleep 0.1; done
cat /proc/$pid/smaps > "$OUT/mapper_3000files.smaps"
cat /proc/$pid/smaps_rollup > "$OUT/mapper_3000files.smaps_rollup"
kill $pid; wait
'

# ---------------------------------------------------------------- derived copies
cd "$R"
L=ns12_loop.smaps
gzip -9 -n -c $L > $L.gz; xz -6 -c $L > $L.xz; bzip2 -9 -c $L > $L.bz2; zstd -q -19 -c $L > $L.zst
gzip -n -c ns12_head.smaps > ns12_head.smaps.gz
zstd -q -c ns12_grep.smaps > ns12_grep.smaps.zst
cat ns12_head.smaps.gz ns12_head.smaps.gz > ns12_head_twice_concatenated_members.smaps.gz
unix2dos -q -n $L ns12_loop_crlf.smaps
unix2dos -q -n ns12_grep.smaps ns12_grep_crlf.smaps
xz -c python3_mmap_threads.smaps > python3_mmap_threads.smaps.xz
gzip -n -c mapper_3000files.smaps > mapper_3000files.smaps.gz
# truncations, each at a different kind of place
size=$(wc -c < $L)
python3 - $L <<'PY'
import sys
src = sys.argv[1]; data = open(src, 'rb').read()
def cut(name, at):
    open(name, 'wb').write(data[:at])
mid = len(data) // 2
cut('ns12_loop_truncated_mid_header.smaps', data.index(b'\n7f', mid) + 12)        # inside an address
cut('ns12_loop_truncated_mid_vmflags.smaps', data.index(b'\nVmFlags:', mid) + 14)   # inside VmFlags
cut('ns12_loop_truncated_at_record_end.smaps', data.index(b'\nVmFlags:', mid) + 1 + data[data.index(b'\nVmFlags:', mid) + 1:].index(b'\n') + 1)
cut('ns12_loop_truncated_after_sep.smaps', data.index(b'<==\n', mid) + 4)          # right after a ==> header
g = open('ns12_grep.smaps', 'rb').read()
open('ns12_grep_truncated.smaps', 'wb').write(g[: g.index(b'Pss:', len(g) * 2 // 3) + 2])
PY
head -c $(( $(wc -c < $L.gz) * 2 / 3 )) $L.gz > ns12_loop_truncated_stream.smaps.gz
head -c $(( $(wc -c < $L.xz) / 2 )) $L.xz > ns12_loop_truncated_stream.smaps.xz
head -c $(( $(wc -c < mapper_3000files.smaps) * 3 / 4 )) mapper_3000files.smaps > mapper_3000files_truncated.smaps
# misnamed
cp $L.gz customer-memory-report.log
cp $L.xz "smaps dump (copy).txt"
cp $L ns12_loop_plain_but_named.smaps.gz
cp python3_mmap_threads.smaps.xz python3_output.json

# ---------------------------------------------------------------- expected totals
exp() { # file [oracle args...]
    local f=$1; shift
    $ORACLE "$f" "$@" > "$f.expected.json"
}
for f in *.smaps *.maps *.smaps_rollup *.gz *.xz *.bz2 *.zst customer-memory-report.log "smaps dump (copy).txt" python3_output.json; do
    case "$f" in
        *truncated*) exp "$f" --complete-only --note "truncated copy: totals over complete records only" ;;
        mapper_*|python3_*|java17_*|node20*|i386_*) exp "$f" --pid "${f%%.*}" ;;
        ns12_cat_no_headers.smaps) exp "$f" --pid ALL --note "plain cat of every /proc/N/smaps with no separators: processes cannot be told apart; one key for all" ;;
        *) exp "$f" ;;
    esac
done
$ORACLE ns12_tree > ns12_tree.expected.json
$ORACLE ns12_tree2 > ns12_tree2.expected.json
$ORACLE ns12_tree --file-name cmdline > /dev/null   # (sanity: must not crash)
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "kernel: $(uname -r) ($(uname -m))"
    echo "swap: ${ZRAM:+zram$ZRAM 128M (temporary)}; mapper options: $MAPPER_OPTS"
    echo "python3: $(/usr/bin/python3 --version); java: $(java -version 2>&1 | head -1); node: $(node --version)"
    echo "zombies (inside namespace): $(cat "$DATA/zombies" 2>/dev/null | tr '\n' ' ')"
} > capture-facts.txt
echo "realdumps.sh: done in $R"
