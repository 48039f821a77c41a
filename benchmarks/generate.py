"""Generate a large, realistic, deterministic smaps corpus for the benchmarks.

The corpus is a copied proc tree, laid out the way sos and smem lay it out
and the way psutil reads it (``psutil.PROCFS_PATH = "DIR/proc"``)::

    DIR/proc/stat              btime (psutil's boot_time)
    DIR/proc/PID/smaps         the kernel's smaps text, byte for byte in 6.x layout
    DIR/proc/PID/cmdline       NUL-separated arguments
    DIR/proc/PID/stat          one line, enough for psutil.Process(pid)
    DIR/proc/PID/status        Name, Pid, PPid

Records are written exactly as ``fs/proc/task_mmu.c`` prints them: header
``%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu `` padded to column 73 before
the name, keys padded to 16 columns and values right-aligned in 8 (7 for
``Private_Hugetlb``) followed by `` kB``, ``THPeligible`` without a unit,
``VmFlags`` with a trailing space. The content is modelled on a real 6.x
machine: executables and shared libraries (4-5 mappings each, with ``---p``
gaps), ``[heap]``, malloc arenas, thread stacks with guard pages,
``[anon:NAME]`` (names with ``/`` and spaces), memfd, ``/dev/shm``, SysV
shm, ``/dev/zero (deleted)``, deleted libraries, paths with spaces and an
escaped newline (``\\012``), ``[vvar]``, ``[vvar_vclock]``, ``[vdso]``,
``[stack]`` and ``[vsyscall]`` at ``ffffffffff600000``. A few processes
reserve very large address ranges (a ``Size`` wider than the 8-column field).

The same seed always gives the same bytes::

    python benchmarks/generate.py                      # benchmarks/corpus/, ~200 MB, 400 processes
    python benchmarks/generate.py --processes 40 --size-mb 10 --out /tmp/small
    python benchmarks/generate.py --concat             # also write corpus/all.smaps (==> banners)
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

KB = 1024
PAGE = 4096

# (key, width, unit): the kernel's order on 6.x (no ProtectionKey: CPU without pku).
FIELDS_6X = [
    ("Size", 8, True), ("KernelPageSize", 8, True), ("MMUPageSize", 8, True), ("Rss", 8, True),
    ("Pss", 8, True), ("Pss_Dirty", 8, True), ("Shared_Clean", 8, True), ("Shared_Dirty", 8, True),
    ("Private_Clean", 8, True), ("Private_Dirty", 8, True), ("Referenced", 8, True),
    ("Anonymous", 8, True), ("KSM", 8, True), ("LazyFree", 8, True), ("AnonHugePages", 8, True),
    ("ShmemPmdMapped", 8, True), ("FilePmdMapped", 8, True), ("Shared_Hugetlb", 8, True),
    ("Private_Hugetlb", 7, True), ("Swap", 8, True), ("SwapPss", 8, True), ("Locked", 8, True),
    ("THPeligible", 8, False),
]
# Older generations, for tests: 4.x (no Pss_Dirty/KSM/FilePmdMapped, has ProtectionKey-less THPeligible)
# and 2.6.32 (no VmFlags, few fields).
FIELDS_4X = [f for f in FIELDS_6X if f[0] not in ("Pss_Dirty", "KSM", "FilePmdMapped")]
FIELDS_26 = [(k, 8, True) for k in ("Size", "Rss", "Pss", "Shared_Clean", "Shared_Dirty", "Private_Clean",
                                    "Private_Dirty", "Referenced", "Swap", "KernelPageSize", "MMUPageSize")]
LAYOUTS = {"6.x": (FIELDS_6X, True), "4.x": (FIELDS_4X, True), "2.6": (FIELDS_26, False)}

LIBS = [
    "/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6",
    "/usr/lib/x86_64-linux-gnu/libpthread.so.0", "/usr/lib/x86_64-linux-gnu/libdl.so.2",
    "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "/usr/lib/x86_64-linux-gnu/libssl.so.3",
    "/usr/lib/x86_64-linux-gnu/libcrypto.so.3", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30",
    "/usr/lib/x86_64-linux-gnu/libgcc_s.so.1", "/usr/lib/x86_64-linux-gnu/libselinux.so.1",
    "/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0.11.2", "/usr/lib/x86_64-linux-gnu/libsystemd.so.0.35.0",
    "/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1", "/usr/lib/x86_64-linux-gnu/libzstd.so.1.5.4",
    "/usr/lib/x86_64-linux-gnu/libcap.so.2.66", "/usr/lib/x86_64-linux-gnu/libgcrypt.so.20.4.1",
    "/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2", "/usr/lib/x86_64-linux-gnu/libexpat.so.1.8.10",
    "/usr/lib/x86_64-linux-gnu/libuuid.so.1.3.0", "/usr/lib/x86_64-linux-gnu/libblkid.so.1.1.0",
    "/usr/lib/x86_64-linux-gnu/libmount.so.1.1.0", "/usr/lib/x86_64-linux-gnu/libglib-2.0.so.0.7400.6",
    "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0.8.6", "/usr/lib/x86_64-linux-gnu/libxml2.so.2.9.14",
    "/usr/lib/x86_64-linux-gnu/libicuuc.so.72.1", "/usr/lib/x86_64-linux-gnu/libicudata.so.72.1",
    "/usr/lib/x86_64-linux-gnu/libkrb5.so.3.3", "/usr/lib/x86_64-linux-gnu/libgssapi_krb5.so.2.2",
    "/usr/lib/x86_64-linux-gnu/libnss_files.so.2", "/usr/lib/x86_64-linux-gnu/libresolv.so.2",
    "/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so",
    "/usr/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjava.so",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/libnio.so",
    "/opt/My App/lib/libplugin core.so",
    "/usr/lib/postgresql/15/lib/plpgsql.so",
    "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
]
DATA_FILES = [
    "/usr/lib/locale/locale-archive", "/usr/lib/locale/C.utf8/LC_CTYPE",
    "/var/cache/fontconfig/1ac9eb803944fd9ad2c5ed0b4e4da9ef-le64.cache-7",
    "/var/lib/postgresql/15/main/base/16384/2619", "/var/lib/mysql/ibdata1",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/home/alice/My Documents/report 2024.db", "/srv/data/odd\\012name.bin",
    "/usr/lib/jvm/java-17-openjdk-amd64/lib/modules",
]
PROGRAMS = [
    ("/usr/lib/systemd/systemd", ["/sbin/init", "splash"]),
    ("/usr/sbin/sshd", ["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"]),
    ("/usr/bin/python3.11", ["/usr/bin/python3", "-m", "http.server", "8000"]),
    ("/usr/lib/jvm/java-17-openjdk-amd64/bin/java", ["java", "-Xmx4g", "-jar", "/opt/app/server.jar"]),
    ("/usr/lib/postgresql/15/bin/postgres", ["postgres: 15/main: checkpointer "]),
    ("/usr/sbin/nginx", ["nginx: worker process"]),
    ("/usr/bin/bash", ["-bash"]),
    ("/opt/My App/bin/my app", ["/opt/My App/bin/my app", "--config", "/etc/my app.conf"]),
    ("/usr/sbin/rsyslogd", ["/usr/sbin/rsyslogd", "-n", "-iNONE"]),
    ("/usr/bin/dockerd", ["/usr/bin/dockerd", "-H", "fd://"]),
]
ANON_NAMES = ["[anon:libc_malloc]", "[anon:scudo:primary]", "[anon:dalvik-main space]",
              "[anon:v8/heap old space]", "[anon:go heap/arena]", "[anon:glibc: loader malloc]"]


def vmflags(perms: str, kind: str, rng: random.Random) -> str:
    flags = []
    if perms[0] == "r":
        flags.append("rd")
    if perms[1] == "w":
        flags.append("wr")
    if perms[2] == "x":
        flags.append("ex")
    if perms[3] == "s":
        flags.append("sh")
    flags += ["mr", "mw", "me"]
    if perms[3] == "s":
        flags.append("ms")
    if kind == "stack":
        flags += ["gd", "ac"]
    elif kind in ("anon", "heap") and perms[1] == "w":
        flags.append("ac")
    if kind == "file" and perms[2] == "x":
        flags.append("dw") if rng.random() < 0.1 else None
    if kind in ("vdso", "vvar"):
        flags = ["rd", "ex", "mr", "mw", "me", "de", "sd"] if kind == "vdso" else ["rd", "mr", "pf", "io", "de", "dd", "sd"]
    if kind == "vsyscall":
        flags = ["ex"]
    if kind == "anon" and rng.random() < 0.2:
        flags.append("hg")
    if rng.random() < 0.05:
        flags.append("sd")
    return "".join(f + " " for f in flags)


class Writer:
    """Formats one process's smaps, exactly as the kernel prints it."""

    def __init__(self, rng: random.Random, layout: str = "6.x"):
        self.rng = rng
        self.fields, self.has_vmflags = LAYOUTS[layout]
        self.out: list[str] = []
        self.mappings = 0

    def record(self, start: int, end: int, perms: str, offset: int, dev: str, inode: int,
               name: str | None, kind: str) -> None:
        rng = self.rng
        head = f"{start:08x}-{end:08x} {perms} {offset:08x} {dev} {inode} "
        if name is not None:
            head = head + " " * max(0, 72 - len(head)) + " " + name
        size_kb = (end - start) // KB
        pages = size_kb // 4
        if perms.startswith("---") or kind == "vsyscall" or size_kb > 1 << 27:
            rss = 0
        elif kind in ("file", "lib"):
            rss = 4 * rng.randint(0, pages) if rng.random() < 0.8 else 0
        else:
            rss = 4 * int(pages * rng.random() ** 2)
        anon = kind in ("anon", "heap", "stack") or (kind == "lib" and perms[1] == "w")
        dirty = rss if anon else 4 * rng.randint(0, rss // 4) if perms[1] == "w" else 0
        clean = rss - dirty
        shared = rng.random() < (0.6 if kind == "lib" else 0.1)
        sharers = rng.randint(2, 40) if shared else 1
        sc, sd = (clean, dirty) if shared else (0, 0)
        pc, pd_ = (0, 0) if shared else (clean, dirty)
        pss = rss // sharers if shared else rss
        pss_dirty = dirty // sharers if shared else dirty
        swap = 4 * rng.randint(0, pages - rss // 4) if anon and rng.random() < 0.15 and pages > rss // 4 else 0
        ahp = (rss // 2048) * 2048 if kind == "anon" and rss >= 2048 and rng.random() < 0.5 else 0
        values = {
            "Size": size_kb, "KernelPageSize": 4, "MMUPageSize": 4, "Rss": rss, "Pss": pss,
            "Pss_Dirty": pss_dirty, "Shared_Clean": sc, "Shared_Dirty": sd, "Private_Clean": pc,
            "Private_Dirty": pd_, "Referenced": rss if rng.random() < 0.7 else 4 * rng.randint(0, rss // 4),
            "Anonymous": dirty if anon else 0, "KSM": 0, "LazyFree": 0, "AnonHugePages": ahp,
            "ShmemPmdMapped": 0, "FilePmdMapped": 0, "Shared_Hugetlb": 0, "Private_Hugetlb": 0,
            "Swap": swap, "SwapPss": swap, "Locked": rss if rng.random() < 0.01 else 0,
            "THPeligible": 1 if kind == "anon" and size_kb >= 2048 else 0,
        }
        lines = [head]
        for key, width, unit in self.fields:
            label = f"{key}:".ljust(16) if width == 8 else f"{key}: "
            if unit:
                lines.append(f"{label}{values[key]:>{width}} kB")
            else:
                lines.append(f"{label}{values[key]:>{width}}")
        if self.has_vmflags:
            lines.append("VmFlags: " + vmflags(perms, kind, rng))
        self.out.append("\n".join(lines) + "\n")
        self.mappings += 1

    def text(self) -> str:
        return "".join(self.out)


def process_maps(rng: random.Random, n_target: int, layout: str = "6.x") -> Writer:
    """One process's address space, roughly *n_target* mappings, in address order."""
    w = Writer(rng, layout)
    exe, _ = rng.choice(PROGRAMS)
    base = 0x55D0C8A00000 + rng.randrange(0, 1 << 28) * PAGE
    inode = rng.randint(100000, 999999)
    addr = base
    for perms, pages in (("r--p", 2), ("r-xp", rng.randint(5, 400)), ("r--p", rng.randint(2, 80)),
                         ("r--p", 1), ("rw-p", rng.randint(1, 4))):
        w.record(addr, addr + pages * PAGE, perms, addr - base, "fe:01", inode, exe, "file")
        addr += pages * PAGE
    addr += rng.randint(1, 1000) * PAGE
    heap_pages = rng.randint(33, 20000)
    w.record(addr, addr + heap_pages * PAGE, "rw-p", 0, "00:00", 0, "[heap]", "heap")
    if rng.random() < 0.05:  # a huge reservation: Size wider than the 8-column field
        big = rng.choice([1 << 35, 1 << 38, 1 << 40])
        addr = 0x600000000000 + rng.randrange(0, 1 << 20) * PAGE
        w.record(addr, addr + big, "---p", 0, "00:00", 0, None, "anon")
    addr = 0x7F1D00000000 + rng.randrange(0, 1 << 20) * PAGE
    libs = rng.sample(LIBS, k=min(len(LIBS), max(3, n_target // 60)))
    while w.mappings < n_target - 12:
        r = rng.random()
        if r < 0.30 and libs:
            lib = libs.pop() if rng.random() < 0.7 or len(libs) < 2 else libs[0]
            dev, ino = ("fe:01", rng.randint(1000, 999999)) if rng.random() < 0.95 else ("103:02", rng.randint(1, 9999))
            suffix = " (deleted)" if rng.random() < 0.03 else ""
            off = 0
            for perms, pages in (("r--p", rng.randint(1, 50)), ("r-xp", rng.randint(1, 600)),
                                 ("r--p", rng.randint(1, 100)), ("---p", rng.randint(0, 511)),
                                 ("r--p", rng.randint(1, 8)), ("rw-p", rng.randint(1, 8))):
                if pages == 0:
                    continue
                if perms == "---p":
                    w.record(addr, addr + pages * PAGE, perms, off, dev, ino, lib + suffix, "lib")
                else:
                    w.record(addr, addr + pages * PAGE, perms, off, dev, ino, lib + suffix, "lib")
                    off += pages * PAGE
                addr += pages * PAGE
            if rng.random() < 0.5:
                pages = rng.randint(1, 4)
                w.record(addr, addr + pages * PAGE, "rw-p", 0, "00:00", 0, None, "anon")
                addr += pages * PAGE
        elif r < 0.55:  # thread stack: guard page + stack, often named
            w.record(addr, addr + PAGE, "---p", 0, "00:00", 0, None, "anon")
            addr += PAGE
            pages = rng.choice([256, 2048])
            name = rng.choice(ANON_NAMES) if rng.random() < 0.2 else None
            w.record(addr, addr + pages * PAGE, "rw-p", 0, "00:00", 0, name, "stack")
            addr += pages * PAGE
        elif r < 0.80:  # malloc arena: rw + reserved tail
            pages = rng.randint(33, 16384)
            w.record(addr, addr + pages * PAGE, "rw-p", 0, "00:00", 0, None, "anon")
            addr += pages * PAGE
            tail = 16384 - pages if pages < 16384 else 1
            w.record(addr, addr + tail * PAGE, "---p", 0, "00:00", 0, None, "anon")
            addr += tail * PAGE
        elif r < 0.90:
            pages = rng.randint(1, 4096)
            name = rng.choice(DATA_FILES)
            perms = "r--s" if rng.random() < 0.3 else "r--p"
            w.record(addr, addr + pages * PAGE, perms, rng.randint(0, 100) * PAGE, "fe:01",
                     rng.randint(1000, 9999999), name, "file")
            addr += pages * PAGE
        else:
            pages = rng.randint(1, 8192)
            name, perms, ino = rng.choice([
                ("/memfd:wayland-shm (deleted)", "rw-s", rng.randint(1, 99999)),
                ("/dev/shm/pulse-shm-1234567", "rw-s", rng.randint(1, 99999)),
                ("/SYSV0000abcd (deleted)", "rw-s", rng.randint(1, 99999)),
                ("/dev/zero (deleted)", "rw-s", rng.randint(1, 99999)),
                ("/memfd:jit-cache (deleted)", "r-xs", rng.randint(1, 99999)),
                ("[anon_shmem:shared state]", "rw-s", 0),
                ("/anon_hugepage (deleted)", "rw-s", rng.randint(1, 99999)),
            ])
            dev = "00:01" if ino else "00:00"
            w.record(addr, addr + pages * PAGE, perms, 0, dev, ino, name, "anon" if ino == 0 else "file")
            addr += pages * PAGE
        addr += rng.choice([0, 0, PAGE, 16 * PAGE])
    for name, pages in (("[vvar]", 4), ("[vvar_vclock]", 2), ("[vdso]", 2)):
        kind = "vdso" if name == "[vdso]" else "vvar"
        w.record(addr, addr + pages * PAGE, "r-xp" if kind == "vdso" else "r--p", 0, "00:00", 0, name, kind)
        addr += pages * PAGE
    stack = 0x7FFF8CD79000 + rng.randrange(0, 1 << 16) * PAGE
    w.record(stack, stack + 33 * PAGE, "rw-p", 0, "00:00", 0, "[stack]", "stack")
    w.record(0xFFFFFFFFFF600000, 0xFFFFFFFFFF601000, "--xp", 0, "00:00", 0, "[vsyscall]", "vsyscall")
    return w


def stat_line(pid: int, comm: str, ppid: int, starttime: int, vsize: int, rss_pages: int) -> str:
    fields = ["S", ppid, pid, pid, 0, -1, 4194560, 100, 0, 0, 0, 10, 5, 0, 0, 20, 0, 1, 0, starttime,
              vsize, rss_pages, 18446744073709551615, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 0,
              0, 0, 0, 0, 0, 0, 0, 0]
    return f"{pid} ({comm[:15]}) " + " ".join(str(f) for f in fields) + "\n"


def generate(out: Path, processes: int = 400, size_mb: float = 200, seed: int = 1,
             layout: str = "6.x", concat: bool = False) -> dict:
    """Write the proc tree under *out*/proc; returns totals (bytes, processes, mappings)."""
    rng = random.Random(seed)
    proc = out / "proc"
    proc.mkdir(parents=True, exist_ok=True)
    (proc / "stat").write_text("cpu  1 0 1 1 0 0 0 0 0 0\nbtime 1764000000\nprocesses 1000\n")
    per_mapping = 730 if layout != "2.6" else 420  # bytes per record, measured
    total_mappings = int(size_mb * 1e6 / per_mapping)
    weights = [rng.lognormvariate(0, 1.0) for _ in range(processes)]
    scale = total_mappings / sum(weights)
    pids = sorted(rng.sample(range(2, 400000), processes))
    concat_handle = open(out / "all.smaps", "w", encoding="utf-8", newline="\n") if concat else None
    total_bytes = total_maps = 0
    try:
        for i, pid in enumerate(pids):
            n = max(20, int(weights[i] * scale))
            w = process_maps(rng, n, layout)
            text = w.text()
            d = proc / str(pid)
            d.mkdir(exist_ok=True)
            (d / "smaps").write_text(text, encoding="utf-8", newline="\n")
            exe, argv = PROGRAMS[pid % len(PROGRAMS)]
            (d / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
            comm = exe.rsplit("/", 1)[-1]
            (d / "stat").write_text(stat_line(pid, comm, 1, 100 + i, 10**8, 1000))
            (d / "status").write_text(f"Name:\t{comm[:15]}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{pid}\n"
                                      f"Pid:\t{pid}\nPPid:\t1\n")
            if concat_handle is not None:
                if i:
                    concat_handle.write("\n")
                concat_handle.write(f"==> /proc/{pid}/smaps <==\n")
                concat_handle.write(text)
            total_bytes += len(text.encode())
            total_maps += w.mappings
    finally:
        if concat_handle is not None:
            concat_handle.close()
    return {"bytes": total_bytes, "processes": processes, "mappings": total_maps, "pids": pids}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "corpus")
    ap.add_argument("--processes", type=int, default=400)
    ap.add_argument("--size-mb", type=float, default=200, help="approximate total smaps size (default 200)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--layout", choices=sorted(LAYOUTS), default="6.x", help="kernel generation of the fields")
    ap.add_argument("--concat", action="store_true", help="also write OUT/all.smaps: every process, `==>` banners")
    args = ap.parse_args(argv)
    if (args.out / "proc").exists() and any((args.out / "proc").iterdir()):
        print(f"{args.out}/proc exists: remove it first (the corpus is regenerated, never appended to)",
              file=sys.stderr)
        return 1
    totals = generate(args.out, args.processes, args.size_mb, args.seed, args.layout, args.concat)
    print(f"{args.out}: {totals['processes']} processes, {totals['mappings']} mappings, "
          f"{totals['bytes'] / 1e6:.1f} MB of smaps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
