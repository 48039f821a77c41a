"""The -X fast path (numpy over the bytes) must give exactly what the general
path gives, and must step aside for anything irregular."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from analyzer import schema
from analyzer.ingest.base import Context
from analyzer.ingest.formats.pmap import fastx, parse, parse_general

ROOT = Path(__file__).resolve().parent.parent
PMAP = ROOT / "sample_dumps" / "pmap"
X_SAMPLES = sorted(p for p in PMAP.glob("pmap-[Xc]*.txt") if "zombie" not in p.name) + sorted(PMAP.glob("pmap-C.txt"))
sys.path.insert(0, str(ROOT / "benchmarks"))
import pmap_speed  # noqa: E402  (the benchmark's deterministic generator)

pytestmark = pytest.mark.usefixtures("both_readers")  # tests/conftest.py: with the C reader and without


def both(text: str):
    ctx_fast, ctx_slow = Context("x.txt"), Context("x.txt")
    fast = fastx.parse(text, ctx_fast, min_rows=0)
    slow = parse_general(text, ctx_slow)
    return fast, slow, ctx_fast.notices, ctx_slow.notices


def same(fast, slow) -> None:
    a = schema.conform(fast.mappings).reset_index(drop=True)
    b = schema.conform(slow.mappings).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert fast.formats == slow.formats
    assert [{k: v for k, v in p.items()} for p in fast.processes] == slow.processes


@pytest.mark.parametrize("path", X_SAMPLES, ids=[p.name for p in X_SAMPLES])
def test_fast_equals_general_on_real_samples(path):
    fast, slow, n_fast, n_slow = both(path.read_text())
    assert fast is not None, "clean -X output should take the fast path"
    same(fast, slow)
    assert n_fast == n_slow


@pytest.mark.slow
def test_fast_equals_general_on_generated_corpus():
    text = pmap_speed.pmap_x_text(pmap_speed.generate(20, 300))
    fast, slow, n_fast, n_slow = both(text)
    assert fast is not None and len(fast.mappings) == 6000
    same(fast, slow)
    assert n_fast == n_slow == []
    # and parse() picks the fast path by itself on large input
    assert len(parse(text, Context("x")).mappings) == 6000


def test_fast_path_steps_aside_for_anything_irregular():
    text = (PMAP / "pmap-X.txt").read_text()
    assert fastx.parse(text, Context("x"), min_rows=0) is not None
    assert fastx.parse("$ pmap -X 6\n" + text, Context("x"), min_rows=0) is None       # prompt before
    assert fastx.parse(text + "that was it\n", Context("x"), min_rows=0) is None      # prose after
    lines = text.split("\n")
    lines[5] = lines[5][1:]                                                          # one row shifted
    assert fastx.parse("\n".join(lines), Context("x"), min_rows=0) is None
    cut = "\n".join(text.split("\n")[:-3]) + "\n"                                     # footer cut off
    assert fastx.parse(cut, Context("x"), min_rows=0) is None
    assert fastx.parse(text.replace("\n", "\r\n"), Context("x"), min_rows=0) is None
    assert fastx.parse((PMAP / "pmap-x.txt").read_text(), Context("x"), min_rows=0) is None


def test_general_path_reads_a_shifted_row_by_splitting():
    text = (PMAP / "pmap-X.txt").read_text()
    lines = text.split("\n")
    shifted = lines[5][1:]
    lines[5] = shifted
    parsed = parse_general("\n".join(lines), Context("x"))
    ref = parse_general(text, Context("x"))
    a, b = schema.conform(parsed.mappings), schema.conform(ref.mappings)
    pd.testing.assert_frame_equal(a, b)


def test_fast_path_steps_aside_when_a_name_touches_the_last_column():
    # found by fuzzing: "    0d[vsyscall]" - no blank before the mapping name
    text = (PMAP / "pmap-C.txt").read_text()
    bad = text.replace("    0 [vsyscall]", "    0d[vsyscall]")
    assert bad != text
    assert fastx.parse(bad, Context("x"), min_rows=0) is None
    ctx = Context("x")
    parsed = parse_general(bad, ctx)
    assert len(parsed.mappings) == len(parse_general(text, Context("x")).mappings) - 1
    assert any("not a pmap-c row" in n.message for n in ctx.notices)
