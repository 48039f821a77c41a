"""The vectorised smaps path (analyzer/ingest/formats/smaps/fast.py) against the exact one.

Every case runs both parsers on the same bytes. When the fast path accepts
the input, its frame (after schema.conform), processes, formats and notices
must equal the exact path's; when it declines (returns None), the loader's
answer is the exact path's by construction. Cases that the fast path must
accept are marked, so a fast path that silently declines everything fails.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer import schema
from analyzer.ingest.formats.smaps import fast, fastblocks, fastcols
from analyzer.ingest.formats import smaps
from analyzer.ingest.base import Context
from analyzer.ingest.sources.reader import decode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402

SAMPLES = ROOT / "sample_dumps" / "smaps"


pytestmark = pytest.mark.usefixtures("both_readers")  # tests/conftest.py: with the C reader and without


def both(data: bytes, name: str | None = None, source: str = "dump.smaps"):
    """(fast Parsed or None, exact Parsed, fast notices, exact notices)."""
    cf, ce = Context(source), Context(source)
    got = fastblocks.parse(data, cf, name)
    want = smaps.parse(decode(data, source), ce, name)
    return got, want, cf.notices, ce.notices


def assert_same(data: bytes, name: str | None = None, *, must_accept: bool = False):
    got, want, nf, ne = both(data, name)
    if got is None:
        assert not must_accept, "fast path declined an input it must handle"
        return None
    pd.testing.assert_frame_equal(schema.conform(got.mappings), schema.conform(want.mappings))
    assert got.processes == want.processes
    assert got.formats == want.formats
    assert nf == ne
    return got


def kernel_record(start: int, end: int, perms: str = "rw-p", offset: int = 0, dev: str = "00:00",
                  inode: int = 0, name: str | None = None, values: dict | None = None,
                  fields=generate.FIELDS_6X, vmflags: str | None = "rd wr mr mw me ac ") -> str:
    """One record exactly as fs/proc/task_mmu.c prints it."""
    head = f"{start:08x}-{end:08x} {perms} {offset:08x} {dev} {inode} "
    if name is not None:
        head += " " * max(0, 72 - len(head)) + " " + name
    values = values or {}
    lines = [head]
    for key, width, unit in fields:
        label = f"{key}:".ljust(16) if width == 8 else f"{key}: "
        v = values.get(key, (end - start) // 1024 if key == "Size" else 0)
        lines.append(f"{label}{v:>{width}} kB" if unit else f"{label}{v:>{width}}")
    if vmflags is not None:
        lines.append("VmFlags: " + vmflags)
    return "\n".join(lines) + "\n"


def three(**kw) -> str:
    return (kernel_record(0x400000, 0x401000, "r-xp", 0, "fe:01", 1234, "/usr/bin/true", {"Rss": 4, "Pss": 4})
            + kernel_record(0x600000, 0x621000, name="[heap]", values={"Rss": 132, "Private_Dirty": 132}, **kw)
            + kernel_record(0xFFFFFFFFFF600000, 0xFFFFFFFFFF601000, "--xp", name="[vsyscall]", vmflags="ex "))


# --- generated corpora: realistic, many records, every quirk of generate.py ---------------

@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    generate.generate(out, processes=12, size_mb=3, seed=7)
    return out


@pytest.mark.slow
def test_generated_corpus_is_identical_and_accepted(corpus):
    files = sorted((corpus / "proc").glob("*/smaps"))
    assert len(files) == 12
    rows = 0
    for path in files:
        name = path.relative_to(corpus).as_posix()
        got = assert_same(path.read_bytes(), name, must_accept=True)
        rows += len(got.mappings)
    assert rows > 2000


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("layout", ["6.x", "4.x", "2.6"])
def test_generated_layouts(tmp_path, seed, layout):
    generate.generate(tmp_path, processes=3, size_mb=0.6, seed=seed, layout=layout)
    for path in sorted((tmp_path / "proc").glob("*/smaps")):
        assert_same(path.read_bytes(), path.relative_to(tmp_path).as_posix(), must_accept=True)


def test_values_are_the_dumps_numbers(corpus):
    """Independent oracle: sum Rss/Size lines of one file with plain text arithmetic."""
    path = sorted((corpus / "proc").glob("*/smaps"))[0]
    text = path.read_text()
    rss = sum(int(line.split()[1]) for line in text.splitlines() if line.startswith("Rss:")) * 1024
    size = sum(int(line.split()[1]) for line in text.splitlines() if line.startswith("Size:")) * 1024
    got = fastblocks.parse(path.read_bytes(), Context(str(path)), path.relative_to(corpus).as_posix())
    assert int(got.mappings["rss"].sum()) == rss
    assert int(got.mappings["size"].sum()) == size
    assert got.processes[0]["pid"] == int(path.parent.name)


def test_slices_join_up(tmp_path, monkeypatch):
    """A file longer than one slice gives the same frame as in one piece."""
    generate.generate(tmp_path, processes=1, size_mb=1.5, seed=5)
    path = next((tmp_path / "proc").glob("*/smaps"))
    data = path.read_bytes()
    monkeypatch.setattr(fast, "SLICE_BYTES", 50_000)
    got = assert_same(data, "proc/1/smaps", must_accept=True)
    assert len(got.mappings) > 1000


# --- real captures ---------------------------------------------------------------------

def _text_of(path):
    """The sample's text bytes (gzip undone), or None for a compressed or binary copy."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        decode(data, str(path))
    except Exception:
        return None
    return data


def _sample_files():
    if not SAMPLES.is_dir():
        return []
    return sorted(p for p in SAMPLES.rglob("*") if p.is_file() and "expected" not in p.parts
                  and p.suffix not in (".md", ".py", ".sh", ".json") and p.parent.name != "src"
                  and _text_of(p) is not None)


@pytest.mark.parametrize("path", _sample_files(), ids=lambda p: str(p.relative_to(SAMPLES)))
def test_real_samples(path):
    data = _text_of(path)
    name = path.relative_to(SAMPLES).as_posix() if "proc" in path.parts or path.parent != SAMPLES else None
    assert_same(data, name)


def test_real_single_process_capture_is_accepted():
    path = SAMPLES / "single_threads_thp.smaps"
    if not path.exists():
        pytest.skip("sample not present")
    got = assert_same(path.read_bytes(), must_accept=True)
    assert len(got.mappings) > 10


# --- crafted edge cases ---------------------------------------------------------------------

def test_sixteen_digit_vsyscall_address():
    got = assert_same(three().encode(), "proc/9/smaps", must_accept=True)
    assert got.mappings["start"].iloc[-1] == 0xFFFFFFFFFF600000
    assert got.mappings["start"].dtype == "UInt64"


def test_nvme_device_major_and_uppercase_hex():
    text = kernel_record(0x400000, 0x401000, "r-xp", 0, "103:02", 77, "/opt/a") + \
        kernel_record(0x500000, 0x501000, "r--p", 0x1000, "FE:0A", 78, "/opt/b")
    got = assert_same(text.encode(), must_accept=True)
    assert got.mappings["dev"].tolist() == ["103:02", "fe:0a"]


def test_paths_with_spaces_escaped_newline_and_anon_names():
    names = ["/opt/My App/lib/libx core.so", "/srv/odd\\012name", "[anon:go heap/arena x]",
             "/usr/lib/libfoo.so (deleted)", "/memfd:jit (deleted)", "/dev/zero (deleted)", "/tmp/ends in space "]
    text = "".join(kernel_record(0x1000000 * (i + 1), 0x1000000 * (i + 1) + 0x2000, name=n) for i, n in enumerate(names))
    got = assert_same(text.encode(), must_accept=True)
    assert got.mappings["path"].tolist() == ["/opt/My App/lib/libx core.so", "/srv/odd\\012name",
                                             "[anon:go heap/arena x]", "/usr/lib/libfoo.so", "/memfd:jit",
                                             "/dev/zero", "/tmp/ends in space "]
    assert got.mappings["deleted"].tolist() == [False, False, False, True, True, True, False]


def test_anonymous_has_na_path_and_long_inode():
    text = kernel_record(0x1000, 0x2000) + kernel_record(
        0x7F0000000000, 0x7F0000001000, "r--s", 0x123456789A, "00:05", 18446744073709551, "/x y")
    got = assert_same(text.encode(), must_accept=True)
    assert got.mappings["path"].isna().tolist() == [True, False]
    assert int(got.mappings["inode"].iloc[1]) == 18446744073709551
    assert int(got.mappings["offset"].iloc[1]) == 0x123456789A


def test_utf8_path():
    text = kernel_record(0x1000, 0x2000, name="/home/zoë/日本.so") + kernel_record(0x3000, 0x4000)
    got = assert_same(text.encode(), must_accept=True)
    assert got.mappings["path"].iloc[0] == "/home/zoë/日本.so"


def test_single_record():
    assert_same(kernel_record(0x1000, 0x2000, name="[stack]").encode(), "proc/5/smaps", must_accept=True)


def test_records_without_vmflags():
    text = "".join(kernel_record(0x1000 * (2 * i + 1), 0x1000 * (2 * i + 2), vmflags=None,
                                 fields=generate.FIELDS_26) for i in range(5))
    got = assert_same(text.encode(), must_accept=True)
    assert got.mappings["vmflags"].isna().all()


def test_empty_vmflags_value():
    text = kernel_record(0x1000, 0x2000, vmflags="") + kernel_record(0x3000, 0x4000, vmflags="")
    got = assert_same(text.encode(), must_accept=True)
    assert got.mappings["vmflags"].tolist() == ["", ""]


def test_value_wider_than_its_column():
    """A 1 TiB reservation: Size has 10 digits, wider than the kernel's 8-column field."""
    big = 1 << 40
    text = (kernel_record(0x1000, 0x2000) + kernel_record(0x600000000000, 0x600000000000 + big, "---p")
            + kernel_record(0x700000000000, 0x700000001000))
    got = assert_same(text.encode(), must_accept=True)
    assert int(got.mappings["size"].iloc[1]) == big


def test_unknown_future_field_is_kept():
    fields = generate.FIELDS_6X + [("NewThing", 8, True), ("NewCount", 8, False)]
    text = kernel_record(0x1000, 0x2000, fields=fields, values={"NewThing": 12, "NewCount": 3}) * 1
    text += kernel_record(0x3000, 0x4000, fields=fields, values={"NewThing": 1, "NewCount": 0})
    got = assert_same(text.encode(), must_accept=True)
    assert got.mappings["new_thing"].tolist() == [12 * 1024, 1024]
    assert got.mappings["new_count"].tolist() == [3, 0]


@pytest.mark.parametrize("case", [
    "empty", "truncated_mid_line", "truncated_at_line", "crlf", "banner", "grep", "blank_line",
    "varying_keys", "restart", "tab_in_header", "rollup", "leading_space", "bad_value", "kb_on_unitless",
    "not_utf8", "control_char", "double_space", "nul",
])
def test_irregular_inputs_fall_back_or_agree(case):
    base = three()
    lines = base.splitlines(keepends=True)
    data = {
        "empty": "",
        "truncated_mid_line": base[:-7],
        "truncated_at_line": "".join(lines[:-3]),
        "crlf": base.replace("\n", "\r\n"),
        "banner": "==> /proc/1/smaps <==\n" + base,
        "grep": "".join("/proc/1/smaps:" + line for line in lines),
        "blank_line": base.replace("Rss:", "\nRss:", 1),
        "varying_keys": base.replace("KSM:   ", "XYZ:   ", 1),
        "restart": base + kernel_record(0x1000, 0x2000),
        "tab_in_header": base.replace(" [heap]", "\t[heap]", 1),
        "rollup": kernel_record(0x1000, 0x2000, name="[rollup]") + kernel_record(0x3000, 0x4000),
        "leading_space": " " + base,
        "bad_value": base.replace("Rss:                 132 kB", "Rss:                 1x2 kB"),
        "kb_on_unitless": base.replace("THPeligible:           0", "THPeligible:         0 kB"),
        "not_utf8": base.replace("/usr/bin/true", "/usr/bin/tr\udcffe"),
        "control_char": base.replace("/usr/bin/true", "/usr/bin/t\x0bue"),
        "double_space": base.replace("r-xp 00000000", "r-xp  00000000"),
        "nul": base.replace("/usr/bin/true", "/usr/bin/t\x00ue"),
    }[case]
    raw = data.encode("utf-8", errors="surrogateescape")
    whole = fast.parse_whole(raw, Context("dump.smaps"), None)
    if case in ("grep", "crlf", "truncated_mid_line", "restart", "rollup", "not_utf8",
                "control_char", "nul", "blank_line", "varying_keys", "bad_value", "kb_on_unitless", "empty"):
        assert whole is None, f"{case}: the whole-buffer fast path must leave this to the exact path"
    cf = Context("dump.smaps")
    got = fastblocks.parse(raw, cf, None)  # block by block: CRLF dropped, grep -H prefixes cut off first
    if case in ("grep", "crlf", "banner"):
        assert got is not None, f"{case}: the block-wise fast path must read this"
    for parsed in (whole, got):
        if parsed is None:
            continue
        ce = Context("dump.smaps")
        try:
            want = smaps.parse(decode(raw, "dump.smaps"), ce)
        except Exception:  # the exact path refuses it: the fast path must not have accepted it
            pytest.fail(f"{case}: fast path accepted what the exact path refuses")
        pd.testing.assert_frame_equal(schema.conform(parsed.mappings), schema.conform(want.mappings))
        assert parsed.processes == want.processes
    if got is not None:
        assert cf.notices == ce.notices


def concatenation(blocks: list[tuple[str, str]], blank_between: bool) -> str:
    out = []
    for i, (banner, body) in enumerate(blocks):
        if i and blank_between:
            out.append("\n")
        out.append(f"==> {banner} <==\n" + body)
    return "".join(out)


@pytest.mark.parametrize("blank_between", [True, False], ids=["head", "loop"])
def test_banner_concatenation_with_kernel_threads(blank_between):
    blocks = [("/proc/1/smaps", three()), ("/proc/2/smaps", ""), ("/proc/30/smaps", three()),
              ("/proc/31/smaps", ""), ("/proc/400/smaps", kernel_record(0x1000, 0x2000, name="/x y"))]
    got, want, nf, ne = both(concatenation(blocks, blank_between).encode())
    assert got is not None
    pd.testing.assert_frame_equal(schema.conform(got.mappings), schema.conform(want.mappings))
    assert got.processes == want.processes
    assert nf == ne and len(nf) == 2  # the two kernel threads
    assert got.mappings["pid"].tolist() == [1] * 3 + [30] * 3 + [400]


def test_banner_concatenation_of_generated_corpus(tmp_path, monkeypatch):
    totals = generate.generate(tmp_path, processes=6, size_mb=1.2, seed=3, concat=True)
    data = (tmp_path / "all.smaps").read_bytes()
    monkeypatch.setattr(fast, "SLICE_BYTES", 100_000)  # many slices, banners at their edges
    got = assert_same(data, must_accept=True)
    assert len(got.mappings) == totals["mappings"]
    assert [p["pid"] for p in got.processes] == totals["pids"]


@pytest.mark.parametrize("case", ["self", "repeated_pid", "text_before_banner", "bad_banner",
                                  "banner_inside_record", "blank_inside_record"])
def test_banner_oddities_fall_back_or_agree(case):
    blocks = {
        "self": [("/proc/1/smaps", three()), ("/proc/self/smaps", three())],
        "repeated_pid": [("/proc/1/smaps", three()), ("/proc/1/smaps", three())],
        "text_before_banner": [("/proc/1/smaps", three())],
        "bad_banner": [("/proc/1/smaps", three()), ("/proc/2/smaps", three())],
        "banner_inside_record": [("/proc/1/smaps", three().replace("\nVmFlags: ex", "\n==> /proc/2/smaps <==\nVmFlags: ex"))],
        "blank_inside_record": [("/proc/1/smaps", three().replace("\nSize:", "\n\nSize:", 1).replace("\nVmFlags: ex", "\n\nVmFlags: ex"))],
    }[case]
    text = concatenation(blocks, True)
    if case == "text_before_banner":
        text = three() + text
    if case == "bad_banner":
        text = text.replace("==> /proc/2/smaps <==", "==> /proc/2/smaps <=")
    got = assert_same(text.encode())  # block by block: the blocks the fast path declines go the exact way
    if case in ("repeated_pid", "bad_banner", "banner_inside_record"):
        assert fast.parse_whole(text.encode(), Context("dump.smaps")) is None
    if case == "self":
        assert got is not None and got.processes[1]["pid"] is None


def test_real_head_capture_with_self_is_accepted():
    path = SAMPLES / "multi_head.smaps"
    if not path.exists():
        pytest.skip("sample not present")
    got = assert_same(path.read_bytes(), must_accept=True)
    assert any(p["block_name"] == "/proc/self/smaps" for p in got.processes)


def test_decline_does_not_leave_notices():
    ctx = Context("x")
    assert fastblocks.parse(three()[:-5].encode(), ctx) is None
    assert ctx.notices == []


def test_through_the_loader(tmp_path):
    """analyzer.load on a generated tree equals the exact path's rows, with commands from cmdline."""
    import analyzer

    generate.generate(tmp_path, processes=4, size_mb=0.8, seed=11)
    frame = analyzer.load(tmp_path / "proc")
    total = 0
    for path in sorted((tmp_path / "proc").glob("*/smaps")):
        want = smaps.parse(path.read_text(), Context(str(path)), path.relative_to(tmp_path).as_posix())
        pid = int(path.parent.name)
        mine = frame[frame["pid"] == pid]
        assert len(mine) == len(want.mappings)
        assert int(mine["rss"].sum()) == int(want.mappings["rss"].sum())
        assert np.array_equal(mine["start"].to_numpy(dtype="uint64"), want.mappings["start"].to_numpy(dtype="uint64"))
        total += len(mine)
    assert total == len(frame)
    assert frame["command"].notna().all()


# --- header lines: every field placed from the edges between runs of spaces -------------------

@pytest.mark.parametrize("case", [
    "uppercase_addresses", "end_wider_than_start", "sixteen_digit_offset", "anon_without_trailing_space",
    "anon_with_trailing_spaces", "nineteen_digit_inode", "long_path_past_window", "name_after_one_space",
    "short_addresses", "three_digit_major", "long_dev",
])
def test_header_layouts_accepted(case):
    rec = kernel_record(0x7F0000000000, 0x7F0000021000, "r-xp", 0x1000, "fe:01", 123456, "/usr/lib/x.so")
    header, rest = rec.split("\n", 1)
    header = {
        "uppercase_addresses": header.replace("7f0000000000-7f0000021000", "7F0000000000-7F0000021000"),
        "end_wider_than_start": header.replace("7f0000000000-7f0000021000", "fffff000-100001000"),
        "sixteen_digit_offset": header.replace(" 00001000 ", " 123456789abcdef0 "),
        "anon_without_trailing_space": header.split(" 123456 ")[0] + " 123456",
        "anon_with_trailing_spaces": header.split(" 123456 ")[0] + " 123456    ",
        "nineteen_digit_inode": header.replace(" 123456 ", " 9999999999999999999 "),
        "long_path_past_window": header.replace("/usr/lib/x.so", "/" + "d/" * 60 + "x.so (deleted)"),
        "name_after_one_space": header.split(" 123456 ")[0] + " 123456 /a b",
        "short_addresses": header.replace("7f0000000000-7f0000021000", "1-2"),
        "three_digit_major": header.replace(" fe:01 ", " 103:0a "),
        "long_dev": header.replace(" fe:01 ", " 10003:fedc1 "),
    }[case]
    other = kernel_record(0x7FF000000000, 0x7FF000001000, name="[stack]")
    got = assert_same((header + "\n" + rest + other).encode(), "proc/3/smaps", must_accept=True)
    assert len(got.mappings) == 2


@pytest.mark.parametrize("case", [
    "no_inode", "inode_hex", "inode_twenty_digits", "offset_seventeen_digits", "address_without_dash",
    "two_dashes", "perms_five", "perms_bad_char", "double_space_before_dev", "dev_without_colon",
    "dev_two_colons", "dev_leading_colon", "dev_trailing_colon", "dev_short", "dev_bad_char",
    "space_at_window_edge", "only_spaces_past_window", "inode_past_window", "empty_line_header",
])
def test_header_oddities_fall_back_or_agree(case):
    rec = kernel_record(0x7F0000000000, 0x7F0000021000, "r-xp", 0x1000, "fe:01", 123456, "/usr/lib/x.so")
    header, rest = rec.split("\n", 1)
    prefix = header.split(" 123456 ")[0]
    header = {
        "no_inode": prefix + " ",
        "inode_hex": header.replace(" 123456 ", " 12a456 "),
        "inode_twenty_digits": header.replace(" 123456 ", " 18446744073709551615 "),
        "offset_seventeen_digits": header.replace(" 00001000 ", " 10000000000000000 "),
        "address_without_dash": header.replace("7f0000000000-7f0000021000", "7f0000000000x7f0000021000"),
        "two_dashes": header.replace("7f0000000000-7f0000021000", "7f0000000000--7f0000021000"),
        "perms_five": header.replace(" r-xp ", " r-xpp "),
        "perms_bad_char": header.replace(" r-xp ", " r-xq "),
        "double_space_before_dev": header.replace(" fe:01", "  fe:01"),
        "dev_without_colon": header.replace(" fe:01 ", " fe01 "),
        "dev_two_colons": header.replace(" fe:01 ", " fe:0:1 "),
        "dev_leading_colon": header.replace(" fe:01 ", " :fe01 "),
        "dev_trailing_colon": header.replace(" fe:01 ", " fe01: "),
        "dev_short": header.replace(" fe:01 ", " f: "),
        "dev_bad_char": header.replace(" fe:01 ", " fg:01 "),
        "space_at_window_edge": prefix + " 123456" + " " * (fastcols.HEAD_WINDOW - len(prefix) - 8) + " /p",
        "only_spaces_past_window": prefix + " 123456" + " " * 200,
        "inode_past_window": prefix + " " * 0 + " " + "1" * 19 + " " * 10 + "/x",
        "empty_line_header": "",
    }[case]
    if case == "inode_past_window":
        header = header.replace(" 00001000 ", " " + "0" * 16 + " ").replace("7f0000000000-7f0000021000",
                                                                             "7f00000000000000-7f00000000021000")
    other = kernel_record(0x7FF000000000, 0x7FF000001000, name="[stack]")
    data = (other + header + "\n" + rest + other.replace("7ff000000000-7ff000001000", "7ff000002000-7ff000003000"))
    got, want, _, _ = both(data.encode(), "proc/3/smaps")
    if got is not None:
        pd.testing.assert_frame_equal(schema.conform(got.mappings), schema.conform(want.mappings))
    if case in ("no_inode", "inode_hex", "address_without_dash", "two_dashes", "perms_five", "perms_bad_char",
                "double_space_before_dev", "dev_without_colon", "dev_two_colons", "dev_leading_colon",
                "dev_trailing_colon", "dev_short", "dev_bad_char", "empty_line_header"):
        assert got is None, f"{case}: the fast path must leave this to the exact path"


def mutate(text: str, rng, alphabet: list[str], keep_last: bool = False) -> str:
    """*text* with one or two random edits (a character replaced 60% of the time, deleted 20%,
    one inserted 20%), from *alphabet*; *keep_last*: never at its last character."""
    chars = list(text)
    for _ in range(int(rng.integers(1, 3))):
        at = int(rng.integers(0, len(chars) - (1 if keep_last else 0)))
        op = rng.random()
        if op < 0.6:
            chars[at] = str(rng.choice(alphabet))
        elif op < 0.8:
            del chars[at]
        else:
            chars.insert(at, str(rng.choice(alphabet)))
    return "".join(chars)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_header_fuzz_agrees_with_exact_path(seed):
    """Random bytes of the header lines replaced by characters that matter to the
    field splitting; whenever the fast path accepts, it must agree with the exact one."""
    rng = np.random.default_rng(seed)
    names = [None, "[heap]", "/usr/lib/libc.so.6", "/a b (deleted)", "[anon:x y]"]
    recs = [kernel_record(0x10000 * (i + 1), 0x10000 * (i + 1) + 0x1000 * (1 + i % 3), "rw-p", i * 4096,
                          ["00:00", "fe:01", "103:02"][i % 3], i * 7919, names[i % len(names)]) for i in range(40)]
    alphabet = list(" -:0123456789abcdefABCDEFgx/()[]rwxsp")
    accepted = 0
    for trial in range(150):
        out = list(recs)
        k = int(rng.integers(0, len(recs)))  # one header changed per trial: one change decides it
        header, rest = recs[k].split("\n", 1)
        out[k] = mutate(header, rng, alphabet) + "\n" + rest
        data = "".join(out).encode()
        got = fastblocks.parse(data, Context("f"), "proc/5/smaps")
        if got is None:
            continue
        accepted += 1
        want = smaps.parse(decode(data, "f"), Context("f"), "proc/5/smaps")
        pd.testing.assert_frame_equal(schema.conform(got.mappings), schema.conform(want.mappings))
    assert accepted > 30  # many changed headers are still valid ones: those are compared


# --- field values: eight digits to a word, checked as words ------------------------------------

@pytest.mark.parametrize("case", ["space_between_digits", "left_aligned", "plus_sign", "minus_sign", "letter",
                                  "tab", "colon", "all_spaces", "digit_in_key_column"])
def test_value_window_oddities_are_declined(case):
    base = three()
    old = "Rss:                 132 kB"
    assert old in base
    new = {
        "space_between_digits": "Rss:                 1 2 kB",
        "left_aligned": "Rss:                 13  kB",
        "plus_sign": "Rss:                 +32 kB",
        "minus_sign": "Rss:                 -32 kB",
        "letter": "Rss:                 13a kB",
        "tab": "Rss:                 \t32 kB",
        "colon": "Rss:                 1:2 kB",
        "all_spaces": "Rss:                     kB",
        "digit_in_key_column": "Rss:        1        132 kB",
    }[case]
    assert len(new) == len(old)
    data = base.replace(old, new).encode()
    assert fast.parse_whole(data, Context("dump.smaps")) is None  # the vectorised reader declines it
    assert_same(data)  # the block-wise path reads that record alone on the exact path: the same result


def test_narrow_unitless_fields_without_a_space_column():
    """Fields like `THPeligible: 0` leave no fixed space in the block to pad narrow windows with."""
    fields = [("THPeligible", 1, False), ("ProtectionKey", 1, False)]
    recs = [kernel_record(0x1000 * (2 * i + 1), 0x1000 * (2 * i + 2), fields=fields,
                          values={"THPeligible": i % 2, "ProtectionKey": 7 - i % 8}) for i in range(20)]
    recs[5] = kernel_record(0xB000, 0xC000, fields=fields, values={"THPeligible": 1, "ProtectionKey": 12})  # wider
    got = assert_same("".join(recs).encode(), must_accept=True)
    assert got.mappings["thp_eligible"].tolist() == [i % 2 if i != 5 else 1 for i in range(20)]
    assert got.mappings["protection_key"].tolist() == [7 - i % 8 if i != 5 else 12 for i in range(20)]


def test_narrow_windows_padded_from_a_space_column():
    """A 2.6-style layout: some values narrower than eight columns, padded from a fixed space."""
    fields = [("Size", 8, True), ("Rss", 8, True), ("THPeligible", 1, False)]
    recs = [kernel_record(0x1000 * (2 * i + 1), 0x1000 * (2 * i + 2), fields=fields,
                          values={"Rss": 4 * i, "THPeligible": i % 2}) for i in range(30)]
    got = assert_same("".join(recs).encode(), must_accept=True)
    assert got.mappings["rss"].tolist() == [4096 * i for i in range(30)]
    assert got.mappings["thp_eligible"].tolist() == [i % 2 for i in range(30)]
