"""A large smaps file read and parsed a piece at a time, into one table.

Reading a 200 MB concatenation whole holds its bytes (and, while reading, the
chunks they are joined from) beside the table being built: 2-3 times the
file's size at the peak. :func:`read` instead reads about :data:`PIECE_BYTES`
at a time, cuts each piece at its last ``==>`` banner (a process block never
straddles two pieces), parses it (the vectorised path, block by block, as
for the whole file), and joins the pieces' frames at the end
(:func:`analyzer.ingest.joining.concat`). Line numbers, processes and notices
are those of the whole file: each piece's are shifted by the lines before it,
and repeated PIDs are warned about once over the whole file, at the end, as
the whole-file parse does. Where the pieces could differ from the whole (a
block no banner names: the whole file numbers those across the file), the
file is read again whole. ``tests/test_chunked.py`` compares both.

Only plain (uncompressed), seekable smaps files larger than a piece are read
this way; anything else is read whole, as before.
"""

from __future__ import annotations

import dataclasses
import re

from .. import schema
from ..errors import InputError, Notice, ParseError
from . import joining
from .base import Context, Parsed
from .formats import smaps
from .formats.smaps import exact
from .formats.smaps.fastblocks import last_banner
from .sources.reader import HEAD_BYTES, MAX_TEXT_BYTES, compression_of, peek

PIECE_BYTES = 16 << 20  # text parsed at once
_REPEATED = re.compile(r"PID \d+ appears again \(first at line \d+\)")
_LINE_REF = re.compile(r"(?<=\bline )(\d+)")


def read_if_large(stream, name: str, on_bad_lines: str, sniff) -> tuple[Parsed, list[Notice]] | None:
    """:func:`read` for a plain (uncompressed), seekable smaps file with banners larger than a piece,
    its format told by *sniff(head)*; ``None`` (nothing read) for any other input."""
    try:
        if not stream.seekable():
            return None
        here = stream.tell()
        size = stream.seek(0, 2)
        stream.seek(here)
    except (OSError, ValueError, AttributeError):
        return None
    if size - here <= PIECE_BYTES:
        return None
    head = peek(stream, name, HEAD_BYTES)
    if compression_of(head[:8]) or head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return None
    if not head.startswith(b"==>") and b"\n==>" not in head:
        return None  # no banners near the start: one block, or grep -H output, read whole
    try:
        found = sniff(head)
    except InputError:
        return None  # the whole-file reader says what it is
    if found[0] is not smaps:
        return None
    return read(stream, name, on_bad_lines)


def read(stream, name: str, on_bad_lines: str, piece_bytes: int | None = None) -> tuple[Parsed, list[Notice]] | None:
    """The parse of the whole of *stream* (from its start), a piece at a time; ``None`` (and the stream
    back at its start) when the pieces cannot give what the whole would."""
    piece_bytes = piece_bytes or PIECE_BYTES
    frames, processes, notices, formats = [], [], [], set()
    line_base = pos = 0
    want = piece_bytes
    while True:
        data = stream.read(want)
        if not data:
            break
        if len(data) < want:  # the end of the file
            piece, blank, blank_lines = data, 0, 0
        else:
            cut = last_banner(data)
            if cut <= 0:  # one block bigger than a piece: read it again, and more
                stream.seek(pos)
                want *= 2
                continue
            keep = _without_blank_tail(data, cut)
            blank_lines = data.count(b"\n", keep, cut)
            del data  # read again to the cut: never the whole read and the piece at once
            stream.seek(pos)
            piece = stream.read(keep)
            stream.seek(pos + cut)
            data = None
            blank = cut - keep
        del data
        pos += len(piece) + blank
        want = piece_bytes
        if pos > MAX_TEXT_BYTES:
            raise InputError(f"{name}: more than {MAX_TEXT_BYTES >> 20} MiB of text after decompression; refused")
        parsed, found = _parse(piece, name, on_bad_lines, line_base)
        line_base += piece.count(b"\n") + blank_lines
        del piece
        if any(p.get("block_name") is None for p in parsed.processes):
            stream.seek(0)  # a block no banner names: numbered over the whole file, not per piece
            return None
        frame = parsed.mappings
        if len(frame):
            if "source" not in frame.columns:
                frame["source"] = name
            frames.append(joining.shrink(schema.conform(frame)))
        processes.extend(parsed.processes)
        notices.extend(found)
        formats |= parsed.formats
    ctx = Context(name, on_bad_lines)
    exact._warn_repeated_pids(processes, ctx)
    frame = joining.concat(frames) if frames else schema.empty()
    if len(frame) and frame["capture"].isna().all():  # a loose file is its own capture (what the loader
        frame["capture"] = frame["source"].array.copy()  # would fill in), sharing the source's strings
    return Parsed(frame, processes, formats=formats), notices + ctx.notices


def _without_blank_tail(data: bytes, cut: int) -> int:
    """Where the piece ``data[:cut]`` ends without the blank lines between its last block and the
    next banner (LF or, in a CRLF file, CRLF ones): a piece ending in one looks cut short.

    >>> _without_blank_tail(b"a\\n\\n\\n==>", 4), _without_blank_tail(b"a\\r\\n\\r\\n==>", 5)
    (2, 3)
    """
    keep = cut
    crlf = data.find(b"\r\n", 0, 4096) >= 0
    while True:
        if keep > 1 and data[keep - 2 : keep] == b"\n\n":
            keep -= 1
        elif crlf and keep > 2 and data[keep - 3 : keep] == b"\n\r\n":
            keep -= 2
        else:
            return keep


def _parse(piece: bytes, name: str, on_bad_lines: str, line_base: int) -> tuple[Parsed, list[Notice]]:
    ctx = Context(name, on_bad_lines)
    try:
        parsed = smaps.parse_data(piece, ctx)
    except ParseError as exc:
        if exc.lineno:
            raise ParseError(exc.source, exc.lineno + line_base, _shift(exc.message, line_base)) from None
        raise
    if line_base:
        frame = parsed.mappings
        if len(frame) and "lineno" in frame.columns:
            frame["lineno"] = frame["lineno"] + line_base
        for proc in parsed.processes:
            if proc.get("lineno") is not None:
                proc["lineno"] += line_base
    notices = [dataclasses.replace(n, lineno=None if n.lineno is None else n.lineno + line_base,
                                   message=_shift(n.message, line_base))
               for n in ctx.notices if not _REPEATED.search(n.message)]
    return parsed, notices


def _shift(message: str, by: int) -> str:
    return _LINE_REF.sub(lambda m: str(int(m.group(1)) + by), message) if by else message
