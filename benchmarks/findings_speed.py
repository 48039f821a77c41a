"""How long ``analyzer.findings.findings`` takes beside loading the same input.

    .venv/bin/python benchmarks/generate.py             # benchmarks/corpus/ (400 processes, 271,177 mappings)
    .venv/bin/python benchmarks/findings_speed.py [INPUT] [--repeat N]

Prints the load time, the findings time (fastest of N) and what was found.
Target: findings take under a quarter of the load time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import analyzer
from analyzer.findings import findings


def main() -> None:
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", default=str(here / "corpus" / "proc"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    t = time.perf_counter()
    ds = analyzer.load_dataset(args.input)
    load = time.perf_counter() - t
    best = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        found = findings(ds)
        best = min(best, time.perf_counter() - t)
    print(f"{args.input}: {len(ds.processes):,} processes, {len(ds.mappings):,} mappings")
    print(f"load {load:.2f} s; findings {best:.2f} s (fastest of {args.repeat}), {best / load:.0%} of the load")
    print(found.groupby(["rule", "severity"]).size().to_string() if len(found) else "no findings")


if __name__ == "__main__":
    main()
