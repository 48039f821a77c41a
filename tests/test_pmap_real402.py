"""Real procps-ng 4.0.2 output of 30 processes (benchmarks/real/pmap-4.0.2, made by its capture.sh in
fresh namespaces): the fast paths equal the general path, also on copies with renumbered PIDs (many
blocks sharing a header, -X footers with running totals over the PIDs of a pmap run)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from analyzer.ingest.base import Context
from analyzer.ingest.formats.pmap import fastx, parse_general

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))
import pmap_forms  # noqa: E402
from test_pmap_fast import same  # noqa: E402

pytestmark = pytest.mark.usefixtures("both_readers")  # tests/conftest.py: with the C reader and without


@pytest.mark.parametrize("form", ["pmap-X", "pmap-XX"])
@pytest.mark.parametrize("copies", [1, 3])
def test_real_extended_fast_equals_general(form, copies):
    text = pmap_forms.copies(pmap_forms.capture(form), copies, form).decode()
    cf, cs = Context("x.txt"), Context("x.txt")
    fast = fastx.parse(text, cf, min_rows=0)
    slow = parse_general(text, cs)
    assert fast is not None, "real -X output of many processes should take the fast path"
    same(fast, slow)
    assert cf.notices == cs.notices
    assert len(fast.processes) == 30 * copies
    assert any("running totals" in n.message for n in cf.notices)  # procps-ng 4.0.2's cumulative footers


def test_real_capture_pid_count_and_rows():
    """An independent count: rows are the lines that start with an address, per the text itself."""
    text = pmap_forms.capture("pmap-X").decode()
    rows = sum(1 for line in text.splitlines() if len(line.split()) > 5 and len(line.split()[0]) >= 8
               and all(c in "0123456789abcdef" for c in line.split()[0]))
    got = fastx.parse(text, Context("x"), min_rows=0)
    assert len(got.mappings) == rows
    assert [p["pid"] for p in got.processes] == [int(x) for x in (pmap_forms.REAL / "pids.txt").read_text().split()]


@pytest.mark.parametrize("form", ["pmap-X", "pmap-XX"])
def test_real_extended_in_small_chunks_and_from_bytes(form, monkeypatch):
    """Decimal columns read a few rows at a time (chunks across blocks), ASCII bytes as they are."""
    raw = pmap_forms.copies(pmap_forms.capture(form), 2, form)
    monkeypatch.setattr(fastx, "CHUNK_ROWS", 5)
    cf, cs = Context("x.txt"), Context("x.txt")
    fast = fastx.parse(raw, cf, min_rows=0)
    assert fast is not None
    same(fast, parse_general(raw.decode(), cs))
    assert cf.notices == cs.notices


XARGS = ROOT / "benchmarks" / "real" / "pmap-4.0.2-xargs"   # 40 PIDs through `xargs -n 12 pmap -X`
BATCH = 12


def _xargs(form: str) -> str:
    import gzip

    return gzip.decompress((XARGS / f"{form}.txt.gz").read_bytes()).decode()


def test_xargs_capture_footers_restart_with_each_pmap_run():
    """The sample itself, read without memmaps: each -X footer's Size is the running sum of the
    rows' Size over the blocks of its pmap run (the runs known from pids.txt and the batch size)."""
    pids = [int(p) for p in (XARGS / "pids.txt").read_text().split()]
    text = _xargs("pmap-X")
    blocks = re.split(r"^(?=\d+:)", text, flags=re.M)[1:]
    assert [int(b.split(":", 1)[0]) for b in blocks] == pids
    restarts = 0
    for k, b in enumerate(blocks):
        lines = b.splitlines()
        header = lines[1].split()
        size_col = header.index("Size")
        rows = [ln.split() for ln in lines[2:-2]]
        own = sum(int(r[size_col]) for r in rows)
        footer = int(lines[-1].split()[0])
        if k % BATCH == 0:
            running = 0
            restarts += 1
        running += own
        assert footer == running, (pids[k], footer, running)
    assert restarts == 4


@pytest.mark.parametrize("form", ["pmap-X", "pmap-XX"])
def test_xargs_capture_reads_without_warnings(form):
    """Running totals start again with every pmap run: no false "footer disagrees", nothing
    partial, on the fast path and the general path alike."""
    text = _xargs(form)
    cf, cs = Context("x"), Context("x")
    fast = fastx.parse(text, cf, min_rows=0)
    slow = parse_general(text, cs)
    assert fast is not None
    same(fast, slow)
    assert cf.notices == cs.notices
    assert [n.message for n in cs.notices if n.level != "info"] == []
    assert not any(p.get("partial") for p in slow.processes)
    assert len(slow.processes) == 40
    assert sum("running totals" in n.message for n in cs.notices) == 40 - 4 - sum(
        1 for p in slow.processes if p.get("mappings") == 0)


def test_xargs_capture_x_agrees_with_x_upper_per_process():
    """`pmap -x` of the same PIDs (per-block totals) is read without warnings too, with the same
    mappings per process as -X."""
    from analyzer.ingest.formats.pmap import parse

    cx, cX = Context("x"), Context("X")
    x = parse(_xargs("pmap-x"), cx)
    X = parse(_xargs("pmap-X"), cX)
    assert [n.message for n in cx.notices if n.level != "info"] == []
    assert x.mappings.groupby("pid").size().to_dict() == X.mappings.groupby("pid").size().to_dict()
