"""Vectorised smaps parsing for large, regular dumps.

The kernel prints every record of one ``/proc/PID/smaps`` with the same key
sequence, each key padded to a fixed column and each value right-aligned in
a fixed-width field::

    55d0c8a00000-55d0c8a21000 rw-p 00000000 00:00 0                          [heap]
    Size:                132 kB
    Rss:                   8 kB
    ...
    THPeligible:           0
    VmFlags: rd wr mr mw me ac

So once the first record is read, every other record's field lines are
known byte for byte except for the digits: this module checks that (numpy
over the whole buffer, in slices of about 1 MB so temporaries stay in cache),
reads all the numbers at once (eight digits in one 64-bit word, read
unaligned straight from the buffer), places the header fields from the edges
between runs of spaces (one pass over a matrix of header bytes) and builds
the text columns as Arrow strings from offsets into the buffer, with no
Python object per line.

:func:`parse` returns the same :class:`~analyzer.ingest.base.Parsed` as
:func:`analyzer.ingest.smaps.parse` on the same input, or ``None`` whenever
the input is not the regular case it handles (banners, ``grep -H`` prefixes,
CRLF, control characters, a key sequence that varies, a truncated or
irregular record, ``[rollup]``, non-UTF-8 bytes, ...): the exact general path
then runs, so correctness never depends on this one.

>>> from analyzer.ingest.base import Context
>>> rec = ('00400000-00401000 r-xp 00000000 103:02 1234                       /usr/bin/my prog\\n'
...        'Size:                  4 kB\\nRss:                   4 kB\\nTHPeligible:           0\\n'
...        'VmFlags: rd ex mr mw me \\n')
>>> parsed = parse(rec.encode(), Context("dump.txt"), name="proc/42/smaps")
>>> row = parsed.mappings.iloc[0]
>>> int(row.pid), row.dev, row.path, int(row["size"]), int(row.rss), int(row.thp_eligible), row.vmflags
(42, '103:02', '/usr/bin/my prog', 4096, 4096, 0, 'rd ex mr mw me')
>>> parse(rec.replace("\\n", "\\r\\n").encode(), Context("dump.txt")) is None  # CRLF: the exact path's job
True
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import schema
from ..schema import BY_NAME, KEY_TO_COLUMN, UNITLESS_KEYS, field_column
from .base import Context, Parsed
from .smaps import BANNER as _BANNER, NAME_PID as _NAME_PID, SELF_NAME as _SELF_NAME

SLICE_BYTES = 1 << 20  # work on ~1 MB at a time: small temporaries (cache-resident, no fresh pages) and bounded memory
HEAD_WINDOW = 96  # header bytes examined column-wise (addresses, perms, offset, dev, inode)
MAX_WIDE_FRACTION = 0.05  # records with a value wider than the template's, parsed one by one

_HEADER = re.compile(rb"([0-9A-Fa-f]+)-([0-9A-Fa-f]+) ([-rwxsp]{4}) ([0-9A-Fa-f]+) ([0-9A-Fa-f]+:[0-9A-Fa-f]+) (\d+)")
_FIELD_LINE = re.compile(r"([A-Za-z][A-Za-z0-9_]*):(.*)")
_KB_FIELD = re.compile(r"([ \t]*?)( *)(\d+)( kB)?")
_DELETED_HEAD = np.frombuffer(b" (delete", dtype="<u8")[0]  # " (deleted)" as two overlapping words
_DELETED_TAIL = np.frombuffer(b"deleted)", dtype="<u8")[0]
_VMFLAGS = np.frombuffer(b"VmFlags:", dtype="<u8")[0]

_HEX = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"abcdef"):
    _HEX[_c] = 10 + _i
    _HEX[_c - 32] = 10 + _i
_DEC = np.full(256, 255, dtype=np.uint8)
_DEC[48:58] = np.arange(10)
_PERM_OK = np.zeros(256, dtype=bool)
_PERM_OK[list(b"-rwxsp")] = True
_COLS = np.arange(256, dtype=np.uint8)  # column numbers, compared against per-row uint8 limits
_PAD = 24  # zero bytes before a header matrix, so right-aligned number windows never start before it
_LOW_NIBBLES = np.uint64(0x0F0F0F0F0F0F0F0F)
_LETTER_BITS = np.uint64(0x0101010101010101)


class Irregular(Exception):
    """The input is not the regular case: let the exact path read it."""


class Template:
    """The first record's field lines: keys, line lengths, digit windows."""

    def __init__(self, lines: list[str]):
        self.keys: list[str] = []
        self.columns: list[str] = []
        self.mult: list[int] = []
        self.lengths: list[int] = []
        windows: list[tuple[int, int]] = []  # (offset of window end in the block, width)
        block = bytearray()
        self.vmflags = False
        for j, line in enumerate(lines):
            m = _FIELD_LINE.fullmatch(line)
            if m is None:
                raise Irregular("field line")
            key, region = m.group(1), m.group(2)
            if key == "VmFlags":
                if j != len(lines) - 1:
                    raise Irregular("VmFlags not last")
                self.vmflags = True
                break
            v = _KB_FIELD.fullmatch(region)
            if v is None or len(v.group(3)) > 8:
                raise Irregular("value")
            kb = v.group(4) is not None
            if kb and key in UNITLESS_KEYS:
                raise Irregular("unitless key with kB")
            if not kb and not (key in UNITLESS_KEYS or key not in KEY_TO_COLUMN):
                raise Irregular("kB key without unit")
            col = KEY_TO_COLUMN.get(key) or field_column(key)
            if col in self.columns or not (key in KEY_TO_COLUMN or col == "size" or col not in BY_NAME):
                raise Irregular("column")
            self.keys.append(key)
            self.columns.append(col)
            self.mult.append(1024 if kb else 1)
            digits_end = len(key) + 1 + len(v.group(1)) + len(v.group(2)) + len(v.group(3))
            width = min(8, len(v.group(2)) + len(v.group(3)))
            windows.append((len(block) + digits_end, width))
            block += line.encode("ascii") + b"\n"
            self.lengths.append(len(line))
        if not self.keys:
            raise Irregular("no fields (maps)")
        self.nfields = len(self.keys)
        self.nlines = 1 + self.nfields + (1 if self.vmflags else 0)
        self.block_len = len(block)
        self.lengths_arr = np.array(self.lengths, dtype=np.int64)
        # Each value is read as the 64-bit word that ends where its digits end;
        # bytes of a narrower window (the key, a colon) are masked to spaces.
        block_arr = np.frombuffer(bytes(block), dtype=np.uint8)
        varying = np.zeros(len(block), dtype=bool)
        for end, width in windows:
            varying[end - width : end] = True
        self.word_starts = np.array([end - 8 for end, _ in windows], dtype=np.int64)
        keep = [(0xFFFFFFFFFFFFFFFF << (8 * (8 - width))) & 0xFFFFFFFFFFFFFFFF for _, width in windows]
        self.word_keep = np.array(keep, dtype=np.uint64)
        self.word_fill = np.uint64(0x2020202020202020) & ~self.word_keep
        # A record's block, OR'ed with 0xFF on the digit windows, equals this.
        self.varying = np.where(varying, 255, 0).astype(np.uint8)
        self.expected = block_arr | self.varying
        self.mult_col = np.array(self.mult, dtype=np.int64)[:, None]
        self.tabs = int(np.count_nonzero(self.expected == 9))


def parse(data: bytes, ctx: Context, name: str | None = None) -> Parsed | None:
    """Parse one process's smaps bytes, or return ``None`` (not the regular case)."""
    try:
        return _parse(data, ctx, name)
    except Irregular:
        return None


def _parse(data: bytes, ctx: Context, name: str | None) -> Parsed | None:
    if len(data) < 64 or not data.endswith(b"\n") or data.startswith(b"\xef\xbb\xbf"):
        return None
    if b"\r" in data:
        return None
    head = data[: 1 << 18]
    if head.count(b"\\x") * 40 > min(len(head), 1 << 16):  # the reader might call it binary
        return None
    template = _template(data)
    arr = np.frombuffer(data, dtype=np.uint8)
    R = template.nlines

    pieces: list[dict] = []
    special: list[tuple[int, bytes]] = []  # (line number, text) of banners and blank lines
    pos, line_base = 0, 0  # byte offset and line count before the current slice
    size = SLICE_BYTES
    n = len(arr)
    ctrl = tabs = 0
    while pos < n:
        stop = min(n, pos + size)
        seg = arr[pos:stop]
        nl = np.flatnonzero(seg == 10)
        if not len(nl):
            size *= 2
            continue
        ls = np.empty_like(nl)
        ls[0] = 0
        ls[1:] = nl[:-1] + 1
        odd = np.flatnonzero((nl == ls) | (seg[ls] == 61))  # blank, or `==> name <==`
        if len(odd):
            content = np.ones(len(nl), dtype=bool)
            content[odd] = False
            content = np.flatnonzero(content)
        else:
            content = None
        n_content = len(nl) if content is None else len(content)
        usable = (n_content // R) * R
        if stop < n and usable == 0:
            size *= 2
            continue
        if stop == n and usable != n_content:
            return None  # a cut or irregular last record: the exact path says what happened
        if stop == n:
            n_lines = len(nl)
        else:  # up to the last complete record; later blank lines and banners go to the next slice
            n_lines = usable if content is None else int(content[usable - 1]) + 1
        seg = seg[: nl[n_lines - 1] + 1]
        idx = np.arange(usable) if content is None else content[:usable]
        for i in odd[odd < n_lines]:
            special.append((line_base + int(i) + 1, seg[ls[i] : nl[i]].tobytes()))
        ctrl += int(np.count_nonzero(seg < 32)) - n_lines
        tabs += int(np.count_nonzero(seg == 9)) if template.tabs else 0
        if usable:
            heads = idx[::R]
            piece = _parse_slice(seg, ls[idx], nl[idx], template, line_base + heads + 1)
            piece["last_lineno"] = line_base + idx[R - 1 :: R] + 1
            pieces.append(piece)
        pos += len(seg)
        line_base += n_lines
    nrec = sum(len(p["start"]) for p in pieces)
    if not nrec or ctrl != tabs or tabs != template.tabs * nrec:
        return None  # control characters or tabs where the kernel puts none
    if any(pc.any(pc.equal(p["path"], "[rollup]")).as_py() for p in pieces):
        return None  # smaps_rollup: a process-level record, the exact path's job
    blocks = _blocks(special, name)
    linenos = np.concatenate([p["lineno"] for p in pieces])
    last_linenos = np.concatenate([p["last_lineno"] for p in pieces])
    banner_lines = np.array([lineno for lineno, text in special if text], dtype=np.int64)
    inside = np.searchsorted(linenos, banner_lines) - 1
    if ((inside >= 0) & (banner_lines < last_linenos[np.maximum(inside, 0)])).any():
        raise Irregular("a banner inside a record")
    block_of = np.searchsorted(np.array([b[1] for b in blocks]), linenos, side="right") - 1
    if (block_of < 0).any():
        raise Irregular("records before the first banner")
    counts = np.bincount(block_of, minlength=len(blocks))
    pids = [b[2] for b in blocks]
    seen = [p for p, c in zip(pids, counts) if p is not None and c]
    if len(seen) != len(set(seen)):
        return None  # a PID twice: the exact path warns about it
    processes = []
    for (bname, bline, pid), count in zip(blocks, counts):
        processes.append({"pid": pid, "command": None, "source": ctx.source,
                          "source_format": "smaps" if count else None, "block": bname, "lineno": bline,
                          "mappings": int(count), "partial": False})
        if bname and _SELF_NAME.search(bname):  # the same notice as smaps.parse, in the same order
            ctx.info(bline, f"{bname} is the capturing process itself (`head`, `grep`): kept, "
                     "PID unknown; /proc/self and /proc/thread-self show the same memory twice")
        if not count:
            ctx.info(bline, f"{bname or 'block'}: no mappings (a kernel thread or zombie)")
    pid_values = np.array([p if p is not None else 0 for p in pids], dtype=np.int64)[block_of]
    pid_mask = np.array([p is None for p in pids], dtype=bool)[block_of]
    frame = _frame(pieces, template, ctx.source, (pid_values, pid_mask), block_of, nrec)
    return Parsed(frame, processes, formats={"smaps"})


def _blocks(special: list[tuple[int, bytes]], name: str | None) -> list[tuple[str | None, int, int | None]]:
    """(name, line number, pid) of every process block, as smaps.split_blocks makes them."""
    blocks: list[tuple[str | None, int, int | None]] = []
    first_banner = next((lineno for lineno, text in special if text), None)
    if first_banner != 1:
        blocks.append((name, 1, None))  # lines before any banner: the file's own name
    for lineno, text in special:
        if not text:
            continue
        try:
            line = text.decode("utf-8")
        except UnicodeDecodeError:
            raise Irregular("banner not UTF-8") from None
        m = _BANNER.fullmatch(line.strip()) if line.startswith("==>") else None
        if m is None:
            raise Irregular("a line starting with = that is no banner")
        blocks.append((m.group(1), lineno, None))
    out = []
    for bname, lineno, _ in blocks:
        m = _NAME_PID.search(bname) if bname else None
        out.append((bname, lineno, int(m.group(1)) if m else None))
    return out


def _template(data: bytes) -> Template:
    """Read the first record in Python: it fixes the layout of every other."""
    lines = []
    pos = 0
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        line = data[pos:end]
        pos = end + 1
        if not lines and (not line or line.startswith(b"==>")):
            continue  # banners and blank lines before the first record
        if lines and (_HEADER.match(line) or not line or line.startswith(b"=")):
            break
        try:
            lines.append(line.decode("ascii"))
        except UnicodeDecodeError:
            if lines:
                raise Irregular("non-ASCII field line") from None
            lines.append("")
        if len(lines) > 200:
            raise Irregular("record too long")
    return Template(lines[1:])


def _parse_slice(seg: np.ndarray, starts: np.ndarray, ends: np.ndarray, t: Template, linenos: np.ndarray) -> dict:
    nrec = len(ends) // t.nlines
    starts = starts.reshape(nrec, t.nlines)
    ends = ends.reshape(nrec, t.nlines)
    lengths = ends - starts

    # Field lines: every record's block equals the template outside the digit windows.
    field_lengths = lengths[:, 1 : 1 + t.nfields]
    regular = (field_lengths == t.lengths_arr).all(axis=1)
    good = np.flatnonzero(regular) if not regular.all() else None
    ngood = nrec if good is None else len(good)
    values = np.empty((t.nfields, nrec), dtype=np.int64)  # one contiguous row per field
    if ngood:
        block_starts = starts[:, 1] if good is None else starts[good, 1]
        blocks = np.lib.stride_tricks.sliding_window_view(seg, t.block_len)[block_starts]  # (records, block) copy
        blocks |= t.varying
        if not (blocks == t.expected).all():
            raise Irregular("field block differs from the first record's")
        at = block_starts[:, None] + t.word_starts
        if at[:, 0].min() < 0:
            raise Irregular("block at the start of the buffer")
        words = _words(seg)[at]
        words &= t.word_keep
        words |= t.word_fill
        words = _read_windows(words).T
        if good is None:
            np.multiply(words, t.mult_col, out=values)
        else:
            values[:, good] = words * t.mult_col
    if good is not None:
        wide = np.flatnonzero(~regular)
        if len(wide) > max(8, MAX_WIDE_FRACTION * nrec):
            raise Irregular("too many wide values")
        for r in wide:
            values[:, r] = _read_wide_record(seg, starts[r], ends[r], t)

    out = _read_headers(seg, starts[:, 0], ends[:, 0])
    out["values"] = values
    out["lineno"] = linenos.astype(np.int64)
    if t.vmflags:
        out["vmflags"] = _read_vmflags(seg, starts[:, -1], ends[:, -1])
    return out


def _read_windows(words: np.ndarray) -> np.ndarray:
    """Right-aligned decimal numbers, one per 64-bit word of eight bytes (spaces, then digits) -> int64."""
    digit = ((words.view(np.uint8) - np.uint8(48)) < 10).view("<u8")  # one byte per digit: 1 if it is one
    digit_bytes = digit * np.uint64(255)
    bad = (digit << np.uint64(8)) & ~digit  # a space after a digit
    bad |= (digit >> np.uint64(56)) ^ np.uint64(1)  # the last byte not a digit
    bad |= (words | digit_bytes) ^ (np.uint64(0x2020202020202020) | digit_bytes)  # neither digit nor space
    if bad.any():
        raise Irregular("value window")
    # Eight digits in one word, most significant first in memory (little-endian).
    v = words & _LOW_NIBBLES
    v = (v * np.uint64(10) + (v >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    v = (v * np.uint64(100) + (v >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    v = (v * np.uint64(10000) + (v >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return v.view(np.int64)  # below 10**8: the same bits


def _read_wide_record(seg: np.ndarray, starts: np.ndarray, ends: np.ndarray, t: Template) -> list[int]:
    """A record with a value wider than its template column (a mapping of 100 GB or more)."""
    out = []
    for j, key in enumerate(t.keys):
        line = seg[starts[1 + j] : ends[1 + j]].tobytes().decode("ascii", errors="replace")
        m = _FIELD_LINE.fullmatch(line)
        v = _KB_FIELD.fullmatch(m.group(2)) if m else None
        if (m is None or m.group(1) != key or v is None or len(v.group(3)) > 15
                or (v.group(4) is not None) != (t.mult[j] == 1024)):
            raise Irregular("wide record")
        out.append(int(v.group(3)) * t.mult[j])
    return out


def _words(seg: np.ndarray) -> np.ndarray:
    """The little-endian 64-bit word starting at every byte of *seg* (an unaligned view, no copy)."""
    return np.ndarray((max(len(seg) - 7, 0),), dtype="<u8", buffer=seg, strides=(1,))


def _rows(seg: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
    """``seg[start:start + width]`` for every start, as one (n, width) array (zero padded)."""
    n = len(seg)
    lim = n - width
    if lim >= 0:
        h = np.lib.stride_tricks.sliding_window_view(seg, width)[np.minimum(starts, lim)]
    else:
        h = np.zeros((len(starts), width), dtype=np.uint8)
    late = np.flatnonzero(starts > lim)
    if len(late):
        t0 = max(0, lim)
        tail = np.zeros(2 * width + 1, dtype=np.uint8)
        tail[: n - t0] = seg[t0:]
        h[late] = np.lib.stride_tricks.sliding_window_view(tail, width)[starts[late] - t0]
    return h




def _digit_windows(flat: np.ndarray, ends: np.ndarray, lengths: np.ndarray, width: int, hexadecimal: bool) -> np.ndarray:
    """The *width* bytes before every ``flat[end]``, the bytes before each number zeroed, checked digits.

    Returns a (n, width) uint8 matrix whose rows are the numbers right-aligned,
    leading positions 0: ready to be read eight digits to a 64-bit word.
    """
    if len(lengths) and (lengths.min() < 1 or lengths.max() > (16 if hexadecimal else 19)):
        raise Irregular("number width")
    g = np.lib.stride_tricks.sliding_window_view(flat, width)[ends - width]
    keep = _COLS[:width] >= (width - lengths).astype(np.uint8)[:, None]
    digit = (g - np.uint8(48)) < 10
    if hexadecimal:
        digit |= ((g | np.uint8(32)) - np.uint8(97)) < 6
    if not (digit | ~keep).all():
        raise Irregular("digit")
    g *= keep
    return g


def _hex_numbers(flat: np.ndarray, ends: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Hexadecimal numbers (1 to 16 digits, either case) ending at *ends* -> uint64."""
    w = _digit_windows(flat, ends, lengths, 16, True).view("<u8")
    # ASCII hex digit -> value: low nibble, plus 9 for letters (bit 6 set).
    w = (w & _LOW_NIBBLES) + np.uint64(9) * ((w >> np.uint64(6)) & _LETTER_BITS)
    w = (w * np.uint64(16) + (w >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    w = (w * np.uint64(256) + (w >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    w = (w * np.uint64(65536) + (w >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return (w[:, 0] << np.uint64(32)) | w[:, 1]


def _dec_numbers(flat: np.ndarray, ends: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Decimal numbers (1 to 19 digits) ending at *ends* -> uint64."""
    w = _digit_windows(flat, ends, lengths, 24, False).view("<u8") & _LOW_NIBBLES
    w = (w * np.uint64(10) + (w >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    w = (w * np.uint64(100) + (w >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    w = (w * np.uint64(10000) + (w >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return (w[:, 0] * np.uint64(10**16) + w[:, 1] * np.uint64(10**8)) + w[:, 2]


def _read_headers(seg: np.ndarray, hs: np.ndarray, he: np.ndarray) -> dict:
    """The header lines ``start-end perms offset dev inode [name]`` from their first bytes.

    The header bytes are a matrix, one row per line; the edges between runs
    of spaces and non-spaces (inside the line) are found in one pass, and the
    first eight to ten edges of a row place every field.
    """
    n = len(hs)
    hl = he - hs
    width = HEAD_WINDOW
    flat = np.zeros(_PAD + n * width, dtype=np.uint8)
    h = flat[_PAD:].reshape(n, width)
    h[...] = _rows(seg, hs, width)
    line_end = np.minimum(hl, width)
    space = h == 32
    edge = space[:, 1:] != space[:, :-1]
    edge &= _COLS[1:width] < line_end.astype(np.uint8)[:, None]
    nz = np.flatnonzero(edge)
    row, col = np.divmod(nz, width - 1)
    col += 1
    count = np.bincount(row, minlength=n)
    if (count < 8).any():
        raise Irregular("header without five fields")
    first = np.cumsum(count) - count
    # Edges 0-7: the space after the addresses, perms, space, offset, space, dev, space, inode.
    s0, t1, s1, t2, s2, t3, s3, t4 = col[first[:, None] + np.arange(8)].T
    if ((t1 != s0 + 1) | (t2 != s1 + 1) | (t3 != s2 + 1) | (t4 != s3 + 1) | (s1 - t1 != 4)).any():
        raise Irregular("perms")
    has_rest = count >= 9  # a space after the inode
    inode_end = np.where(has_rest, col[np.minimum(first + 8, len(col) - 1)], hl)
    if (inode_end > width - 1).any():
        raise Irregular("header prefix longer than the window")
    found = count >= 10  # something other than spaces after the inode: the name
    if (has_rest & ~found & (hl > width)).any():
        raise Irregular("long run of spaces")
    dash = np.argmax(h[:, :17] == 45, axis=1)
    base = _PAD + np.arange(n) * width
    addr = _hex_numbers(flat, np.concatenate([base + dash, base + s0, base + s2]),
                        np.concatenate([dash, s0 - dash - 1, s2 - t2]))
    start, end, offset = addr[:n], addr[n : 2 * n], addr[2 * n :]
    inode = _dec_numbers(flat, base + inode_end, inode_end - t4)
    perm_bytes = flat[(base + t1)[:, None] + np.arange(4)]
    if not _PERM_OK[perm_bytes].all():
        raise Irregular("perms")
    # dev: hex:hex, lowercased as the exact path does.
    dev_len = s3 - t3
    if dev_len.min() < 3:
        raise Irregular("dev")
    dev_live = _COLS[: int(dev_len.max())] < dev_len.astype(np.uint8)[:, None]
    dev_chars = flat[np.minimum((base + t3)[:, None] + np.arange(dev_live.shape[1]), len(flat) - 1)]
    dev_chars *= dev_live
    colon = dev_chars == 58
    if (colon.sum(axis=1) != 1).any() or colon[:, 0].any() or colon[np.arange(n), dev_len - 1].any():
        raise Irregular("dev")
    if not ((_HEX[dev_chars] != 255) | colon | ~dev_live).all():
        raise Irregular("dev")
    # path: after the spaces that follow the inode, to the line end (trailing
    # spaces belong to the file name: the exact path matches unstripped lines).
    path_start = np.where(found, col[np.minimum(first + 9, len(col) - 1)], hl)
    has_path = found
    path_end = hl.copy()
    deleted = has_path & (path_end - path_start > 10)
    deleted &= seg[hs + path_end - 1] == 41  # ")"
    candidates = np.flatnonzero(deleted)
    if len(candidates):
        tail = hs[candidates] + path_end[candidates]
        words = _words(seg)
        deleted[candidates] = (words[tail - 10] == _DELETED_HEAD) & (words[tail - 8] == _DELETED_TAIL)
        path_end = np.where(deleted, path_end - 10, path_end)
    return {
        "start": start, "end": end, "offset": offset, "inode": inode,
        "perms": _strings(perm_bytes.ravel(), np.arange(n) * 4, np.arange(n) * 4 + 4),
        "dev": _strings(_lower(dev_chars[dev_live]), *_packed_offsets(dev_len)),
        "path": _buffer_strings(seg, hs + path_start, hs + path_end, has_path),
        "deleted": deleted,
    }


def _lower(b: np.ndarray) -> np.ndarray:
    upper = (b >= 65) & (b <= 70)
    return np.where(upper, b + 32, b).astype(np.uint8)


def _packed_offsets(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ends = np.cumsum(lengths)
    return ends - lengths, ends


def _strings(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
    """Arrow strings data[starts[i]:ends[i]] where the pieces are packed in order."""
    offsets = np.concatenate([[0], ends]).astype(np.int64)
    return pa.LargeStringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data)))


def _buffer_strings(seg: np.ndarray, starts: np.ndarray, ends: np.ndarray, valid: np.ndarray | None) -> pa.Array:
    """Arrow strings seg[starts[i]:ends[i]] (in buffer order, not adjacent), NA where not *valid*.

    The buffer is seen as an array of 2n-1 strings alternating wanted pieces
    and the gaps between them; taking the even ones copies only the wanted
    bytes, in C.
    """
    n = len(starts)
    if valid is not None:
        starts = np.where(valid, starts, ends)
        ends = np.where(valid, ends, starts)
    offsets = np.empty(2 * n, dtype=np.int64)
    offsets[0::2] = starts
    offsets[1::2] = ends
    if (np.diff(offsets) < 0).any():
        raise Irregular("overlapping strings")
    alternating = pa.LargeStringArray.from_buffers(2 * n - 1, pa.py_buffer(offsets), pa.py_buffer(seg))
    taken = alternating.take(pa.array(np.arange(0, 2 * n - 1, 2)))
    try:
        taken.validate(full=True)  # UTF-8: the exact path would show bad bytes as \xNN
    except pa.ArrowInvalid:
        raise Irregular("not UTF-8") from None
    if valid is None or valid.all():
        return taken
    bufs = taken.buffers()
    bitmap = np.packbits(valid, bitorder="little")
    return pa.LargeStringArray.from_buffers(n, bufs[1], bufs[2], pa.py_buffer(bitmap), int(n - valid.sum()))


def _read_vmflags(seg: np.ndarray, vs: np.ndarray, ve: np.ndarray) -> pa.Array:
    if (ve - vs < 8).any() or not (_words(seg)[vs] == _VMFLAGS).all():
        raise Irregular("VmFlags")
    a = vs + 8
    for _ in range(8):
        lead = (a < ve) & (seg[np.minimum(a, ve)] == 32)
        if not lead.any():
            break
        a = np.where(lead, a + 1, a)
    else:
        raise Irregular("VmFlags spaces")
    b = ve.copy()
    for _ in range(8):
        trail = (b > a) & (seg[b - 1] == 32)
        if not trail.any():
            break
        b = np.where(trail, b - 1, b)
    else:
        raise Irregular("VmFlags spaces")
    if ((b > a) & (seg[np.maximum(b - 1, 0)] >= 0x80)).any():
        raise Irregular("non-ASCII VmFlags end")
    return _buffer_strings(seg, a, b, None)


def _int_array(values: np.ndarray, dtype: str) -> pd.api.extensions.ExtensionArray:
    mask = np.zeros(len(values), dtype=bool)
    if dtype == "UInt64":
        return pd.arrays.IntegerArray(values.astype(np.uint64, copy=False), mask)
    return pd.arrays.IntegerArray(values.astype(np.int64, copy=False), mask)


def _string_column(chunks: list[pa.Array]) -> pd.api.extensions.ExtensionArray:
    return pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string()))


def _constant_strings(value: str, n: int) -> pd.api.extensions.ExtensionArray:
    raw = value.encode()
    offsets = np.arange(n + 1, dtype=np.int64) * len(raw)
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(raw * n))
    return pd.arrays.ArrowStringArray(pa.chunked_array([arr]))


def _null_array(dtype: str, n: int) -> pd.api.extensions.ExtensionArray:
    """schema.null_array, built from zeroed buffers rather than a take."""
    if dtype == "Int64":
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    if dtype == "boolean":
        return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    if dtype == "string[pyarrow]":
        return pd.arrays.ArrowStringArray(pa.chunked_array([pa.nulls(n, pa.large_string())]))
    return schema.null_array(dtype, n)


def _frame(pieces: list[dict], t: Template, source: str, pid: tuple[np.ndarray, np.ndarray],
           block_of: np.ndarray, n: int) -> pd.DataFrame:
    def cat(key, axis=0):
        return np.concatenate([p[key] for p in pieces], axis=axis) if len(pieces) > 1 else pieces[0][key]

    start, end = cat("start"), cat("end")
    values = cat("values", axis=1)
    size = (end - start).astype(np.int64)
    if (end < start).any():
        raise Irregular("end before start")
    if len(start) > 1 and ((start[1:] < end[:-1]) & (block_of[1:] == block_of[:-1])).any():
        raise Irregular("addresses start again from low (another process?)")
    cols: dict = {
        "start": _int_array(start, "UInt64"), "end": _int_array(end, "UInt64"), "size": None,
        "perms": _string_column([p["perms"] for p in pieces]),
        "offset": _int_array(cat("offset"), "UInt64"),
        "dev": _string_column([p["dev"] for p in pieces]),
        "inode": _int_array(cat("inode"), "UInt64"),
        "path": _string_column([p["path"] for p in pieces]),
        "deleted": pd.arrays.BooleanArray(cat("deleted"), np.zeros(n, dtype=bool)),
        "lineno": _int_array(cat("lineno"), "Int64"),
    }
    for j, col in enumerate(t.columns):
        if col == "size":
            size = values[j]
            continue
        cols[col] = _int_array(values[j], "Int64")
    cols["size"] = _int_array(size, "Int64")
    if t.vmflags:
        cols["vmflags"] = _string_column([p["vmflags"] for p in pieces])
    cols["pid"] = pd.arrays.IntegerArray(pid[0], pid[1])
    cols["source"] = _constant_strings(source, n)
    cols["source_format"] = _constant_strings("smaps", n)
    # Every schema column, in schema order and dtype: schema.conform has nothing left to do.
    ordered = {c.name: cols[c.name] if c.name in cols else _null_array(c.dtype, n) for c in schema.COLUMNS}
    ordered.update((name, cols[name]) for name in t.columns if name not in schema.BY_NAME)
    return pd.DataFrame(ordered, copy=False)
