"""The CLI end to end, on real files: exports, summaries, info, and bad input."""

from __future__ import annotations

import gzip
import json
import lzma
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analyzer.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SMAPS = ROOT / "sample_dumps" / "smaps"
SINGLE = SMAPS / "single_threads_thp.smaps"


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def oracle(name: str) -> dict:
    return json.loads((SMAPS / "expected" / f"{name}.totals.json").read_text())


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "jsonl"])
def test_export_every_format_keeps_exact_bytes(tmp_path, fmt):
    out = tmp_path / f"mappings.{fmt}"
    result = run("export", SMAPS / "multi_loop.smaps", "-o", out)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        frame = pd.read_csv(out)
    elif fmt == "parquet":
        frame = pd.read_parquet(out)
    elif fmt == "json":
        frame = pd.DataFrame(json.loads(out.read_text()))
    else:
        frame = pd.read_json(out, lines=True)
    exp = oracle("multi_loop.smaps")
    for pid, proc in exp["processes"].items():
        rows = frame[frame["pid"] == int(pid)]
        assert len(rows) == proc["mappings"]
        if proc["mappings"]:
            assert int(rows["rss"].sum()) == proc["kB"]["Rss"] * 1024
            assert int(rows["pss"].sum()) == proc["kB"]["Pss"] * 1024


def test_export_vsyscall_address_survives_parquet(tmp_path):
    out = tmp_path / "m.parquet"
    assert run("export", SINGLE, "-o", out).exit_code == 0
    frame = pd.read_parquet(out)
    assert 0xFFFFFFFFFF600000 in set(frame["start"].tolist())


def test_info_quiet_counts_notices_instead_of_listing_them():
    loud = run("info", SMAPS / "single_threads_thp_truncated.smaps")
    quiet = run("info", "-q", SMAPS / "single_threads_thp_truncated.smaps")
    assert loud.exit_code == quiet.exit_code == 0
    assert "last record cut short" in loud.output and "last record cut short" not in quiet.output
    assert quiet.output.splitlines()[-1] == "notices: 1 warnings, 0 notes (not listed: -q)"
    assert quiet.output.splitlines()[:-1] == loud.output.splitlines()[:-2]


def test_export_unknown_extension_is_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["export", str(SINGLE), "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "--format" in result.output


def test_summary_by_process_json_matches_oracle():
    result = run("summary", SMAPS / "multi_head.smaps", "--by", "process", "--format", "json")
    rows = {r["pid"]: r for r in json.loads(result.output)}
    for pid, proc in oracle("multi_head.smaps")["processes"].items():
        if pid.isdigit() and proc["mappings"]:
            assert rows[int(pid)]["rss"] == proc["kB"]["Rss"] * 1024
            assert rows[int(pid)]["uss"] == (proc["kB"]["Private_Clean"] + proc["kB"]["Private_Dirty"]) * 1024
            assert rows[int(pid)]["size"] == proc["kB"]["Size"] * 1024


def test_summary_text_has_human_units_and_aligned_columns():
    result = run("summary", SINGLE, "--by", "kind")
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["kind", "mappings", "processes"]
    assert "KiB" in result.output or "MiB" in result.output
    assert len({len(line) for line in lines[2:]}) >= 1
    rss_col = lines[0].index("rss") + 3
    assert all(line[rss_col - 1] != " " for line in lines[2:])  # right-aligned under header


def test_summary_markdown_and_csv():
    md = run("summary", SINGLE, "--format", "markdown").output
    assert md.startswith("| kind | mappings |")
    csv = run("summary", SINGLE, "--format", "csv").output
    frame = pd.read_csv(pd.io.common.StringIO(csv))
    assert int(frame["rss"].sum()) == oracle("single_threads_thp.smaps")["totals"]["kB"]["Rss"] * 1024


@pytest.mark.parametrize("name", ["single_threads_thp.smaps.gz", "single_threads_thp.smaps.xz",
                                  "single_threads_thp.smaps.bz2", "single_threads_thp.smaps.zst",
                                  "single_threads_thp_crlf.smaps", "lying_name_gzip_content.txt"])
def test_compressed_and_crlf_copies_read_by_content(name):
    result = run("summary", SMAPS / name, "--format", "json", "--by", "process")
    (row,) = json.loads(result.output)
    assert row["rss"] == oracle("single_threads_thp.smaps")["totals"]["kB"]["Rss"] * 1024 or \
        row["rss"] == oracle(name)["totals"]["kB"]["Rss"] * 1024


def test_stdin_dash_input():
    data = gzip.compress(SINGLE.read_bytes())
    result = CliRunner().invoke(cli, ["summary", "-", "--format", "json", "--by", "process"], input=data)
    assert result.exit_code == 0
    assert json.loads(result.output)[0]["rss"] == oracle("single_threads_thp.smaps")["totals"]["kB"]["Rss"] * 1024


def test_truncated_warns_and_strict_fails():
    ok = CliRunner().invoke(cli, ["summary", str(SMAPS / "single_threads_thp_truncated.smaps")])
    assert ok.exit_code == 0 and "cut short" in ok.output
    strict = CliRunner().invoke(cli, ["summary", "--strict", str(SMAPS / "single_threads_thp_truncated.smaps")])
    assert strict.exit_code == 1 and "--strict" in strict.output


def test_info_lists_formats_and_notices():
    result = run("info", SMAPS / "multi_head.smaps", SMAPS / "single_threads_thp_truncated.smaps")
    assert "multi_head.smaps: smaps; 6 processes" in result.output
    assert "cut short" in result.output
    assert "no mappings" in result.output


@pytest.mark.parametrize("content,message", [
    (b"", "empty file"),
    (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, "binary data"),
    (b"hello, this is a letter\nnot a dump\n", "not a recognised memory map dump"),
    (gzip.compress(b""), "empty file"),
    # the first packet gpg 2.2 writes for `gpg --symmetric` (AES-256, iterated salted S2K), then ciphertext
    (bytes.fromhex("8c0d04090302") + bytes(range(7, 200)) * 4, "OpenPGP-encrypted"),
])
def test_bad_input_is_one_line_error_exit_1(tmp_path, content, message):
    bad = tmp_path / "customer.smaps"
    bad.write_bytes(content)
    result = CliRunner().invoke(cli, ["summary", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith(f"memmaps: error: {bad}")
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.output.count("\n") == 1


@pytest.mark.parametrize("damage", [lambda z: z[:12], lambda z: z[:10] + b"\xff" * 200])
def test_corrupt_gzip_is_clear_error(tmp_path, damage):
    # nothing decompresses: a header cut short, or a header then junk (zlib.error, not an OSError)
    bad = tmp_path / "dump.gz"
    bad.write_bytes(damage(gzip.compress(SINGLE.read_bytes())))
    result = CliRunner().invoke(cli, ["summary", str(bad)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith(f"memmaps: error: {bad}: cannot decompress")
    assert result.output.count("\n") == 1


def test_gzip_corrupt_in_the_middle_is_an_error_not_junk(tmp_path):
    # deflate decodes damaged data into junk text until the CRC at the end fails: nothing is kept
    packed = gzip.compress(SINGLE.read_bytes())
    bad = tmp_path / "dump.gz"
    bad.write_bytes(packed[:1000] + b"\xff" * 50 + packed[1050:])
    result = CliRunner().invoke(cli, ["info", str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith(f"memmaps: error: {bad}: cannot decompress: CRC check failed")


def test_missing_file_and_empty_directory(tmp_path):
    result = CliRunner().invoke(cli, ["summary", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "no such file" in result.output
    (tmp_path / "notes.txt").write_text("nothing to see\n")
    result = CliRunner().invoke(cli, ["summary", str(tmp_path)])
    assert result.exit_code == 1 and "no memory map dumps found" in result.output


def test_bad_line_error_mode_names_file_and_line(tmp_path):
    text = SINGLE.read_text().replace("Rss:", "Rss: x", 1)
    bad = tmp_path / "bad.smaps"
    bad.write_text(text)
    lineno = text.splitlines().index(next(l for l in text.splitlines() if l.startswith("Rss: x"))) + 1
    result = CliRunner().invoke(cli, ["summary", "--on-bad-lines", "error", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:{lineno}: cannot interpret" in result.output


def test_inputs_never_modified(tmp_path):
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in SMAPS.glob("*.smaps*")}
    run("export", *sorted(before), "-o", tmp_path / "all.csv")
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in SMAPS.glob("*.smaps*")}
    assert before == after


@pytest.mark.slow
def test_python_dash_m_and_console_script_agree():
    env = dict(os.environ)
    a = subprocess.run([sys.executable, "-m", "analyzer", "summary", str(SINGLE), "--format", "csv"],
                       capture_output=True, text=True, env=env, cwd=ROOT)
    exe = Path(sys.executable).parent / "memmaps"
    b = subprocess.run([str(exe), "summary", str(SINGLE), "--format", "csv"], capture_output=True, text=True, cwd=ROOT)
    assert a.returncode == 0 and a.stdout == b.stdout and a.stdout.startswith("kind,")


def test_info_on_directory_lists_files_and_folds_skipped_ones():
    result = run("info", SMAPS)
    assert "i386_busybox_static.smaps: smaps; 1 process, 11 mappings" in result.output
    assert "files that are not memory map dumps" in result.output
    assert "more files (-v lists them all)" in result.output
    verbose = run("info", "-v", SMAPS)
    assert "single_threads_thp.smaps.zst: smaps; 1 process, 51 mappings" in verbose.output
    assert "PROVENANCE.md: info: skipped: not a memory map dump" in verbose.output


def test_checksum_sidecar_is_skipped_not_an_error():
    sos = sorted((ROOT / "sample_dumps" / "sosreport").glob("*.tar.xz*"))
    result = run("info", *sos)
    assert result.exit_code == 0
    assert "checksum sidecar" in result.output
    assert "host sample-host, capture sosreport-sample-host-memmaps-2026-11-25-mekvvua, captured 2026-11-25 17:48:06+00:00" in result.output


def test_internal_error_is_one_line_not_a_traceback(monkeypatch):
    import analyzer.summarize  # noqa: F401  (the command imports it when it runs)

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr(sys.modules["analyzer.summarize"], "summarize", broken)
    result = CliRunner().invoke(cli, ["summary", str(SINGLE)])
    assert result.exit_code == 1
    assert result.output.startswith("memmaps: internal error: KeyError")
    assert "Traceback" not in result.output


def test_copied_proc_dir_with_task_threads_counts_the_process_once(tmp_path):
    """`cp -r /proc/PID` copies task/TID/smaps too: the same memory once per thread."""
    src = SMAPS / "tree" / "proc" / "6"
    dst = tmp_path / "proc" / "6"
    (dst / "task" / "6").mkdir(parents=True)
    (dst / "task" / "7").mkdir(parents=True)
    for name in ("smaps", "cmdline"):
        data = (src / name).read_bytes()
        (dst / name).write_bytes(data)
        (dst / "task" / "6" / name).write_bytes(data)
        (dst / "task" / "7" / name).write_bytes(data)
    result = run("summary", tmp_path, "--by", "process", "--format", "json")
    (row,) = json.loads(result.output)
    assert row["pid"] == 6
    assert row["rss"] == oracle("tree")["processes"]["6"]["kB"]["Rss"] * 1024
    assert "thread views" in run("info", tmp_path).output


def test_info_keeps_each_input_to_its_own_hosts_and_files(tmp_path, monkeypatch):
    """Input `a` must not claim `a1`'s host and files; `dir/` (trailing slash) keeps its host line."""
    import tarfile

    sos = sorted((ROOT / "sample_dumps" / "sosreport").glob("*-memmaps-*.tar.xz"))[0]
    for name in ("a", "a1", "b"):
        with tarfile.open(sos) as tar:
            tar.extractall(tmp_path / name, filter="data")
    (top,) = (tmp_path / "b").iterdir()
    monkeypatch.chdir(tmp_path)
    result = run("info", "a", "a1", f"b/{top.name}/")
    blocks = result.output.split("\nb/")
    assert blocks[1].startswith(f"{top.name}/: ") and blocks[1].count("\n  host sample-host") == 1
    first, second = blocks[0].split("\na1: ")
    assert first.startswith("a: ") and first.count("\n  host sample-host") == 1
    assert "a1/" not in first
    assert second.count("\n  host sample-host") == 1


@pytest.mark.parametrize("compress", [gzip.compress, lzma.compress])
def test_compressed_copy_cut_short_keeps_complete_records_with_a_warning(tmp_path, compress):
    # an upload or copy interrupted mid-stream: what was decompressed before the cut is a
    # truncated dump like any other (complete records kept, the cut one dropped, a warning)
    data = SINGLE.read_bytes()
    packed = compress(data)
    bad = tmp_path / "dump.cut"
    bad.write_bytes(packed[: len(packed) * 2 // 3])
    with open(bad, "rb") as f:  # the oracle: every complete record of the decompressed prefix
        reader = {gzip.compress: gzip.GzipFile, lzma.compress: lzma.LZMAFile}[compress]
        prefix = b""
        try:
            with reader(fileobj=f) if reader is gzip.GzipFile else reader(f) as z:
                while chunk := z.read1(4096):  # read1: keeps what came out before the cut
                    prefix += chunk
        except (EOFError, OSError, lzma.LZMAError):
            pass
    records, rss = [], 0
    for line in prefix.split(b"\n")[:-1]:  # complete lines only
        if line[:1].isalnum() and b"-" in line.split(b" ")[0]:
            records.append(0)
        elif line.startswith(b"Rss:"):
            records[-1] = int(line.split()[1]) * 1024
        elif line.startswith(b"VmFlags:"):
            rss += records[-1]
            records[-1] = "done"
    want_rows = records.count("done")
    want_rss = rss
    assert 0 < len(prefix) < len(data)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["export", str(bad), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{bad}: warning: compressed stream cut short (" in result.output in result.output
    frame = pd.read_csv(out)
    assert len(frame) == want_rows
    assert int(frame["rss"].sum()) == want_rss
    strict = CliRunner().invoke(cli, ["export", "--strict", str(bad), "-o", str(out)])
    assert strict.exit_code == 1


@pytest.mark.parametrize("keep", [0.75, 1.0])
def test_zstd_copy_cut_short_is_said_not_silent(tmp_path, keep):
    # python-zstandard's stream reader returns a cut frame's text with no error: memmaps must still
    # say the copy is cut, even when the cut falls between two records; a whole stream (keep=1.0,
    # two frames) gives no warning
    import zstandard

    data = SINGLE.read_bytes()
    cctx = zstandard.ZstdCompressor()
    packed = cctx.compress(data) + cctx.compress(data)
    bad = tmp_path / "dump.zst"
    bad.write_bytes(packed[: int(len(packed) * keep)])
    result = CliRunner().invoke(cli, ["info", str(bad)])
    assert result.exit_code == 0, result.output
    assert (f"{bad}: warning: compressed stream cut short" in result.output) == (keep < 1.0)


@pytest.mark.slow
@pytest.mark.parametrize("command, name", [("export", "out.csv"), ("report", "out.html")])
def test_output_that_cannot_be_written_is_a_one_line_error(tmp_path, command, name):
    out = tmp_path / "no-such-dir" / name
    result = CliRunner().invoke(cli, [command, str(SINGLE), "-o", str(out)])
    assert result.exit_code == 1
    assert result.output == f"memmaps: error: {out}: cannot write: No such file or directory\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_text_saved_by_windows_tools_is_read(tmp_path, encoding):
    """PowerShell's `>` writes UTF-16 with a BOM, Notepad UTF-8 with one: same numbers as the original."""
    text = SINGLE.read_text()
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "pasted.txt"
    path.write_bytes(data)
    result = run("summary", path, "--format", "json", "--by", "process")
    (row,) = json.loads(result.output)
    assert row["rss"] == oracle("single_threads_thp.smaps")["totals"]["kB"]["Rss"] * 1024


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("gpg"), reason="gpg not installed")
@pytest.mark.parametrize("armor", [[], ["--armor"]])
def test_sosreport_encrypted_by_gpg_gets_the_decrypt_hint(tmp_path, armor):
    """`sos report --encrypt-pass` hands the archive to gpg --symmetric: the same, made here by gpg."""
    sos = next((ROOT / "sample_dumps" / "sosreport").glob("sosreport-*memmaps*.tar.xz"))
    out = tmp_path / (sos.name + ".gpg")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    try:
        subprocess.run(["gpg", "--homedir", str(home), "--batch", "--pinentry-mode", "loopback", "--passphrase",
                        "case-0123", *armor, "--symmetric", "-o", str(out), str(sos)], check=True, capture_output=True)
    finally:  # gpg starts an agent for its home: stop it, or it outlives the test
        if shutil.which("gpgconf"):
            subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], capture_output=True)
    result = CliRunner().invoke(cli, ["info", str(out)])
    assert result.exit_code == 1
    assert result.output.startswith(f"memmaps: error: {out}: an OpenPGP-encrypted file")
    assert "gpg -o" in result.output and result.output.count("\n") == 1
