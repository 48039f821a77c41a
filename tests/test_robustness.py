"""Damaged copies of real dumps: never a traceback, never a silently wrong number.

Seeded random damage (cut anywhere, a line dropped, junk inserted, bytes
flipped) over the real captures. Every outcome must be a frame or a
:class:`~analyzer.errors.MemmapsError`; and when a copy is only cut short,
every record that survived whole keeps exactly its original numbers.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import analyzer
from analyzer.errors import MemmapsError

SAMPLES = Path(__file__).resolve().parent.parent / "sample_dumps" / "smaps"
SOURCES = ["single_threads_thp.smaps", "multi_head.smaps", "multi_grep.smaps", "multi_loop.maps",
           "i386_busybox_static.smaps"]


def _damage(data: bytes, rng: random.Random) -> bytes:
    lines = data.split(b"\n")
    how = rng.choice(["cut", "drop", "junk", "flip"])
    if how == "cut":
        return data[: rng.randrange(len(data))]
    i = rng.randrange(len(lines))
    if how == "drop":
        del lines[i]
    elif how == "junk":
        lines.insert(i, bytes(rng.randrange(32, 127) for _ in range(rng.randrange(1, 60))))
    else:
        line = bytearray(lines[i])
        if line:
            line[rng.randrange(len(line))] = rng.randrange(32, 127)
        lines[i] = bytes(line)
    return b"\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("name", SOURCES)
@pytest.mark.parametrize("mode", ["warn", "skip", "error"])
def test_damaged_copies_never_traceback(tmp_path, name, mode):
    data = (SAMPLES / name).read_bytes()
    rng = random.Random(f"{name}-{mode}")
    for i in range(12):
        path = tmp_path / f"damaged-{i}"
        path.write_bytes(_damage(data, rng))
        try:
            analyzer.load_dataset(path, on_bad_lines=mode)
        except MemmapsError:
            pass


@pytest.mark.parametrize("name", ["single_threads_thp.smaps", "multi_head.smaps"])
def test_cut_copy_keeps_complete_records_exactly(tmp_path, name):
    data = (SAMPLES / name).read_bytes()
    whole = analyzer.load(SAMPLES / name)
    rng = random.Random(name)
    for i in range(10):
        cut = data[: rng.randrange(len(data) // 10, len(data))]
        path = tmp_path / f"cut-{i}"
        path.write_bytes(cut)
        part = analyzer.load(path)
        assert len(part) <= len(whole)
        # every surviving row equals the row of the whole dump at the same line
        merged = part.merge(whole, on=["lineno"], suffixes=("", "_whole"))
        assert len(merged) == len(part)
        for col in ("start", "size", "rss", "pss", "private_dirty", "swap"):
            assert (merged[col].astype("object") == merged[f"{col}_whole"].astype("object")).all(), (i, col)
        # and at most one record (the cut one) of the covered part is missing
        covered = whole[whole["lineno"] <= cut.count(b"\n")]
        assert len(covered) - len(part) <= 1
