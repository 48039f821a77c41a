"""Fuzzing as part of the tests (issue 17).

1. Property tests (hypothesis): generate a mappings table, write it as the
   kernel writes smaps and maps and as pmap writes its default, ``-x`` and ``-X``
   output, read it back, and compare every number the format carries.
2. A bounded mutation run over the real samples: seeded random damage (bytes
   flipped, inserted, deleted; lines dropped, repeated, swapped, cut; numbers
   replaced by huge or negative ones). Any exception other than memmaps' own
   input errors fails, and so does a negative size in the table.

``make test`` runs a quick campaign with a fixed seed; ``make fuzz`` a long one
with a new seed (``MEMMAPS_FUZZ_SEED``, ``MEMMAPS_FUZZ_RUNS``); a failure prints
the seed and writes the reproducer to ``MEMMAPS_FUZZ_OUT`` (default: pytest's tmp dir).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import analyzer
from analyzer.errors import MemmapsError

ROOT = Path(__file__).resolve().parent.parent
KB = 1024
PATHS = ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/opt/my app/bin/server", "[heap]", "[stack]", "",
         "/dev/shm/ring buffer", "/tmp/lib (deleted)x.so"]


@st.composite
def tables(draw):
    """Mappings of one process, in address order: sizes in pages, rss <= size, pss <= rss."""
    n = draw(st.integers(1, 12))
    recs, addr = [], draw(st.sampled_from([0x400000, 0x55c0b1665000, 0x7f0000000000]))
    for _ in range(n):
        addr += draw(st.integers(0, 64)) * 4096
        pages = draw(st.integers(1, 2**20))
        rss = draw(st.integers(0, pages))
        pss = draw(st.integers(0, rss))
        dirty = draw(st.integers(0, rss))
        swap = draw(st.integers(0, pages - rss))
        path = draw(st.sampled_from(PATHS))
        perms = draw(st.sampled_from(["r--p", "r-xp", "rw-p", "rw-s", "---p"]))
        inode = draw(st.integers(0, 2**40)) if path.startswith("/") else 0
        recs.append({"start": addr, "end": addr + pages * 4096, "size": pages * 4 * KB, "rss": rss * 4 * KB,
                     "pss": pss * 4 * KB, "private_dirty": dirty * 4 * KB, "swap": swap * 4 * KB,
                     "perms": perms, "offset": draw(st.integers(0, 2**32)) * 4096 if inode else 0,
                     "dev": "fe:01" if inode else "00:00", "inode": inode, "path": path})
        addr += pages * 4096
    return recs


def smaps_text(recs, with_fields=True) -> str:
    """As fs/proc/task_mmu.c prints it: header padded to column 73, keys to 16, values to 8."""
    out = []
    for r in recs:
        head = f"{r['start']:08x}-{r['end']:08x} {r['perms']} {r['offset']:08x} {r['dev']} {r['inode']} "
        out.append((head.ljust(73) + r["path"]) if r["path"] else head)
        if not with_fields:
            continue
        for key, value in (("Size", r["size"]), ("Rss", r["rss"]), ("Pss", r["pss"]),
                           ("Shared_Clean", 0), ("Shared_Dirty", r["rss"] - r["private_dirty"]),
                           ("Private_Clean", 0), ("Private_Dirty", r["private_dirty"]),
                           ("Swap", r["swap"]), ("Locked", 0)):
            out.append(f"{key + ':':<16}{value // KB:>8} kB")
        out.append(f"{'THPeligible:':<16}{0:>8}")
        out.append("VmFlags: rd wr mr mw me ac ")
    return "\n".join(out) + "\n"


def _pmap_name(path: str) -> str:
    if not path:
        return "  [ anon ]"
    if path.startswith("["):
        return f"  [ {path[1:-1]} ]"
    return path.rsplit("/", 1)[-1] if not path.endswith(")") else path


def pmap_default_text(recs) -> str:
    rows = [f"{r['start']:016x} {r['size'] // KB:>6}K {_mode(r['perms'])} {_pmap_name(r['path'])}" for r in recs]
    total = sum(r["size"] for r in recs) // KB
    return "\n".join(["42:   ./server --port 80", *rows, f" total {total:>16}K"]) + "\n"


def pmap_x_text(recs) -> str:
    rows = [f"{r['start']:016x} {r['size'] // KB:>7} {r['rss'] // KB:>7} {r['private_dirty'] // KB:>7} "
            f"{_mode(r['perms'])} {_pmap_name(r['path'])}" for r in recs]
    tot = [sum(r[k] for r in recs) // KB for k in ("size", "rss", "private_dirty")]
    return "\n".join(["42:   ./server --port 80", "Address           Kbytes     RSS   Dirty Mode  Mapping", *rows,
                      "---------------- ------- ------- ------- ", f"total kB {tot[0]:>15} {tot[1]:>7} {tot[2]:>7}"]) + "\n"


def pmap_X_text(recs) -> str:
    keys = [("Size", "size"), ("Rss", "rss"), ("Pss", "pss"), ("Swap", "swap")]
    cells = {k: [str(r[c] // KB) for r in recs] for k, c in keys}
    totals = {k: str(sum(r[c] for r in recs) // KB) for k, c in keys}
    width = {k: max(len(k), len(totals[k]), *(len(v) for v in cells[k])) for k, _ in keys}
    wi = max(len("Inode"), *(len(str(r["inode"])) for r in recs))
    head = f"{'Address':>16} {'Perm':>4} {'Offset':>8} {'Device':>6} {'Inode':>{wi}} "
    lines = ["42:   ./server --port 80", head + " ".join(f"{k:>{width[k]}}" for k, _ in keys) + " Mapping"]
    for i, r in enumerate(recs):
        name = r["path"].rsplit("/", 1)[-1] if r["path"].startswith("/") else r["path"]
        lines.append(f"{r['start']:>16x} {r['perms']} {r['offset']:08x} {r['dev']:>6} {r['inode']:>{wi}} "
                     + " ".join(f"{cells[k][i]:>{width[k]}}" for k, _ in keys) + " " + name)
    pad = " " * len(head)
    lines.append(pad + " ".join("=" * width[k] for k, _ in keys) + " ")
    lines.append(pad + " ".join(f"{totals[k]:>{width[k]}}" for k, _ in keys) + " KB ")
    return "\n".join(lines) + "\n"


def _mode(perms: str) -> str:
    return perms[:3] + ("s-" if perms[3] == "s" else "--")


def _check(frame: pd.DataFrame, recs, columns) -> None:
    assert len(frame) == len(recs), frame
    for col in columns:
        got = [None if pd.isna(v) else int(v) for v in frame[col]]
        assert got == [r[col] for r in recs], col
    assert (frame["size"].dropna() >= 0).all()


SETTINGS = settings(max_examples=int(os.environ.get("MEMMAPS_FUZZ_EXAMPLES", "25")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(tables())
def test_smaps_round_trip(recs):
    frame = analyzer.load_text(smaps_text(recs), name="gen.smaps")
    _check(frame, recs, ["start", "end", "size", "rss", "pss", "private_dirty", "swap", "offset", "inode"])
    assert frame["path"].fillna("").tolist() == [r["path"].removesuffix(" (deleted)") for r in recs]
    assert frame["perms"].tolist() == [r["perms"] for r in recs]
    assert not frame.attrs["notices"]


@SETTINGS
@given(tables())
def test_maps_round_trip(recs):
    frame = analyzer.load_text(smaps_text(recs, with_fields=False), name="gen.maps")
    _check(frame, recs, ["start", "end", "size", "offset", "inode"])
    assert frame["rss"].isna().all()


@SETTINGS
@given(tables())
def test_pmap_default_round_trip(recs):
    frame = analyzer.load_text(pmap_default_text(recs), name="gen-pmap.txt")
    _check(frame, recs, ["start", "size"])
    assert frame["pid"].tolist() == [42] * len(recs)
    assert not [n for n in frame.attrs["notices"] if ": warning: " in n]


@SETTINGS
@given(tables())
def test_pmap_x_round_trip(recs):
    frame = analyzer.load_text(pmap_x_text(recs), name="gen-pmap-x.txt")
    _check(frame, recs, ["start", "size", "rss"])
    assert not [n for n in frame.attrs["notices"] if ": warning: " in n]


@SETTINGS
@given(tables())
def test_pmap_X_round_trip(recs):
    if recs[0]["start"] < 2**32:  # pmap -X of a 64-bit process: addresses of 8+ hex digits
        recs = [dict(r, start=r["start"] + 2**40, end=r["end"] + 2**40) for r in recs]
    frame = analyzer.load_text(pmap_X_text(recs), name="gen-pmap-X.txt")
    _check(frame, recs, ["start", "size", "rss", "pss", "swap", "offset", "inode"])
    assert not [n for n in frame.attrs["notices"] if ": warning: " in n]


# --- mutation campaign over the real samples ----------------------------------------------------

SAMPLES = sorted(p for d in ("smaps", "pmap") for p in (ROOT / "sample_dumps" / d).glob("*")
                 if p.is_file() and p.suffix in (".smaps", ".maps", ".txt", ".smaps_rollup") and p.stat().st_size < 400_000)
NUMBERS = ["99999999999999999999", "9" * 4400, "-1", "9007199254740993", "0", "18446744073709551616", "ffffffffffffffff"]


def mutate(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        if not lines:
            lines = [b""]
        how = rng.choice(["flip", "insert", "delete", "drop", "repeat", "swap", "cut", "number", "number"])
        i = rng.randrange(len(lines))
        line = bytearray(lines[i])
        if how == "flip" and line:
            line[rng.randrange(len(line))] = rng.randrange(256)
        elif how == "insert":
            line[rng.randrange(len(line) + 1):0] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif how == "delete" and line:
            a = rng.randrange(len(line))
            del line[a:a + rng.randint(1, 8)]
        elif how == "drop":
            lines.pop(i)
            continue
        elif how == "repeat":
            lines.insert(i, bytes(line))
        elif how == "swap":
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            continue
        elif how == "cut":
            lines = lines[:i + 1]
            line = line[: rng.randrange(len(line) + 1)]
        elif how == "number":
            runs = [(m.start(), m.end()) for m in __import__("re").finditer(rb"[0-9a-f]+", bytes(line))]
            if runs:
                a, b = rng.choice(runs)
                line[a:b] = rng.choice(NUMBERS).encode()
        lines[min(i, len(lines) - 1)] = bytes(line)
    return b"\n".join(lines)


def test_mutation_campaign_over_real_samples(tmp_path):
    seed = int(os.environ.get("MEMMAPS_FUZZ_SEED", "17"))
    runs = int(os.environ.get("MEMMAPS_FUZZ_RUNS", "120"))
    out = Path(os.environ.get("MEMMAPS_FUZZ_OUT", tmp_path))
    rng = random.Random(seed)
    originals = {p: p.read_bytes() for p in SAMPLES}
    assert len(originals) > 20
    for i in range(runs):
        path = rng.choice(SAMPLES)
        data = mutate(originals[path], rng)
        case = out / f"fuzz-{seed}-{i}-{path.name}"
        case.write_bytes(data)
        try:
            ds = analyzer.load_dataset(case, on_bad_lines=rng.choice(["warn", "skip", "error"]))
        except MemmapsError:
            case.unlink()
            continue
        except Exception as exc:  # a bug: keep the reproducer
            raise AssertionError(f"seed {seed}, run {i}: {type(exc).__name__}: {exc} (reproducer: {case})") from exc
        sizes = ds.mappings[["size", "rss", "pss", "swap"]]
        assert not (sizes.fillna(0) < 0).any().any(), f"seed {seed}, run {i}: negative size (reproducer: {case})"
        case.unlink()
