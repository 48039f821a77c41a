"""The reading layer: files, standard input, compression and content sniffing.

Parsers never touch the filesystem; this module opens inputs read-only,
undoes gzip/xz/bzip2/zstd by their magic bytes (never by the file name),
decodes text, and asks the registry which format it is.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import stat
import sys
import zlib
from pathlib import Path
from typing import BinaryIO, Callable

from ...errors import InputError, UnknownFormatError

# A text dump larger than this after decompression is refused (a bomb, or not a dump).
MAX_TEXT_BYTES = 8 * 1024**3
HEAD_BYTES = 64 * 1024

COMPRESSIONS = (
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"BZh", "bzip2"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)

EXPECTED = ("expected one of: /proc/PID/smaps, maps or smaps_rollup (single, concatenated with "
            "`==>` banners or `grep -H`, or a copied proc tree), pmap output, a sosreport")


def compression_of(head: bytes) -> str | None:
    """The compression whose magic bytes start *head*.

    >>> compression_of(b"\\x1f\\x8b\\x08"), compression_of(b"BZh91AY"), compression_of(b"plain")
    ('gzip', 'bzip2', None)
    """
    for magic, name in COMPRESSIONS:
        if head.startswith(magic):
            return name
    return None


def decompressing(stream: BinaryIO, name: str) -> BinaryIO:
    """Wrap *stream* in decompressors, as many layers as its magic bytes say."""
    for _ in range(4):
        buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(_Raw(stream))
        kind = compression_of(peek(buffered, name, 8))
        if kind is None:
            return buffered
        if kind == "gzip":
            stream = gzip.GzipFile(fileobj=buffered, mode="rb")
        elif kind == "xz":
            stream = lzma.LZMAFile(buffered, mode="rb")
        elif kind == "bzip2":
            stream = bz2.BZ2File(buffered, mode="rb")
        else:
            stream = _Zstd(buffered)
    raise UnknownFormatError(f"{name}: compressed more than four times over; refusing to unwrap further")


class _Raw(io.RawIOBase):
    """Adapt any object with ``read`` to a raw stream ``BufferedReader`` can wrap."""

    def __init__(self, stream):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        # read1: one step of a decompressor, so a stream cut short loses nothing decompressed before the cut
        read = getattr(self._stream, "read1", None) or self._stream.read
        data = read(len(b))
        n = len(data)
        b[:n] = data
        return n


class _Zstd(io.RawIOBase):
    """zstd frames, one after another; a stream that ends inside a frame raises EOFError
    (python-zstandard's stream reader returns the text of a cut frame without a word)."""

    def __init__(self, source: BinaryIO):
        import zstandard

        self._new = zstandard.ZstdDecompressor().decompressobj
        self._source = source
        self._obj = self._new()
        self._fed = False  # compressed bytes given to the current frame
        self.trailing = False  # stopped at bytes after the last frame that are no zstd frame
        self._done = 0  # frames decompressed to their end
        self._pending = b""
        self._pos = 0  # bytes of _pending already handed out

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self._pending:
            if self._obj.eof:
                self._done += 1
                rest = self._obj.unused_data
                self._obj, self._fed = self._new(), bool(rest)
                if rest:
                    try:
                        self._pending = self._obj.decompress(rest)
                    except Exception:  # zstandard.ZstdError: not another frame, trailing junk
                        self.trailing = True
                        return 0
                    continue
            # small input steps bound the output of one step (a run of zstd RLE blocks expands ~30,000x)
            chunk = self._source.read1(1 << 12) if hasattr(self._source, "read1") else self._source.read(1 << 12)
            if not chunk:
                if self._fed and not self._obj.eof:
                    raise EOFError("zstd stream ended before the end of its frame")
                return 0
            first, self._fed = not self._fed, True
            try:
                self._pending = self._obj.decompress(chunk)
            except Exception:  # zstandard.ZstdError
                if first and self._done:  # no frame where a next one would start: trailing junk
                    self.trailing = True
                    return 0
                raise
        n = min(len(b), len(self._pending) - self._pos)
        b[:n] = self._pending[self._pos:self._pos + n]
        self._pos += n
        if self._pos == len(self._pending):
            self._pending, self._pos = b"", 0
        return n


def _decompress_failed(exc: BaseException, name: str) -> InputError | None:
    if isinstance(exc, (OSError, EOFError, lzma.LZMAError, zlib.error)) or type(exc).__name__ == "ZstdError":
        return InputError(f"{name}: cannot decompress: {exc or type(exc).__name__} (corrupt or truncated file?)")
    return None


def peek(stream: BinaryIO, name: str, n: int) -> bytes:
    """The first *n* bytes of a buffered stream, without consuming them."""
    try:
        return stream.peek(n)[:n]
    except Exception as exc:
        err = _decompress_failed(exc, name)
        if err is None:
            raise
        raise err from exc


def read_all(stream: BinaryIO, name: str, limit: int = MAX_TEXT_BYTES, cut: list[str] | None = None,
             check_head: Callable[[bytes], object] | None = None) -> bytes:
    """Read a whole (decompressed) stream, refusing more than *limit* bytes.

    *check_head(head)* is called with the first :data:`HEAD_BYTES` as soon as they
    are read, and may raise to refuse the input before the rest is read (junk,
    ``/dev/zero``, a huge sparse file: recognised as no dump from its beginning).

    A compressed stream that ends early is an error, unless *cut* is a list
    and some text came out before the cut: then the text is returned and the
    reason appended to *cut* (a truncated copy keeps its complete records).
    Corrupt data (a failed CRC, an invalid code) is always an error."""
    whole = _read_regular(stream, name, limit, check_head)
    if whole is not None:
        return whole
    chunks, total = [], 0
    try:
        read = getattr(stream, "read1", None) or stream.read  # read1: see _Raw.readinto
        while True:
            chunk = read(1 << 22)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise InputError(f"{name}: more than {limit >> 20} MiB of text after decompression; refused")
            chunks.append(chunk)
            if check_head is not None and total >= HEAD_BYTES:
                check_head(b"".join(chunks)[:HEAD_BYTES])
                check_head = None
    except gzip.BadGzipFile as exc:
        if not total or not str(exc).startswith("Not a gzipped file") or cut is None:
            raise _decompress_failed(exc, name) from exc
        cut.append(TRAILING)  # a next gzip member would start here: bytes that are none
        return b"".join(chunks)
    except Exception as exc:  # zstandard.ZstdError has no common base we can import lazily
        err = _decompress_failed(exc, name)
        if err is None:
            raise
        if cut is None or not total or not isinstance(exc, EOFError):
            # only a stream that simply ends is a truncated copy; a failed check or corrupt data may
            # already have produced junk text, so that stays an error
            raise err from exc
        cut.append(cut_notice(exc, total))
        return b"".join(chunks)
    if total and stopped_at_trailing_data(stream):
        if cut is None:
            raise InputError(f"{name}: cannot decompress: {TRAILING}")
        cut.append(TRAILING)
    return b"".join(chunks)


def _read_regular(stream: BinaryIO, name: str, limit: int, check_head: Callable[[bytes], object] | None) -> bytes | None:
    """The rest of a plain regular file in one read (one buffer, no chunks joined: 10-20% of
    reading a large dump); ``None`` for anything else (a pipe, a decompressor, a ``/proc`` file
    that says size 0, a file that grows while read), which the chunked read handles."""
    raw = getattr(stream, "raw", None)
    if not isinstance(stream, io.BufferedReader) or not isinstance(raw, io.FileIO):
        return None
    try:
        fd = raw.fileno()
        info = os.fstat(fd)
        pos = stream.tell()
    except (OSError, ValueError):
        return None
    size = info.st_size - pos
    if not stat.S_ISREG(info.st_mode) or size <= HEAD_BYTES:
        return None
    if check_head is not None:
        check_head(os.pread(fd, HEAD_BYTES, pos))
    if size > limit:
        raise InputError(f"{name}: more than {limit >> 20} MiB of text after decompression; refused")
    data = os.pread(fd, size, pos)
    if len(data) != size or os.pread(fd, 1, pos + size):
        return None  # short read or a growing file: read it in chunks
    stream.seek(pos + size)
    return data


TRAILING = ("bytes after the end of the compressed data that are no compressed data (trailing garbage): "
            "ignored; the text before them was read")


def stopped_at_trailing_data(stream) -> bool:
    """True if a decompressor under *stream* ended at bytes that start no further stream.

    xz and bzip2 (Python's ``_compression`` reader) stop there without a word and
    leave a fresh, unfinished decompressor behind; our zstd reader sets ``trailing``;
    gzip raises instead (handled by :func:`read_all`)."""
    for _ in range(12):
        if isinstance(stream, _Zstd):
            return stream.trailing
        if isinstance(stream, (lzma.LZMAFile, bz2.BZ2File)):
            reader = getattr(getattr(stream, "_buffer", None), "raw", None)
            decompressor = getattr(reader, "_decompressor", None)
            return decompressor is not None and not decompressor.eof
        inner = getattr(stream, "raw", None)
        if inner is None:
            inner = getattr(stream, "_stream", None)
        if inner is None:
            return False
        stream = inner
    return False


def cut_notice(exc: BaseException, total: int) -> str:
    """The warning for a compressed stream that ends early after *total* bytes of text."""
    return (f"compressed stream cut short ({exc or type(exc).__name__}): the {total} bytes of text before the "
            "cut were read (truncated copy?); the rest is lost")


def open_input(path: str | Path) -> tuple[str, BinaryIO]:
    """Open a file (or ``-`` for standard input) read-only, decompressed."""
    if str(path) == "-":
        return "<stdin>", decompressing(sys.stdin.buffer, "<stdin>")
    p = Path(path)
    try:
        handle = open(p, "rb")  # read-only: inputs are never changed
    except FileNotFoundError:
        raise InputError(f"{p}: no such file or directory") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory") from None
    except PermissionError:
        raise InputError(f"{p}: permission denied") from None
    return str(p), decompressing(handle, str(p))


def decode(data: bytes, name: str) -> str:
    """Bytes to text: UTF-8, undecodable bytes kept visible as ``\\xNN``; refuse binary."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    check_text(data, name)
    return data.decode("utf-8", errors="backslashreplace")


def check_text(data: bytes, name: str) -> None:
    """Refuse what :func:`decode` refuses (encrypted or binary data), without decoding *data*."""
    if is_encrypted(data):
        raise UnknownFormatError(f"{name}: an OpenPGP-encrypted file (as `sos report --encrypt-pass` or "
                                 "`--encrypt-key` writes): decrypt it first, e.g. `gpg -o report.tar.xz -d FILE`")
    if looks_binary(data):
        raise UnknownFormatError(f"{name}: binary data, not a text dump ({EXPECTED})")


def as_utf8(data: bytes) -> tuple[bytes, str | None]:
    """Text bytes as UTF-8 without a byte-order mark, and what was undone.

    Windows tools save pasted text as UTF-16 with a BOM (PowerShell's ``>``),
    or as UTF-8 with one (Notepad).

    >>> as_utf8("7f00-7f01 r--p".encode("utf-16"))
    (b'7f00-7f01 r--p', 'UTF-16 text (as Windows tools save it): read as text')
    >>> as_utf8(b"\\xef\\xbb\\xbfabc")
    (b'abc', None)
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:], None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").encode("utf-8"), "UTF-16 text (as Windows tools save it): read as text"
        except UnicodeDecodeError:
            return data, None
    return data, None


def is_encrypted(head: bytes) -> bool:
    """True for an OpenPGP message: ASCII-armoured, or binary starting with a public-key
    (tag 1) or symmetric-key (tag 3) encrypted session key packet of version 3 to 6 (RFC 9580).

    >>> is_encrypted(bytes.fromhex("8c0d04090302")), is_encrypted(b"-----BEGIN PGP MESSAGE-----\\n")
    (True, True)
    >>> is_encrypted(bytes.fromhex("c30d0409")), is_encrypted(bytes.fromhex("8c2068656c6c6f"))
    (True, False)
    >>> is_encrypted(b"00400000-00401000 r-xp")
    False
    """
    if head.startswith(b"-----BEGIN PGP MESSAGE-----"):
        return True
    if len(head) < 4 or not head[0] & 0x80:
        return False
    if head[0] & 0x40:  # new packet format: tag in the low six bits, then a one-, two- or five-byte length
        tag, first = head[0] & 0x3F, head[1]
        body = 2 if first < 192 else 3 if first < 224 else 6 if first == 255 else None
    else:  # old format: tag in bits 2-5, length size in bits 0-1 (3: indeterminate, no length bytes)
        tag, body = (head[0] >> 2) & 0x0F, 1 + (1, 2, 4, 0)[head[0] & 3]
    return tag in (1, 3) and body is not None and len(head) > body and head[body] in (3, 4, 5, 6)


def looks_binary(data: bytes) -> bool:
    """The test :func:`decode` applies: a NUL, or too many control bytes or invalid UTF-8, in the head."""
    head = data[:HEAD_BYTES]
    if b"\x00" in head:
        return True
    if not head:
        return False
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    sample = head.decode("utf-8", errors="replace")
    return control / len(head) > 0.01 or sample.count("\ufffd") > len(sample) / 20


# bytes below 0x20 that a text dump does not contain (tab, newline, CR, FF, VT are fine)
_CONTROL_BYTES = bytes(b for b in range(32) if chr(b) not in "\t\r\n\f\v")
