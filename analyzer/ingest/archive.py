"""Archives (tar, in any compression the reader undoes, and zip), read as streams.

Members are read once, in archive order, and never extracted to disk.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Callable

from ..errors import ArchiveError, NoDataError
from . import tree
from .reader import EXPECTED

MAX_MEMBER_BYTES = 2 * 1024**3


def is_archive(head: bytes) -> bool:
    """True for a tar (``ustar`` magic) or zip header."""
    return head[257:262] == b"ustar" or head.startswith(b"PK\x03\x04")


def is_sosreport(paths: list[str]) -> bool:
    """True when the member paths look like a sosreport."""
    return any("sos_commands/" in p or p.endswith("sos_reports/manifest.json") for p in paths)


def _tar_entries(tf: tarfile.TarFile, name: str):
    for member in tf:
        if not member.isfile():
            continue
        path = member.name.lstrip("./")
        if member.size > MAX_MEMBER_BYTES:
            continue

        def read(member=member):
            f = tf.extractfile(member)
            return f.read() if f is not None else b""

        yield tree.Entry(path, f"{name}!{member.name}", read)


def read(stream, name: str, on_bad_lines: str, parse_text: Callable):
    """Every parsed piece of an archive stream."""
    head = stream.peek(4)[:4]
    if head.startswith(b"PK\x03\x04"):
        data = stream.read()
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile as exc:
            raise ArchiveError(f"{name}: corrupt zip archive: {exc}") from exc
        entries = [tree.Entry(i.filename, f"{name}!{i.filename}", lambda i=i: zf.read(i))
                   for i in zf.infolist() if not i.is_dir()]
    else:
        try:
            tf = tarfile.open(fileobj=stream, mode="r|")
        except tarfile.TarError as exc:
            raise ArchiveError(f"{name}: corrupt tar archive: {exc}") from exc
        entries = _tar_entries(tf, name)
    try:
        pieces, notices = tree.load_entries(entries, on_bad_lines,
                                            lambda data, n: parse_text(data, n, on_bad_lines))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ArchiveError(f"{name}: archive cut short or corrupt: {exc}") from exc
    if not pieces:
        raise NoDataError(f"{name}: no memory map dumps found in this archive ({EXPECTED})")
    return pieces, notices


def read_sosreport_entries(entries, name: str, on_bad_lines: str, parse_text: Callable):
    """A sosreport given as a directory (first version: its proc tree only)."""
    pieces, notices = tree.load_entries(entries, on_bad_lines, lambda data, n: parse_text(data, n, on_bad_lines))
    if not pieces:
        raise NoDataError(f"{name}: this sosreport holds no memory maps: sos collects /proc/PID/smaps only "
                          "when run with `-k process.smaps=on`")
    return pieces, notices
