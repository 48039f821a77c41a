"""Real procps-ng 4.0.2 output of 30 processes (benchmarks/real/pmap-4.0.2, made by its capture.sh in
fresh namespaces): the fast paths equal the general path, also on copies with renumbered PIDs (many
blocks sharing a header, -X footers with running totals over all PIDs)."""

from __future__ import annotations

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
