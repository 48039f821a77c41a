"""Peak memory of `memmaps export` (and `summary`) on inputs too big for a table (issue 15, item 4:
under 1 GB for 2 GB of smaps).

Builds, deterministically, --size-gb GB of smaps from the generated corpus (`generate.py`, seed 1,
60 processes, 20 MB) repeated with every copy's PIDs shifted by 1,000,000 (each copy a new set of
processes), in one of these forms (--inputs):

- ``smaps``: one ``==>``-banner concatenation;
- ``sosreport``: a sosreport archive (``--compression gz``, ``xz`` or ``none``: tar.gz as
  ``sos -z gzip`` writes, tar.xz, plain tar) holding ``sosreport-bighost-.../proc/PID/smaps`` for
  every process and, **after** them in the tar, ``sos_commands/process/ps_auxwww`` (a row per
  process: user and command joined to the rows) and ``sos_commands/host/hostname``;
- ``tree``: the same processes as a copied proc tree (``DIR/proc/PID/{smaps,stat,status,cmdline}``).

Then each contender runs in a fresh process, one after the other in rounds (--repeat), and the
wall time, CPU seconds (user+sys) and peak RSS of that process (``wait4``'s ``ru_maxrss``) are
printed: ``memmaps export INPUT -o OUT.FORMAT`` for each format, ``memmaps summary INPUT --by kind``
(--summary), the same export of the whole table in memory, as before batches (--whole), and for the tree ``psutil``: ``psutil.Process(pid).memory_maps(grouped=False)`` of
every PID with ``PROCFS_PATH`` set to the tree, each process's mappings written to a CSV as they
come (psutil's bounded-memory equivalent of the export). Inputs are kept under
``benchmarks/corpus/export/`` (git-ignored) for the next run; outputs go to a temporary folder.

Usage:  .venv/bin/python benchmarks/export_memory.py [--size-gb 2] [--inputs sosreport,tree]
        [--formats parquet,csv] [--compression gz] [--summary] [--psutil] [--whole] [--repeat 1]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import lzma
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

_BANNER = re.compile(rb"^==> /proc/(\d+)/smaps <==", re.M)
SHIFT = 1_000_000
SOS_ROOT = "sosreport-bighost-2026-12-06-abcdefg"
MTIME = 1764979200


def _unit(cache: Path) -> tuple[bytes, list[tuple[int, bytes]]]:
    """The generated 20 MB corpus: as one concatenation, and as (pid, smaps) per process."""
    g = cache / "g"
    if not (g / "all.smaps").exists():
        generate.generate(g, processes=60, size_mb=20, seed=1, concat=True)
    procs = sorted((int(p.parent.name), p.read_bytes()) for p in (g / "proc").glob("*/smaps"))
    return (g / "all.smaps").read_bytes(), procs


def _copies(size_gb: float, unit: bytes) -> int:
    return max(1, int(size_gb * 1e9 / len(unit)))


def build_smaps(path: Path, size_gb: float, cache: Path) -> None:
    unit, _ = _unit(cache)
    with open(path, "wb") as out:
        for k in range(_copies(size_gb, unit)):
            if k:
                out.write(b"\n")
            out.write(_BANNER.sub(lambda m: b"==> /proc/%d/smaps <==" % (int(m.group(1)) + k * SHIFT), unit))


def _command(pid: int) -> tuple[str, list[str]]:
    return generate.PROGRAMS[pid % len(generate.PROGRAMS)]


def build_sosreport(path: Path, size_gb: float, cache: Path, compression: str) -> None:
    unit, procs = _unit(cache)
    copies = _copies(size_gb, unit)
    raw = open(path, "wb")
    if compression == "gz":
        fileobj = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0)
    elif compression == "xz":
        fileobj = lzma.LZMAFile(raw, "wb", preset=0)
    else:
        fileobj = raw

    def add(tf: tarfile.TarFile, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(f"{SOS_ROOT}/{name}")
        info.size, info.mtime, info.mode, info.uname, info.gname = len(data), MTIME, 0o644, "root", "root"
        tf.addfile(info, io.BytesIO(data))

    ps = ["USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"]
    with tarfile.open(fileobj=fileobj, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for k in range(copies):
            for pid, smaps in procs:
                new = pid + k * SHIFT
                add(tf, f"proc/{new}/smaps", smaps)
                user = ("root", "postgres", "www-data")[new % 3]
                ps.append(f"{user:<10} {new:>7}  0.0  0.1 123456  7890 ?        S    06:00   0:00 "
                          + " ".join(_command(pid)[1]))
        add(tf, "sos_commands/process/ps_auxwww", ("\n".join(ps) + "\n").encode())  # after the smaps
        add(tf, "sos_commands/host/hostname", b"bighost\n")
    if fileobj is not raw:
        fileobj.close()
    raw.close()


def build_tree(root: Path, size_gb: float, cache: Path) -> None:
    unit, procs = _unit(cache)
    for k in range(_copies(size_gb, unit)):
        for i, (pid, smaps) in enumerate(procs):
            new = pid + k * SHIFT
            d = root / "proc" / str(new)
            d.mkdir(parents=True, exist_ok=True)
            (d / "smaps").write_bytes(smaps)
            exe, argv = _command(pid)
            comm = exe.rsplit("/", 1)[-1]
            (d / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
            (d / "stat").write_text(generate.stat_line(new, comm, 1, 100 + i, 10**8, 1000))
            (d / "status").write_text(f"Name:\t{comm[:15]}\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t{new}\n"
                                      f"Pid:\t{new}\nPPid:\t1\n")


def built(kind: str, size_gb: float, compression: str) -> Path:
    """The input of *kind*, built once per settings under benchmarks/corpus/export/."""
    cache = HERE / "corpus" / "export"
    cache.mkdir(parents=True, exist_ok=True)
    suffix = {"gz": ".tar.gz", "xz": ".tar.xz", "none": ".tar"}[compression]
    path = cache / {"smaps": f"big-{size_gb:g}gb.smaps", "tree": f"tree-{size_gb:g}gb",
                    "sosreport": f"{SOS_ROOT}-{size_gb:g}gb{suffix}"}[kind]
    if path.exists():
        return path
    part = path.with_name(path.name + ".part")
    t0 = time.perf_counter()
    if kind == "smaps":
        build_smaps(part, size_gb, cache)
    elif kind == "sosreport":
        build_sosreport(part, size_gb, cache, compression)
    else:
        build_tree(part, size_gb, cache)
    part.rename(path)
    print(f"built {path} in {time.perf_counter() - t0:.0f} s", flush=True)
    return path


def psutil_csv(tree: Path, out: Path) -> None:
    """psutil's memory_maps of every PID under TREE/proc, each process's rows written as they come."""
    import csv

    import psutil

    psutil.PROCFS_PATH = str(tree / "proc")
    pids = sorted(int(p.name) for p in (tree / "proc").iterdir() if p.name.isdigit())
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        for pid in pids:
            maps = psutil.Process(pid).memory_maps(grouped=False)
            if maps and not f.tell():
                w.writerow(["pid", *maps[0]._fields])
            w.writerows((pid, *m) for m in maps)


# the export as it was before batches: every input read into one table first
WHOLE = ("from analyzer.ingest import stream, streamtree; stream.STREAM_BYTES = streamtree.TREE_STREAM_BYTES = 1 << 60; "
         "from analyzer.cli import cli; cli({args!r})")


def run_measured(cmd: list[str]) -> dict:
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as null, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=null, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-2000:].decode(errors="replace")
    return {"wall": time.perf_counter() - t0, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024, "rc": proc.returncode, "stderr": tail}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-gb", type=float, default=2.0)
    ap.add_argument("--inputs", default="sosreport", help="smaps, sosreport, tree (comma-separated)")
    ap.add_argument("--formats", default="parquet", help="export formats: parquet, csv, jsonl (comma-separated)")
    ap.add_argument("--compression", default="gz", choices=["gz", "xz", "none"], help="of the sosreport")
    ap.add_argument("--summary", action="store_true", help="also `memmaps summary INPUT --by kind`")
    ap.add_argument("--psutil", action="store_true", help="also psutil over the tree, to CSV (needs --inputs tree)")
    ap.add_argument("--whole", action="store_true",
                    help="also the export of the whole table in memory (as before batches; needs several GB)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--psutil-csv", nargs=2, type=Path, help=argparse.SUPPRESS)  # the psutil contender's child
    args = ap.parse_args(argv)
    if args.psutil_csv:
        psutil_csv(*args.psutil_csv)
        return 0
    exe = str(Path(sys.executable).parent / "memmaps")
    inputs = {kind: built(kind, args.size_gb, args.compression) for kind in args.inputs.split(",")}
    for kind, path in inputs.items():
        size = path.stat().st_size if path.is_file() else sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
        print(f"input {kind}: {path.name}, {size / 1e9:.2f} GB as stored")
    results: dict[str, list[dict]] = {}
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="memmaps-export-") as tmp:
        contenders = []
        for kind, path in inputs.items():
            for fmt in args.formats.split(","):
                contenders.append((f"export {kind} -> {fmt}", [exe, "export", str(path), "-o", f"{tmp}/out.{fmt}", "-q"]))
            if args.summary:
                contenders.append((f"summary {kind} --by kind", [exe, "summary", str(path), "--by", "kind", "-q"]))
            if args.whole:
                fmt = args.formats.split(",")[0]
                contenders.append((f"whole table {kind} -> {fmt}", [sys.executable, "-c", WHOLE.format(
                    args=["export", str(path), "-o", f"{tmp}/whole.{fmt}", "-q"])]))
            if args.psutil and kind == "tree":
                contenders.append(("psutil tree -> csv", [sys.executable, __file__, "--psutil-csv", str(path),
                                                          f"{tmp}/psutil.csv"]))
        for _ in range(args.repeat):
            for name, cmd in contenders:
                r = run_measured(cmd)
                if r["rc"]:
                    print(f"{name}: exit {r['rc']}\n{r['stderr']}")
                    return 1
                results.setdefault(name, []).append(r)
                if name.startswith(("export", "summary")):
                    worst = max(worst, r["peak_mb"])
                print(f"  {name:32s} {r['wall']:7.1f} s wall {r['cpu']:7.1f} s cpu  peak RSS {r['peak_mb']:6.0f} MB",
                      flush=True)
    print("best of", args.repeat, "(wall):")
    best = {name: min(rs, key=lambda r: r["wall"]) for name, rs in results.items()}
    for name, r in best.items():
        print(f"  {name:32s} {r['wall']:7.1f} s wall {r['cpu']:7.1f} s cpu  peak RSS {r['peak_mb']:6.0f} MB")
    if "psutil tree -> csv" in best and "export tree -> csv" in best:
        m, p = best["export tree -> csv"], best["psutil tree -> csv"]
        print(f"memmaps export of the tree to CSV vs psutil to CSV: {p['wall'] / m['wall']:.2f}x the speed (wall), "
              f"{p['cpu'] / m['cpu']:.2f}x (cpu); peak RSS {m['peak_mb'] / p['peak_mb']:.2f}x psutil's")
    print(json.dumps({n: {k: round(v, 2) for k, v in r.items() if k in ("wall", "cpu", "peak_mb")}
                      for n, r in best.items()}))
    print(f"peak RSS {worst:.0f} MB ({'OK' if worst < 1024 else 'OVER'}: target < 1024 MB)")
    return 0 if worst < 1024 else 1


if __name__ == "__main__":
    sys.exit(main())
