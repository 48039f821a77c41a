"""Peak memory of `memmaps export` on a big smaps concatenation (issue 15, item 4: under 1 GB for 2 GB).

Builds (deterministically) a concatenation of --size-gb GB: the generated corpus (`generate.py`,
seed 1, 20 MB) repeated with every copy's PIDs shifted (each copy is a new set of processes), then
runs `memmaps export BIG -o OUT.FORMAT` in a fresh process for each format and reports wall time and
peak RSS (`ru_maxrss` of the child). The input and outputs live in a temporary directory (--keep
keeps them).

Usage:  .venv/bin/python benchmarks/export_memory.py [--size-gb 2] [--formats parquet,csv]
"""

from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

_BANNER = re.compile(rb"^==> /proc/(\d+)/smaps <==", re.M)


def build(path: Path, size_gb: float, tmp: Path) -> int:
    generate.generate(tmp / "g", processes=60, size_mb=20, seed=1, concat=True)
    unit = (tmp / "g" / "all.smaps").read_bytes()
    copies = max(1, int(size_gb * 1e9 / len(unit)))
    with open(path, "wb") as out:
        for k in range(copies):
            if k:
                out.write(b"\n")
            out.write(_BANNER.sub(lambda m: b"==> /proc/%d/smaps <==" % (int(m.group(1)) + k * 1_000_000), unit))
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-gb", type=float, default=2.0)
    ap.add_argument("--formats", default="parquet,csv")
    ap.add_argument("--keep", type=Path, help="build and keep the files in this directory")
    args = ap.parse_args(argv)
    exe = Path(sys.executable).parent / "memmaps"
    with tempfile.TemporaryDirectory() as t:
        tmp = args.keep or Path(t)
        tmp.mkdir(parents=True, exist_ok=True)
        big = tmp / "big.smaps"
        size = build(big, args.size_gb, tmp)
        print(f"input: {size / 1e9:.2f} GB, {big}")
        worst = 0
        for fmt in args.formats.split(","):
            out = tmp / f"out.{fmt}"
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            t0 = time.perf_counter()
            run = subprocess.run([str(exe), "export", str(big), "-o", str(out), "-q"], capture_output=True, text=True)
            secs = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kB, the largest child so far
            if run.returncode:
                print(run.stderr)
                return 1
            note = "" if peak > before else " (no higher than an earlier format's)"
            worst = max(worst, peak)
            print(f"export -o out.{fmt:8s} {secs:7.1f} s  peak RSS {peak / 1024:7.0f} MB{note}  "
                  f"output {out.stat().st_size / 1e9:.2f} GB")
    print(f"peak RSS {worst / 1024:.0f} MB ({'OK' if worst < 1024 * 1024 else 'OVER'}: target < 1024 MB)")
    return 0 if worst < 1024 * 1024 else 1


if __name__ == "__main__":
    sys.exit(main())
