"""The procps-ng default/-x/-d fast path (analyzer/ingest/formats/pmap/fastcol.py) against the general path.

Real procps-ng 4.0.2 captures (one real run of 30 processes, benchmarks/real/pmap-4.0.2, and the
samples in sample_dumps/pmap) must take the fast path and give the same frame, processes, formats
and notices as the general path; anything irregular must be declined.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from analyzer.ingest.base import Context
from analyzer.ingest.formats.pmap import fastcol, parse_general

ROOT = Path(__file__).resolve().parent.parent
PMAP = ROOT / "sample_dumps" / "pmap"
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))
import pmap_forms  # noqa: E402
from test_pmap_fast import same  # noqa: E402

pytestmark = pytest.mark.usefixtures("both_readers")  # tests/conftest.py: with the C reader and without

FORMS = {"pmap-default": "pmap", "pmap-x": "pmap-x", "pmap-d": "pmap-d"}


def compare(text: str, must_accept: bool = True):
    cf, cs = Context("x.txt"), Context("x.txt")
    fast = fastcol.parse(text, cf, min_rows=0)
    if fast is None:
        assert not must_accept, "clean procps-ng output should take the fast path"
        return None
    slow = parse_general(text, cs)
    same(fast, slow)
    assert cf.notices == cs.notices
    return fast


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("copies", [1, 3])
def test_real_capture_fast_equals_general(form, copies):
    text = pmap_forms.copies(pmap_forms.capture(form), copies, form).decode()
    got = compare(text)
    assert got.formats == {FORMS[form]}
    assert len(got.processes) == 30 * copies
    # an independent count: lines starting with 16 hex digits and a blank
    rows = sum(1 for line in text.splitlines() if len(line) > 17 and line[16] == " "
               and all(c in "0123456789abcdef" for c in line[:16]))
    assert len(got.mappings) == rows


SAMPLES = sorted(p for p in PMAP.glob("pmap-*.txt") if p.name.startswith(("pmap-default", "pmap-x", "pmap-d"))
                 and "i386" not in p.name)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_real_samples_fast_equals_general_or_declined(path):
    compare(path.read_text(), must_accept=False)


def test_real_single_capture_is_accepted():
    assert compare((PMAP / "pmap-x.txt").read_text()) is not None


@pytest.mark.parametrize("change", ["prompt", "prose", "tab", "crlf", "cut", "stray", "dupe", "wide", "toybox",
                                   "mixed", "no_footer"])
def test_irregular_text_is_declined_or_equal(change):
    text = pmap_forms.capture("pmap-x").decode()
    lines = text.splitlines(keepends=True)
    row = next(i for i, line in enumerate(lines) if line[:4] == "0000")
    changed = {
        "prompt": "$ pmap -x 4 5\n" + text,
        "prose": text + "that was all\n",
        "tab": text.replace("r---- ", "r----\t", 1),
        "crlf": text.replace("\n", "\r\n"),
        "cut": text[: len(text) - 30],
        "stray": "".join(lines[: row + 3] + ["hello world\n"] + lines[row + 3:]),
        "dupe": "".join(lines[: row + 1] + [lines[row]] + lines[row + 1:]),
        "wide": text.replace("       4       4", " 123456789012       4", 1),
        "toybox": text.replace("  [ anon ]", "[anon]", 1),
        "mixed": text + pmap_forms.capture("pmap-default").decode(),
        "no_footer": "".join(line for line in lines if not line.startswith("total kB")),
    }[change]
    got = compare(changed, must_accept=change == "wide")
    if change in ("prompt", "prose", "tab", "crlf", "stray", "dupe", "toybox", "mixed"):
        assert got is None


@pytest.mark.parametrize("form", sorted(FORMS))
def test_rows_read_in_chunks_and_from_bytes_equal_general(form, monkeypatch):
    """Rows turned into numbers a few at a time (chunks that split blocks, distinct values of a
    chunk numbered on their own), and the ASCII bytes given as they are: the same as the general path."""
    raw = pmap_forms.copies(pmap_forms.capture(form), 2, form)
    monkeypatch.setattr(fastcol, "CHUNK_ROWS", 7)
    cf, cs = Context("x.txt"), Context("x.txt")
    fast = fastcol.parse(raw, cf, min_rows=0)
    assert fast is not None, "clean procps-ng bytes should take the fast path"
    same(fast, parse_general(raw.decode(), cs))
    assert cf.notices == cs.notices


def test_pmap_parse_of_bytes_equals_parse_of_text():
    """pmap.parse reads ASCII bytes without decoding them first; non-ASCII and declined input as before."""
    from analyzer.ingest.formats.pmap import parse

    raw = pmap_forms.copies(pmap_forms.capture("pmap-x"), 1, "pmap-x")
    for data in (raw, raw.replace(b"libc.so.6", "libc-\u00e9.so.6".encode()), b"junk before\n" + raw):
        cb, ct = Context("x.txt"), Context("x.txt")
        same(parse(data, cb), parse(data.decode(), ct))
        assert cb.notices == ct.notices
