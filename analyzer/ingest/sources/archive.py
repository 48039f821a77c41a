"""Archives - tar in any compression the reader undoes, and zip - read as streams.

Nothing is extracted to disk: a tar is read front to back once
(:mod:`analyzer.ingest.sources.tarstream`), each member yielded as a
:class:`~analyzer.ingest.sources.member.Member` that the tree stage reads at
once or never, so a multi-hundred-MB sosreport never sits in memory whole. A zip (customers
wrap sosreports in one) is read member by member; an archive inside an
archive (a ``.tar.xz`` in a ``.zip``) is streamed the same way.

Hostile archives are read safely:

- member names that are absolute or climb out with ``..`` are refused;
- symlinks and hard links are only ever resolved to other members, never
  followed on the local filesystem; one pointing outside the archive is
  ignored with a note;
- device files and FIFOs are never opened;
- a member declaring more than :data:`MAX_MEMBER_BYTES` is not read, and the
  decompressed stream is watched: more than :data:`BOMB_RATIO` times the
  compressed bytes consumed (past :data:`BOMB_FLOOR`), or more than
  :data:`MAX_TOTAL_BYTES` in all, stops reading (a decompression bomb);
- a corrupt or truncated archive keeps every member read before the damage
  and says where it stopped.
"""

from __future__ import annotations

import io
import lzma
import posixpath
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator

from ...errors import ArchiveError, Notice
from . import tarstream
from .member import MAX_MEMBER_BYTES, Member, Naming
from .reader import _Raw, decompressing, read_all

__all__ = ["MAX_MEMBER_BYTES", "ArchiveSource", "BombError", "is_archive", "link_target", "open_counted", "safe_name"]
BOMB_RATIO = 200
BOMB_FLOOR = 256 * 1024**2
MAX_TOTAL_BYTES = 64 * 1024**3
MAX_DEPTH = 3
MAX_ZIP_SPOOL = 4 * 1024**3
TAR_BUFFER = 1 << 20


class BombError(ArchiveError):
    """The decompressed data grows far beyond what any real archive does."""


def _is_v7_tar(head: bytes) -> bool:
    """A pre-POSIX tar header (smemcap writes these): no magic, only a checksum."""
    if len(head) < 512 or head[0] == 0:
        return False
    field = head[148:156]
    try:
        declared = int(field.replace(b"\x00", b" ").strip() or b"-1", 8)
    except ValueError:
        return False
    computed = sum(head[:148]) + 8 * 32 + sum(head[156:512])
    return declared == computed


def is_archive(head: bytes) -> bool:
    """True for a tar (``ustar`` magic, or a valid old-style header) or a zip.

    >>> is_archive(b"PK\\x03\\x04" + bytes(60)), is_archive(b"00400000-00401000 r-xp")
    (True, False)
    """
    return head[257:262] == b"ustar" or head.startswith(b"PK\x03\x04") or _is_v7_tar(head[:512])


class Counting(_Raw):
    """Pass reads through, counting the bytes (the compressed side of a stream);
    *on_read(n)* is told of each read."""

    def __init__(self, stream, on_read: Callable[[int], None] | None = None):
        super().__init__(stream)
        self.count = 0
        self.on_read = on_read

    def readinto(self, b) -> int:
        n = super().readinto(b)
        self.count += n
        if self.on_read is not None and n:
            self.on_read(n)
        return n

    def close(self) -> None:
        self._stream.close()
        super().close()


class Guard(_Raw):
    """Watch a decompressed stream; raise :class:`BombError` when it balloons."""

    def __init__(self, stream, name: str, consumed: Callable[[], int] | None):
        super().__init__(stream)
        self.name = name
        self.consumed = consumed
        self.out = 0

    def readinto(self, b) -> int:
        n = super().readinto(b)
        self.out += n
        if self.out > BOMB_FLOOR and self.consumed is not None:
            packed = max(self.consumed(), 1)
            if self.out > BOMB_RATIO * packed:
                raise BombError(f"{self.name}: decompression bomb: {self.out >> 20} MiB out of "
                                f"{packed >> 10} KiB compressed (over {BOMB_RATIO}:1); reading stopped")
        if self.out > MAX_TOTAL_BYTES:
            raise BombError(f"{self.name}: more than {MAX_TOTAL_BYTES >> 30} GiB decompressed; reading stopped")
        return n


def guarded(stream, name: str, consumed: Callable[[], int] | None) -> io.BufferedReader:
    return io.BufferedReader(Guard(stream, name, consumed), buffer_size=TAR_BUFFER)


def safe_name(name: str) -> str | None:
    """A member name as a safe relative path, or None (absolute, or climbs out).

    >>> safe_name("./sosreport-h/proc/1/smaps"), safe_name("../../etc/passwd"), safe_name("/etc/passwd")
    ('sosreport-h/proc/1/smaps', None, None)
    """
    if name.startswith("/") or "\\" in name.split("/")[0][:3] or name[1:3] == ":\\":
        return None
    while name.startswith("./"):
        name = name[2:]
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def link_target(path: str, target: str) -> str | None:
    """Where a symlink at *path* points, inside the archive, or None if outside.

    >>> link_target("sos/ps", "sos_commands/process/ps_auxwww")
    'sos/sos_commands/process/ps_auxwww'
    >>> link_target("sos/etc/x", "../../../etc/passwd") is None, link_target("a", "/etc/passwd") is None
    (True, True)
    """
    if target.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    return joined


class ArchiveSource:
    """The members of one top-level archive input, nested archives included.

    Refusals (unsafe names, links pointing out, device files) are gathered in
    :attr:`notices` as (tree path, notice); :attr:`naming` knows the display
    name of every nested archive's prefix; a file member whose path came before
    is yielded with ``again`` set (``tar -r``/``-u``: the later copy is read,
    as tar extracts it)."""

    def __init__(self, name: str):
        self.name = name
        self.naming = Naming({"": name}, "!")  # tree path prefix -> display name
        self.notices: list[tuple[str, Notice]] = []
        self.last = ""
        self.seen: set[str] = set()

    def refuse(self, display: str, message: str, level: str = "warning") -> None:
        self.notices.append(("", Notice(display, None, message, level)))

    def _file(self, path: str, display: str, open_, owner: str | None = None, size: int | None = None) -> Member:
        again = path in self.seen
        self.seen.add(path)
        return Member(path, display, open_, owner=owner, size=size, again=again)

    def tar_entries(self, stream, prefix: str, shown: str) -> Iterator[Member]:
        try:
            for member in tarstream.members(stream):
                display = f"{shown}!{member.name}"
                path = safe_name(member.name)
                if path is None:
                    self.refuse(display, "member name is absolute or climbs out with `..`: refused, not read")
                    continue
                self.last = display
                if member.kind == "dir":
                    continue
                if member.kind in ("symlink", "hardlink"):
                    target = (link_target(path, member.linkname) if member.kind == "symlink"
                              else safe_name(member.linkname))
                    if target is None:
                        self.refuse(display, f"link to {member.linkname!r} points outside the archive: ignored")
                        continue
                    yield Member(prefix + path, display, link=prefix + target)
                    continue
                if member.kind != "file":
                    what = "device file or FIFO" if member.kind in ("device", "fifo") else (
                        f"member of type {member.typeflag!r} (sparse, multi-volume or unknown)")
                    self.refuse(display, f"{what}: not read", "info")
                    continue
                owner = member.uname or (str(member.uid) if member.uid is not None else None)
                yield self._file(prefix + path, display, member.open, owner=owner, size=member.size)
        except tarstream.TarError as exc:
            if self.last:
                raise ArchiveError(f"{shown}: archive cut short or corrupt: {exc}") from exc
            raise ArchiveError(f"{shown}: corrupt tar archive: {exc}") from exc

    def zip_entries(self, stream, prefix: str, shown: str) -> Iterator[Member]:
        if not stream.seekable():
            stream = io.BytesIO(read_all(stream, shown, MAX_ZIP_SPOOL))
        try:
            zf = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ArchiveError(f"{shown}: corrupt zip archive: {exc}") from exc
        for info in zf.infolist():
            display = f"{shown}!{info.filename}"
            path = safe_name(info.filename)
            if path is None:
                self.refuse(display, "member name is absolute or climbs out with `..`: refused, not read")
                continue
            if info.is_dir():
                continue
            self.last = display
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                target = link_target(path, zf.read(info)[:4096].decode("utf-8", errors="replace"))
                if target is None:
                    self.refuse(display, "symlink points outside the archive: ignored")
                    continue
                yield Member(prefix + path, display, link=prefix + target)
                continue
            if mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
                self.refuse(display, "device file or FIFO: not read", "info")
                continue
            yield self._file(prefix + path, display, lambda i=info: zf.open(i), size=info.file_size)

    def entries(self, stream, head: bytes, prefix: str, shown: str) -> Iterator[Member]:
        if head.startswith(b"PK\x03\x04"):
            return self.zip_entries(stream, prefix, shown)
        return self.tar_entries(stream, prefix, shown)

    def members(self, stream, consumed: Callable[[], int] | None = None) -> Iterator[Member]:
        """The members of the top-level archive *stream* (*consumed*: its compressed bytes so far,
        for the bomb check)."""
        head = stream.peek(1024)[:1024]
        if not head.startswith(b"PK\x03\x04"):
            stream = guarded(stream, self.name, consumed)
        return self.entries(stream, head, "", self.name)

    def expand(self, entry: Member, stream, head: bytes) -> Iterator[Member] | None:
        """The members of an archive inside the archive, or None if it is not opened as one."""
        prefixes = self.naming.prefixes
        if not is_archive(head) or entry.path.count("/") > 64 or len(prefixes) > 10_000:
            return None
        depth = sum(1 for p in prefixes if entry.path.startswith(p)) - 1
        if depth >= MAX_DEPTH:
            self.refuse(entry.display, f"archive nested more than {MAX_DEPTH} deep: not opened")
            return iter(())
        prefix = entry.path + "/"
        prefixes[prefix] = entry.display
        if not head.startswith(b"PK\x03\x04"):
            packed = entry.size
            stream = guarded(stream, entry.display, (lambda: packed) if packed else None)
        return self.entries(stream, head, prefix, entry.display)


DECOMPRESS_ERRORS = (tarstream.TarError, tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error,
                     zipfile.BadZipFile)


def open_counted(path, on_read: Callable[[int], None] | None = None) -> tuple[io.BufferedReader, Counting]:
    """Open a file read-only with a counter of the compressed bytes read."""
    counter = Counting(open(path, "rb"), on_read)
    return decompressing(io.BufferedReader(counter, buffer_size=1 << 16), str(path)), counter
