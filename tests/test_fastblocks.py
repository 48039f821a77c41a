"""The block-wise fast path (analyzer/ingest/formats/smaps/fastblocks.py) against the exact path, on irregular forms.

Each form of a generated banner concatenation (benchmarks/forms.py: cut, CRLF, grep -H, /proc/self,
two kernels, an odd value, a non-UTF-8 path) is parsed both ways: frame (after schema.conform),
processes, formats and notices must be equal, and the fast path must have read all but the few
blocks that are irregular (so a path that silently falls back to the exact parser everywhere fails).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from analyzer import schema
from analyzer.errors import ParseError
from analyzer.ingest.formats.smaps import exact as smaps
from analyzer.ingest.formats.smaps import fast, fastblocks, fastcols, fastruns
from analyzer.ingest.base import Context
from analyzer.ingest.sources.reader import decode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import forms  # noqa: E402
import generate  # noqa: E402

# how many whole blocks and how many single records each form may send down the exact path
EXACT = {"clean": (0, 0), "cut": (0, 1), "crlf": (0, 0), "grep-H": (0, 0), "grep-H+crlf": (0, 0), "self": (0, 0),
         "odd-value": (0, 1), "not-utf8": (0, 1), "kernels": (0, 0)}
EXACT_BLOCKS = {form: blocks + alone for form, (blocks, alone) in EXACT.items()}  # block by block


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("forms")
    generate.generate(out / "new", processes=10, size_mb=1.5, seed=11, concat=True)
    generate.generate(out / "old", processes=4, size_mb=0.5, seed=12, layout="4.x", concat=True)
    return forms.forms((out / "new" / "all.smaps").read_bytes(), (out / "old" / "all.smaps").read_bytes())


def compare(data: bytes, name: str | None = None, on_bad_lines: str = "warn"):
    """Parse both ways; assert equal; return the fast result and how many blocks went the exact way
    (``compare.alone``: how many single records, ``compare.fallback``: whether the block-by-block
    path ran)."""
    calls, alone, fallback = [], [], []
    real, real_alone, real_segments = fastblocks.exact_parse, fastruns.exact_parse, fastblocks._parse_segments

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    def counting_alone(*args, **kwargs):
        alone.append(1)
        return real_alone(*args, **kwargs)

    def segments(*args, **kwargs):
        fallback.append(1)
        return real_segments(*args, **kwargs)

    cf, ce = Context("dump.smaps", on_bad_lines), Context("dump.smaps", on_bad_lines)
    fastblocks.exact_parse, fastruns.exact_parse, fastblocks._parse_segments = counting, counting_alone, segments
    try:
        got = fastblocks.parse(data, cf, name)
    finally:
        fastblocks.exact_parse, fastruns.exact_parse, fastblocks._parse_segments = real, real_alone, real_segments
    compare.alone, compare.fallback = len(alone), bool(fallback)
    want = smaps.parse(decode(data, "dump.smaps"), ce, name)
    assert got is not None, "the block-wise path declined the whole input"
    pd.testing.assert_frame_equal(schema.conform(got.mappings), schema.conform(want.mappings))
    assert got.processes == want.processes
    assert got.formats == want.formats
    assert cf.notices == ce.notices
    compare.notices = cf.notices
    return got, len(calls)


@pytest.mark.parametrize("form", sorted(EXACT))
@pytest.mark.parametrize("slice_bytes", [fast.SLICE_BYTES, 50_000], ids=["slice1M", "slice50k"])
def test_form_equals_exact_path(corpus, form, slice_bytes, monkeypatch):
    """Each form in one fast pass: no block-by-block fallback, and only the irregular block or
    record on the exact parser."""
    monkeypatch.setattr(fast, "SLICE_BYTES", slice_bytes)
    got, exact_blocks = compare(corpus[form])
    assert (exact_blocks, compare.alone) == EXACT[form]
    assert not compare.fallback
    assert len(got.mappings) > 1000


@pytest.mark.parametrize("form", sorted(EXACT))
@pytest.mark.parametrize("group", [fastblocks.GROUP_BYTES, 200_000], ids=["group4M", "group200k"])
def test_form_block_by_block_equals_exact_path(corpus, form, group, monkeypatch):
    """The block-by-block path (taken where reading record by record would not give the exact
    path's result) on every form."""
    monkeypatch.setattr(fastblocks, "GROUP_BYTES", group)

    def declined(*args, **kwargs):
        raise fastcols.Irregular("test")

    monkeypatch.setattr(fastruns, "runs", declined)
    monkeypatch.setattr(fastblocks.fastgrep, "blocks", lambda data: None)
    got, exact_blocks = compare(corpus[form])
    assert exact_blocks <= EXACT_BLOCKS[form]
    assert len(got.mappings) > 1000


def _odd(record: bytes) -> bytes:
    """A record with one value the kernel never prints."""
    at = record.index(b"\nRss:") + 1
    end = record.index(b"\n", at)
    return record[:at] + record[at:end].replace(b" kB", b"x kB")[:end - at] + record[end:]


def _records(body: bytes) -> list[bytes]:
    """The records of a block body (header line first)."""
    import re
    starts = [m.start() for m in re.finditer(rb"^[0-9a-f]+-[0-9a-f]+ ", body, re.M)] + [len(body)]
    return [body[a:b] for a, b in zip(starts, starts[1:])]


@pytest.mark.parametrize("where", ["first of the file", "first of a block", "last of a block",
                                   "two in one block", "one after another", "in the last block"])
@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_odd_records_anywhere_are_read_alone(corpus, where, crlf):
    parts = forms.blocks(corpus["clean"])
    recs = [_records(body) for _, body in parts]
    picks = {"first of the file": [(0, 0)], "first of a block": [(3, 0)], "last of a block": [(3, -1)],
             "two in one block": [(4, 2), (4, 9)], "one after another": [(5, 3), (5, 4)],
             "in the last block": [(len(parts) - 1, 5)]}[where]
    for b, r in picks:
        recs[b][r] = _odd(recs[b][r])
    data = forms.join([(name, b"".join(rs)) for (name, _), rs in zip(parts, recs)])
    if crlf:
        data = forms.crlf(data)
    got, exact_blocks = compare(data)
    assert exact_blocks == 0 and compare.alone == len(picks) and not compare.fallback
    assert sum("cannot interpret value of Rss" in n.message for n in compare.notices) == len(picks)


def test_odd_record_of_a_single_block_file(corpus):
    body = forms.blocks(corpus["clean"])[2][1]
    recs = _records(body)
    recs[7] = _odd(recs[7])
    got, exact_blocks = compare(b"".join(recs), name="proc/4242/smaps")
    assert exact_blocks == 0 and compare.alone == 1
    assert set(got.mappings["pid"]) == {4242}


def test_record_with_a_line_too_many_is_not_read_alone(corpus):
    """A record the fast path groups wrongly (one line more than its neighbours): no record is read
    alone then (its neighbours' fields would be mixed in), the block goes to the exact parser."""
    parts = forms.blocks(corpus["clean"])
    recs = _records(parts[3][1])
    at = recs[6].index(b"\nRss:") + 1
    recs[6] = recs[6][:at] + b"Extra_field:           4 kB\n" + recs[6][at:]
    data = forms.join(parts[:3] + [(parts[3][0], b"".join(recs))] + parts[4:])
    got, exact_blocks = compare(data)
    assert exact_blocks == 1 and compare.alone == 0


def test_forms_differ_from_clean_and_keep_the_mappings(corpus):
    """The generators really make irregular input, and the content stays (an independent count)."""
    clean = corpus["clean"]
    headers = len(smaps.parse(clean.decode(), Context("x")).mappings)
    for form in ("crlf", "grep-H", "grep-H+crlf", "not-utf8", "odd-value"):
        assert corpus[form] != clean
        assert fast.parse_whole(corpus[form], Context("x")) is None, form
        assert len(fastblocks.parse(corpus[form], Context("x")).mappings) == headers, form


def test_odd_value_under_on_bad_lines_error_names_the_same_line(corpus):
    with pytest.raises(ParseError) as fast_err:
        fastblocks.parse(corpus["odd-value"], Context("dump.smaps", "error"))
    with pytest.raises(ParseError) as exact_err:
        smaps.parse(decode(corpus["odd-value"], "dump.smaps"), Context("dump.smaps", "error"))
    assert str(fast_err.value) == str(exact_err.value)
    line = corpus["odd-value"].split(b"\n")[fast_err.value.lineno - 1]
    assert b"1x2 kB" in line


def test_repeated_pid_in_another_group_is_warned_once(corpus, monkeypatch):
    parts = forms.blocks(corpus["clean"])
    data = forms.join(parts + [parts[0]])
    monkeypatch.setattr(fastblocks, "GROUP_BYTES", 100_000)
    got, _ = compare(data)
    assert sum("appears again" in n.message for n in compare.notices) == 1
    pid = int(parts[0][0].split(b"/")[2])
    assert [p["pid"] for p in got.processes].count(pid) == 2


@pytest.mark.parametrize("crlf", [False, True], ids=["lf", "crlf"])
def test_cut_at_every_kind_of_place(corpus, crlf):
    clean = corpus["clean"]
    mid = len(clean) // 2
    vm = clean.find(b"\nVmFlags", mid) + 1
    banner = clean.find(b"\n==>", mid) + 1
    first_header = clean.find(b"\n", banner) + 1  # the first record of a block
    places = {"mid-line": len(clean) // 3, "before VmFlags": vm, "in VmFlags": vm + 12,
              "after VmFlags": clean.find(b"\n", vm) + 1, "in a header": clean.find(b"\n", vm) + 20,
              "after a header": clean.find(b"\n", clean.find(b"\n", vm) + 1) + 1,
              "at a banner": banner, "in a banner": banner + 5, "in a block's first record": first_header + 200,
              "in a block's second record": clean.find(b"\nVmFlags", first_header) + 30}
    for where, at in places.items():
        data = forms.crlf(clean[:at]) if crlf else clean[:at]
        got, exact_blocks = compare(data)
        assert not compare.fallback, where


def test_lines_before_the_first_banner_keep_the_file_name(corpus):
    parts = forms.blocks(corpus["clean"])
    data = parts[0][1] + b"\n" + forms.join(parts[1:3])
    got, _ = compare(data, name="proc/77/smaps")
    assert got.processes[0]["pid"] == 77


def test_grep_with_a_line_without_prefix_is_the_exact_paths(corpus):
    data = corpus["grep-H"]
    at = data.find(b"\n", len(data) // 2) + 1
    data = data[:at] + b"stray line\n" + data[at:]
    assert fastblocks.parse(data, Context("x")) is None


def test_grep_of_a_name_seen_before_is_the_exact_paths(corpus):
    data = corpus["grep-H"]
    first = data[: data.find(b"\n") + 1]
    assert fastblocks.parse(data + first, Context("x")) is None


def test_crlf_only_after_line_50_is_the_exact_paths(corpus):
    clean = corpus["clean"]
    at = clean.find(b"\n==>", len(clean) // 2)
    assert fastblocks.parse(clean[:at] + clean[at:].replace(b"\n", b"\r\n"), Context("x")) is None


def test_real_grep_capture(corpus):
    path = ROOT / "sample_dumps" / "smaps" / "multi_grep.smaps"
    got, exact_blocks = compare(path.read_bytes())
    assert exact_blocks == 0 and len(got.processes) > 1


def test_real_captures_as_forms():
    """Real kernel captures (multi_head: a head of several processes) in every form."""
    data = (ROOT / "sample_dumps" / "smaps" / "multi_head.smaps").read_bytes()
    for form, text in forms.forms(data).items():
        if form in ("odd-value", "not-utf8") and b"\nRss:" not in text[len(text) // 2 :]:
            continue
        compare(text)


@pytest.mark.parametrize("line", ["Rss:", "VmFlags:", "header", "blank"])
def test_grep_line_with_another_prefix_is_caught(corpus, line):
    """One line in the middle of a grep -H block with another name of the same length: the fast path
    must not read it as its block's (the exact path makes another block of it)."""
    data = corpus["grep-H"]
    mid = data.find(b"\n", len(data) // 2) + 1
    name = data[mid : data.index(b":", mid)]
    other = name[:-7] + (b"7" if name[-7:-6] != b"7" else b"8") + name[-6:]  # /proc/N/smaps: another N
    if line == "header":
        at = data.find(b"\n" + name + b":", data.find(b"VmFlags", mid)) + 1
    elif line == "blank":
        at = data.find(b"\n" + name + b":", mid) + 1
        data = data[:at] + name + b":\n" + data[at:]
    else:
        at = data.find(b"\n" + name + b":" + line.encode(), mid) + 1
    assert at > 0
    data = data[:at] + other + data[at + len(name):]
    blocks = fastblocks.fastgrep.blocks(data)
    if blocks is not None:  # the prefix check must decline it
        with pytest.raises(fastcols.Irregular):
            fast.scan(data, Context("x"), grep=blocks)
    if fastblocks.parse(data, Context("x")) is not None:  # else the exact path reads it all
        compare(data)
