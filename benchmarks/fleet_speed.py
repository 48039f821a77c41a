"""Fleet export: does ``--workers 2`` pay on two cores, and does a dataset answer faster?

Builds (once, cached in ``benchmarks/corpus/fleet/``) ``--hosts`` sosreports of generated
smaps (``benchmarks/generate.py``: ``--size-mb`` of smaps each, ``--processes`` processes;
eight generated proc trees, each sosreport a different four of them and its own host name, packed as ``sosreport-gen-NN-2026/proc/PID/smaps``
plus ``sos_commands/host/hostname``, gzip as ``sos -z gzip`` writes), then times, as
subprocesses of the real CLI, alternating the contenders in each round so that both see
the same load:

1. ``memmaps export ARCHIVES -o DIR --format parquet`` (one process, the default)
   against the same with ``--workers 2`` (a Dask LocalCluster of two one-thread workers);
2. ``memmaps summary DIR --by host`` against ``memmaps summary ARCHIVES --by host``.

Wall seconds per round, the best and the median, CPU seconds of the process tree, and
the ratios. The outputs of each pair are compared (same manifest rows, same summary text).

Before and after, it measures the cores the run can get (1 and 2 spinning processes): on a
machine shared with other sessions, 2 processes may get no more than 1, and then ``--workers 2``
cannot be faster whatever it does.

Usage::

    .venv/bin/python benchmarks/fleet_speed.py [--hosts 24] [--size-mb 100] [--repeat 3] [--probe]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402

MEMMAPS = str(Path(sys.executable).parent / "memmaps")


TREES = 8  # distinct generated proc trees; each sosreport packs PARTS of them


def _tree(cache: Path, seed: int, size_mb: float, processes: int) -> list[tuple[int, bytes]]:
    """(pid, smaps) of one generated proc tree, generated once and kept as a gzip tar."""
    path = cache / f"tree-{seed}-{size_mb:g}mb-{processes}p.tar.gz"
    if not path.exists():
        with tempfile.TemporaryDirectory() as tmp:
            generate.generate(Path(tmp), processes=processes, size_mb=size_mb, seed=seed)
            with tarfile.open(path.with_suffix(".part"), "w:gz", compresslevel=1) as tf:
                for smaps in sorted((Path(tmp) / "proc").glob("*/smaps"), key=lambda p: int(p.parent.name)):
                    tf.add(smaps, arcname=smaps.parent.name)
        path.with_suffix(".part").rename(path)
    with tarfile.open(path) as tf:
        return [(int(m.name), tf.extractfile(m).read()) for m in tf if m.isfile()]


def build(out: Path, hosts: int, size_mb: float, processes: int, parts: int = 4) -> list[Path]:
    """The archives (built once per settings; deterministic): host i packs the generated trees
    i, i+1, ... (mod TREES), their PIDs moved apart, so that no two hosts hold the same smaps."""
    out.mkdir(parents=True, exist_ok=True)
    archives = []
    part_mb = size_mb / parts
    for i in range(hosts):
        host = f"gen-{i:02d}"
        path = out / f"sosreport-{host}-2026-{size_mb:g}mb-{processes}p.tar.gz"
        archives.append(path)
        if path.exists():
            continue
        top = f"sosreport-{host}-2026"
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as dst:
            hostname = f"{host}\n".encode()
            info = tarfile.TarInfo(f"{top}/sos_commands/host/hostname")
            info.size, info.mtime = len(hostname), 1795000000
            dst.addfile(info, io.BytesIO(hostname))
            for k in range(parts):
                for pid, data in _tree(out, 100 + (i + k) % TREES, part_mb, processes // parts):
                    info = tarfile.TarInfo(f"{top}/proc/{pid + 400000 * k}/smaps")
                    info.size, info.mode, info.mtime = len(data), 0o444, 1795000000
                    dst.addfile(info, io.BytesIO(data))
        tmp_out = path.with_suffix(".part")
        tmp_out.write_bytes(gzip.compress(raw.getvalue(), compresslevel=6, mtime=0))
        tmp_out.rename(path)
        print(f"built {path.name} ({path.stat().st_size >> 20} MiB gzip, {len(raw.getvalue()) >> 20} MiB tar)",
              file=sys.stderr)
    return archives


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def capacity(seconds: float = 4.0) -> dict[int, float]:
    """Cores this process tree gets now: CPU seconds per wall second of 1 and of 2 spinning processes.

    On a busy machine with the kernel's autogroup scheduling (``/proc/sys/kernel/sched_autogroup_enabled``)
    a session gets one share whatever its number of processes: then 2 is no more than 1, and no
    parallel speed-up can show, however well the work is split."""
    from multiprocessing import Process

    out = {}
    for n in (1, 2):
        before, t = os.times(), time.perf_counter()
        procs = [Process(target=_spin, args=(seconds,)) for _ in range(n)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        after = os.times()
        used = (after.children_user - before.children_user) + (after.children_system - before.children_system)
        out[n] = used / (time.perf_counter() - t)
    return out


def _say_capacity(when: str) -> None:
    cap = capacity()
    auto = Path("/proc/sys/kernel/sched_autogroup_enabled")
    print(f"cores available {when}: 1 process {cap[1]:.2f}, 2 processes {cap[2]:.2f}"
          + (f" (autogroup scheduling {'on' if auto.read_text().strip() == '1' else 'off'})" if auto.exists() else ""))


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (the process and its children) of *cmd*, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd[:4])} ... failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def rows(dataset: Path) -> list:
    manifest = json.loads((dataset / "memmaps-dataset.json").read_text())
    return sorted((r["name"], r["status"], r.get("mappings"), r.get("processes")) for r in manifest["inputs"])


def report(label: str, a: list[tuple[float, float]], b: list[tuple[float, float]], names: tuple[str, str]) -> None:
    print(f"\n{label}")
    for name, runs in zip(names, (a, b)):
        walls = [w for w, _ in runs]
        print(f"  {name:<28} wall best {min(walls):7.2f} s  median {statistics.median(walls):7.2f} s  "
              f"runs {', '.join(f'{w:.2f}' for w in walls)}  cpu median {statistics.median(c for _, c in runs):7.2f} s")
    ra = min(w for w, _ in a) / min(w for w, _ in b)
    rm = statistics.median(w for w, _ in a) / statistics.median(w for w, _ in b)
    print(f"  ratio {names[0]} / {names[1]}: best {ra:.2f}x, median {rm:.2f}x")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", type=int, default=24)
    ap.add_argument("--size-mb", type=float, default=100, help="smaps per sosreport, MB (default 100)")
    ap.add_argument("--processes", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--corpus", type=Path, default=ROOT / "benchmarks" / "corpus" / "fleet")
    ap.add_argument("--probe", action="store_true", help="only measure the cores available (1 vs 2 processes)")
    args = ap.parse_args(argv)
    if args.probe:
        _say_capacity("now")
        return 0
    archives = build(args.corpus, args.hosts, args.size_mb, args.processes)
    stored = sum(a.stat().st_size for a in archives)
    print(f"{len(archives)} sosreports, {stored / 1e6:.0f} MB gzip, ~{args.size_mb * len(archives):.0f} MB of smaps; "
          f"{os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.2f}")
    _say_capacity("before")
    work = Path(tempfile.mkdtemp(prefix="fleet-speed-"))
    one, two = [], []
    try:
        for r in range(args.repeat):
            order = [("1", one), ("2", two)] if r % 2 == 0 else [("2", two), ("1", one)]
            for workers, runs in order:
                out = work / f"ds-{workers}"
                shutil.rmtree(out, ignore_errors=True)
                wall, cpu, _ = timed([MEMMAPS, "export", *map(str, archives), "-o", str(out), "--format", "parquet",
                                      "--workers", workers, "-q"])
                runs.append((wall, cpu))
                print(f"  round {r + 1}: --workers {workers}: {wall:.2f} s wall, {cpu:.2f} s cpu", file=sys.stderr)
        if rows(work / "ds-1") != rows(work / "ds-2"):
            raise SystemExit("the two datasets differ")
        report("export to a dataset", one, two, ("--workers 1 (default)", "--workers 2"))
        for workers in ("1", "2"):
            manifest = json.loads((work / f"ds-{workers}" / "memmaps-dataset.json").read_text())
            peaks = {r["worker_pid"]: r["worker_peak_rss"] for r in manifest["inputs"]}
            print(f"  --workers {workers}: peak RSS per process {', '.join(f'{v / 2**20:.0f} MiB' for v in peaks.values())}"
                  f" (one input: {max(r['mappings'] for r in manifest['inputs'])} mappings at most)")
        direct, dataset = [], []
        texts = set()
        for r in range(args.repeat):
            order = [("direct", direct), ("dataset", dataset)] if r % 2 == 0 else [("dataset", dataset), ("direct", direct)]
            for kind, runs in order:
                inputs = [str(work / "ds-1")] if kind == "dataset" else list(map(str, archives))
                wall, cpu, text = timed([MEMMAPS, "summary", *inputs, "--by", "host", "-q"])
                runs.append((wall, cpu))
                texts.add(text)
        if len(texts) != 1:
            raise SystemExit("summary --by host differs between the dataset and the archives")
        report("summary --by host", direct, dataset, ("the archives", "the dataset"))
        print(f"\nload average after: {os.getloadavg()[0]:.2f}")
        _say_capacity("after")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
