"""Time smaps ingest: memmaps against psutil and a plain line-by-line parser.

Every contender runs in its own fresh Python process, so its peak RSS
(``ru_maxrss`` of that process) is its own; the clock covers the work only
(reading and parsing every process's smaps into a table or list), not the
interpreter start or imports. Files are read once beforehand so every
contender finds them in the page cache.

Contenders, all over the same generated proc tree (``benchmarks/generate.py``):

- ``memmaps``: ``analyzer.load(CORPUS/proc)``, the whole loader (tree walk,
  parse, conform, concat, classify) into the schema DataFrame;
- ``memmaps-exact``: the same with the vectorised path switched off (what
  memmaps costs without it);
- ``memmaps-concat``: ``analyzer.load(CORPUS/all.smaps)``, every process in
  one file with ``==>`` banners (when the corpus has it: ``generate.py --concat``);
- ``psutil``: ``psutil.Process(pid).memory_maps(grouped=False)`` for every
  PID, with ``psutil.PROCFS_PATH = CORPUS/proc``, results kept in a list;
- ``plain``: a straightforward line-by-line parser (split each line, one dict
  per mapping), results kept in a list.

Usage::

    python benchmarks/generate.py --concat   # once: benchmarks/corpus/, ~200 MB
    python benchmarks/run.py                 # prints the table
    python benchmarks/run.py --only memmaps psutil --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONTENDERS = ["memmaps", "memmaps-exact", "memmaps-concat", "memmaps-pmapX", "psutil", "plain"]
PMAP_X = "all.pmap-X.txt"  # pmap -X text of as many mappings as the corpus (made on first use)


def plain_parse(path: str) -> list[dict]:
    """The obvious parser: one dict per mapping, ints for every ``kB`` field."""
    rows: list[dict] = []
    current: dict | None = None
    with open(path, encoding="utf-8", errors="backslashreplace") as f:
        for line in f:
            parts = line.split(None, 5)
            if not parts:
                continue
            if parts[0].endswith(":"):
                key = parts[0][:-1]
                if key == "VmFlags":
                    current["VmFlags"] = " ".join(parts[1:])
                else:
                    current[key] = int(parts[1]) * (1024 if len(parts) > 2 else 1)
            else:
                start, end = parts[0].split("-")
                current = {"start": int(start, 16), "end": int(end, 16), "perms": parts[1],
                           "offset": int(parts[2], 16), "dev": parts[3], "inode": int(parts[4]),
                           "path": parts[5].rstrip("\n") if len(parts) > 5 else None}
                rows.append(current)
    return rows


def _pids(proc: Path) -> list[int]:
    return sorted(int(p.name) for p in proc.iterdir() if p.name.isdigit())


def child(name: str, corpus: Path) -> dict:
    """Run one contender in this (fresh) process; return its measures."""
    proc = corpus / "proc"
    if name.startswith("memmaps"):
        import analyzer
        from analyzer.ingest.formats.smaps import fastblocks

        if name == "memmaps-exact":
            fastblocks.parse = lambda data, ctx, name=None: None  # the exact path only
        target = {"memmaps-concat": corpus / "all.smaps", "memmaps-pmapX": corpus / PMAP_X}.get(name, proc)
        c0, t0 = time.process_time(), time.perf_counter()
        frame = analyzer.load(target)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        mappings = len(frame)
    elif name == "psutil":
        import psutil

        psutil.PROCFS_PATH = str(proc)
        pids = _pids(proc)
        c0, t0 = time.process_time(), time.perf_counter()
        result = [psutil.Process(pid).memory_maps(grouped=False) for pid in pids]
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        mappings = sum(len(r) for r in result)
    elif name == "plain":
        pids = _pids(proc)
        c0, t0 = time.process_time(), time.perf_counter()
        result = [plain_parse(str(proc / str(pid) / "smaps")) for pid in pids]
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        mappings = sum(len(r) for r in result)
    else:
        raise SystemExit(f"unknown contender {name!r}")
    return {"name": name, "seconds": seconds, "cpu": cpu, "mappings": mappings,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(name: str, corpus: Path) -> dict:
    """Run contender *name* (``NAME@DIR``: memmaps from the source tree DIR) in a fresh process."""
    base, _, code = name.partition("@")
    env = dict(os.environ, PYTHONPATH=(code or str(HERE.parent)) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, __file__, "--child", base, "--corpus", str(corpus)],
                         capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["name"] = name
    return result


def make_pmap_x(corpus: Path) -> Path:
    """procps-ng 4.0.2 ``pmap -X`` text with the corpus's number of processes and mappings
    (benchmarks/pmap_speed.py's generator), so pmap ingest is timed per mapping beside smaps."""
    out = corpus / PMAP_X
    if not out.exists():
        sys.path.insert(0, str(HERE))
        import pmap_speed

        procs = [p for p in (corpus / "proc").iterdir() if p.name.isdigit()]
        mappings = sum((p / "smaps").read_bytes().count(b"\nVmFlags") for p in procs)
        out.write_text(pmap_speed.pmap_x_text(pmap_speed.generate(len(procs), max(1, mappings // len(procs)))))
    return out


def corpus_bytes(corpus: Path) -> int:
    return sum((p / "smaps").stat().st_size for p in (corpus / "proc").iterdir() if p.name.isdigit())


def warm(corpus: Path) -> None:
    for p in (corpus / "proc").iterdir():
        if p.name.isdigit():
            (p / "smaps").read_bytes()
    if (corpus / "all.smaps").exists():
        (corpus / "all.smaps").read_bytes()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=HERE / "corpus")
    ap.add_argument("--only", nargs="+", choices=CONTENDERS, help="run only these contenders")
    ap.add_argument("--repeat", type=int, default=1, help="rounds (every contender once per round, interleaved); "
                    "the fastest run of each is shown")
    ap.add_argument("--baseline", metavar="DIR", help="also run the memmaps contenders from the source tree DIR "
                    "(e.g. a `git archive` of an older commit), shown as NAME@DIR")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--make-pmap-x", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.corpus)))
        return 0
    if args.make_pmap_x:
        make_pmap_x(args.corpus)
        return 0
    if not (args.corpus / "proc").is_dir():
        print(f"{args.corpus}/proc not found: run `python benchmarks/generate.py` first", file=sys.stderr)
        return 1
    size = corpus_bytes(args.corpus)
    warm(args.corpus)
    names = args.only or [n for n in CONTENDERS if n != "memmaps-concat" or (args.corpus / "all.smaps").exists()]
    if "memmaps-pmapX" in names and not (args.corpus / PMAP_X).exists():
        # in a child: on Linux a process's peak RSS survives fork+exec, so a parent grown big
        # while generating would show as every later contender's peak
        subprocess.run([sys.executable, __file__, "--make-pmap-x", "--corpus", str(args.corpus)], check=True)
    sizes = {"memmaps-concat": (args.corpus / "all.smaps"), "memmaps-pmapX": args.corpus / PMAP_X}
    if args.baseline:
        names += [f"{n}@{args.baseline}" for n in list(names) if n.startswith("memmaps")]
    load_before = os.getloadavg()
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for _ in range(args.repeat):  # interleaved: a burst of load on a shared machine hits every contender alike
        for name in names:
            runs[name].append(run_child(name, args.corpus))
    results = []
    for name in names:
        best = min(runs[name], key=lambda r: r["seconds"])
        best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs[name])
        best["cpu"] = min(r["cpu"] for r in runs[name])
        results.append(best)
    load_after = os.getloadavg()
    print(f"corpus {args.corpus}: {size / 1e6:.1f} MB of smaps, "
          f"{len([p for p in (args.corpus / 'proc').iterdir() if p.name.isdigit()])} processes")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{platform.system()} {platform.release()}")
    print(f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after; {args.repeat} interleaved "
          "round(s), best run of each (peak RSS: the highest of its runs; MB = MiB)")
    width = max(16, *(len(n) for n in names))
    print(f"{'contender':{width}s} {'seconds':>8s} {'cpu s':>6s} {'MB/s':>8s} {'mappings/s':>12s} {'mappings':>9s} "
          f"{'peak RSS MB':>12s}")
    for r in results:
        nbytes = sizes[r["name"].partition("@")[0]].stat().st_size if r["name"].partition("@")[0] in sizes else size
        print(f"{r['name']:{width}s} {r['seconds']:8.2f} {r['cpu']:6.2f} {nbytes / 1e6 / r['seconds']:8.1f} "
              f"{r['mappings'] / r['seconds']:12,.0f} {r['mappings']:9d} {r['peak_rss_mb']:12.0f}")
    by = {r["name"]: r for r in results}
    if "psutil" in by:
        p = by["psutil"]
        for name in [n for n in names if n.partition("@")[0] in ("memmaps", "memmaps-concat")]:
            m = by[name]
            print(f"{name} vs psutil: {p['seconds'] / m['seconds']:.2f}x faster (cpu {p['cpu'] / m['cpu']:.2f}x; "
                  f"target >= 5), peak memory {m['peak_rss_mb'] / p['peak_rss_mb']:.2f}x psutil's (target <= 1.5)")
    if "memmaps-pmapX" in by and "memmaps" in by:
        x, m = by["memmaps-pmapX"], by["memmaps"]
        print(f"pmap -X vs smaps ingest, per mapping: {x['mappings'] / x['seconds'] / (m['mappings'] / m['seconds']):.2f}x "
              "(target >= 1)")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
