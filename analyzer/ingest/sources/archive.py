"""Archives - tar in any compression the reader undoes, and zip - read as streams.

Nothing is extracted to disk: a tar is read front to back once
(:mod:`analyzer.ingest.sources.tarstream`), each member handed to a
:class:`~analyzer.ingest.trees.collector.Collector` that reads it at once or never, so
a multi-hundred-MB sosreport never sits in memory whole. A zip (customers
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

from ...errors import ArchiveError, InputError, NoDataError
from ..trees import collector as tree, sosreport
from . import tarstream
from .reader import EXPECTED, _Raw, read_all

MAX_MEMBER_BYTES = tree.MAX_PROC_FILE_BYTES
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


class _Reader:
    """Member iteration for one top-level input, with its notes and nesting."""

    def __init__(self, name: str, collector: tree.Collector):
        self.name = name
        self.collector = collector
        self.prefixes: dict[str, str] = {"": name}  # tree path prefix -> display name
        self.last = ""

    def display(self, root: str) -> str:
        best = max((p for p in self.prefixes if root.startswith(p)), key=len)
        rest = root[len(best):].rstrip("/")
        return f"{self.prefixes[best]}!{rest}" if rest else self.prefixes[best]

    def refuse(self, display: str, message: str, level: str = "warning") -> None:
        self.collector.note("", display, message, level)

    def tar_entries(self, stream, prefix: str, shown: str) -> Iterator[tree.Entry]:
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
                    yield tree.Entry(prefix + path, display, link=prefix + target)
                    continue
                if member.kind != "file":
                    what = "device file or FIFO" if member.kind in ("device", "fifo") else (
                        f"member of type {member.typeflag!r} (sparse, multi-volume or unknown)")
                    self.refuse(display, f"{what}: not read", "info")
                    continue
                owner = member.uname or (str(member.uid) if member.uid is not None else None)
                yield tree.Entry(prefix + path, display, member.open, owner=owner, size=member.size)
        except tarstream.TarError as exc:
            if self.last:
                raise ArchiveError(f"{shown}: archive cut short or corrupt: {exc}") from exc
            raise ArchiveError(f"{shown}: corrupt tar archive: {exc}") from exc

    def zip_entries(self, stream, prefix: str, shown: str) -> Iterator[tree.Entry]:
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
                yield tree.Entry(prefix + path, display, link=prefix + target)
                continue
            if mode and not stat.S_ISREG(mode) and stat.S_IFMT(mode):
                self.refuse(display, "device file or FIFO: not read", "info")
                continue
            yield tree.Entry(prefix + path, display, lambda i=info: zf.open(i), size=info.file_size)

    def entries(self, stream, head: bytes, prefix: str, shown: str) -> Iterator[tree.Entry]:
        if head.startswith(b"PK\x03\x04"):
            return self.zip_entries(stream, prefix, shown)
        return self.tar_entries(stream, prefix, shown)

    def expand(self, entry: tree.Entry, stream, head: bytes):
        """The members of an archive inside the archive, or None if *entry* is not one."""
        if not is_archive(head) or entry.path.count("/") > 64 or len(self.prefixes) > 10_000:
            return None
        depth = sum(1 for p in self.prefixes if entry.path.startswith(p)) - 1
        if depth >= MAX_DEPTH:
            self.refuse(entry.display, f"archive nested more than {MAX_DEPTH} deep: not opened")
            return iter(())
        prefix = entry.path + "/"
        self.prefixes[prefix] = entry.display
        if not head.startswith(b"PK\x03\x04"):
            packed = entry.size
            stream = guarded(stream, entry.display, (lambda: packed) if packed else None)
        return self.entries(stream, head, prefix, entry.display)


DECOMPRESS_ERRORS = (tarstream.TarError, tarfile.TarError, EOFError, OSError, lzma.LZMAError, zlib.error,
                     zipfile.BadZipFile)


def read(stream, name: str, on_bad_lines: str, parse_text: Callable,
         consumed: Callable[[], int] | None = None, in_flight: int = tree.BATCHES_IN_FLIGHT) -> tuple[list, list]:
    """Every parsed piece of an archive stream, and the notices.

    *consumed* reports the compressed bytes read so far (for the bomb check); *in_flight*
    smaps batches may be parsed on a worker thread while the next members are decompressed
    (0: parsed in place, one thread: what a Dask worker wants).
    """
    reader: _Reader | None = None
    collector = tree.Collector(on_bad_lines, lambda data, n: parse_text(data, n, on_bad_lines),
                               lambda root: reader.display(root), lambda e, s, h: reader.expand(e, s, h),
                               in_flight=in_flight)
    reader = _Reader(name, collector)
    head = stream.peek(1024)[:1024]
    if not head.startswith(b"PK\x03\x04"):
        stream = guarded(stream, name, consumed)
    stopped = None
    try:
        for entry in reader.entries(stream, head, "", name):
            collector.add(entry)
    except ArchiveError as exc:
        stopped = exc
    except Exception as exc:  # truncated or corrupt compressed data, or tar damage
        if not isinstance(exc, DECOMPRESS_ERRORS) and type(exc).__name__ != "ZstdError":
            collector.abandon()
            raise
        stopped = ArchiveError(f"{name}: archive cut short or corrupt: {exc or type(exc).__name__}")
    except BaseException:  # interrupted
        collector.abandon()
        raise
    collector.cut_short = stopped is not None
    pieces, notices = collector.finish()
    found = any(p.has_data() for p in pieces)
    if stopped is not None:
        where = f"after {reader.last}" if reader.last else "before the first member"
        message = (f"{stopped}; stopped {where} ({collector.members} members read); "
                   "members after that point were not read")
        if not found:
            raise ArchiveError(message)
        from ...errors import Notice

        if message.startswith(f"{name}: "):  # the notice names the archive already
            message = message[len(name) + 2:]
        notices.append(Notice(name, None, message + "; kept what was read before"))
    if not found:
        raise no_data(name, collector)
    return pieces, notices


def no_data(name: str, collector: tree.Collector) -> InputError:
    """The error for a tree with nothing memmaps reads: the sos hint when it is a sosreport."""
    if collector.sos_roots:
        return NoDataError(f"{name}: this sosreport holds no memory maps and no ps output: "
                           f"{sosreport.SMAPS_HINT}")
    lost = [n for _, n in collector.notices if n.level == "warning"]
    why = f"; {lost[0].source}: {lost[0].message}" if lost else ""  # nothing read because it was refused
    if len(lost) > 1:
        why += f" (and {len(lost) - 1} more refused)"
    return NoDataError(f"{name}: no memory map dumps found ({EXPECTED}){why}")


def open_counted(path, on_read: Callable[[int], None] | None = None) -> tuple[io.BufferedReader, Counting]:
    """Open a file read-only with a counter of the compressed bytes read."""
    from .reader import decompressing

    counter = Counting(open(path, "rb"), on_read)
    return decompressing(io.BufferedReader(counter, buffer_size=1 << 16), str(path)), counter
