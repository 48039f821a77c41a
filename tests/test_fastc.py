"""The C record reader (analyzer/ingest/formats/smaps/_fastc.c, native.py) against the numpy one.

The C reader may only ever decline what the numpy reader reads, never read it differently: a
record it declines sends its slice to numpy. So the smaps fast path's answer must be the same with
the C reader on and off, on every input, real or mutated, and the C reader must really read the
plain kernel layouts (else the tests pass on a reader that declines everything). The fast path
against the exact one, with the C reader on (the default), is tests/test_fast.py's job.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analyzer
from analyzer.ingest.base import Context
from analyzer.ingest.formats.smaps import fastblocks, native

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from test_fast import kernel_record, mutate  # noqa: E402
import generate  # noqa: E402

needs_c = pytest.mark.skipif(not native.AVAILABLE, reason="the C reader was not built (no C compiler)")


def test_built_where_there_is_a_compiler():
    """`make install` builds it wherever a C compiler is: a silent build failure would leave the
    numpy reader doing all the work, 2x slower, with every other test still green."""
    if not (shutil.which("cc") or shutil.which("gcc")):
        pytest.skip("no C compiler here: the numpy reader is the whole story")
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        pytest.skip("no Python headers for this interpreter: nothing to build the extension with")
    assert native.AVAILABLE, "a C compiler is here but analyzer/ingest/formats/smaps/_fastc was not built"


class Counting:
    """native.read_records, counting the slices the C reader read and declined."""

    def __init__(self, monkeypatch):
        self.read = self.declined = 0
        real = native.read_records

        def counted(*args, **kw):
            out = real(*args, **kw)
            if native.ENABLED:
                if out is None:
                    self.declined += 1
                else:
                    self.read += 1
            return out

        monkeypatch.setattr(native, "read_records", counted)


def parse_both(data: bytes, monkeypatch, name: str | None = "proc/5/smaps"):
    """fastblocks.parse with the C reader on, then off: (result, notices) of each."""
    out = []
    for on in (True, False):
        monkeypatch.setattr(native, "ENABLED", on and native.AVAILABLE)
        ctx = Context("dump.smaps")
        got = fastblocks.parse(data, ctx, name)
        out.append((got, ctx.notices))
    monkeypatch.setattr(native, "ENABLED", native.AVAILABLE)
    return out


def assert_same_both_ways(data: bytes, monkeypatch, name: str | None = "proc/5/smaps") -> None:
    (c, c_notes), (n, n_notes) = parse_both(data, monkeypatch, name)
    assert (c is None) == (n is None)
    if c is not None:
        pd.testing.assert_frame_equal(c.mappings, n.mappings)
        assert c.processes == n.processes
    assert c_notes == n_notes


NAMES = [None, "[heap]", "[stack]", "/usr/lib/x86_64-linux-gnu/libc.so.6", "/a b (deleted)", "/tmp/x (deleted)",
         "[anon:x y]", "/dev/zero (deleted)", "/memfd:jit (deleted)", "/caf\u00e9/\u00fc.so", "  two spaces",
         "trailing space ", "(deleted)", "/x (deleted) (deleted)"]


def records(n: int = 60, vmflags: str | None = "rd wr mr mw me ac ") -> list[str]:
    return [kernel_record(0x10000 * (i + 1), 0x10000 * (i + 1) + 0x1000 * (1 + i % 3), ["rw-p", "r-xp", "---s"][i % 3],
                          i * 4096, ["00:00", "fe:01", "103:02", "FD:0A", "259:131072"][i % 5], i * 7919 + (i % 4) * 10**17,
                          NAMES[i % len(NAMES)], {"Rss": i * 4, "Pss": i * 3, "Private_Dirty": i}, vmflags=vmflags)
            for i in range(n)]


@needs_c
def test_plain_records_are_read_in_c_and_equal(monkeypatch):
    counts = Counting(monkeypatch)
    data = "".join(records()).encode()
    assert_same_both_ways(data, monkeypatch)
    assert counts.read and not counts.declined


@needs_c
def test_wide_values_are_read_beside_the_c_reader(monkeypatch):
    """A mapping of 1 TB (a value wider than the first record's column) among plain ones: the C reader
    reads the slice, the wide record's values are read line by line, as numpy does."""
    counts = Counting(monkeypatch)
    recs = records(30) + [kernel_record(0x600000000000, 0x610000000000, "---p")]  # Size: 1073741824 kB
    assert_same_both_ways("".join(recs).encode(), monkeypatch)
    (c, _), _ = parse_both("".join(recs).encode(), monkeypatch)
    assert int(c.mappings["size"].iloc[-1]) == 1 << 40
    assert counts.read and not counts.declined


@needs_c
@pytest.mark.parametrize("layout", ["no_vmflags", "empty_vmflags", "crlf", "banners", "grep", "grep_crlf"])
def test_layouts(monkeypatch, layout):
    counts = Counting(monkeypatch)
    recs = records(vmflags=None if layout == "no_vmflags" else "" if layout == "empty_vmflags" else "rd wr ")
    text = "".join(recs)
    if layout == "crlf":
        text = text.replace("\n", "\r\n")
    if layout == "banners":
        text = "".join(f"==> /proc/{i + 1}/smaps <==\n" + "".join(recs[i * 10 : i * 10 + 10]) + "\n" for i in range(6))
    if layout.startswith("grep"):
        text = grep_h(recs, crlf=layout == "grep_crlf")
    assert_same_both_ways(text.encode(), monkeypatch, None if layout in ("banners", "grep", "grep_crlf") else "proc/5/smaps")
    assert counts.read


def grep_h(recs: list[str], per: int = 10, crlf: bool = False) -> str:
    """``grep -H '' /proc/*/smaps`` of the records, *per* to a process."""
    eol = "\r\n" if crlf else "\n"
    return "".join(f"/proc/{100 + i // per}/smaps:{line}{eol}" for i, rec in enumerate(recs)
                   for line in rec.splitlines())


@needs_c
@pytest.mark.parametrize("seed", range(2))
def test_mutated_grep_output_gives_the_same_answer(monkeypatch, seed):
    """grep -H output (a prefix before every line) with random bytes of one line changed, prefixes
    included: the fast path's answer is the numpy reader's."""
    rng = np.random.default_rng(100 + seed)
    lines = grep_h(records(30)).splitlines(keepends=True)
    alphabet = list(" -:0123456789abcdef/()[]rwxsp\t\n") + ["\u00e9", "/proc/101/smaps:"]
    counts = Counting(monkeypatch)
    for _ in range(80):
        out = list(lines)
        k = int(rng.integers(0, len(lines)))
        chars = list(out[k])
        at = int(rng.integers(0, len(chars) - 1))
        chars[at] = str(rng.choice(alphabet)) if rng.random() < 0.7 else ""
        out[k] = "".join(chars)
        assert_same_both_ways("".join(out).encode(), monkeypatch, None)
    assert counts.read > 20 and counts.declined > 5


@needs_c
@pytest.mark.parametrize("seed", range(4))
def test_mutated_records_give_the_same_answer(monkeypatch, seed):
    """Random bytes of one record changed (headers, values, VmFlags, line ends): whatever the C
    reader does with it, the fast path's answer is the numpy reader's."""
    rng = np.random.default_rng(seed)
    recs = records(24)
    alphabet = list(" -:0123456789abcdefABCDEFgx/()[]rwxspkB\t\n") + ["\u00e9", "\x80", "\x00", "VmFlags:"]
    counts = Counting(monkeypatch)
    for _ in range(120):
        out = list(recs)
        k = int(rng.integers(0, len(recs)))
        out[k] = mutate(out[k], rng, alphabet, keep_last=True)
        data = "".join(out).encode("utf-8", errors="surrogateescape")
        assert_same_both_ways(data, monkeypatch)
    assert counts.read > 50 and counts.declined > 10  # both sides of the line were crossed


@needs_c
@pytest.mark.parametrize("case", ["dev_17_chars", "path_past_column_95", "inode_past_column_95", "wide_value",
                                  "eight_vmflags_spaces", "long_spaces_no_path",
                                  "inode_20_digits"])
def test_what_c_declines_numpy_still_reads(monkeypatch, case):
    """Layouts the C reader leaves to numpy (stricter than it need be): same answer, read by numpy."""
    rec = kernel_record(0x400000, 0x401000, "r-xp", 0, "fe:01", 1234, "/usr/bin/true")
    head, rest = rec.split("\n", 1)
    if case == "dev_17_chars":
        head = head.replace("fe:01", "0000000000000fe:01")
    elif case == "path_past_column_95":
        head = head.replace(" /usr/bin/true", " " * 40 + "/usr/bin/true")
    elif case == "inode_past_column_95":
        head = head.replace(" 1234 ", " " + "1" * 19 + " ").replace("00000000 ", "0" * 16 + " ", 1)
        head = head.replace("00400000-00401000", "0000000000400000-0000000000401000")
    elif case == "wide_value":
        rest = rest.replace("Size:                  4 kB", "Size:            123456789 kB")
    elif case == "eight_vmflags_spaces":
        rest = rest.replace("VmFlags: ", "VmFlags:        ")
    elif case == "inode_20_digits":  # past uint64: not C's to read
        head = head.replace(" 1234 ", " 18446744073709551617 ")
    elif case == "long_spaces_no_path":
        head = head.replace(" /usr/bin/true", " " * 100)
    other = kernel_record(0x600000, 0x601000, name="[heap]")
    data = (other + head + "\n" + rest + kernel_record(0x700000, 0x701000)).encode()
    assert_same_both_ways(data, monkeypatch)


@needs_c
def test_generated_corpus_loads_the_same(tmp_path, monkeypatch):
    """benchmarks/generate.py's tree (every quirk it makes) through the whole loader, C on and off."""
    generate.generate(tmp_path, processes=12, size_mb=2, seed=7)
    frames = []
    for on in (True, False):
        monkeypatch.setattr(native, "ENABLED", on)
        frames.append(analyzer.load(tmp_path / "proc"))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert len(frames[0]) > 100


SMAPS = ROOT / "sample_dumps" / "smaps"
REAL = sorted([p for p in SMAPS.rglob("*smaps*") if p.is_file() and p.stat().st_size and "expected" not in p.parts]
              + [SMAPS / "tree", SMAPS / "tree2", ROOT / "sample_dumps" / "sosreport"])


@needs_c
@pytest.mark.parametrize("path", REAL, ids=lambda p: str(p.relative_to(ROOT)))
def test_real_dumps_load_the_same(path, monkeypatch):
    frames = []
    for on in (True, False):
        monkeypatch.setattr(native, "ENABLED", on)
        frames.append(analyzer.load(path))
    pd.testing.assert_frame_equal(frames[0], frames[1])


@pytest.mark.parametrize("text", [b"", b"abc", b"\n", b"a\nb\n", b"\n" * 1000, b"x" * 100 + b"\n" + b"y\n" * 50])
def test_newlines(text):
    seg = np.frombuffer(text, dtype=np.uint8)
    np.testing.assert_array_equal(native.newlines(seg), np.flatnonzero(seg == 10))


# --- pmap: the aligned number columns of fastx, the distinct names of both pmap fast paths ---------

@needs_c
@pytest.mark.parametrize("hexadecimal", [False, True])
def test_pmap_cells_agree_with_numpy(monkeypatch, hexadecimal):
    """Random byte matrices of two right-aligned columns (and cells that are not numbers): the C
    reader's values equal fastx's numpy readers', and it declines exactly what they decline."""
    from analyzer.ingest.formats.pmap import fastx

    monkeypatch.setattr(native, "ENABLED", True)  # whatever MEMMAPS_NO_C says
    rng = np.random.default_rng(3 + hexadecimal)
    digits = b"0123456789abcdefABCDEF" if hexadecimal else b"0123456789"
    accepted = declined = 0
    for _ in range(400):
        width = 20
        P = np.full((int(rng.integers(1, 6)), width), 32, dtype=np.uint8)
        cols = [(1, 9), (10, 19)] if not hexadecimal else [(2, 18)]
        for row in P:
            for a, e in cols:
                k = int(rng.integers(1, e - a + 1))
                row[e - k : e] = rng.choice(list(digits), size=k)
        if rng.random() < 0.5:  # one odd byte somewhere
            P[int(rng.integers(0, len(P))), int(rng.integers(0, width))] = rng.choice(list(b" -x:g\t1fF"))
        c_out = native.pmap_cells(P, [a for a, _ in cols], [e for _, e in cols], hexadecimal)
        monkeypatch.setattr(native, "ENABLED", False)
        if hexadecimal:
            np_out = fastx._hex(P[:, cols[0][0] : cols[0][1]])
            np_out = None if np_out is None else np_out[None, :]
        else:
            Cols = [type("C", (), {"start": a, "end": e})() for a, e in cols]
            np_out = fastx._decimals(P, Cols)
        monkeypatch.setattr(native, "ENABLED", True)
        assert (c_out is None) == (np_out is None), P
        if c_out is not None:
            np.testing.assert_array_equal(c_out, np_out)
            assert c_out.dtype == np_out.dtype
            accepted += 1
        else:
            declined += 1
    assert accepted > 100 and declined > 50


@needs_c
def test_distinct_texts_is_factorize(monkeypatch):
    monkeypatch.setattr(native, "ENABLED", True)
    data = b"a\nbb\na\n\nccc (deleted)\nbb\n\xff\xfe\n"
    seg = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(seg == 10)
    a, b = np.r_[0, nl[:-1] + 1], nl
    codes, uniques = native.distinct_texts(data, a, b)
    want_codes, want = pd.factorize(pd.Series([data[x:y] for x, y in zip(a, b)], dtype=object))
    assert codes.tolist() == want_codes.tolist() and uniques == list(want)


REAL_PMAP = sorted(p for p in (ROOT / "benchmarks" / "real").glob("pmap-4.0.2*/pmap-*.txt.gz"))


@needs_c
@pytest.mark.parametrize("sample", REAL_PMAP, ids=lambda p: str(p.relative_to(ROOT)))
def test_real_pmap_loads_the_same(sample, monkeypatch, tmp_path):
    """A real procps-ng 4.0.2 capture, four times over with new PIDs (enough rows for the fast
    paths), loaded with the C reader on and off."""
    import gzip

    import pmap_forms

    form = sample.name.removesuffix(".txt.gz")
    path = tmp_path / "pmap.txt"
    path.write_bytes(pmap_forms.copies(gzip.decompress(sample.read_bytes()), 4, form))
    used = []
    real = native._gather
    monkeypatch.setattr(native, "_gather", lambda *a: used.append(1) or real(*a))
    frames = []
    for on in (True, False):
        monkeypatch.setattr(native, "ENABLED", on)
        frames.append(analyzer.load(path))
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert used and len(frames[0]) > 2000
