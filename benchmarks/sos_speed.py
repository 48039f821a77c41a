"""How much more than decompressing does reading a .tar.xz sosreport cost?

Times, in one run and on the same archive:

1. ``xz -dc ARCHIVE > /dev/null`` - the floor: decompression alone, in C;
2. Python's ``lzma`` reading the same stream to the end (what memmaps pays
   before parsing anything);
3. ``analyzer.ingest.load_dataset(ARCHIVE)`` - streaming tar, smaps parsing,
   ps join, classification;

and prints seconds, MB/s of decompressed data, and the ratio 3 / 1.

Three kinds of archive (``benchmarks/README.md`` has the figures):

- ``--archive X.tar.xz``: any sosreport, e.g. a real full one made by
  ``benchmarks/make_full_sosreport.sh`` (every default sos plugin, ~4,500
  members, 122 processes' smaps);
- ``--from-corpus``: the generated proc tree of ``benchmarks/generate.py``
  (``benchmarks/corpus/proc``, 400 varied processes, ~200 MB of smaps) packed
  as ``sosreport-gen-host-2026/proc/PID/smaps`` with ``xz -6``: the
  smaps-heavy extreme;
- neither: a deterministic sosreport built from the real sos 4.0 sample in
  ``sample_dumps/sosreport/``: its ``proc/PID/smaps`` copied to
  ``--processes`` PIDs (default 1500, ~45 MB of smaps), a matching
  ``ps_auxwww``, every other member kept, ``xz -6`` as sos does: near-identical
  copies that xz restores at over 1 GB/s, the worst case for the ratio.

Usage::

    .venv/bin/python benchmarks/sos_speed.py [--archive X.tar.xz | --from-corpus] [--processes N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import lzma
import random
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = next((ROOT / "sample_dumps" / "sosreport").glob("sosreport-*memmaps*.tar.xz"))


def build(out: Path, processes: int) -> Path:
    """A large sosreport made of the real sample's members (deterministic)."""
    smaps, members = [], []
    with tarfile.open(SAMPLE) as tf:
        for m in tf:
            data = tf.extractfile(m).read() if m.isfile() else None
            if re.search(r"/proc/\d+/smaps$", m.name):
                if data:
                    smaps.append(data)
                continue
            if m.name.endswith("sos_commands/process/ps_auxwww"):
                continue
            members.append((m, data))
    top = members[0][0].name.split("/")[0]
    ps = ["USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND"]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as dst:
        for m, data in members:
            dst.addfile(m, io.BytesIO(data) if data is not None else None)
        for i in range(processes):
            pid = 1000 + i
            data = _vary(smaps[i % len(smaps)], i)
            info = tarfile.TarInfo(f"{top}/proc/{pid}/smaps")
            info.size, info.mode, info.mtime = len(data), 0o444, 1795000000
            dst.addfile(info, io.BytesIO(data))
            ps.append(f"root     {pid:>7}  0.0  0.0  10776  3224 ?        S    17:48   0:00 worker --id {i} --pool a b")
        data = ("\n".join(ps) + "\n").encode()
        info = tarfile.TarInfo(f"{top}/sos_commands/process/ps_auxwww")
        info.size, info.mtime = len(data), 1795000000
        dst.addfile(info, io.BytesIO(data))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(lzma.compress(raw.getvalue(), preset=6))
    return out


def build_from_corpus(out: Path) -> Path:
    """``benchmarks/corpus/proc/PID/smaps`` as a sosreport's ``proc/PID/smaps``, xz -6 (deterministic)."""
    proc = ROOT / "benchmarks" / "corpus" / "proc"
    if not proc.is_dir():
        raise SystemExit(f"{proc} not found: run `.venv/bin/python benchmarks/generate.py` first")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as dst:  # sos writes pax
        for smaps in sorted(proc.glob("*/smaps"), key=lambda p: int(p.parent.name)):
            info = tarfile.TarInfo(f"sosreport-gen-host-2026/proc/{smaps.parent.name}/smaps")
            data = smaps.read_bytes()
            info.size, info.mode, info.mtime = len(data), 0o444, 1795000000
            dst.addfile(info, io.BytesIO(data))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(lzma.compress(raw.getvalue(), preset=6))
    return out


def _vary(data: bytes, seed: int) -> bytes:
    """Copies of a process differ in their page counts (as real ones do): vary Pss and
    Referenced deterministically, so xz cannot just point back at the previous copy."""
    rng = random.Random(seed)

    def repl(m: re.Match) -> bytes:
        # keep the kernel's layout: the value right-aligned in the same width as before
        width = len(m.group(2)) + len(m.group(3))
        value = max(0, int(m.group(3)) + rng.randint(-4, 40) * 4)
        return m.group(1) + str(value).rjust(width).encode() + b" kB"

    return re.sub(rb"(\n(?:Pss|Referenced):)(\s*?)(\d+) kB", repl, data)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--archive", type=Path)
    ap.add_argument("--from-corpus", action="store_true", help="pack benchmarks/corpus/proc as a sosreport")
    ap.add_argument("--processes", type=int, default=1500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    if args.archive:
        archive = args.archive
    elif args.from_corpus:
        archive = build_from_corpus(Path("/tmp/memmaps-bench") / "sosreport-gen-host-2026.tar.xz")
    else:
        archive = build(Path("/tmp/memmaps-bench") / f"sosreport-bench-{args.processes}.tar.xz", args.processes)
    if not shutil.which("xz"):
        print("xz not found on PATH", file=sys.stderr)
        return 1
    sys.path.insert(0, str(ROOT))
    from analyzer.ingest import load_dataset

    size = archive.stat().st_size
    with lzma.open(archive) as f:
        unpacked = sum(len(chunk) for chunk in iter(lambda: f.read(1 << 20), b""))

    def xz_cli():
        with open("/dev/null", "wb") as null:
            subprocess.run(["xz", "-dc", str(archive)], stdout=null, check=True)

    def py_lzma():
        with lzma.open(archive) as f:
            while f.read(1 << 20):
                pass

    result = {}

    def memmaps():
        result["ds"] = load_dataset(archive)

    rows = [("xz -dc > /dev/null", best(xz_cli, args.repeat)),
            ("python lzma, read to end", best(py_lzma, args.repeat)),
            ("memmaps load_dataset", best(memmaps, args.repeat))]
    ds = result["ds"]
    print(f"archive: {archive} ({size / 1e6:.1f} MB compressed, {unpacked / 1e6:.1f} MB tar; "
          f"{len(ds.processes)} processes, {len(ds.mappings)} mappings)")
    print(f"{'what':28} {'seconds':>8} {'MB/s (tar)':>11} {'x xz -dc':>9}")
    floor = rows[0][1]
    for what, secs in rows:
        print(f"{what:28} {secs:8.3f} {unpacked / 1e6 / secs:11.1f} {secs / floor:9.2f}")
    print(f"ratio memmaps / xz -dc: {rows[2][1] / floor:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
