"""Time every irregular form of a smaps concatenation against its clean twin (issue 15, item 1).

Generates a deterministic ``==>``-banner concatenation (``generate.py``, seed 1, 6.x layout) and a
capture of another kernel (4.x layout, seed 2), writes every form ``forms.py`` makes of it (cut,
CRLF, ``grep -H``, ``grep -H`` + CRLF, a ``/proc/self`` block, ``cat`` of two kernels, an odd value,
a non-UTF-8 path), and times ``analyzer.ingest.load_dataset`` on each (read, sniff, parse, conform,
classify), and psutil (``Process(pid).memory_maps(grouped=False)`` for every PID of the same
content laid out as a proc tree, ``psutil.PROCFS_PATH`` pointed at it, as ``run.py`` runs it). Runs
are interleaved (clean, cut, crlf, ..., psutil, clean, cut, ...) so every contender sees the same
machine load; the best of --repeat is shown, wall and CPU (user+sys) seconds, with the load average.
"vs clean" is each form's mappings/s against the clean form's (target >= 0.77x), "vs psutil" against
psutil's. ``--exact`` also times the exact path on the clean file (slow: about 20x).

Usage:  .venv/bin/python benchmarks/forms_speed.py [--size-mb 20] [--repeat 5] [--exact]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import forms  # noqa: E402
import generate  # noqa: E402

TARGET = 0.77  # speed of a form against its clean twin, per byte of the clean content


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, default=20)
    ap.add_argument("--processes", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--exact", action="store_true", help="also time the exact path on the clean file")
    args = ap.parse_args(argv)

    from analyzer.ingest import load_dataset

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        generate.generate(tmp / "new", processes=args.processes, size_mb=args.size_mb, seed=1, concat=True)
        generate.generate(tmp / "old", processes=max(2, args.processes // 10), size_mb=args.size_mb / 10,
                          seed=2, layout="4.x", concat=True)
        clean = (tmp / "new" / "all.smaps").read_bytes()
        variants = forms.forms(clean, (tmp / "old" / "all.smaps").read_bytes())
        paths = {}
        for name, data in variants.items():
            paths[name] = tmp / f"{name}.smaps"
            paths[name].write_bytes(data)
        proc = tmp / "new" / "proc"
        pids = sorted(int(p.name) for p in proc.iterdir() if p.name.isdigit())
        import psutil

        psutil.PROCFS_PATH = str(proc)

        def run_psutil() -> int:
            return sum(len(psutil.Process(pid).memory_maps(grouped=False)) for pid in pids)

        contenders = {name: (lambda path=path: len(load_dataset(path).mappings)) for name, path in paths.items()}
        contenders["psutil"] = run_psutil
        best = {name: float("inf") for name in contenders}
        cpu = dict(best)
        rows = {}
        for _ in range(args.repeat):
            for name, run in contenders.items():
                c0, t0 = time.process_time(), time.perf_counter()
                rows[name] = run()
                t1, c1 = time.perf_counter(), time.process_time()
                best[name] = min(best[name], t1 - t0)
                cpu[name] = min(cpu[name], c1 - c0)
        if args.exact:
            from analyzer.ingest.formats.smaps import fastblocks

            real = fastblocks.parse
            fastblocks.parse = lambda *a, **k: None
            try:
                c0, t0 = time.process_time(), time.perf_counter()
                rows["clean, exact path"] = len(load_dataset(paths["clean"]).mappings)
                best["clean, exact path"] = time.perf_counter() - t0
                cpu["clean, exact path"] = time.process_time() - c0
            finally:
                fastblocks.parse = real

    # the same content takes more bytes in some forms: compare per clean byte (the content)
    clean_mb = len(clean) / 1e6
    base = best["clean"] / rows["clean"]
    ps = best["psutil"] / rows["psutil"]
    print(f"{'form':18s} {'mappings':>9s} {'seconds':>8s} {'cpu s':>7s} {'mappings/s':>11s} {'vs clean':>9s} "
          f"{'vs psutil':>10s}")
    failed = []
    for name in best:
        per = best[name] / rows[name]
        ratio = base / per
        mark = "" if name in ("clean", "psutil") or ratio >= TARGET or "exact" in name else "  BELOW TARGET"
        if mark:
            failed.append(name)
        print(f"{name:18s} {rows[name]:>9,d} {best[name]:>8.3f} {cpu[name]:>7.3f} {rows[name] / best[name]:>11,.0f} "
              f"{ratio:>8.2f}x {ps / per:>9.2f}x{mark}")
    print(f"clean: {clean_mb:.1f} MB, best of {args.repeat} interleaved runs; 'vs clean' is mappings/s against "
          f"the clean form's (target >= {TARGET}x), 'vs psutil' against psutil's on the same content as a proc "
          f"tree; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
