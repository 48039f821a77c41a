"""The column readers of the vectorised smaps path (:mod:`analyzer.ingest.formats.smaps.fast`).

Each reads one kind of field for many records at once, straight from the
text buffer with numpy and pyarrow, and raises :class:`Irregular` when
anything is not exactly as the kernel prints it (the exact parser then
reads the whole input): right-aligned decimal values eight digits to a
64-bit word, hexadecimal addresses, the header fields placed from the edges
between runs of spaces, and strings as Arrow arrays of offsets into the
buffer.

>>> import numpy as np
>>> words = np.frombuffer(b"     123" + b"12345678", dtype="<u8").copy()
>>> read_windows(words).tolist()
[123, 12345678]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from .... import schema

HEAD_WINDOW = 96  # header bytes examined column-wise (addresses, perms, offset, dev, inode)
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
    """The input is not the regular case: let the exact path read it.

    *record*, when known: the first record (row) that is not (the ones before it passed this check)."""

    def __init__(self, message: str, record: int | None = None):
        super().__init__(message)
        self.record = record


def read_windows(words: np.ndarray) -> np.ndarray:
    """Right-aligned decimal numbers, one per 64-bit word of eight bytes (spaces, then digits) -> int64."""
    digit = ((words.view(np.uint8) - np.uint8(48)) < 10).view("<u8")  # one byte per digit: 1 if it is one
    digit_bytes = digit * np.uint64(255)
    bad = (digit << np.uint64(8)) & ~digit  # a space after a digit
    bad |= (digit >> np.uint64(56)) ^ np.uint64(1)  # the last byte not a digit
    bad |= (words | digit_bytes) ^ (np.uint64(0x2020202020202020) | digit_bytes)  # neither digit nor space
    if bad.any():
        rows = bad.reshape(len(bad), -1).any(axis=1) if bad.ndim > 1 else bad
        raise Irregular("value window", int(np.argmax(rows)))
    # Eight digits in one word, most significant first in memory (little-endian).
    v = words & _LOW_NIBBLES
    v = (v * np.uint64(10) + (v >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    v = (v * np.uint64(100) + (v >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    v = (v * np.uint64(10000) + (v >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return v.view(np.int64)  # below 10**8: the same bits


def word_view(seg: np.ndarray) -> np.ndarray:
    """The little-endian 64-bit word starting at every byte of *seg* (an unaligned view, no copy)."""
    return np.ndarray((max(len(seg) - 7, 0),), dtype="<u8", buffer=seg, strides=(1,))


def rows(seg: np.ndarray, starts: np.ndarray, width: int) -> np.ndarray:
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




def digit_windows(flat: np.ndarray, ends: np.ndarray, lengths: np.ndarray, width: int, hexadecimal: bool) -> np.ndarray:
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


def hex_numbers(flat: np.ndarray, ends: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Hexadecimal numbers (1 to 16 digits, either case) ending at *ends* -> uint64."""
    w = digit_windows(flat, ends, lengths, 16, True).view("<u8")
    # ASCII hex digit -> value: low nibble, plus 9 for letters (bit 6 set).
    w = (w & _LOW_NIBBLES) + np.uint64(9) * ((w >> np.uint64(6)) & _LETTER_BITS)
    w = (w * np.uint64(16) + (w >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    w = (w * np.uint64(256) + (w >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    w = (w * np.uint64(65536) + (w >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return (w[:, 0] << np.uint64(32)) | w[:, 1]


def dec_numbers(flat: np.ndarray, ends: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Decimal numbers (1 to 19 digits) ending at *ends* -> uint64."""
    w = digit_windows(flat, ends, lengths, 24, False).view("<u8") & _LOW_NIBBLES
    w = (w * np.uint64(10) + (w >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)
    w = (w * np.uint64(100) + (w >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)
    w = (w * np.uint64(10000) + (w >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return (w[:, 0] * np.uint64(10**16) + w[:, 1] * np.uint64(10**8)) + w[:, 2]


def read_headers(seg: np.ndarray, hs: np.ndarray, he: np.ndarray) -> dict:
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
    h[...] = rows(seg, hs, width)
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
    addr = hex_numbers(flat, np.concatenate([base + dash, base + s0, base + s2]),
                        np.concatenate([dash, s0 - dash - 1, s2 - t2]))
    start, end, offset = addr[:n], addr[n : 2 * n], addr[2 * n :]
    inode = dec_numbers(flat, base + inode_end, inode_end - t4)
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
        words = word_view(seg)
        deleted[candidates] = (words[tail - 10] == _DELETED_HEAD) & (words[tail - 8] == _DELETED_TAIL)
        path_end = np.where(deleted, path_end - 10, path_end)
    return {
        "start": start, "end": end, "offset": offset, "inode": inode,
        "perms": strings(perm_bytes.ravel(), np.arange(n) * 4, np.arange(n) * 4 + 4),
        "dev": strings(lower(dev_chars[dev_live]), *packed_offsets(dev_len)),
        "path": buffer_strings(seg, hs + path_start, hs + path_end, has_path),
        "deleted": deleted,
    }


def lower(b: np.ndarray) -> np.ndarray:
    upper = (b >= 65) & (b <= 70)
    return np.where(upper, b + 32, b).astype(np.uint8)


def packed_offsets(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ends = np.cumsum(lengths)
    return ends - lengths, ends


def strings(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> pa.Array:
    """Arrow strings data[starts[i]:ends[i]] where the pieces are packed in order."""
    offsets = np.concatenate([[0], ends]).astype(np.int64)
    return pa.LargeStringArray.from_buffers(len(starts), pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data)))


def buffer_strings(seg: np.ndarray, starts: np.ndarray, ends: np.ndarray, valid: np.ndarray | None) -> pa.Array:
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
    bufs = alternating.take(pa.array(np.arange(0, 2 * n - 1, 2))).buffers()
    return checked_strings(n, bufs[1], bufs[2], valid, seg, starts, ends)


def checked_strings(n: int, offsets, data, valid: np.ndarray | None, seg: np.ndarray, starts: np.ndarray,
                    ends: np.ndarray) -> pa.Array:
    """*n* Arrow large strings of the buffers *offsets* and *data*, NA where not *valid*;
    :class:`Irregular` naming the first of ``seg[starts[i]:ends[i]]`` that is not UTF-8."""
    arr = pa.LargeStringArray.from_buffers(n, offsets, data)
    try:
        arr.validate(full=True)  # UTF-8: the exact path would show bad bytes as \xNN
    except pa.ArrowInvalid:
        raise Irregular("not UTF-8", _first_not_utf8(seg, starts, ends)) from None
    if valid is None or valid.all():
        return arr
    bitmap = np.packbits(valid, bitorder="little")
    return pa.LargeStringArray.from_buffers(n, offsets, data, pa.py_buffer(bitmap), int(n - valid.sum()))


def _first_not_utf8(seg: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> int | None:
    """The first of the strings ``seg[starts[i]:ends[i]]`` that is not UTF-8."""
    for i, (a, b) in enumerate(zip(starts.tolist(), ends.tolist())):
        try:
            seg[a:b].tobytes().decode("utf-8")
        except UnicodeDecodeError:
            return i
    return None


def read_vmflags(seg: np.ndarray, vs: np.ndarray, ve: np.ndarray) -> pa.Array:
    if (ve - vs < 8).any() or not (word_view(seg)[vs] == _VMFLAGS).all():
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
    return buffer_strings(seg, a, b, None)


def int_array(values: np.ndarray, dtype: str) -> pd.api.extensions.ExtensionArray:
    mask = np.zeros(len(values), dtype=bool)
    if dtype == "UInt64":
        return pd.arrays.IntegerArray(values.astype(np.uint64, copy=False), mask)
    return pd.arrays.IntegerArray(values.astype(np.int64, copy=False), mask)


def string_column(chunks: list[pa.Array]) -> pd.api.extensions.ExtensionArray:
    return pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string()))


def constant_strings(value: str, n: int) -> pd.api.extensions.ExtensionArray:
    raw = value.encode()
    offsets = np.arange(n + 1, dtype=np.int64) * len(raw)
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(raw * n))
    return pd.arrays.ArrowStringArray(pa.chunked_array([arr]))


def null_array(dtype: str, n: int) -> pd.api.extensions.ExtensionArray:
    """schema.null_array, built from zeroed buffers rather than a take."""
    if dtype == "Int64":
        return pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    if dtype == "boolean":
        return pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    if dtype == "string[pyarrow]":
        return pd.arrays.ArrowStringArray(pa.chunked_array([pa.nulls(n, pa.large_string())]))
    return schema.null_array(dtype, n)


def build_frame(pieces: list[dict], t, source: str, pid: tuple[np.ndarray, np.ndarray],
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
        "start": int_array(start, "UInt64"), "end": int_array(end, "UInt64"), "size": None,
        "perms": string_column([p["perms"] for p in pieces]),
        "offset": int_array(cat("offset"), "UInt64"),
        "dev": string_column([p["dev"] for p in pieces]),
        "inode": int_array(cat("inode"), "UInt64"),
        "path": string_column([p["path"] for p in pieces]),
        "deleted": pd.arrays.BooleanArray(cat("deleted"), np.zeros(n, dtype=bool)),
        "lineno": int_array(cat("lineno"), "Int64"),
    }
    for j, col in enumerate(t.columns):
        if col == "size":
            size = values[j]
            continue
        cols[col] = int_array(values[j], "Int64")
    cols["size"] = int_array(size, "Int64")
    if t.vmflags:
        cols["vmflags"] = string_column([p["vmflags"] for p in pieces])
    cols["pid"] = pd.arrays.IntegerArray(pid[0], pid[1])
    cols["source"] = constant_strings(source, n)
    cols["source_format"] = constant_strings("smaps", n)
    # Every schema column, in schema order and dtype: schema.conform has nothing left to do.
    ordered = {c.name: cols[c.name] if c.name in cols else null_array(c.dtype, n) for c in schema.COLUMNS}
    ordered.update((name, cols[name]) for name in t.columns if name not in schema.BY_NAME)
    return pd.DataFrame(ordered, copy=False)
