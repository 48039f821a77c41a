"""The streaming tar reader against the standard library's tarfile and GNU tar,
on archives made here by both, and on damaged copies."""

from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
import tarfile

import pytest

from analyzer.ingest.sources import tarstream

KIND = {tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.CONTTYPE: "file", tarfile.DIRTYPE: "dir",
        tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "hardlink", tarfile.CHRTYPE: "device",
        tarfile.BLKTYPE: "device", tarfile.FIFOTYPE: "fifo"}


def ours(data: bytes) -> list[tuple]:
    out = []
    for m in tarstream.members(io.BytesIO(data)):
        body = m.open().read() if m.kind == "file" else None
        out.append((m.name, m.kind, m.linkname, m.uname, m.uid, body))
    return out


def theirs(data: bytes) -> list[tuple]:
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r|") as tf:
        for m in tf:
            kind = "other" if m.issparse() else KIND.get(m.type, "other")
            body = tf.extractfile(m).read() if kind == "file" else None
            out.append((m.name.rstrip("/") if kind == "dir" else m.name, kind, m.linkname, m.uname, m.uid, body))
    return out


def build(fmt: int, names: list[str]) -> bytes:
    raw = io.BytesIO()
    rng = random.Random(7)
    with tarfile.open(fileobj=raw, mode="w", format=fmt) as tf:
        for i, name in enumerate(names):
            info = tarfile.TarInfo(name)
            body = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 511, 512, 513, 5000])))
            info.size, info.uid, info.uname, info.mode = len(body), 1000 + i, f"user{i}", 0o644
            tf.addfile(info, io.BytesIO(body))
        d = tarfile.TarInfo("top/dir")
        d.type = tarfile.DIRTYPE
        tf.addfile(d)
        long_link = "../" + "l" * (40 if fmt == tarfile.USTAR_FORMAT else 120)
        for kind, link in ((tarfile.SYMTYPE, long_link), (tarfile.LNKTYPE, names[0])):
            info = tarfile.TarInfo(f"top/link-{kind.decode()}")
            info.type, info.linkname = kind, link
            tf.addfile(info)
        for kind in (tarfile.FIFOTYPE, tarfile.CHRTYPE):
            info = tarfile.TarInfo(f"top/special-{kind.decode()}")
            info.type = kind
            tf.addfile(info)
    return raw.getvalue()


NAMES = ["top/proc/1/smaps", "top/" + "d" * 50 + "/" + "e" * 80 + "/smaps",  # fits ustar's prefix + name
         "top/" + "x" * 250 + "/long",  # needs a GNU long name or a pax path
         "top/ünïcödé/файл", "top/with space/and\ttab"]


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_same_members_as_tarfile(fmt):
    data = build(fmt, NAMES)
    assert ours(data) == theirs(data)
    assert len(ours(data)) == len(NAMES) + 5


def test_ustar_with_prefix_names():
    names = [n for n in NAMES if len(n.encode()) <= 150 and n.isascii()]
    data = build(tarfile.USTAR_FORMAT, names)
    assert ours(data) == theirs(data)
    assert any(len(n) > 100 for n, *_ in ours(data))  # the prefix field was used


def test_pax_global_header_applies_to_later_members():
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"uname": "globaluser"}) as tf:
        info = tarfile.TarInfo("a")
        tf.addfile(info, io.BytesIO(b""))
    data = raw.getvalue()
    assert [m[3] for m in ours(data)] == [m[3] for m in theirs(data)] == ["globaluser"]


@pytest.mark.skipif(not shutil.which("tar"), reason="GNU tar not installed")
@pytest.mark.parametrize("fmt", ["gnu", "posix", "ustar", "v7", "oldgnu"])
def test_archives_written_by_gnu_tar(tmp_path, fmt):
    src = tmp_path / "src"
    (src / "proc" / "42").mkdir(parents=True)
    (src / "proc" / "42" / "smaps").write_bytes(b"00400000-00401000 r-xp 00000000 08:01 1 /bin/x\n" * 30)
    (src / "empty").write_bytes(b"")
    os.symlink("proc/42/smaps", src / "ps")
    if fmt != "v7":
        (src / ("n" * 90)).mkdir()
        (src / ("n" * 90) / ("m" * 40)).write_bytes(b"deep\n")
    sparse = ["--sparse"] if fmt in ("gnu", "oldgnu", "posix") else []  # ustar and v7 cannot hold one
    if sparse:
        with open(src / "sparse.bin", "wb") as f:
            f.seek(3 << 20)
            f.write(b"end")
    out = tmp_path / "a.tar"
    subprocess.run(["tar", f"--format={fmt}", *sparse, "-cf", str(out), "-C", str(src), "."], check=True,
                   capture_output=True)
    data = out.read_bytes()
    got = ours(data)
    assert got == theirs(data)
    assert any(n.endswith("proc/42/smaps") and body.startswith(b"00400000") for n, _, _, _, _, body in got)


def test_sparse_member_is_listed_as_other_and_skipped(tmp_path):
    if not shutil.which("tar"):
        pytest.skip("GNU tar not installed")
    sparse = tmp_path / "s.bin"
    with open(sparse, "wb") as f:
        f.seek(1 << 20)
        f.write(b"x")
    (tmp_path / "after").write_bytes(b"after\n")
    out = tmp_path / "s.tar"
    subprocess.run(["tar", "--format=gnu", "--sparse", "-cf", str(out), "-C", str(tmp_path), "s.bin", "after"],
                   check=True)
    got = ours(out.read_bytes())
    assert [(n, k) for n, k, *_ in got] == [("s.bin", "other"), ("after", "file")]
    assert got[1][-1] == b"after\n"


def test_base256_size_field():
    info = tarfile.TarInfo("big")
    info.size = 3
    header = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    header[124:136] = b"\x80" + (3).to_bytes(11, "big")  # GNU base-256, as for members of 8 GiB or more
    header[148:156] = b"        "
    header[148:155] = b"%06o\x00" % sum(header)
    data = bytes(header) + b"abc" + bytes(509) + bytes(1024)
    assert ours(data) == [("big", "file", "", "", 0, b"abc")] == theirs(data)


def test_member_data_is_read_once_and_only_before_the_next():
    it = tarstream.members(io.BytesIO(build(tarfile.GNU_FORMAT, NAMES[:2])))
    first = next(it)
    first.open().read(1)
    with pytest.raises(tarstream.TarError, match="only once"):
        first.open()
    second = next(it)
    assert second.open().read() == dict((n, b) for n, _, _, _, _, b in ours(build(tarfile.GNU_FORMAT, NAMES[:2])))[
        second.name]


def test_not_a_tar_and_empty():
    with pytest.raises(tarstream.TarError, match="not a tar archive"):
        list(tarstream.members(io.BytesIO(b"hello world\n" * 100)))
    with pytest.raises(tarstream.TarError, match="empty"):
        list(tarstream.members(io.BytesIO(b"")))


def test_oversized_pax_header_is_refused_without_reading_it():
    info = tarfile.TarInfo("x")
    info.type = tarfile.XHDTYPE
    info.size = 1 << 40
    stream = io.BytesIO(info.tobuf(format=tarfile.GNU_FORMAT))
    with pytest.raises(tarstream.TarError, match="refused"):
        list(tarstream.members(stream))


def test_garbage_after_members_keeps_them_and_says_where():
    info = tarfile.TarInfo("proc/1/smaps")
    info.size = 5
    body = info.tobuf(format=tarfile.GNU_FORMAT) + b"hello" + bytes(507)
    got, error = [], None
    try:
        for m in tarstream.members(io.BytesIO(body + b"garbage!" * 64)):
            got.append((m.name, m.open().read()))
    except tarstream.TarError as exc:
        error = str(exc)
    assert got == [("proc/1/smaps", b"hello")]
    assert error == "corrupt tar header at byte 1024 (bad checksum)"


@pytest.mark.parametrize("seed", range(3))
def test_every_cut_and_flip_gives_members_or_tar_error(seed):
    """Damaged copies never raise anything but TarError, and a cut copy keeps every
    member that ended before the cut, byte for byte."""
    data = build(tarfile.PAX_FORMAT if seed % 2 else tarfile.GNU_FORMAT, NAMES)
    whole = ours(data)
    rng = random.Random(seed)
    for cut in sorted(rng.sample(range(len(data)), 150)):
        got = []
        try:
            for m in tarstream.members(io.BytesIO(data[:cut])):
                got.append((m.name, m.kind, m.linkname, m.uname, m.uid, m.open().read() if m.kind == "file" else None))
        except tarstream.TarError:
            pass
        assert got == whole[: len(got)]
    for _ in range(150):
        flipped = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            flipped[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        try:
            for m in tarstream.members(io.BytesIO(bytes(flipped))):
                if m.kind == "file":
                    m.open().read()
        except tarstream.TarError:
            pass


@pytest.mark.parametrize("tool", [["bsdtar", "--format", "pax"], ["bsdtar", "--format", "gnutar"],
                                  ["bsdtar", "--format", "ustar"], ["busybox", "tar"]])
def test_archives_written_by_libarchive_and_busybox(tmp_path, tool):
    if not shutil.which(tool[0]):
        pytest.skip(f"{tool[0]} not installed")
    src = tmp_path / "src"
    (src / "proc" / "42").mkdir(parents=True)
    (src / "proc" / "42" / "smaps").write_bytes(b"00400000-00401000 r-xp 00000000 08:01 1 /bin/x\n" * 30)
    (src / "ünï dir").mkdir()
    (src / "ünï dir" / "f").write_bytes(b"hi\n")
    os.symlink("proc/42/smaps", src / "ps")
    out = tmp_path / "a.tar"
    cmd = [*tool, "-cf", str(out), "."]
    subprocess.run(cmd, check=True, capture_output=True, cwd=src)
    data = out.read_bytes()
    got = ours(data)
    assert got == theirs(data)
    assert {n.removeprefix("./") for n, k, *_ in got if k == "file"} == {"proc/42/smaps", "ünï dir/f"}
