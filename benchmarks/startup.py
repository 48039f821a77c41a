"""Time ``memmaps`` end to end as a user runs it: help texts and a summary of a small file.

Each command runs ``--repeat`` times in a fresh process (the installed ``memmaps`` script of this
venv, output to a pipe that is read and dropped), interleaved; the best and the median wall time
of each are printed. Issue 15's targets: ``--help`` and ``COMMAND --help`` import neither pandas
nor matplotlib (checked by ``tests/test_startup.py``), and a summary of a small file takes under
half a second end to end on an idle machine.

Usage::

    .venv/bin/python benchmarks/startup.py              # 10 rounds
    .venv/bin/python benchmarks/startup.py --repeat 20
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "sample_dumps" / "smaps" / "single_threads_thp.smaps"   # one real process, 37 kB
COMMANDS = {
    "memmaps --help": ["--help"],
    "memmaps summary --help": ["summary", "--help"],
    "memmaps summary SMALL": ["summary", str(SMALL)],
    "memmaps summary SMALL --by mapping": ["summary", str(SMALL), "--by", "mapping"],
}
TARGET_S = 0.5


def memmaps_command() -> list[str]:
    """The venv's ``memmaps`` script if there is one beside this interpreter, else ``python -m analyzer``."""
    script = Path(sys.executable).with_name("memmaps")
    if script.exists():
        return [str(script)]
    found = shutil.which("memmaps")
    return [found] if found else [sys.executable, "-m", "analyzer"]


def time_once(argv: list[str]) -> float:
    t0 = time.perf_counter()
    run = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    seconds = time.perf_counter() - t0
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({run.returncode}):\n{run.stderr.decode(errors='replace')}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=10, help="rounds, every command once per round (default 10)")
    args = ap.parse_args(argv)
    base = memmaps_command()
    for argv_ in COMMANDS.values():  # warm: page cache, .pyc files
        time_once(base + argv_)
    load_before = os.getloadavg()[0]
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeat):
        for name, argv_ in COMMANDS.items():
            times[name].append(time_once(base + argv_))
    load_after = os.getloadavg()[0]
    print(f"{' '.join(base)}; {args.repeat} interleaved rounds; load average (1 min) {load_before:.2f} before, "
          f"{load_after:.2f} after; SMALL = {SMALL.relative_to(ROOT)} ({SMALL.stat().st_size / 1024:.0f} kB)")
    print(f"{'command':36s} {'best s':>7s} {'median s':>9s}")
    for name, ts in times.items():
        print(f"{name:36s} {min(ts):7.3f} {statistics.median(ts):9.3f}")
    median = statistics.median(times["memmaps summary SMALL"])
    verdict = "met" if median < TARGET_S else "NOT met"
    print(f"small-file summary, median {median:.3f} s: target < {TARGET_S} s {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
