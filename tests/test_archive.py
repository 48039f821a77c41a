"""Archives read as streams, and hostile archives built here with tarfile/zipfile.

Every hostile archive is made at test time: path traversal, absolute names,
symlinks escaping, device files, a decompression bomb (gigabytes of zeros
in a few MB), a truncated .tar.xz. Real smaps content comes from the real
sosreport sample, and sums are checked against a naive oracle.
"""

from __future__ import annotations

import gzip
import io
import lzma
import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from analyzer.errors import ArchiveError, InputError, NoDataError
from analyzer.ingest import load_dataset
from analyzer.ingest.sources.archive import is_archive, link_target, safe_name

SAMPLES = Path(__file__).resolve().parent.parent / "sample_dumps" / "sosreport"
XZ = SAMPLES / "sosreport-sample-host-memmaps-2026-11-25-mekvvua.tar.xz"


def real_smaps() -> dict[int, bytes]:
    """pid -> smaps bytes of the real sample, read with tarfile (independent of memmaps)."""
    out = {}
    with tarfile.open(XZ) as tf:
        for m in tf:
            hit = re.search(r"/proc/(\d+)/smaps$", m.name)
            if hit and m.isfile():
                out[int(hit.group(1))] = tf.extractfile(m).read()
    return out


def rss_kb(data: bytes) -> int:
    return sum(int(v) for v in re.findall(rb"^Rss:\s+(\d+) kB", data, re.M))


def add_file(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tf.addfile(info, io.BytesIO(data))


def add_special(tf: tarfile.TarFile, name: str, kind: bytes, linkname: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    tf.addfile(info)


def process_rss(ds) -> dict[int, int]:
    m = ds.mappings
    return {int(pid): int(g["rss"].sum()) // 1024 for pid, g in m.groupby("pid")}


def test_safe_name_refuses_absolute_and_dotdot():
    assert safe_name("a/./b/../c") is None
    assert safe_name("./x/proc/1/smaps") == "x/proc/1/smaps"
    assert safe_name("/proc/1/smaps") is None
    assert link_target("r/ps", "sos_commands/process/ps_auxwww") == "r/sos_commands/process/ps_auxwww"
    assert link_target("r/ps", "../../outside") is None


def test_hostile_member_names_links_and_devices_are_refused(tmp_path):
    smaps = real_smaps()
    path = tmp_path / "hostile.tar"
    with tarfile.open(path, "w") as tf:
        add_file(tf, "../../evil/proc/1/smaps", smaps[1])
        add_file(tf, "/abs/proc/4/smaps", smaps[4])
        add_file(tf, "ok/proc/5/smaps", smaps[5])
        add_special(tf, "ok/proc/6/smaps", tarfile.SYMTYPE, "../../../../etc/passwd")
        add_special(tf, "ok/proc/7/smaps", tarfile.SYMTYPE, "/etc/passwd")
        add_special(tf, "ok/dev/sda", tarfile.BLKTYPE)
        add_special(tf, "ok/dev/null", tarfile.CHRTYPE)
        add_special(tf, "ok/fifo", tarfile.FIFOTYPE)
    ds = load_dataset(path)
    assert process_rss(ds) == {5: rss_kb(smaps[5])}
    text = "\n".join(str(n) for n in ds.notices)
    assert "hostile.tar!../../evil/proc/1/smaps: warning: member name is absolute or climbs out" in text
    assert "hostile.tar!/abs/proc/4/smaps: warning: member name is absolute" in text
    assert "ok/proc/6/smaps: warning: link to '../../../../etc/passwd' points outside the archive" in text
    assert "ok/proc/7/smaps: warning: link to '/etc/passwd' points outside the archive" in text
    # one note for the three, naming them (not three notes)
    assert text.count("device file or FIFO: not read") == 1
    assert re.search(r"device file or FIFO: not read \(3 files: \S+!ok/dev/sda, \S+!ok/dev/null, \S+!ok/fifo\)", text)


def test_symlink_inside_archive_resolves_to_member_never_to_filesystem(tmp_path):
    """A sos root symlink `ps` is read through the member it names; nothing on disk is opened."""
    ps = (b"USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n"
          b"root           5  0.0  0.0   6140  5128 ?        S    17:48   0:00 my prog  --with  spaces\n")
    path = tmp_path / "links.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        add_file(tf, "sosreport-x/sos_commands/process/ps_auxwwwm", ps)
        add_special(tf, "sosreport-x/ps", tarfile.SYMTYPE, "sos_commands/process/ps_auxwwwm")
        add_file(tf, "sosreport-x/proc/5/smaps", real_smaps()[5])
    ds = load_dataset(path)
    assert ds.mappings["command"].unique().tolist() == ["my prog  --with  spaces"]


def _gzip_member(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


@pytest.mark.slow
def test_decompression_bomb_is_stopped_quickly_and_keeps_what_was_read(tmp_path):
    """A member declaring 6 GiB of zeros, made of concatenated gzip members (a few MB on disk)."""
    smaps = real_smaps()[5]
    info = tarfile.TarInfo("bomb/proc/5/smaps")
    info.size = len(smaps)
    first = info.tobuf(format=tarfile.GNU_FORMAT) + smaps + bytes(-len(smaps) % 512)  # no end-of-archive
    bomb = tarfile.TarInfo("bomb/zeros")
    bomb.size = 6 * 1024**3
    chunk = _gzip_member(bytes(1 << 20))
    path = tmp_path / "bomb.tar.gz"
    with open(path, "wb") as f:
        f.write(_gzip_member(first + bomb.tobuf(format=tarfile.GNU_FORMAT)))
        for _ in range(6 * 1024):
            f.write(chunk)
    assert path.stat().st_size < 10 * 1024**2
    ds = load_dataset(path)
    assert process_rss(ds) == {5: rss_kb(smaps)}
    warning = [str(n) for n in ds.warnings if "bomb" in str(n)]
    assert warning and "decompression bomb" in warning[0] and "were not read" in warning[0]


@pytest.mark.slow
def test_bomb_alone_is_an_archive_error(tmp_path):
    bomb = tarfile.TarInfo("proc/1/smaps")
    bomb.size = 4 * 1024**3
    path = tmp_path / "only-bomb.tar.xz"
    chunk = lzma.compress(bytes(1 << 20))
    with open(path, "wb") as f:
        f.write(lzma.compress(bomb.tobuf(format=tarfile.GNU_FORMAT)))
        for _ in range(4 * 1024):
            f.write(chunk)
    with pytest.raises(ArchiveError, match="decompression bomb"):
        load_dataset(path)


@pytest.mark.slow
def test_truncated_tar_xz_keeps_complete_members_and_says_what_was_lost(tmp_path):
    smaps = real_smaps()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        for pid in (1, 4, 5):
            add_file(tf, f"cut/proc/{pid}/smaps", smaps[pid])
        filler = b"".join(b"%08d some log line that is not compressible %d\n" % (i, i * 7919 % 104729)
                          for i in range(60000))
        add_file(tf, "cut/var/log/messages", filler)
        add_file(tf, "cut/proc/6/smaps", smaps[6])
    data = lzma.compress(raw.getvalue())
    path = tmp_path / "cut.tar.xz"
    path.write_bytes(data[: int(len(data) * 0.7)])
    ds = load_dataset(path)
    assert process_rss(ds) == {pid: rss_kb(smaps[pid]) for pid in (1, 4, 5)}
    msg = [str(n) for n in ds.warnings if "cut short" in str(n)]
    assert msg, ds.notices
    assert "cut/var/log/messages" in msg[0] and "were not read" in msg[0] and "kept what was read" in msg[0]
    assert msg[0].startswith(f"{path}: warning: archive cut short or corrupt: ")  # the name once, not twice


def test_truncated_before_any_member_is_an_archive_error(tmp_path):
    path = tmp_path / "tiny.tar.xz"
    path.write_bytes(XZ.read_bytes()[:200])
    with pytest.raises(InputError, match="truncated"):
        load_dataset(path)


def test_zip_wrapping_a_sosreport_gives_the_same_table(tmp_path):
    path = tmp_path / "case-01234.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(XZ, XZ.name)
        zf.writestr("notes.txt", "customer notes\n")
    direct, wrapped = load_dataset(XZ), load_dataset(path)
    assert process_rss(wrapped) == process_rss(direct)
    assert wrapped.mappings["host"].unique().tolist() == ["sample-host"]
    assert wrapped.mappings["source"].iloc[0].startswith(f"{path}!{XZ.name}!")


def test_zip_of_extracted_sosreport_members(tmp_path):
    path = tmp_path / "extracted.zip"
    with tarfile.open(XZ) as tf, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for m in tf:
            if m.isfile():
                zf.writestr(m.name, tf.extractfile(m).read())
    assert process_rss(load_dataset(path)) == process_rss(load_dataset(XZ))


def test_zip_member_with_dotdot_is_refused(tmp_path):
    path = tmp_path / "slip.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("../proc/1/smaps", real_smaps()[1])
        zf.writestr("x/proc/4/smaps", real_smaps()[4])
    ds = load_dataset(path)
    assert list(process_rss(ds)) == [4]
    assert any("climbs out" in str(n) for n in ds.notices)


@pytest.mark.parametrize("mode,suffix", [("w:bz2", ".tar.bz2"), ("w", ".tar"), ("zst", ".tar.zst")])
def test_every_compression_reads_the_same(tmp_path, mode, suffix):
    raw = io.BytesIO()
    with tarfile.open(XZ) as src, tarfile.open(fileobj=raw, mode="w") as dst:
        for m in src:
            dst.addfile(m, src.extractfile(m) if m.isfile() else None)
    path = tmp_path / ("re" + suffix)
    if mode == "zst":
        import zstandard

        path.write_bytes(zstandard.ZstdCompressor().compress(raw.getvalue()))
    elif mode == "w":
        path.write_bytes(raw.getvalue())
    else:
        import bz2

        path.write_bytes(bz2.compress(raw.getvalue()))
    assert process_rss(load_dataset(path)) == process_rss(load_dataset(XZ))


def test_old_style_tar_without_magic_is_recognised():
    head = (SAMPLES / "smemcap-capture.tar").read_bytes()[:1024]
    assert head[257:262] != b"ustar" and is_archive(head)


def test_archive_with_nothing_recognisable(tmp_path):
    path = tmp_path / "docs.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        add_file(tf, "README", b"nothing here\n")
    with pytest.raises(NoDataError, match="no memory map dumps found"):
        load_dataset(path)


def test_nested_tar_in_tar_streams(tmp_path):
    outer = tmp_path / "cluster.tar"
    with tarfile.open(outer, "w") as tf:
        tf.add(XZ, arcname="node1/" + XZ.name)
    ds = load_dataset(outer)
    assert process_rss(ds) == process_rss(load_dataset(XZ))


def test_binary_smaps_member_is_skipped_with_a_warning_not_fatal(tmp_path):
    """One garbage proc/PID/smaps (binary) among good ones: the others still load, the bad one is named."""
    smaps = real_smaps()
    garbage = bytes(range(256)) * 64
    path = tmp_path / "binary-member.tar"
    with tarfile.open(path, "w") as tf:
        add_file(tf, "sosreport-x/proc/3/smaps", garbage)
        add_file(tf, "sosreport-x/proc/4/smaps", smaps[4])
        add_file(tf, "sosreport-x/proc/5/smaps", smaps[5])
    ds = load_dataset(path)
    assert process_rss(ds) == {4: rss_kb(smaps[4]), 5: rss_kb(smaps[5])}
    (notice,) = [n for n in ds.notices if "binary" in n.message]
    assert notice.source == "{}!sosreport-x/proc/3/smaps".format(path)
    assert notice.level == "warning"
    assert notice.message == "not read: binary data, not a text dump"


def test_link_in_place_of_a_maps_member_is_named_not_silently_dropped(tmp_path):
    """A hard link or symlink (even a loop) where proc/PID/smaps should be is not followed, and says so."""
    smaps = real_smaps()
    path = tmp_path / "links.tar"
    with tarfile.open(path, "w") as tf:
        add_file(tf, "sosreport-x/proc/4/smaps", smaps[4])
        add_special(tf, "sosreport-x/proc/6/smaps", tarfile.LNKTYPE, "sosreport-x/proc/4/smaps")
        add_special(tf, "sosreport-x/proc/7/smaps", tarfile.SYMTYPE, "../8/smaps")
        add_special(tf, "sosreport-x/proc/8/smaps", tarfile.SYMTYPE, "../7/smaps")
    ds = load_dataset(path)
    assert process_rss(ds) == {4: rss_kb(smaps[4])}
    text = "\n".join(str(n) for n in ds.notices)
    for pid, target in ((6, "sosreport-x/proc/4/smaps"), (7, "sosreport-x/proc/8/smaps"), (8, "sosreport-x/proc/7/smaps")):
        assert (f"links.tar!sosreport-x/proc/{pid}/smaps: warning: a link to {target}, not a file: "
                "not followed, this process's maps are not read") in text


def test_nothing_read_because_refused_says_what_was_refused(tmp_path):
    """A zip whose only smaps member declares gigabytes (a bomb): the error names the refused member."""
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("sosreport-x/proc/1/smaps", real_smaps()[5][:100])
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24: central + 28] = (0xF0000000).to_bytes(4, "little")  # uncompressed size: 3.75 GiB
    path.write_bytes(bytes(data))
    with pytest.raises(NoDataError) as err:
        load_dataset(path)
    assert str(err.value).startswith(f"{path}: no memory map dumps found")
    assert str(err.value).endswith(f"; {path}!sosreport-x/proc/1/smaps: not read: declares 3840 MiB, "
                                   "over the 1024 MiB cap; refused, not read")


def test_binary_maps_member_is_judged_by_its_head_not_read_whole():
    """A member of 200 MB of zeros (a compressed bomb under the size cap) is refused after its head:
    memory stays bounded by the head, not by the member."""
    from analyzer.ingest.sources.member import Member
    from analyzer.ingest.trees.collector import Collector

    class Zeros(io.RawIOBase):
        served = 0

        def readable(self):
            return True

        def readinto(self, b):
            n = min(len(b), 200 * 1024**2 - Zeros.served)
            b[:n] = bytes(n)
            Zeros.served += n
            return n

    entry = Member("x/proc/1/smaps", "bomb!x/proc/1/smaps", lambda: io.BufferedReader(Zeros()),
                   size=200 * 1024**2)
    collector = Collector("warn")
    collector.add(entry)
    assert Zeros.served <= 1024**2
    (notice,) = [n for _, n in collector.notices]
    assert str(notice) == "bomb!x/proc/1/smaps: warning: not read: binary data, not a text dump"


def test_sosreport_cut_before_sos_directories_is_still_a_sosreport(tmp_path):
    """Uploads get cut; tar order puts proc/ before sos_commands/. The maps read before the cut
    stay, the report is recognised by its name, and the notices say what was lost."""
    raw = io.BytesIO()
    cut_at = None
    with tarfile.open(XZ) as src, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as dst:
        members = sorted(src.getmembers(), key=lambda m: ("/sos_" in m.name, m.name))  # sos's own dirs last
        for m in members:
            if "/sos_" in m.name and cut_at is None:
                cut_at = raw.tell() + 700  # inside the first sos_* member
            dst.addfile(m, src.extractfile(m) if m.isfile() else None)
    path = tmp_path / XZ.name
    path.write_bytes(lzma.compress(raw.getvalue()[:cut_at]))
    ds = load_dataset(path)
    smaps = real_smaps()
    assert process_rss(ds) == {pid: rss_kb(data) for pid, data in smaps.items() if rss_kb(data)}
    assert ds.mappings["host"].unique().tolist() == ["sample-host-memmaps"]  # the name, label included
    text = [str(n) for n in ds.notices]
    assert any("ends before sos's own directories" in t and "warning" in t for t in text), text
    assert any("taken from the report's name" in t and "--label" in t for t in text), text
    assert any("archive cut short" in t for t in text), text
    assert not any("cannot decompress" in t for t in text), text  # the cut is the archive's, not a member's


def test_same_cut_without_the_sosreport_name_stays_a_proc_tree(tmp_path):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        for pid, data in real_smaps().items():
            add_file(tf, f"customer-files/proc/{pid}/smaps", data)
        add_file(tf, "customer-files/notes.txt", b"x" * 5000)
    path = tmp_path / "files.tar"
    path.write_bytes(raw.getvalue()[: raw.getvalue().index(b"x" * 100)])
    ds = load_dataset(path)
    assert "host" not in ds.mappings or ds.mappings["host"].isna().all()
    assert not any("sos's own directories" in str(n) for n in ds.notices)


@pytest.mark.slow
def test_read_bytes_adds_up_to_the_inputs_size(tmp_path):
    """The progress feed: every input's bytes as stored, told as they are read (an archive in steps)."""
    from analyzer.ingest import input_bytes

    tree = Path(__file__).resolve().parent.parent / "sample_dumps" / "smaps" / "tree"
    single = Path(__file__).resolve().parent.parent / "sample_dumps" / "smaps" / "single_threads_thp.smaps"
    big = tmp_path / "big.tar.gz"  # members larger than the read buffers: several steps
    with tarfile.open(big, "w:gz", compresslevel=0) as tf:
        for pid, data in real_smaps().items():
            add_file(tf, f"big/proc/{pid}/smaps", data * 40)
    inputs = [XZ, tree, single, big]
    told: list[int] = []
    ds = load_dataset(*inputs, read_bytes=told.append)
    assert len(ds.mappings)
    assert sum(told) == input_bytes(inputs) == sum(p.stat().st_size for p in (XZ, single, big)) + sum(
        f.stat().st_size for f in tree.rglob("*") if f.is_file())
    assert len(told) > 10 and max(told) < big.stat().st_size


def test_cli_shows_a_progress_bar_on_a_terminal_when_reading_is_slow(monkeypatch):
    import analyzer.cli.options as options

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    err = Terminal()
    monkeypatch.setattr(options.sys, "stderr", err)
    monkeypatch.setattr(options, "PROGRESS_DELAY", 0)
    ds = options.load((str(XZ),), "warn")
    assert len(ds.mappings) and "Reading" in err.getvalue() and "100%" in err.getvalue()
    quiet = Terminal()
    monkeypatch.setattr(options.sys, "stderr", quiet)
    monkeypatch.setattr(options, "PROGRESS_DELAY", 3600)
    options.load((str(XZ),), "warn")
    assert quiet.getvalue() == ""  # quick: no bar


@pytest.mark.parametrize("name", ["sosreport-x/proc/4/smaps", "case/pmap-1234.txt"])
def test_member_appended_twice_is_read_once_the_later_copy(tmp_path, name):
    """`tar -r`/`tar -u` append a newer copy of a member; tar extracts the later one. Counting both
    would double the process."""
    smaps = real_smaps()
    pmap_text = (Path(__file__).resolve().parent.parent / "sample_dumps" / "pmap" / "pmap-x.txt").read_bytes()
    first, later = (smaps[4], smaps[5]) if name.endswith("smaps") else (pmap_text, pmap_text)
    path = tmp_path / "appended.tar"
    with tarfile.open(path, "w") as tf:
        add_file(tf, name, first)
        add_file(tf, "sosreport-x/proc/6/smaps" if name.endswith("smaps") else "case/notes.txt", smaps[6])
    with tarfile.open(path, "a") as tf:  # what `tar -rf` does
        add_file(tf, name, later)
    ds = load_dataset(path)
    alone = tmp_path / "alone"
    alone.write_bytes(later)
    expected_rows = len(load_dataset(alone).mappings)
    rows = ds.mappings[ds.mappings["source"] == f"{path}!{name}"]
    assert len(rows) == expected_rows
    if name.endswith("smaps"):
        assert int(rows["rss"].sum()) == rss_kb(later) * 1024
    assert any("appears twice" in str(n) and "later copy" in str(n) for n in ds.warnings)
