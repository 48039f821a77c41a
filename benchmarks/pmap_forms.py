"""Time real procps-ng 4.0.2 pmap output (default, -x, -X, -XX, -d) against smaps, per mapping (issue 15, item 2).

``real/pmap-4.0.2/`` holds one real capture (``capture.sh``: 30 processes started in fresh
namespaces, each pmap mode run over all of them, and their ``/proc/PID/smaps`` at the same time).
This script repeats each file --copies times with the PIDs renumbered (every copy is a new set of
processes: ``N:`` lines and ``==> /proc/N/smaps <==`` banners shifted), and times
``analyzer.ingest.load_dataset`` on each, interleaved, best of --repeat. It prints mappings per
second and the ratio against the smaps of the same processes (target >= 0.5x), and against psutil
reading the same smaps laid out as a proc tree (``PID/smaps`` + ``PID/stat``, as ``generate.py``
writes them; ``psutil.Process(pid).memory_maps(grouped=False)`` for every PID, timed interleaved
with the others in the same process).

Usage:  .venv/bin/python benchmarks/pmap_forms.py [--copies 400] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import tempfile
import time
from pathlib import Path

REAL = Path(__file__).resolve().parent / "real" / "pmap-4.0.2"
FORMS = ["smaps", "pmap-default", "pmap-x", "pmap-d", "pmap-X", "pmap-XX"]
TARGET = 0.5
_PID_LINE = re.compile(rb"^(\d+):", re.M)
_BANNER = re.compile(rb"^==> /proc/(\d+)/smaps <==", re.M)


def capture(form: str) -> bytes:
    name = "smaps.txt.gz" if form == "smaps" else f"{form}.txt.gz"
    return gzip.decompress((REAL / name).read_bytes())


def copies(data: bytes, n: int, form: str) -> bytes:
    """*n* copies of a capture, the PIDs of copy k shifted by k * 100000 (so each is a new process)."""
    pattern = _BANNER if form == "smaps" else _PID_LINE
    out = []
    for k in range(n):
        shift = k * 100000
        if form == "smaps":
            out.append(pattern.sub(lambda m: b"==> /proc/%d/smaps <==" % (int(m.group(1)) + shift), data))
        else:
            out.append(pattern.sub(lambda m: b"%d:" % (int(m.group(1)) + shift), data))
    return b"".join(out)


def proc_tree(smaps: bytes, root: Path) -> list[int]:
    """The blocks of a banner concatenation as ``root/proc/PID/smaps`` (+ the ``stat`` files psutil
    needs to make a Process); the PIDs."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import generate

    proc = root / "proc"
    proc.mkdir(parents=True)
    (proc / "stat").write_text("cpu  1 0 1 1 0 0 0 0 0 0\nbtime 1764000000\nprocesses 1000\n")
    heads = list(_BANNER.finditer(smaps))
    pids = []
    for m, nxt in zip(heads, heads[1:] + [None]):
        pid = int(m.group(1))
        body = smaps[smaps.index(b"\n", m.end()) + 1 : nxt.start() if nxt else len(smaps)]
        (proc / str(pid)).mkdir()
        (proc / str(pid) / "smaps").write_bytes(body)
        (proc / str(pid) / "stat").write_text(generate.stat_line(pid, "proc", 1, 100, 0, 0))
        pids.append(pid)
    return pids


def psutil_maps(proc: Path, pids: list[int]) -> int:
    """psutil's mappings of every PID of the tree (its PROCFS_PATH pointed at *proc*)."""
    import psutil

    psutil.PROCFS_PATH = str(proc)
    return sum(len(psutil.Process(pid).memory_maps(grouped=False)) for pid in pids)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--forms", default=",".join(FORMS))
    args = ap.parse_args(argv)
    from analyzer.ingest import load_dataset

    names = args.forms.split(",")
    best, rows, sizes = {}, {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for form in names:
            paths[form] = Path(tmp) / f"{form}.txt"
            paths[form].write_bytes(copies(capture(form), args.copies, form))
            sizes[form] = paths[form].stat().st_size
        pids = proc_tree(copies(capture("smaps"), args.copies, "smaps"), Path(tmp) / "tree")
        for _ in range(args.repeat):
            for form in names + ["psutil"]:
                t0 = time.perf_counter()
                n = psutil_maps(Path(tmp) / "tree" / "proc", pids) if form == "psutil" else len(
                    load_dataset(paths[form]).mappings)
                best[form] = min(best.get(form, float("inf")), time.perf_counter() - t0)
                rows[form] = n
    ref = rows["smaps"] / best["smaps"] if "smaps" in best else None
    ps_rate = rows["psutil"] / best["psutil"]
    print(f"{'form':13s} {'mappings':>9s} {'MB':>7s} {'seconds':>8s} {'mappings/s':>11s} {'vs smaps':>9s} "
          f"{'vs psutil':>9s}")
    low = False
    for form in names + ["psutil"]:
        rate = rows[form] / best[form]
        ratio = rate / ref if ref else float("nan")
        mark = "  BELOW TARGET" if form not in ("smaps", "psutil") and ref and ratio < TARGET else ""
        low = low or bool(mark)
        size = f"{sizes[form] / 1e6:>7.1f}" if form in sizes else f"{'(tree)':>7s}"
        print(f"{form:13s} {rows[form]:>9,d} {size} {best[form]:>8.2f} {rate:>11,.0f} "
              f"{ratio:>8.2f}x {rate / ps_rate:>8.2f}x{mark}")
    print(f"{args.copies} copies of a real capture of 30 processes; best of {args.repeat} interleaved runs")
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
