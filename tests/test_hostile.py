"""Hostile input: numbers no kernel prints, headers no pmap prints, files we may not read.

Every case is a real dump with one thing changed (issue 17's fuzzing finds). None
may end in an internal error or a wrong number: the value is NA, or the line is
refused, with a warning naming the file and the line.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import analyzer
from analyzer.cli import cli
from analyzer.errors import ParseError
from analyzer.ingest.base import Context
from analyzer.ingest.formats.pmap import fastx

ROOT = Path(__file__).resolve().parent.parent
SMAPS = ROOT / "sample_dumps" / "smaps"
PMAP = ROOT / "sample_dumps" / "pmap"
BIG = "99999999999999999999"          # 20 digits: over int64 and uint64
HUGE = "9" * 5000                    # over Python's 4,300-digit conversion limit
AFTER_1024 = "9007199254740993"      # fits int64 as kB, not as bytes


def _single():
    return (SMAPS / "single_threads_thp.smaps").read_text()


def _first_rss(text: str, value: str) -> str:
    return text.replace("Rss:                   4 kB", f"Rss: {value} kB", 1)


def load_warnings(path: Path, mode: str = "warn"):
    ds = analyzer.load_dataset(path, on_bad_lines=mode)
    return ds, [str(n) for n in ds.warnings]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("value", [BIG, HUGE, AFTER_1024])
def test_smaps_value_too_large_is_na_with_warning(tmp_path, value):
    path = tmp_path / "big.smaps"
    path.write_text(_first_rss(_single(), value))
    ds, warnings = load_warnings(path)
    whole = analyzer.load(SMAPS / "single_threads_thp.smaps")
    assert len(ds.mappings) == len(whole)
    assert ds.mappings["rss"].isna().sum() == 1 and pd.isna(ds.mappings["rss"].iloc[0])
    assert ds.mappings["rss"].iloc[1:].tolist() == whole["rss"].iloc[1:].tolist()
    assert any(w.startswith(f"{path}:5: warning: Rss: number too large") for w in warnings), warnings
    with pytest.raises(ParseError, match=r":5: Rss: number too large"):
        analyzer.load_dataset(path, on_bad_lines="error")


@pytest.mark.parametrize("value", [BIG, HUGE])
def test_smaps_banner_pid_too_large_kept_as_unknown(tmp_path, value):
    text = (SMAPS / "multi_head.smaps").read_text().replace("==> /proc/1/smaps <==", f"==> /proc/{value}/smaps <==", 1)
    path = tmp_path / "banner.smaps"
    path.write_text(text)
    ds, warnings = load_warnings(path)
    whole = analyzer.load(SMAPS / "multi_head.smaps")
    assert len(ds.mappings) == len(whole)
    assert 1 not in set(ds.mappings["pid"].dropna()) and ds.mappings["pid"].isna().sum() > 0
    assert any(f"{path}:1: warning:" in w and "PID number too large" in w for w in warnings), warnings


@pytest.mark.parametrize("name", ["single_threads_thp.smaps", "single_threads_thp.maps"])
@pytest.mark.parametrize("value", [BIG, HUGE])
def test_inode_too_large_refuses_the_mapping(tmp_path, name, value):
    text = (SMAPS / name).read_text()
    path = tmp_path / name
    path.write_text(text.replace(" 1500218 ", f" {value} ", 1))
    ds, warnings = load_warnings(path)
    assert len(ds.mappings) == len(analyzer.load(SMAPS / name)) - 1
    assert any(w.startswith(f"{path}:1: warning: number too large") for w in warnings), warnings


@pytest.mark.parametrize("name", ["single_threads_thp.smaps", "single_threads_thp.maps"])
def test_mapping_larger_than_int64_is_refused(tmp_path, name):
    """Found by the mutation campaign (seed 31337): an end address of 16 hex digits made a size over int64."""
    text = (SMAPS / name).read_text()
    path = tmp_path / name
    path.write_text(re.sub(r"^([0-9a-f]+)-([0-9a-f]+)", r"\1-9007199254740993", text, count=1, flags=re.M))
    ds, warnings = load_warnings(path)
    assert len(ds.mappings) == len(analyzer.load(SMAPS / name)) - 1
    assert any(w.startswith(f"{path}:1: warning: a mapping of") and "larger than any address space" in w
               for w in warnings), warnings


@pytest.mark.parametrize("name", ["single_threads_thp.smaps", "single_threads_thp.maps"])
def test_end_below_start_is_refused_not_negative(tmp_path, name):
    text = (SMAPS / name).read_text()
    swapped = re.sub(r"^([0-9a-f]+)-([0-9a-f]+)", lambda m: f"{m.group(2)}-{m.group(1)}", text, count=1, flags=re.M)
    path = tmp_path / name
    path.write_text(swapped)
    ds, warnings = load_warnings(path)
    assert (ds.mappings["size"].dropna() >= 0).all()
    assert len(ds.mappings) == len(analyzer.load(SMAPS / name)) - 1
    assert any(w.startswith(f"{path}:1: warning: end address") for w in warnings), warnings


def test_contradicting_values_are_warned(tmp_path):
    text = _single().replace("Rss:                   4 kB", "Rss:                   400 kB", 1)
    text = text.replace("Pss:                   8 kB", "Pss:                   800 kB", 1)
    path = tmp_path / "contradicts.smaps"
    path.write_text(text)
    ds, warnings = load_warnings(path)
    assert ds.mappings["rss"].iloc[0] == 400 * 1024  # kept as the dump gives it
    assert f"{path}:1: warning: Rss above Size on 1 mapping" in " ".join(warnings)
    assert re.search(rf"{re.escape(str(path))}:\d+: warning: Pss above Rss on 1 mapping", " ".join(warnings))


def test_real_samples_raise_no_contradiction():
    for path in sorted(SMAPS.glob("*.smaps")) + sorted(PMAP.glob("*.txt")):
        ds = analyzer.load_dataset(path)
        assert not [n for n in ds.warnings if "above" in n.message or "negative" in n.message], path


PMAP_CASES = {
    "x-kbytes-big": ("pmap-x.txt", "000055c0b1665000       4", f"000055c0b1665000 {BIG}", 3),
    "x-kbytes-huge": ("pmap-x.txt", "000055c0b1665000       4", f"000055c0b1665000 {HUGE}", 3),
    "d-kbytes-big": ("pmap-d.txt", "000055c0b1665000       4", f"000055c0b1665000 {BIG}", 3),
    "X-cell-big": ("pmap-X.txt", "2163091     4    4", f"2163091     4    {BIG}", 3),
    "X-cell-huge": ("pmap-X.txt", "2163091     4    4", f"2163091     4    {HUGE}", 3),
    "X-cell-after-1024": ("pmap-X.txt", "2163091     4    4", f"2163091     4    {AFTER_1024}", 3),
    "X-inode-big": ("pmap-X.txt", "2163091", BIG, 3),
}


@pytest.mark.parametrize("case", sorted(PMAP_CASES))
def test_pmap_number_too_large_refuses_the_row(tmp_path, case):
    name, old, new, lineno = PMAP_CASES[case]
    path = tmp_path / case
    path.write_text((PMAP / name).read_text().replace(old, new, 1))
    ds, warnings = load_warnings(path)
    assert len(ds.mappings) == len(analyzer.load(PMAP / name)) - 1
    assert (ds.mappings["size"].dropna() < 2**40).all()
    assert any(w.startswith(f"{path}:{lineno}: warning: not a pmap") for w in warnings), warnings


@pytest.mark.parametrize("name", ["pmap-x.txt", "pmap-X.txt", "pmap-default.txt"])
@pytest.mark.parametrize("value", [BIG, HUGE])
def test_pmap_pid_too_large_kept_as_unknown(tmp_path, name, value):
    path = tmp_path / name
    path.write_text((PMAP / name).read_text().replace("6:", f"{value}:", 1))
    ds, warnings = load_warnings(path)
    assert len(ds.mappings) == len(analyzer.load(PMAP / name))
    assert ds.mappings["pid"].isna().all()
    assert any(w.startswith(f"{path}:1: warning: PID number too large") for w in warnings), warnings


def test_pmap_X_header_with_a_repeated_column_is_refused(tmp_path):
    path = tmp_path / "dup.txt"
    path.write_text((PMAP / "pmap-X.txt").read_text().replace("Rss Pss", "Rss Rss", 1))
    ds, warnings = load_warnings(path)
    assert len(ds.mappings) == 0
    assert any(w.startswith(f"{path}:2: warning: PID 6: the header names Rss twice") for w in warnings), warnings


def test_pmap_X_header_longer_than_its_rows(tmp_path):
    path = tmp_path / "extra.txt"
    path.write_text((PMAP / "pmap-X.txt").read_text().replace(" Mapping\n", " Mapping Extra\n", 1))
    result = run("summary", path)
    assert "internal error" not in result.output
    assert f"{path}:3: warning: not a pmap-X row" in result.output


def test_fast_X_path_never_wraps_a_large_cell():
    """pmap -X's vectorised reader: a cell whose bytes overflow int64 must not become rss = -1024."""
    row = (PMAP / "pmap-X.txt").read_text().split("\n")[2]
    header = (PMAP / "pmap-X.txt").read_text().split("\n")[1]
    cols = fastx.columns_of(header)
    rss = next(c for c in cols if c.key == "Rss")
    pad = 18 - (rss.end - rss.start)
    # widen the Rss column to 18 characters in the header and every row
    header = header[: rss.start] + " " * pad + header[rss.start:]
    wide = row[: rss.start] + " " * pad + row[rss.start:]
    big = wide[: rss.end + pad - 18] + "999999999999999999" + wide[rss.end + pad:]
    footer_cells = " ".join("0" for c in cols if c.role == "field")
    text = "6:   mapper\n" + header + "\n" + wide + "\n" + big + "\n" + " " * 10 + "====\n" + footer_cells + " KB \n"
    ctx = Context("wide.txt")
    parsed = fastx.parse(text, ctx, min_rows=0)
    assert parsed is None  # declined: the general path reads it
    general = analyzer.load_text(text, name="wide.txt")
    assert (general["rss"].dropna() >= 0).all()
    assert len(general) == 1
    assert any("wide.txt:4: warning: not a pmap-X row (number too large" in n for n in general.attrs["notices"])


def test_fast_X_path_reads_the_same_block_when_numbers_fit():
    text = (PMAP / "pmap-X.txt").read_text()
    ctx = Context("x")
    parsed = fastx.parse(text, ctx, min_rows=0)
    assert parsed is not None and (parsed.mappings["rss"] >= 0).all()


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to drop to nobody")
def test_unreadable_file_and_folder_are_skipped_with_a_note():
    base = Path(tempfile.mkdtemp(prefix="memmaps-unreadable-"))  # pytest's tmp is root-only: not for nobody
    root = base / "dumps"
    (root / "locked").mkdir(parents=True)
    shutil.copy(SMAPS / "multi_loop.smaps", root / "a.smaps")
    shutil.copy(SMAPS / "multi_loop.smaps", root / "b.smaps")
    shutil.copy(SMAPS / "multi_loop.smaps", root / "locked" / "c.smaps")
    os.mkfifo(root / "fifo")
    (root / "b.smaps").chmod(0)
    (root / "locked").chmod(0)
    for p in (base, root):
        p.chmod(0o755)
    (root / "a.smaps").chmod(0o644)
    try:
        _run_as_nobody_and_check(root)
    finally:
        (root / "locked").chmod(0o755)
        shutil.rmtree(base)


def _run_as_nobody_and_check(root: Path) -> None:
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
           sys.executable, "-m", "analyzer", "info", str(root)]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd="/", timeout=120)
    out = done.stdout + done.stderr
    if "Permission denied" in out and "python" in out.splitlines()[0].lower():
        pytest.skip("nobody cannot run this Python")
    assert done.returncode == 0, out
    assert "internal error" not in out
    assert f"{root}/b.smaps: warning: not read: Permission denied" in out
    assert f"{root}/locked: warning: folder not read: Permission denied" in out
    assert f"{root}/fifo: info: device file, FIFO or socket: not read" in out
    assert "37 mappings" in out  # a.smaps read whole


def test_input_we_may_not_look_at_is_one_clear_line(tmp_path):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root to drop to nobody")
    cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
           sys.executable, "-m", "analyzer", "info", str(tmp_path / "x.smaps")]
    shutil.copy(SMAPS / "multi_loop.smaps", tmp_path / "x.smaps")
    done = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                          cwd="/", timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == f"memmaps: error: {tmp_path / 'x.smaps'}: permission denied"


def test_internal_error_names_the_input(tmp_path, monkeypatch):
    """Should a bug slip through, the one line of the CLI names the input it was reading."""
    from analyzer.ingest.formats import smaps

    def broken(data, ctx, name=None):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(smaps, "parse", broken)
    path = tmp_path / "x.smaps"
    shutil.copy(SMAPS / "multi_loop.smaps", path)
    result = run("info", path)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"memmaps: internal error: ZeroDivisionError: boom (input: {path}; a bug in memmaps: please report it "
        "with the input; MEMMAPS_DEBUG=1 shows the traceback)"]


def test_numpy_never_sees_an_unchecked_number():
    from analyzer.ingest.numbers import KB_MAX, checked_int

    assert checked_int(str(KB_MAX), limit=KB_MAX) * 1024 <= np.iinfo(np.int64).max
    assert checked_int(str(KB_MAX + 1), limit=KB_MAX) is None


class _Endless(io.RawIOBase):
    """An endless stream of one byte, counting what was read from it (like /dev/zero, on any system)."""

    def __init__(self, byte: bytes):
        self.byte, self.given = byte, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        b[:] = self.byte * len(b)
        self.given += len(b)
        return len(b)


@pytest.mark.parametrize("byte, message", [(b"\x00", "binary data, not a text dump"),
                                           (b"x", "not a recognised memory map dump")])
def test_endless_junk_is_refused_from_its_head(byte, message):
    from analyzer.ingest.load import sniff
    from analyzer.ingest.sources.reader import read_all

    raw = _Endless(byte)
    with pytest.raises(analyzer.UnknownFormatError, match=message):
        read_all(io.BufferedReader(raw), "endless", check_head=lambda head: sniff(head, "endless"))
    assert raw.given <= 8 << 20  # the first chunk, not the 8 GiB cap


def test_a_regular_file_is_read_in_one_piece_and_junk_refused_from_its_head(tmp_path):
    """A plain regular file is read with one read of its size (no chunks joined); the head check still
    runs first, so a sparse file of zeros is refused without its 6 GiB being read."""
    from analyzer.ingest.load import sniff
    from analyzer.ingest.sources.reader import read_all

    text = (ROOT / "sample_dumps" / "smaps" / "multi_loop.smaps").read_bytes() * 40
    path = tmp_path / "big.smaps"
    path.write_bytes(text)
    with open(path, "rb") as f:
        f.peek(1024)
        assert read_all(f, "big.smaps", check_head=lambda head: sniff(head, "big.smaps")) == text
        assert f.read() == b""
    sparse = tmp_path / "sparse"
    with open(sparse, "wb") as f:
        f.truncate(6 << 30)
    for limit in (1 << 20, 8 << 30):  # the head is judged before the size: junk is junk, whatever its size
        with open(sparse, "rb") as f, pytest.raises(analyzer.UnknownFormatError, match="binary data"):
            read_all(f, "sparse", limit=limit, check_head=lambda head: sniff(head, "sparse"))
        with open(sparse, "rb") as f, pytest.raises(analyzer.InputError, match="more than 1 MiB of text"):
            read_all(f, "sparse", limit=1 << 20)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_cli_refuses_endless_devices_at_once(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    done = subprocess.run([sys.executable, "-m", "analyzer", "info", device], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 1
    assert done.stderr.startswith(f"memmaps: error: {device}: binary data, not a text dump")


def test_sparse_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "sparse.bin"
    with open(path, "wb") as f:
        f.truncate(3 * 1024**3)  # 3 GiB of holes: reading it whole would take seconds and gigabytes
    result = run("info", path)
    assert result.exit_code == 1
    assert result.output.startswith(f"memmaps: error: {path}: binary data, not a text dump")


def test_a_dump_after_a_long_preamble_is_still_read(tmp_path):
    """The early refusal looks at the same head the parser's detection does: nothing readable is lost."""
    text = (PMAP / "pmap-x.txt").read_text()
    path = tmp_path / "mail.txt"
    path.write_text("Hello, here is the output you asked for.\n" * 200 + text + "x" * (5 << 20) + "\n")
    ds, _ = load_warnings(path)
    assert len(ds.mappings) == len(analyzer.load(PMAP / "pmap-x.txt"))


def test_utf16_dump_larger_than_the_head_is_read(tmp_path):
    text = (SMAPS / "single_threads_thp.smaps").read_text() * 3
    path = tmp_path / "utf16.smaps"
    path.write_bytes(text.encode("utf-16"))
    assert len(path.read_bytes()) > 65536
    ds, _ = load_warnings(path)
    assert len(ds.mappings) == 3 * len(analyzer.load(SMAPS / "single_threads_thp.smaps"))


@pytest.mark.parametrize("where", ["pid", "kbytes", "row"])
def test_a_megabyte_of_digits_on_a_pmap_line(tmp_path, where):
    run_of = "9" * (1 << 20)
    text = (PMAP / "pmap-x.txt").read_text()
    text = {"pid": text.replace("6:", run_of + ":", 1),
            "kbytes": text.replace("000055c0b1665000       4", "000055c0b1665000 " + run_of, 1),
            "row": text.replace("000055c0b1665000       4       4       4 r---- mapper", run_of, 1)}[where]
    path = tmp_path / f"{where}.txt"
    path.write_text(text)
    result = run("summary", path, "--by", "process", "--format", "csv")
    assert result.exit_code in (0, 1) and "internal error" not in result.output
    assert str(path) in result.output  # a warning, or (a PID line longer than the head) the error, names the file


def test_pmap_X_totals_of_eight_digits_are_no_row(tmp_path):
    """Found by the hypothesis round trip: 10,000,000 kB of virtual size makes the -X totals row start
    with eight digits, which looked like an address: the totals were taken for a cut row."""
    lines = (PMAP / "pmap-X.txt").read_text().rstrip("\n").split("\n")
    i = lines[1].index(" Size")  # widen the Size column by three characters, as pmap does
    lines = [lines[0]] + [line[:i] + "   " + line[i:] for line in lines[1:]]
    lines[2] = lines[2][:i] + f"{10000004:>8}" + lines[2][i + 8:]  # one row of 10,000,004 kB (was 4)
    lines[-2] = lines[-2].replace("   =====", "========", 1)
    lines[-1] = lines[-1].replace("   11036", "10011036", 1)  # totals: eight digits first
    path = tmp_path / "big-total.txt"
    path.write_text("\n".join(lines) + "\n")
    ds = analyzer.load_dataset(path)
    assert len(ds.mappings) == len(analyzer.load(PMAP / "pmap-X.txt"))
    assert ds.mappings["size"].iloc[0] == 10000004 * 1024
    assert ds.warnings == [], ds.warnings


def test_pmap_top_address_next_to_overflowed_rows_keeps_every_bit(tmp_path):
    """Found by the mutation campaign (seed 555): rows of a 32-bit pmap with NA addresses made the
    start column float64, which cannot hold an address of more than 53 significant bits exactly."""
    text = (PMAP / "pmap32-x-on-64bit.txt").read_text()
    text = text.replace("ffffffff       0     152       0 r-x-- ld-linux-x86-64.so.2",
                        "fffffffffffff001       0     152       0 r-x-- ld-linux-x86-64.so.2", 1)
    path = tmp_path / "top.txt"
    path.write_text(text)
    ds, _ = load_warnings(path)
    assert ds.mappings["start"].isna().any()
    assert 0xFFFFFFFFFFFFF001 in set(ds.mappings["start"].dropna())


FUZZ = ROOT / "tests" / "fixtures" / "fuzz"  # reproducers the mutation campaign found (seed-run-sample)


@pytest.mark.parametrize("name", sorted(p.name for p in FUZZ.iterdir()))
def test_fuzz_reproducers(name):
    """Each once ended in an internal error. fuzz-8080-160 (a mutated pmap-X-multi.txt): an offset over
    int64 in one -X block of two made its column uint64, the other int64, their concatenation float64.
    (Seeds 555 and 31337: test_pmap_top_address_next_to_overflowed_rows_keeps_every_bit and
    test_mapping_larger_than_int64_is_refused.)"""
    result = run("summary", FUZZ / name, "--by", "process", "--format", "csv")
    assert result.exit_code in (0, 1) and "internal error" not in result.output, result.output
    ds = analyzer.load_dataset(FUZZ / name)
    assert (ds.mappings["size"].dropna() >= 0).all()
