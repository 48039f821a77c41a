"""Time every irregular form of a smaps concatenation against its clean twin (issue 15, item 1).

Generates a deterministic ``==>``-banner concatenation (``generate.py``, seed 1, 6.x layout) and a
capture of another kernel (4.x layout, seed 2), writes every form ``forms.py`` makes of it (cut,
CRLF, ``grep -H``, ``grep -H`` + CRLF, a ``/proc/self`` block, ``cat`` of two kernels, an odd value,
a non-UTF-8 path), and times ``analyzer.ingest.load_dataset`` on each (read, sniff, parse, conform,
classify). Runs are interleaved (clean, cut, crlf, ..., clean, cut, ...) so every form sees the
same machine load; the best of --repeat is shown. ``--exact`` also times the exact path on the
clean file (slow: about 20x).

Usage:  .venv/bin/python benchmarks/forms_speed.py [--size-mb 20] [--repeat 5] [--exact]
"""

from __future__ import annotations

import argparse
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
        best = {name: float("inf") for name in paths}
        rows = {}
        for _ in range(args.repeat):
            for name, path in paths.items():
                t0 = time.perf_counter()
                ds = load_dataset(path)
                best[name] = min(best[name], time.perf_counter() - t0)
                rows[name] = len(ds.mappings)
        if args.exact:
            from analyzer.ingest.formats.smaps import fast

            real = fast.parse
            fast.parse = lambda *a, **k: None
            try:
                t0 = time.perf_counter()
                rows["clean, exact path"] = len(load_dataset(paths["clean"]).mappings)
                best["clean, exact path"] = time.perf_counter() - t0
            finally:
                fast.parse = real

    # the same content takes more bytes in some forms: compare per clean byte (the content)
    clean_mb = len(clean) / 1e6
    base = best["clean"] / rows["clean"]
    print(f"{'form':18s} {'mappings':>9s} {'seconds':>8s} {'mappings/s':>11s} {'vs clean':>9s}")
    failed = []
    for name in best:
        per = best[name] / rows[name]
        ratio = base / per
        mark = "" if name == "clean" or ratio >= TARGET or "exact" in name else "  BELOW TARGET"
        if mark:
            failed.append(name)
        print(f"{name:18s} {rows[name]:>9,d} {best[name]:>8.3f} {rows[name] / best[name]:>11,.0f} {ratio:>8.2f}x{mark}")
    print(f"clean: {clean_mb:.1f} MB, best of {args.repeat} interleaved runs; 'vs clean' is mappings/s against "
          f"the clean form's (target >= {TARGET}x)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
