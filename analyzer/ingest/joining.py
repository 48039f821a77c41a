"""Joining parsed batches into one table at the least peak memory.

A proc tree or a large file is parsed a few MB at a time; the batch frames
together are about the size of the finished table. :func:`concat` allocates
each column of the table whole (pages are taken as they are written), copies
the batches in one by one and drops each once copied, so the batches and the
table are never both whole in memory; a column
that is NA in every batch (a field this kernel does not print, a fact the
dump does not give) is built from zeroed pages that stay unallocated until
written, and a mask with no NA likewise. :func:`release_memory` hands the
memory the batches left free back to the system (glibc keeps freed small
blocks in its heap, pyarrow's allocator keeps its pages): without it the
process keeps the batches' pages as well as the table's.

>>> import pandas as pd
>>> a = pd.DataFrame({"x": pd.array([1, None], dtype="Int64"), "s": pd.array([None, None], dtype="string[pyarrow]")})
>>> b = pd.DataFrame({"x": pd.array([3], dtype="Int64"), "s": pd.array([None], dtype="string[pyarrow]")})
>>> frames = [a, b]
>>> out = concat(frames)
>>> out["x"].tolist(), out["s"].tolist(), str(out["s"].dtype), frames
([1, <NA>, 3], [<NA>, <NA>, <NA>], 'string', [None, None])
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.core.arrays.masked import BaseMaskedArray

TRIM_EVERY = 4  # columns joined between two releases of freed memory (a release costs ~1 ms)

_trim = None
if sys.platform.startswith("linux"):
    try:
        _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
        _trim.argtypes = [ctypes.c_size_t]
    except (OSError, AttributeError):  # not glibc (musl has no malloc_trim): nothing to release
        _trim = None


def release_memory() -> None:
    """Give memory the allocators keep after frees back to the system (glibc's
    ``malloc_trim``, pyarrow's pool); a no-op where there is no such call."""
    try:
        pa.default_memory_pool().release_unused()
    except (AttributeError, NotImplementedError):
        pass
    if _trim is not None:
        _trim(0)


def concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat(frames, ignore_index=True)`` for frames of the same columns and dtypes, at the
    memory of about one table: every column is allocated whole first (pages are taken only as
    they are written), then each frame is copied into place and dropped from *frames* (its item
    becomes ``None``), so the frames shrink as the table grows. Arrow string columns are joined
    as chunks, without a copy. Frames of differing columns go through ``pd.concat``."""
    first = frames[0]
    if not all(list(f.columns) == list(first.columns) and (f.dtypes == first.dtypes).all() for f in frames[1:]) \
            or not first.columns.is_unique:
        return pd.concat(frames, ignore_index=True)
    n = sum(len(f) for f in frames)
    names = list(first.columns)
    columns = [column_arrays(f) for f in frames]
    plans = [_Plan([arrays[j] for arrays in columns], n) for j in range(len(names))]
    del first
    pos = 0
    for i, frame in enumerate(frames):
        k = len(frame)
        arrays, columns[i] = columns[i], None
        for j, plan in enumerate(plans):
            plan.put(arrays[j] if plan.fill else None, pos, k)
        pos += k
        del arrays
        frames[i] = None
        del frame
        if i % TRIM_EVERY == TRIM_EVERY - 1:
            release_memory()
    out = {name: plan.result() for name, plan in zip(names, plans)}
    release_memory()
    return pd.DataFrame(out, copy=False)


def column_arrays(frame: pd.DataFrame) -> list:
    """``[frame[c].array for c in frame.columns]`` without a Series per column (~0.5 us, not ~13 us,
    a column: a join of many batches of some 60 columns asks for thousands)."""
    get = getattr(getattr(frame, "_mgr", None), "iget_values", None)
    out = []
    for i in range(frame.shape[1]):
        array = get(i) if get is not None else None
        out.append(array if isinstance(array, pd.api.extensions.ExtensionArray) else frame.iloc[:, i].array)
    return out


class _Plan:
    """How one column of :func:`concat` is built: copied into a preallocated masked array,
    made of NA, or joined at the end (Arrow chunks, other types)."""

    def __init__(self, arrays: list, n: int):
        self.kind = kind = type(arrays[0])
        self.n = n
        self.fill = False
        self.pieces: list | None = None
        if issubclass(kind, BaseMaskedArray) and all(type(a) is kind for a in arrays):
            dtype = arrays[0]._data.dtype
            if all(a._mask.all() for a in arrays):  # NA throughout: zeroed pages, never written
                self.done = kind(np.zeros(n, dtype=dtype), np.ones(n, dtype=bool))
                return
            self.data = np.empty(n, dtype=dtype)
            self.mask = np.empty(n, dtype=bool) if any(a._mask.any() for a in arrays) else None
            self.fill = True
            return
        if issubclass(kind, pd.arrays.ArrowStringArray) and all(type(a) is kind for a in arrays) \
                and pa.types.is_large_string(arrays[0]._pa_array.type) \
                and all(a._pa_array.null_count == len(a) for a in arrays):
            self.done = kind(pa.chunked_array([null_strings(n)]))
            return
        self.pieces = arrays  # Arrow chunks are not copied; anything else is rare and small

    def put(self, array, pos: int, k: int) -> None:
        if not self.fill:
            return
        self.data[pos : pos + k] = array._data
        if self.mask is not None:
            self.mask[pos : pos + k] = array._mask

    def result(self):
        if self.pieces is not None:
            out = self.kind._concat_same_type(self.pieces)
            self.pieces = None
            return out
        if self.fill:
            return self.kind(self.data, np.zeros(self.n, dtype=bool) if self.mask is None else self.mask)
        return self.done


def shrink(frame: pd.DataFrame) -> pd.DataFrame:
    """*frame* with every column that is NA throughout (Int64, UInt64, boolean, Arrow strings)
    replaced by a read-only view of shared NA buffers: a batch waiting for :func:`concat` keeps no
    pages for them. A new frame sharing the other columns (one frame built, not a column set at a
    time); only for frames that :func:`concat` joins (it builds them anew)."""
    n = len(frame)
    if not n or not frame.columns.is_unique:
        return frame
    arrays = column_arrays(frame)
    changed = False
    for i, array in enumerate(arrays):
        if isinstance(array, BaseMaskedArray):
            if array._mask.all():
                arrays[i] = type(array)(_shared(array._data.dtype, n, 0), _shared(np.dtype(bool), n, 1))
                changed = True
        elif isinstance(array, pd.arrays.ArrowStringArray) and array._pa_array.null_count == n \
                and pa.types.is_large_string(array._pa_array.type):
            arrays[i] = type(array)(pa.chunked_array([_null_strings_shared(n)]))
            changed = True
    if not changed:
        return frame
    return pd.DataFrame(dict(zip(frame.columns, arrays)), index=frame.index, copy=False)


_SHARED: dict[tuple, np.ndarray] = {}


def _shared(dtype: np.dtype, n: int, value: int) -> np.ndarray:
    """A read-only array of *n* items *value*, a view of one buffer per (dtype, value)."""
    key = (dtype.str, value)
    buf = _SHARED.get(key)
    if buf is None or len(buf) < n:
        buf = np.full(max(n, 1 << 16), value, dtype=dtype)
        buf.flags.writeable = False
        _SHARED[key] = buf
    return buf[:n]


def _null_strings_shared(n: int) -> pa.Array:
    zeros = _shared(np.dtype(np.int64), n + 1, 0)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(zeros), pa.py_buffer(b""),
                                            pa.py_buffer(zeros.view(np.uint8)[: (n + 7) // 8]), n)


def null_strings(n: int) -> pa.Array:
    """*n* NA large strings over zeroed buffers (pages untouched until read)."""
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(np.zeros(n + 1, dtype=np.int64)), pa.py_buffer(b""),
                                            pa.py_buffer(np.zeros((n + 7) // 8, dtype=np.uint8)), n)
