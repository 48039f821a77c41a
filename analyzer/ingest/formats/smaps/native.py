"""The C record reader (``_fastc.c``), when it was built: :func:`read_records` is
:func:`~analyzer.ingest.formats.smaps.fastlayout.parse_records` in one pass of C.

The extension is optional (``pip install`` builds it where a C compiler is found; without one the
numpy reader does all the work, some 2x slower on large dumps, with the same results). It reads only
the plainest records and declines any other: :func:`read_records` then returns ``None`` and the
numpy reader reads the slice (and names what is wrong, if anything). ``MEMMAPS_NO_C=1`` in the
environment, or :data:`ENABLED` set false, switches it off (benchmarks and tests compare both).

>>> import numpy as np
>>> from analyzer.ingest.formats.smaps.fastlayout import parse_records, read_template
>>> text = b"00400000-00401000 r-xp 00000000 FE:01 7 /bin/a (deleted)\\nRss:  4 kB\\nVmFlags: rd ex \\n"
>>> t = read_template(text)
>>> seg = np.frombuffer(text, dtype=np.uint8)
>>> nl = np.flatnonzero(seg == 10)
>>> starts = np.r_[0, nl[:-1] + 1]
>>> out = read_records(seg, starts, nl, t) or parse_records(seg, starts, nl, t, np.array([1]))  # C, or numpy
>>> out["dev"].to_pylist(), out["path"].to_pylist(), out["deleted"].tolist(), out["values"].tolist(), out["vmflags"].to_pylist()
(['fe:01'], ['/bin/a'], [True], [[4096]], ['rd ex'])
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pyarrow as pa

from .fastcols import _COLS, checked_strings, packed_offsets, strings

try:
    from ._fastc import gather as _gather, newlines as _newlines, pmap_cells as _pmap_cells, records as _records
except ImportError:  # not built (no C compiler at install time)
    _gather = _newlines = _pmap_cells = _records = None

AVAILABLE = _records is not None
ENABLED = AVAILABLE and not os.environ.get("MEMMAPS_NO_C")
DEV_MAX = 16  # _fastc.c's DEV_MAX: dev bytes kept per record


def read_records(seg: np.ndarray, starts: np.ndarray, ends: np.ndarray, t, prefixed=None) -> dict | None:
    """The columns of the records whose lines start at *starts* and end at *ends* (``t.nlines``
    lines each), as ``parse_records`` returns them without ``lineno``, and ``wide``: the records
    whose values are wider than the template's columns (their ``values`` are left for the caller
    to read); ``None`` when the C reader is off or declines a record (the numpy reader's turn).
    *prefixed*: ``t.prefixed(prefix)`` for ``grep -H`` output of one name (*starts*: where each
    line's text starts, after its prefix): the field block compared is the one with the prefixes."""
    if not ENABLED:
        return None
    nrec = len(starts) // t.nlines
    if not nrec:
        return None
    layout = t if prefixed is None else prefixed
    windows = getattr(layout, "_c_windows", None)
    if windows is None:
        if prefixed is None:
            digit_ends = np.array([end for end, _ in t.windows], dtype=np.int64)
        else:
            digit_ends = np.ascontiguousarray(prefixed.word_starts + 8, dtype=np.int64)
        windows = layout._c_windows = (
            np.ascontiguousarray(layout.expected), np.ascontiguousarray(layout.varying),
            np.ascontiguousarray(t.lengths_arr, dtype=np.int64), digit_ends,
            np.array([width for _, width in t.windows], dtype=np.int64),
            np.array(t.mult, dtype=np.int64))
    values = np.empty((t.nfields, nrec), dtype=np.int64)
    start, end, offset, inode = (np.empty(nrec, dtype=np.uint64) for _ in range(4))
    perms = np.empty((nrec, 4), dtype=np.uint8)
    dev = np.empty((nrec, DEV_MAX), dtype=np.uint8)
    dev_len, path_a, path_b, vm_a, vm_b = (np.empty(nrec if i < 3 or t.vmflags else 0, dtype=np.int64)
                                           for i in range(5))
    has_path = np.empty(nrec, dtype=bool)
    deleted = np.empty(nrec, dtype=bool)
    wide = np.empty(nrec, dtype=bool)
    declined = _records(np.ascontiguousarray(seg), np.ascontiguousarray(starts, dtype=np.int64),
                        np.ascontiguousarray(ends, dtype=np.int64), nrec, t.nlines, *windows, t.vmflags,
                        values, start, end, offset, inode, perms, dev, dev_len, path_a, path_b,
                        has_path, deleted, vm_a, vm_b, wide)
    if declined >= 0:
        return None
    wide_rows = np.flatnonzero(wide)  # values wider than their column (mappings of 100 GB and more): the caller's
    out = {
        "start": start, "end": end, "offset": offset, "inode": inode,
        "perms": strings(perms.ravel(), np.arange(nrec) * 4, np.arange(nrec) * 4 + 4),
        "dev": strings(dev[_COLS[:DEV_MAX] < dev_len.astype(np.uint8)[:, None]], *packed_offsets(dev_len)),
        "path": packed_strings(seg, path_a, path_b, has_path),
        "deleted": deleted,
        "values": values,
        "wide": wide_rows,
    }
    if t.vmflags:
        out["vmflags"] = packed_strings(seg, vm_a, vm_b, None)
    return out


def newlines(seg: np.ndarray) -> np.ndarray:
    """``np.flatnonzero(seg == 10)``: one memchr pass in C where built."""
    if ENABLED:
        out = np.empty(len(seg) // 4 + 16, dtype=np.int64)  # lines of 4 bytes on average at least, or numpy's turn
        n = _newlines(seg, out)
        if n >= 0:
            return out[:n]
    return np.flatnonzero(seg == 10)


def packed_strings(seg: np.ndarray, a: np.ndarray, b: np.ndarray, valid: np.ndarray | None) -> pa.Array:
    """``fastcols.buffer_strings``: Arrow strings ``seg[a[i]:b[i]]``, NA where not *valid*, copied
    by C; :class:`~.fastcols.Irregular` (naming the first) when one is not UTF-8."""
    offsets, data = _packed(seg, a, b, valid)
    ok = np.ones(len(a), dtype=bool) if valid is None else valid
    return checked_strings(len(a), pa.py_buffer(offsets), pa.py_buffer(data), valid, seg, np.where(ok, a, b), b)


def _packed(seg: np.ndarray, a: np.ndarray, b: np.ndarray, valid: np.ndarray | None = None):
    """The bytes ``seg[a[i]:b[i]]`` (none where not *valid*) one after the other, and their
    offsets (Arrow's layout: n + 1 of them), copied by C."""
    n = len(a)
    ok = np.ones(n, dtype=bool) if valid is None else np.ascontiguousarray(valid)
    a = np.ascontiguousarray(a, dtype=np.int64)
    b = np.ascontiguousarray(b, dtype=np.int64)
    lengths = b - a
    data = np.empty(int(lengths.sum() if valid is None else lengths[ok].sum()), dtype=np.uint8)
    offsets = np.empty(n + 1, dtype=np.int64)
    _gather(seg, a, b, ok, offsets, data)
    return offsets, data


def read_grep_records(seg: np.ndarray, starts: np.ndarray, ends: np.ndarray, t, grep, bids: np.ndarray) -> dict | None:
    """:func:`read_records` for ``grep -H`` output: each run of records of one name (*bids*: each
    record's) against the layout with that name's prefix, the runs' columns joined; ``None`` when
    any run is declined or has a wide value (the numpy reader checks those lines' prefixes)."""
    if not ENABLED:
        return None
    R = t.nlines
    cuts = [0, *(np.flatnonzero(bids[1:] != bids[:-1]) + 1).tolist(), len(bids)]
    parts = []
    for a, b in zip(cuts[:-1], cuts[1:]):
        out = read_records(seg, starts[a * R : b * R], ends[a * R : b * R], t, t.prefixed(grep.prefixes[int(bids[a])]))
        if out is None or len(out["wide"]):
            return None
        parts.append(out)
    if len(parts) == 1:
        return parts[0]
    joined = {}
    for key, first in parts[0].items():
        if isinstance(first, pa.Array):
            joined[key] = pa.concat_arrays([p[key] for p in parts])
        else:
            joined[key] = np.concatenate([p[key] for p in parts], axis=1 if key == "values" else 0)
    return joined


def pmap_cells(P: np.ndarray, starts, ends, hexadecimal: bool) -> np.ndarray | None:
    """pmap's right-aligned number columns ``starts[j]:ends[j]`` of every row of the byte matrix *P*
    (blanks between them), as a (columns, rows) int64 matrix (uint64 if *hexadecimal*); ``None``
    when the C reader is off or any cell is not one number (the numpy reader's turn)."""
    if not ENABLED or P.ndim != 2 or not P.flags.c_contiguous or not P.shape[1]:
        return None
    starts = np.ascontiguousarray(starts, dtype=np.int64)
    out = np.empty((len(starts), len(P)), dtype=np.uint64 if hexadecimal else np.int64)
    if _pmap_cells(P, P.shape[1], starts, np.ascontiguousarray(ends, dtype=np.int64), hexadecimal, out) >= 0:
        return None
    return out


def distinct_texts(data: bytes, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list[bytes]]:
    """``pd.factorize`` of the byte strings ``data[a[i]:b[i]]`` (codes in first-seen order, the
    distinct values): gathered by C and hashed by Arrow, without a Python object per row, where the
    C reader is on; else by pandas."""
    if not ENABLED:
        return pd.factorize(pd.Series([data[x:y] for x, y in zip(a.tolist(), b.tolist())], dtype=object))
    offsets, packed = _packed(np.frombuffer(data, dtype=np.uint8), a, b)
    texts = pa.Array.from_buffers(pa.large_binary(), len(a), [None, pa.py_buffer(offsets), pa.py_buffer(packed)])
    coded = texts.dictionary_encode()
    return coded.indices.to_numpy(zero_copy_only=False), coded.dictionary.to_pylist()
