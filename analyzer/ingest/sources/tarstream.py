"""A tar reader for streams read once, front to back.

The standard library's ``tarfile`` in stream mode (``"r|"``) parses each
512-byte header in pure Python field by field and copies its whole read
buffer on every small read: on a real sosreport (thousands of small members,
each with a pax header) listing the members costs 4-10 times decompressing
the archive. This reader does the same job with one slice per field and a
checksum summed in C, so reading an archive costs little more than
decompressing it.

Formats: POSIX ustar (name prefix), pax (``x`` per member, ``g`` global:
``path``, ``linkpath``, ``size``, ``uid``, ``uname``), GNU (``L``/``K`` long
names, base-256 numbers), and old V7 headers (no magic). GNU sparse members,
multi-volume continuations and unknown types are listed as ``other`` and
their data skipped. Header data (long names, pax records) is capped at
:data:`MAX_HEADER_DATA`. Any damage - a wrong checksum, a bad number, a
stream that ends inside a header or a member - raises :class:`TarError`
saying where; members read before it stay read.

>>> import io, tarfile
>>> raw = io.BytesIO()
>>> with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
...     info = tarfile.TarInfo("sosreport-h/proc/1/smaps"); info.size = 3
...     tf.addfile(info, io.BytesIO(b"abc"))
...     link = tarfile.TarInfo("sosreport-h/ps"); link.type = tarfile.SYMTYPE
...     link.linkname = "sos_commands/process/ps_auxwww"; tf.addfile(link)
>>> for m in members(io.BytesIO(raw.getvalue())):
...     print(m.name, m.kind, m.size, m.linkname, m.open().read() if m.kind == "file" else None)
sosreport-h/proc/1/smaps file 3  b'abc'
sosreport-h/ps symlink 0 sos_commands/process/ps_auxwww None
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from ...errors import MemmapsError

BLOCK = 512
MAX_HEADER_DATA = 16 << 20  # a long name or pax header larger than this is not a real one
SKIP_CHUNK = 1 << 20
ZERO_BLOCK = bytes(BLOCK)

_KIND = {
    b"0": "file", b"\x00": "file", b"7": "file",
    b"1": "hardlink", b"2": "symlink",
    b"3": "device", b"4": "device", b"6": "fifo",
    b"5": "dir",
}
_NO_DATA = {"hardlink", "symlink", "device", "fifo", "dir"}  # their size field is not followed by data


class TarError(Exception):
    """The stream is not a tar archive, is damaged at a given byte offset, or broke
    (its decompression failed) while a member was being read."""


@dataclass
class Member:
    """One archive member. ``open()`` (files only) gives its data as a stream, once,
    and only until the next member is asked for."""

    name: str
    kind: str  # file, dir, symlink, hardlink, device, fifo, other
    size: int
    linkname: str = ""
    uname: str = ""
    uid: int | None = None
    typeflag: bytes = b"0"
    offset: int = 0  # of its header in the tar stream
    _data: _MemberData | None = field(default=None, repr=False)

    def open(self) -> io.BufferedReader:
        if self._data is None or self._data.opened:
            raise TarError(f"{self.name}: member data can be read only once, and only before the next member")
        self._data.opened = True
        return io.BufferedReader(self._data, buffer_size=1 << 16)


class _MemberData(io.RawIOBase):
    """The next *size* bytes of the archive stream; never closes the stream."""

    def __init__(self, src, size: int, name: str):
        self.src = src
        self.remaining = size
        self.name = name
        self.opened = False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self.remaining <= 0:
            return 0
        try:
            with memoryview(b) as view:
                n = self.src.readinto(view[: min(len(view), self.remaining)])
        except MemmapsError:  # a decompression bomb, stopped by the archive's guard: as it is
            raise
        except Exception as exc:  # the archive's own stream broke (cut short, corrupt xz/gzip/zstd data)
            raise TarError(str(exc) or type(exc).__name__) from exc
        if not n:
            raise TarError(f"tar ends inside member {self.name} ({self.remaining} of its bytes missing)")
        self.remaining -= n
        return n

    def close(self) -> None:  # the archive stream stays open for the next member
        io.RawIOBase.close(self)


def _nts(field_bytes: bytes) -> str:
    return field_bytes.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")


def _number(field_bytes: bytes, what: str, offset: int) -> int:
    """An octal field (NUL/space padded), or GNU base-256 (high bit set)."""
    first = field_bytes[0]
    if first in (0x80, 0xFF):
        n = int.from_bytes(field_bytes[1:], "big")
        return n - 256 ** (len(field_bytes) - 1) if first == 0xFF else n
    text = field_bytes.split(b"\x00", 1)[0].strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarError(f"corrupt tar header at byte {offset}: {what} field {text[:12]!r} is not a number") from None


def _pax(data: bytes, offset: int) -> dict[str, str]:
    """Records ``"%d %s=%s\\n"`` of a pax extended header."""
    out: dict[str, str] = {}
    binary = b"hdrcharset=BINARY" in data
    pos = 0
    while pos < len(data):
        if data[pos] == 0:
            break  # NUL padding after the last record
        space = data.find(b" ", pos, pos + 24)
        try:
            length = int(data[pos:space]) if space > pos else 0
        except ValueError:
            length = 0
        record = data[pos: pos + length]
        if length <= 0 or space < 0 or not record.endswith(b"\n") or b"=" not in record:
            raise TarError(f"corrupt pax header at byte {offset}: bad record at {pos}")
        key, _, value = record[space - pos + 1: -1].partition(b"=")
        out[key.decode("utf-8", "surrogateescape")] = value.decode(
            "utf-8", "surrogateescape" if binary else "replace")
        pos += length
    return out


def members(src, max_header_data: int = MAX_HEADER_DATA) -> Iterator[Member]:
    """Every member of the tar stream *src* (anything with ``read``/``readinto``), in order.

    A member's data must be read (``member.open()``) before the next is asked
    for; what is left unread is skipped then. Ends at the end-of-archive
    block or at the end of the stream between members.
    """
    pos = 0  # bytes of the tar stream consumed
    globals_: dict[str, str] = {}
    pending: dict[str, str] = {}  # pax records and GNU long names for the next member
    skip_buf = bytearray(SKIP_CHUNK)

    def read_upto(n: int) -> bytes:
        """*n* bytes, fewer only where the stream ends."""
        nonlocal pos
        data = src.read(n)
        while 0 < len(data) < n:
            more = src.read(n - len(data))
            if not more:
                break
            data += more
        pos += len(data)
        return data

    def read_exact(n: int, what: str) -> bytes:
        data = read_upto(n)
        if len(data) < n:
            raise TarError(f"tar ends inside {what} at byte {pos}")
        return data

    def skip(n: int, what: str) -> None:
        nonlocal pos
        with memoryview(skip_buf) as view:
            while n > 0:
                got = src.readinto(view[: min(n, SKIP_CHUNK)])
                if not got:
                    raise TarError(f"tar ends inside {what} ({n} of its bytes missing)")
                n -= got
                pos += got

    first = True
    while True:
        header_at = pos
        buf = read_upto(BLOCK)
        if not buf:
            if first:
                raise TarError("empty archive: no tar header")
            return  # no end-of-archive blocks: a stream that simply stops between members
        if len(buf) < BLOCK:
            raise TarError(f"tar ends inside the header at byte {header_at}")
        if buf == ZERO_BLOCK:
            return
        try:
            stored: int | None = _number(buf[148:156], "checksum", header_at)
        except TarError:
            stored = None
        computed = sum(buf[:148]) + sum(buf[156:]) + 8 * 32
        if stored != computed:
            signed = sum(b - 256 if b > 127 else b for b in buf[:148] + buf[156:]) + 8 * 32
            if stored != signed:
                raise TarError(("not a tar archive (bad header checksum)" if first else
                                f"corrupt tar header at byte {header_at} (bad checksum)"))
        first = False
        typeflag = buf[156:157]
        size = _number(buf[124:136], "size", header_at)
        if size < 0:
            raise TarError(f"corrupt tar header at byte {header_at}: negative size")
        padded = size + (-size % BLOCK)

        if typeflag in (b"L", b"K", b"x", b"X", b"g"):
            if size > max_header_data:
                raise TarError(f"tar header data of {size} bytes at byte {header_at}: over the "
                               f"{max_header_data >> 20} MiB a real one needs; refused")
            data = read_exact(padded, "a long name or pax header")[:size]
            if typeflag == b"L":
                pending["path"] = data.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
            elif typeflag == b"K":
                pending["linkpath"] = data.split(b"\x00", 1)[0].decode("utf-8", "surrogateescape")
            elif typeflag == b"g":
                globals_.update(_pax(data, header_at))
            else:
                pending.update(_pax(data, header_at))
            continue

        name = _nts(buf[0:100])
        if buf[257:263] == b"ustar\x00":  # POSIX: a prefix may hold the leading directories
            prefix = _nts(buf[345:500])
            if prefix:
                name = prefix + "/" + name
        linkname = _nts(buf[157:257])
        uname = _nts(buf[265:297])
        try:
            uid: int | None = _number(buf[108:116], "uid", header_at)
        except TarError:
            uid = None
        extra = {**globals_, **pending} if globals_ else pending
        pending = {}
        if extra:
            name = extra.get("GNU.sparse.name", extra.get("path", name))  # pax sparse: the real name
            linkname = extra.get("linkpath", linkname)
            uname = extra.get("uname", uname)
            if "uid" in extra and extra["uid"].isdigit():
                uid = int(extra["uid"])
            if "size" in extra:
                if not extra["size"].isdigit():
                    raise TarError(f"corrupt pax header at byte {header_at}: size {extra['size']!r}")
                size = int(extra["size"])
                padded = size + (-size % BLOCK)
        kind = _KIND.get(typeflag, "other")
        if kind == "file" and typeflag == b"\x00" and name.endswith("/"):
            kind = "dir"  # V7 tar marks directories with a trailing slash only
        if kind == "dir":
            name = name.rstrip("/")
        if typeflag == b"S" or any(k.startswith("GNU.sparse.") for k in extra):
            kind = "other"  # sparse: the data is a map of holes, not the file
            if typeflag == b"S" and buf[482]:  # more sparse maps follow the header
                while True:
                    ext = read_exact(BLOCK, "a sparse header")
                    if not ext[504]:
                        break
        member = Member(name, kind, size, linkname, uname, uid, typeflag, header_at)
        if kind in _NO_DATA:
            yield member
            continue
        member._data = _MemberData(src, size, name)
        yield member
        data = member._data
        member._data = None
        left = data.remaining + (padded - size)
        pos += size - data.remaining
        skip(left, f"member {name}")
