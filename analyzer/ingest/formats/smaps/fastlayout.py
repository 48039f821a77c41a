"""A smaps record's layout and the records that have it, read many at once (for :mod:`.fast`).

The kernel prints every record of one process with the same field lines, each key padded to a fixed
column and each value right-aligned in a fixed-width field. :class:`Template` is the first record's
field lines: their bytes, where the digits go, and how to read them as 64-bit words;
:meth:`Template.prefixed` is the same with a ``grep -H`` prefix after each line end.
:func:`parse_records` checks and reads a slice's records against it (field block compared at once,
values eight digits to a word, headers and VmFlags by :mod:`.fastcols`), and raises
:class:`~analyzer.ingest.formats.smaps.fastcols.Irregular`, naming the record where it can.

>>> t = read_template(b"00400000-00401000 r-xp 00000000 fe:01 1 /bin/a\\nRss:  4 kB\\nVmFlags: rd \\n")
>>> t.keys, t.nlines, t.vmflags
(['Rss'], 3, True)
"""

from __future__ import annotations

import re

import numpy as np

from ....schema import BY_NAME, KEY_TO_COLUMN, UNITLESS_KEYS, field_column
from . import native
from .fastcols import Irregular, read_headers, read_vmflags, read_windows, word_view

MAX_WIDE_FRACTION = 0.05  # records with a value wider than the template's, parsed one by one

HEADER_START = re.compile(rb"([0-9A-Fa-f]+)-([0-9A-Fa-f]+) ([-rwxsp]{4}) ([0-9A-Fa-f]+) ([0-9A-Fa-f]+:[0-9A-Fa-f]+) (\d+)")
_FIELD_LINE = re.compile(r"([A-Za-z][A-Za-z0-9_]*):(.*)")
_KB_FIELD = re.compile(r"([ \t]*?)( *)(\d+)( kB)?")



class Template:
    """The first record's field lines: keys, line lengths, digit windows."""

    def __init__(self, lines: list[str], eol: bytes = b"\n"):
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
            block += line.encode("ascii") + eol
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
        self.eol, self.windows, self._prefixed = eol, windows, {}

    def prefixed(self, prefix: bytes) -> "_Prefixed":
        """This layout with *prefix* (``grep -H``'s ``name:``) before each line after the header:
        a record's field lines and the prefix of its VmFlags line are again one block to compare."""
        found = self._prefixed.get(prefix)
        if found is None:
            shape = self._prefixed.get(len(prefix))  # the layout for prefixes of this length
            if shape is None:
                shape = self._prefixed[len(prefix)] = _Prefixed(self, len(prefix))
            found = self._prefixed[prefix] = shape.filled(prefix)
        return found


class _Prefixed:
    """A :class:`Template`'s field block with a ``grep -H`` prefix of *n* bytes after each line end
    (:meth:`filled` puts one in)."""

    def __init__(self, t: Template, n: int):
        block = bytearray()
        at = 0  # where line j starts in the template's own block
        self.prefix_at = []  # where each prefix starts in the block
        for j, length in enumerate(t.lengths):
            block += t.expected[at : at + length].tobytes() + t.eol  # digit windows already 0xFF
            at += length + len(t.eol)
            if j < t.nfields - 1 or t.vmflags:
                self.prefix_at.append(len(block))
                block += bytes(n)
        self.block_len = len(block)
        self.word_starts = t.word_starts + np.arange(t.nfields) * n
        self.varying = np.zeros(len(block), dtype=np.uint8)
        for j, (end, width) in enumerate(t.windows):
            self.varying[end + j * n - width : end + j * n] = 255
        self.expected = np.frombuffer(bytes(block), dtype=np.uint8) | self.varying
        self._where = (np.array(self.prefix_at, dtype=np.int64)[:, None] + np.arange(n)).ravel()

    def filled(self, prefix: bytes) -> "_Prefixed":
        """The same with *prefix* in its place (the digit windows stay where they are)."""
        out = object.__new__(_Prefixed)
        out.block_len, out.word_starts, out.varying = self.block_len, self.word_starts, self.varying
        out.expected = self.expected.copy()
        out.expected[self._where] = np.tile(np.frombuffer(prefix, dtype=np.uint8), len(self.prefix_at))
        return out


def read_template(data: bytes, pos: int = 0, grep: bool = False, crlf: bool = False) -> Template:
    """Read the first record (from *pos*; with *grep*, each line after its ``grep -H`` prefix)
    in Python: it fixes the layout of every other."""
    lines = []
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        line = data[pos:end]
        pos = end + 1
        if crlf and line.endswith(b"\r"):
            line = line[:-1]
        if grep:
            line = line[line.find(b":") + 1 :]  # names have no colon
        if not lines and (not line or line.startswith(b"==>")):
            continue  # banners and blank lines before the first record
        if lines and (HEADER_START.match(line) or not line or line.startswith(b"=")):
            break
        try:
            lines.append(line.decode("ascii"))
        except UnicodeDecodeError:
            if lines:
                raise Irregular("non-ASCII field line") from None
            lines.append("")
        if len(lines) > 200:
            raise Irregular("record too long")
    return Template(lines[1:], b"\r\n" if crlf else b"\n")


def parse_records(seg: np.ndarray, starts: np.ndarray, ends: np.ndarray, t: Template, linenos: np.ndarray,
                 grep=None, bids: np.ndarray | None = None) -> dict:
    if grep is None:  # the C reader, where built; None: numpy's turn
        out = native.read_records(seg, starts, ends, t)
    else:
        out = native.read_grep_records(seg, starts, ends, t, grep, bids)
    if out is not None and _wide_values(out.pop("wide"), out["values"], seg, starts, ends, t):
        out["lineno"] = linenos.astype(np.int64)
        return out
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
    if ngood and grep is not None:  # grep -H: the field lines with the prefixes between them, per block
        rec = np.arange(nrec) if good is None else good
        blocks_of = bids[rec]
        at = np.empty((ngood, t.nfields), dtype=np.int64)
        for b in np.unique(blocks_of).tolist():  # a slice holds a few blocks
            sel = np.arange(ngood) if blocks_of[0] == blocks_of[-1] else np.flatnonzero(blocks_of == b)
            tp = t.prefixed(grep.prefixes[b])
            block_starts = starts[rec[sel], 1]
            blocks = np.lib.stride_tricks.sliding_window_view(seg, tp.block_len)[block_starts]
            blocks |= tp.varying
            same = blocks == tp.expected
            if not same.all():
                row = int(rec[sel[int(np.argmin(same.all(axis=1)))]])
                raise Irregular("field block differs from the first record's", row)
            at[sel] = block_starts[:, None] + tp.word_starts
    elif ngood:
        block_starts = starts[:, 1] if good is None else starts[good, 1]
        blocks = np.lib.stride_tricks.sliding_window_view(seg, t.block_len)[block_starts]  # (records, block) copy
        blocks |= t.varying
        same = blocks == t.expected
        if not same.all():
            row = int(np.argmin(same.all(axis=1)))
            raise Irregular("field block differs from the first record's", row if good is None else int(good[row]))
        at = block_starts[:, None] + t.word_starts
    if ngood:
        if at[:, 0].min() < 0:
            raise Irregular("block at the start of the buffer")
        words = word_view(seg)[at]
        words &= t.word_keep
        words |= t.word_fill
        try:
            words = read_windows(words).T
        except Irregular as exc:
            if exc.record is not None and good is not None:
                exc.record = int(good[exc.record])
            raise
        if good is None:
            np.multiply(words, t.mult_col, out=values)
        else:
            values[:, good] = words * t.mult_col
    if good is not None:
        wide = np.flatnonzero(~regular)
        if len(wide) > max(8, MAX_WIDE_FRACTION * nrec):
            raise Irregular("too many wide values")
        for r in wide:
            if grep is not None:  # its prefixes, not in a block compared above
                prefix = grep.prefixes[int(bids[r])]
                if any(seg[s - len(prefix) : s].tobytes() != prefix for s in starts[r, 1:].tolist()):
                    raise Irregular("a line without its block's grep -H prefix")
            try:
                values[:, r] = _read_wide_record(seg, starts[r], ends[r], t)
            except Irregular as exc:
                exc.record = int(r)
                raise

    out = read_headers(seg, starts[:, 0], ends[:, 0])
    out["values"] = values
    out["lineno"] = linenos.astype(np.int64)
    if t.vmflags:
        out["vmflags"] = read_vmflags(seg, starts[:, -1], ends[:, -1])
    return out


def _wide_values(wide: np.ndarray, values: np.ndarray, seg: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                 t: Template) -> bool:
    """Read the C reader's *wide* records' values into *values* as the numpy reader does; False
    where it would decline them (the numpy reader then reads the slice and says which record)."""
    if not len(wide):
        return True
    nrec = values.shape[1]
    if len(wide) > max(8, MAX_WIDE_FRACTION * nrec):
        return False
    starts, ends = starts.reshape(nrec, t.nlines), ends.reshape(nrec, t.nlines)
    try:
        for r in wide.tolist():
            values[:, r] = _read_wide_record(seg, starts[r], ends[r], t)
    except Irregular:
        return False
    return True


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
