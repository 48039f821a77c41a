"""Time pmap -X ingest against smaps ingest of the same mappings.

Generates, deterministically, N processes with M mappings each, written twice:
as ``pmap -X`` output (procps-ng 4.0.2's layout: per-process column widths,
``====`` underline, ``KB`` totals row) and as concatenated ``/proc/PID/smaps``
(``==> /proc/N/smaps <==`` banners). Both go through the full
``analyzer.load_dataset`` path (read, sniff, parse, conform, classify) and
the script prints MB/s and mappings/s for each, best of --repeat runs.

Usage:  .venv/bin/python benchmarks/pmap_speed.py [--processes 200] [--mappings 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

FIELDS = ["Size", "Rss", "Pss", "Pss_Dirty", "Referenced", "Anonymous", "KSM", "LazyFree", "ShmemPmdMapped",
          "FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss", "Locked", "THPeligible"]
SMAPS_ORDER = ["Size", "KernelPageSize", "MMUPageSize", "Rss", "Pss", "Pss_Dirty", "Shared_Clean", "Shared_Dirty",
               "Private_Clean", "Private_Dirty", "Referenced", "Anonymous", "KSM", "LazyFree", "AnonHugePages",
               "ShmemPmdMapped", "FilePmdMapped", "Shared_Hugetlb", "Private_Hugetlb", "Swap", "SwapPss", "Locked",
               "THPeligible"]
LIBS = ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libm.so.6",
        "/usr/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/locale/locale-archive", "/usr/bin/java",
        "/opt/app/lib/libjvm.so", "", "", "", "[heap]", "/dev/shm/app cache"]


def generate(processes: int, mappings: int, seed: int = 42) -> list[dict]:
    """The processes: PID, command, and their mappings with smaps values in kB."""
    rnd = random.Random(seed)
    out = []
    for i in range(processes):
        pid = 1000 + i
        addr = 0x55D0C8A00000 + rnd.randrange(0, 1 << 20) * 4096
        maps = []
        for j in range(mappings):
            size = 4 * rnd.choice([1, 1, 2, 3, 8, 33, 256, 512, 2048])
            rss = 4 * rnd.randrange(0, size // 4 + 1)
            pss = rss // rnd.choice([1, 1, 2, 4])
            dirty = 4 * rnd.randrange(0, rss // 4 + 1)
            name = rnd.choice(LIBS)
            perms = rnd.choice(["r--p", "r-xp", "rw-p", "---p", "rw-s"])
            vals = {k: 0 for k in SMAPS_ORDER}
            vals.update(Size=size, KernelPageSize=4, MMUPageSize=4, Rss=rss, Pss=pss, Pss_Dirty=min(pss, dirty),
                        Private_Clean=rss - dirty, Private_Dirty=dirty, Referenced=rss,
                        Anonymous=dirty if not name.startswith("/") else 0, Swap=rnd.choice([0, 0, 0, 4]),
                        THPeligible=rnd.choice([0, 1]))
            inode = 0 if not name.startswith("/") else 100000 + LIBS.index(name)
            maps.append(dict(start=addr, end=addr + size * 1024, perms=perms, offset=0, dev="fe:00" if inode else "00:00",
                             inode=inode, name=name, vals=vals))
            addr += size * 1024 + 4096 * rnd.randrange(0, 4)
        out.append(dict(pid=pid, command=f"/usr/bin/java -Xmx2g -jar app{i}.jar", maps=maps))
    return out


def pmap_x_text(procs: list[dict]) -> str:
    """procps-ng 4.0.2 ``pmap -X PID...`` output for *procs*."""
    lines = []
    for p in procs:
        lines.append(f"{p['pid']}:   {p['command']}")
        rows = p["maps"]
        ident = [[f"{m['start']:x}", m["perms"], f"{m['offset']:08x}", m["dev"], str(m["inode"])] for m in rows]
        totals = {k: sum(m["vals"][k] for m in rows) for k in FIELDS}
        wid = [max(len(h), *(len(r[i]) for r in ident)) for i, h in enumerate(["Address", "Perm", "Offset", "Device", "Inode"])]
        fw = [max(len(k), len(str(totals[k])), *(len(str(m["vals"][k])) for m in rows)) for k in FIELDS]
        head = " ".join(h.rjust(w) for h, w in zip(["Address", "Perm", "Offset", "Device", "Inode"], wid))
        lines.append(head + " " + " ".join(k.rjust(w) for k, w in zip(FIELDS, fw)) + " Mapping")
        for m, idr in zip(rows, ident):
            cells = " ".join(c.rjust(w) for c, w in zip(idr, wid)) + " "
            cells += " ".join(str(m["vals"][k]).rjust(w) for k, w in zip(FIELDS, fw))
            name = m["name"].rsplit("/", 1)[-1]
            lines.append(cells + " " + name)
        gap = " " * (sum(wid) + len(wid))
        lines.append(gap + "".join("=" * w + " " for w in fw))
        lines.append(gap + "".join(str(totals[k]).rjust(w) + " " for k, w in zip(FIELDS, fw)) + "KB ")
    return "\n".join(lines) + "\n"


def smaps_text(procs: list[dict]) -> str:
    """The same processes as concatenated /proc/PID/smaps."""
    out = []
    for p in procs:
        out.append(f"==> /proc/{p['pid']}/smaps <==")
        for m in p["maps"]:
            out.append(f"{m['start']:08x}-{m['end']:08x} {m['perms']} {m['offset']:08x} {m['dev']} {m['inode']:<26d} "
                       f"{m['name']}".rstrip() if m["name"] else
                       f"{m['start']:08x}-{m['end']:08x} {m['perms']} {m['offset']:08x} {m['dev']} {m['inode']}")
            for k in SMAPS_ORDER:
                v = m["vals"][k]
                out.append(f"THPeligible:    {v}" if k == "THPeligible" else f"{k + ':':<16}{v:>8} kB")
            out.append("VmFlags: rd wr mr mw me ac sd")
    return "\n".join(out) + "\n"


def best(path: Path, repeat: int) -> tuple[float, int]:
    from analyzer.ingest import load_dataset

    times, n = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        ds = load_dataset(path)
        times.append(time.perf_counter() - t0)
        n = len(ds.mappings)
    return min(times), n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=200)
    ap.add_argument("--mappings", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    procs = generate(args.processes, args.mappings)
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for label, text in (("pmap -X", pmap_x_text(procs)), ("smaps", smaps_text(procs))):
            path = Path(tmp) / label.replace(" ", "")
            path.write_text(text)
            secs, n = best(path, args.repeat)
            size = path.stat().st_size
            results[label] = n / secs
            print(f"{label:8s} {n:>9,d} mappings {size / 1e6:8.1f} MB  {secs:6.2f} s  "
                  f"{size / 1e6 / secs:7.1f} MB/s  {n / secs:>11,.0f} mappings/s")
    ratio = results["pmap -X"] / results["smaps"]
    print(f"pmap -X / smaps, per mapping: {ratio:.2f}x ({'OK' if ratio >= 1 else 'SLOWER'}: target >= 1x)")


if __name__ == "__main__":
    main()
