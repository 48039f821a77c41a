"""Bounded effort on junk (issue 17): time and peak memory of ``memmaps info`` on hostile inputs.

Every case runs ``memmaps info`` in a fresh process under ``prlimit --as`` (1 GiB of address space
by default, so a run that tries to hold more fails instead of swapping) and prints wall time, CPU
time (user + system, steadier than the wall clock on a shared machine) and peak RSS:

- ``/dev/zero``, ``/dev/urandom`` and a sparse file of 5 GB (``truncate -s 5G``): refused from their
  first 64 KiB;
- tars of N tiny members, each a one-line maps dump (``d/fN.maps``) or a proc tree file
  (``proc/N/maps``): CPU time per member should stay flat as N grows (linear);
- a pmap -x row whose Kbytes cell is a run of N digits: flat in N.

Usage::

    .venv/bin/python benchmarks/hostile.py                 # every case
    .venv/bin/python benchmarks/hostile.py --only junk     # /dev/zero, /dev/urandom, sparse
    .venv/bin/python benchmarks/hostile.py --members 2000 8000 20000
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMMAPS = [sys.executable, "-m", "analyzer", "info"]


def measure(path: str, limit_bytes: int) -> tuple[float, float, float, int, str]:
    """(wall s, cpu s, peak RSS MiB, exit status, last line of output) of `memmaps info PATH`."""
    start = time.monotonic()
    cmd = ["prlimit", f"--as={limit_bytes}", *MEMMAPS, path]
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=out, text=True, cwd=ROOT,
                                env=dict(os.environ, PYTHONPATH=str(ROOT)))
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (prlimit execs python)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        out.seek(0)
        lines = out.read().strip().splitlines() or [""]
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, proc.returncode, lines[-1][:100]


def tar_of(path: Path, n: int, kind: str) -> None:
    row = b"00400000-00401000 r-xp 00000000 08:02 1 /bin/x\n"
    with tarfile.open(path, "w") as t:
        for i in range(n):
            info = tarfile.TarInfo(f"d/f{i}.maps" if kind == "files" else f"proc/{i + 1}/maps")
            info.size = len(row)
            t.addfile(info, io.BytesIO(row))


def digits_of(path: Path, n: int) -> None:
    text = (ROOT / "sample_dumps" / "pmap" / "pmap-x.txt").read_text()
    path.write_text(text.replace("000055c0b1665000       4", "000055c0b1665000 " + "9" * n, 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=["junk", "members", "digits"], nargs="*")
    ap.add_argument("--members", type=int, nargs="*", default=[2000, 8000, 20000])
    ap.add_argument("--digits", type=int, nargs="*", default=[1_000_000, 10_000_000])
    ap.add_argument("--limit-mib", type=int, default=1024)
    args = ap.parse_args()
    only = set(args.only or ["junk", "members", "digits"])
    limit = args.limit_mib << 20
    print(f"{'case':34} {'wall s':>7} {'cpu s':>7} {'peak MiB':>9} {'exit':>4}  message")
    with tempfile.TemporaryDirectory(prefix="memmaps-hostile-") as tmp:
        tmp = Path(tmp)
        cases: list[tuple[str, str, int | None]] = []
        if "junk" in only:
            sparse = tmp / "sparse-5G.bin"
            with open(sparse, "wb") as f:
                f.truncate(5 * 10**9)
            cases += [("/dev/zero", "/dev/zero", None), ("/dev/urandom", "/dev/urandom", None),
                      ("sparse file, 5 GB", str(sparse), None)]
        if "members" in only:
            for kind in ("files", "proc"):
                for n in args.members:
                    path = tmp / f"{kind}-{n}.tar"
                    tar_of(path, n, kind)
                    cases.append((f"tar, {n} {kind} members", str(path), n))
        if "digits" in only:
            for n in args.digits:
                path = tmp / f"digits-{n}.txt"
                digits_of(path, n)
                cases.append((f"pmap -x cell of {n:,} digits", str(path), None))
        for label, path, per in cases:
            wall, cpu, peak, status, last = measure(path, limit)
            extra = f" ({cpu / per * 1000:.2f} ms cpu/member)" if per else ""
            print(f"{label:34} {wall:7.2f} {cpu:7.2f} {peak:9.0f} {status:4}  {last}{extra}", flush=True)


if __name__ == "__main__":
    main()
