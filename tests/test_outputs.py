"""Outputs never clobber inputs; compressed inputs with trailing garbage; outputs that cannot be written."""

from __future__ import annotations

import bz2
import gzip
import lzma
import shutil
import zipfile
from pathlib import Path

import pytest
import zstandard
from click.testing import CliRunner

import analyzer
from analyzer.cli import cli
from analyzer.ingest.trees import collector as tree

ROOT = Path(__file__).resolve().parent.parent
SINGLE = ROOT / "sample_dumps" / "smaps" / "single_threads_thp.smaps"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line(result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Usage:" not in result.output and "internal error" not in result.output
    return lines[0]


@pytest.mark.parametrize("extra", [[], ["--format", "csv"]])
def test_export_onto_its_input_is_refused_and_the_input_intact(tmp_path, extra):
    path = tmp_path / "X.smaps"
    shutil.copy(SINGLE, path)
    result = run("export", path, "-o", path, *extra)
    assert result.exit_code == 1
    assert one_line(result) == (f"memmaps: error: {path}: -o names an input ({path}): refusing to overwrite it; "
                                "choose another name")
    assert path.read_bytes() == SINGLE.read_bytes()


def test_output_through_a_hard_link_or_dotdot_is_the_input(tmp_path):
    path = tmp_path / "X.smaps"
    shutil.copy(SINGLE, path)
    (tmp_path / "link.csv").hardlink_to(path)
    assert "names an input" in one_line(run("export", path, "-o", tmp_path / "link.csv"))
    (tmp_path / "sub").mkdir()
    assert "names an input" in one_line(run("export", path, "-o", tmp_path / "sub" / ".." / "X.smaps", "--format", "csv"))
    assert path.read_bytes() == SINGLE.read_bytes()


@pytest.mark.parametrize("command, option, name", [("export", "-o", "out.csv"), ("report", "-o", "r.pdf"),
                                                    ("report", "--png-dir", "charts")])
def test_output_inside_an_input_folder_is_refused(tmp_path, command, option, name):
    folder = tmp_path / "dumps"
    folder.mkdir()
    shutil.copy(SINGLE, folder / "a.smaps")
    result = run(command, folder, option, folder / name)
    assert result.exit_code == 1
    assert one_line(result) == (f"memmaps: error: {folder / name}: {option} is inside the input folder {folder}: "
                                "refusing to write where inputs are read; choose a path outside it")
    assert sorted(p.name for p in folder.iterdir()) == ["a.smaps"]


def test_report_next_to_its_input_is_fine(tmp_path):
    path = tmp_path / "X.smaps"
    shutil.copy(SINGLE, path)
    result = run("report", path, "-o", tmp_path / "X.pdf", "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "X.pdf").stat().st_size > 0


@pytest.mark.parametrize("command, args, message", [
    ("export", ["-o", "{tmp}"], "{tmp}: -o is a directory: give a file name"),
    ("report", ["-o", "{tmp}/sub"], None),
    ("report", ["-o", "{tmp}/none/r.pdf"], "{tmp}/none/r.pdf: cannot write: No such file or directory"),
    ("export", ["-o", "{tmp}/none/x.csv"], "{tmp}/none/x.csv: cannot write: No such file or directory"),
    ("report", ["--png-dir", "{tmp}/file.txt"], "{tmp}/file.txt: --png-dir is a file: give a folder (created if missing)"),
])
def test_unwritable_output_is_one_clear_line(tmp_path, command, args, message):
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    args = [a.format(tmp=tmp_path) for a in args]
    if message is None:  # a directory named like a report: the extension decides nothing
        args = ["-o", str(tmp_path / "sub.pdf")]
        (tmp_path / "sub.pdf").mkdir()
        message = f"{tmp_path}/sub.pdf: -o is a directory: give a file name"
    result = run(command, SINGLE, *args)
    assert result.exit_code == 1
    assert one_line(result) == "memmaps: error: " + message.format(tmp=tmp_path)


COMPRESSORS = {"gzip": gzip.compress, "xz": lzma.compress, "bzip2": bz2.compress,
               "zstd": lambda d: zstandard.ZstdCompressor().compress(d)}


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_trailing_garbage_is_treated_alike_by_every_compression(tmp_path, kind):
    path = tmp_path / f"dump.{kind}"
    path.write_bytes(COMPRESSORS[kind](SINGLE.read_bytes()) + b"GARBAGE after the stream")
    ds = analyzer.load_dataset(path)
    assert len(ds.mappings) == len(analyzer.load(SINGLE))
    assert [str(n) for n in ds.warnings] == [
        f"{path}: warning: bytes after the end of the compressed data that are no compressed data (trailing "
        "garbage): ignored; the text before them was read"]


@pytest.mark.parametrize("kind", sorted(COMPRESSORS))
def test_two_streams_one_after_another_are_no_garbage(tmp_path, kind):
    path = tmp_path / f"dump.{kind}"
    packed = COMPRESSORS[kind](SINGLE.read_bytes())
    path.write_bytes(packed + packed)
    ds = analyzer.load_dataset(path)
    assert len(ds.mappings) == 2 * len(analyzer.load(SINGLE))
    assert not [n for n in ds.warnings if "trailing" in n.message]


def test_zip_member_over_the_cap_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(tree, "MAX_PROC_FILE_BYTES", 1 << 20)  # the cap is 1 GiB: a smaller one for the test
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("dump.smaps", SINGLE.read_text() * 30)  # 2.2 MB of text
    with pytest.raises(analyzer.NoDataError) as err:
        analyzer.load_dataset(path)
    assert f"{path}!dump.smaps: not read: more than 1 MiB of text after decompression; refused" in str(err.value)


@pytest.mark.parametrize("args", [
    lambda p, q: ["diff", p.parent, q, "-o", p.parent / "r.html"],
    lambda p, q: ["diff", p, q, "--redact", "--redact-map", p],
    lambda p, q: ["trend", p, q, "--png", p],
    lambda p, q: ["findings", p, "--redact", "--redact-map", p],
    lambda p, q: ["export", p.parent, "-o", p.parent / "ds", "--format", "parquet"],
])
def test_diff_trend_findings_and_datasets_check_their_outputs_too(tmp_path, args):
    (tmp_path / "in").mkdir()
    p, q = tmp_path / "in" / "a.smaps", tmp_path / "in" / "b.smaps"
    shutil.copy(SINGLE, p)
    shutil.copy(SINGLE, q)
    result = run(*args(p, q))
    assert result.exit_code == 1
    assert "refusing to" in one_line(result)
    assert p.read_bytes() == SINGLE.read_bytes() and q.read_bytes() == SINGLE.read_bytes()
