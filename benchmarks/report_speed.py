"""How long `memmaps report` takes on a large capture, beyond loading it.

Builds a deterministic synthetic mappings table (default: 3,000 processes,
100 mappings each = 300,000 mappings, with real-looking paths, kinds and
long command lines), or loads a real input (``--input``, e.g. the
concatenated smaps of ``benchmarks/generate.py --concat``), then times
building the report and writing the PDF, the HTML and every chart as PNG.
With ``--cli`` it also runs the real command end to end (load included),
once per output, in a fresh process. Prints one line per step.

    .venv/bin/python benchmarks/report_speed.py [--processes 3000] [--mappings 100]
    .venv/bin/python benchmarks/generate.py --out /tmp/rcorpus --processes 3000 --size-mb 300 --concat
    .venv/bin/python benchmarks/report_speed.py --input /tmp/rcorpus/all.smaps --cli
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analyzer import schema
from analyzer.classify import classify
from analyzer.dataset import Dataset, InputReport
from analyzer.report.document import build
from analyzer.report.writers import write_html, write_pdf, write_pngs

LIBS = [f"/usr/lib/x86_64-linux-gnu/lib{n}.so.{v}" for n, v in
        [("c", 6), ("m", 6), ("ssl", 3), ("crypto", 3), ("stdc++", 6), ("z", 1), ("pthread", 0), ("ffi", 8),
         ("python3.11", "1.0"), ("LLVM-15", 1), ("icudata", 72), ("gtk-3", 0), ("glib-2.0", 0), ("xml2", 2)]]


def synthetic(n_proc: int, per: int, seed: int = 42) -> Dataset:
    rng = np.random.default_rng(seed)
    n = n_proc * per
    pid = np.repeat(np.arange(1000, 1000 + n_proc), per)
    choice = rng.integers(0, 10, n)
    paths = np.empty(n, dtype=object)
    paths[:] = None
    lib = rng.integers(0, len(LIBS), n)
    paths[choice < 5] = np.array(LIBS, dtype=object)[lib[choice < 5]]
    paths[choice == 5] = "[heap]"
    paths[choice == 6] = np.array([f"/var/lib/app/data-{i % 500}.db" for i in range(n)], dtype=object)[choice == 6]
    perms = np.where(choice < 3, "r-xp", np.where(choice == 9, "---p", "rw-p"))
    size = (2 ** rng.integers(0, 16, n)) * 4096
    start = np.cumsum(size + 4096 * rng.integers(0, 3, n)).astype("uint64") + np.uint64(0x400000)
    rss = np.where(perms == "---p", 0, size // rng.integers(1, 4, n))
    pss = rss // np.where(choice < 5, 8, 1)
    priv = np.where(choice < 5, 0, rss)
    commands = [f"/opt/service-{p % 37}/bin/worker --config /etc/service/{'very-long-option-' * 8}{p} --threads 64"
                for p in range(1000, 1000 + n_proc)]
    frame = classify(schema.conform(pd.DataFrame({
        "host": "bench-host", "pid": pid, "command": np.repeat(np.array(commands, dtype=object), per),
        "source": "synthetic.smaps", "source_format": "smaps", "start": start, "end": start + size.astype("uint64"),
        "size": size, "perms": perms, "path": paths, "deleted": False, "rss": rss, "pss": pss,
        "private_clean": 0, "private_dirty": priv, "shared_clean": rss - priv, "shared_dirty": 0, "swap": 0})))
    procs = pd.DataFrame({"host": "bench-host", "pid": np.arange(1000, 1000 + n_proc), "command": commands,
                          "source": "synthetic.smaps", "source_format": "smaps", "mappings": per, "partial": False})
    return Dataset(frame, procs, pd.DataFrame([{"host": "bench-host"}]),
                   [InputReport("synthetic.smaps", ["smaps"], n_proc, n)], [])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--processes", type=int, default=3000)
    ap.add_argument("--mappings", type=int, default=100, help="mappings per process")
    ap.add_argument("--input", type=Path, help="load this input instead of building a synthetic table")
    ap.add_argument("--cli", action="store_true", help="also time `memmaps report INPUT` end to end (needs --input)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.input:
        from analyzer.ingest import load_dataset

        ds = load_dataset(args.input)
        what = f"loaded {args.input}"
    else:
        ds = synthetic(args.processes, args.mappings)
        what = "synthetic table"
    t1 = time.perf_counter()
    print(f"{what}: {len(ds.processes):,} processes, {len(ds.mappings):,} mappings ({t1 - t0:.1f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        report = build(ds)
        print(f"build report:   {time.perf_counter() - t:6.2f} s")
        t = time.perf_counter()
        pages = write_pdf(report, tmp / "r.pdf")
        print(f"write PDF:      {time.perf_counter() - t:6.2f} s  ({pages} pages, {(tmp / 'r.pdf').stat().st_size / 1e6:.1f} MB)")
        t = time.perf_counter()
        write_html(report, tmp / "r.html")
        print(f"write HTML:     {time.perf_counter() - t:6.2f} s  ({(tmp / 'r.html').stat().st_size / 1e6:.1f} MB)")
        t = time.perf_counter()
        n = len(write_pngs(report, tmp / "png"))
        print(f"write {n} PNGs:  {time.perf_counter() - t:6.2f} s")
        print(f"total:          {time.perf_counter() - t1:6.2f} s")
        if args.cli and args.input:
            memmaps = [sys.executable, "-m", "analyzer"]
            for out in (["-o", str(tmp / "c.pdf")], ["-o", str(tmp / "c.html")], ["--png-dir", str(tmp / "cpng")]):
                t = time.perf_counter()
                subprocess.run(memmaps + ["report", str(args.input), *out, "--quiet"], check=True)
                shown = " ".join(o if o.startswith("-") else Path(o).name for o in out)
                print(f"memmaps report {shown:16s} {time.perf_counter() - t:6.2f} s  (end to end, load included)")


if __name__ == "__main__":
    main()
