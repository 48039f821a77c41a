"""The fast path for large, clean ``pmap -X``/``-XX``/``-c`` output.

When a text is nothing but -X blocks as pmap printed them (``PID:`` line,
header, rows, ``====`` underline, ``KB`` totals; kernel threads as a lone
``PID:`` line), every column sits at the same byte offsets in every row of a
block. Cells are then read as numpy matrices of bytes: a decimal column is
a dot product of its digits with powers of ten, a hex column the same in
base 16, text columns are fixed-width byte strings. No Python object per
cell; one per row only for the mapping name.

Anything irregular - other text, a row that does not line up, a missing
footer, CRLF - makes :func:`parse` return None, and the exact general path
(:mod:`.extended`) reads the text instead. Both give the same frame; tests
compare them on every sample.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ...schema import UNITLESS_KEYS
from ..base import Context, Parsed
from .blocks import Block
from .extended import _colname, _fmt, columns_of, is_extended_header
from .footer import check_footer
from .layout import PID_LINE, mapping_name

_HEX = np.full(256, 255, dtype=np.uint64)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    _HEX[_c] = 10 + _i
_SPACE = 32
MIN_ROWS = 2000       # below this the general path is as fast and simpler


def parse(text: str, ctx: Context, min_rows: int = MIN_ROWS) -> Parsed | None:
    """The parse of *text* if it is clean -X output with enough rows, else None."""
    if len(text) < min_rows * 40 or "\r" in text[:65536] or not text.endswith("\n"):
        return None
    if not text[:1].isdigit():
        return None
    data = text.encode()
    arr = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    starts = np.empty(len(nl), dtype=np.int64)
    starts[0] = 0
    starts[1:] = nl[:-1] + 1
    ends = nl.astype(np.int64)
    first = arr[starts]
    digit_lines = np.flatnonzero((first >= 48) & (first <= 57))
    # a PID line is digits then ":"; a row starting with a digit has a blank or hex letter first
    probe = arr[np.minimum(starts[digit_lines][:, None] + np.arange(12), len(arr) - 1)]
    is_dig = (probe >= 48) & (probe <= 57)
    after = probe[np.arange(len(probe)), np.argmin(is_dig, axis=1)]
    digit_lines = digit_lines[after == ord(":")]
    pid_lines = [int(i) for i in digit_lines if re.fullmatch(rb"\d+:[ \t]+.*", data[starts[i]:ends[i]])]
    if not pid_lines or pid_lines[0] != 0:
        return None
    bounds = pid_lines + [len(starts)]
    cols_out: dict[str, list] = {}
    processes: list[dict] = []
    formats: set[str] = set()
    state: dict = {}
    for b, (p, q) in enumerate(zip(bounds[:-1], bounds[1:])):
        line = data[starts[p]:ends[p]].decode("utf-8", errors="backslashreplace")
        m = PID_LINE.fullmatch(line)
        if m is None:
            return None
        block = Block(pid=int(m.group(1)), command=m.group(3) or None, lineno=p + 1, pid_sep=m.group(2))
        proc = {"pid": block.pid, "command": block.command, "source": ctx.source, "source_format": None,
                "lineno": block.lineno, "mappings": 0, "partial": False}
        if q - p == 1:            # a kernel thread or zombie: pmap -X prints the PID line alone
            proc["source_format"] = "pmap-X"
            ctx.info(block.lineno, f"PID {block.pid}: no mappings (a kernel thread, a zombie, or a process that was gone)")
            processes.append(proc)
            continue
        if q - p < 5:
            return None
        header = data[starts[p + 1]:ends[p + 1]].decode("utf-8", errors="replace")
        sep = data[starts[q - 2]:ends[q - 2]]
        total_line = data[starts[q - 1]:ends[q - 1]].decode("ascii", errors="replace")
        if not is_extended_header(header) or sep.strip(b" =") or not total_line.rstrip().endswith("KB"):
            return None
        got = _block(data, arr, starts[p + 2:q - 2], ends[p + 2:q - 2], header, ctx)
        if got is None:
            return None
        out, fields, fmt = got
        block.header = (p + 2, header)
        block.rows = [(p + 3, "")]                 # only the first row's line number is used in notices
        block.footer = [(q, total_line)]
        toks = total_line.split()[:-1]
        if len(toks) != len(fields) or not all(t.isdigit() for t in toks):
            return None
        totals = {_colname(c.key): int(t) for c, t in zip(fields, toks)}
        sums = {_colname(c.key): int(out[_colname(c.key)].sum()) // (1 if c.key in UNITLESS_KEYS else 1024)
                for c in fields}
        cumulative = state.setdefault(tuple(c.key for c in fields), {})
        for k, v in sums.items():
            cumulative[k] = cumulative.get(k, 0) + v
        check_footer(block, totals, sums, ctx, proc, dict(cumulative))
        n = len(out["start"])
        proc["source_format"] = fmt
        proc["mappings"] = n
        processes.append(proc)
        formats.add(fmt)
        out["pid"] = np.full(n, block.pid, dtype=np.int64)
        out["command"] = np.full(n, block.command, dtype=object)
        out["source_format"] = np.full(n, fmt, dtype=object)
        out["lineno"] = np.arange(p + 3, q - 1, dtype=np.int64)
        if cols_out and set(out) != set(cols_out):
            return None        # blocks with different columns: leave it to the general path
        for k, v in out.items():
            cols_out.setdefault(k, []).append(v)
    if not cols_out:
        return None
    frame = pd.DataFrame({k: np.concatenate(v) if not isinstance(v[0], pd.api.extensions.ExtensionArray)
                          else pd.concat([pd.Series(x) for x in v], ignore_index=True).array
                          for k, v in cols_out.items()})
    frame["source"] = ctx.source
    if "size" in frame.columns:
        frame["end"] = frame["start"] + frame["size"].astype(np.uint64)
    return Parsed(frame, processes, formats=formats)


def _block(data: bytes, arr: np.ndarray, rs: np.ndarray, re_: np.ndarray, header: str, ctx: Context):
    cols = columns_of(header)
    if any(c.role in ("ignored",) for c in cols):
        return None
    fmt = _fmt(cols)
    fields = [c for c in cols if c.role == "field"]
    mapping = next((c for c in cols if c.role == "mapping"), None)
    vm = next((c for c in cols if c.role == "vmflags"), None)
    width = mapping.start if mapping is not None else cols[-1].end
    lengths = re_ - rs
    if len(rs) == 0 or lengths.min() < width:
        return None
    out: dict = {}
    for c in cols:
        if c.role == "mapping":
            continue
        if c.start > 0 and not (arr[rs + c.start - 1] == _SPACE).all():
            return None
        idx = rs[:, None] + np.arange(c.start, c.end)
        cells = arr[idx]
        if c.role in ("field", "inode"):
            v = _decimal(cells)
            if v is None:
                return None
            if c.role == "inode":
                out["inode"] = v.astype(np.uint64)
            else:
                out[_colname(c.key)] = v * (1 if c.key in UNITLESS_KEYS else 1024)
        elif c.role in ("address", "offset"):
            v = _hex(cells)
            if v is None:
                return None
            out["start" if c.role == "address" else "offset"] = v
        else:
            strings = np.char.strip(np.ascontiguousarray(cells).view(f"S{c.end - c.start}").ravel().astype(str))
            if c.role == "vmflags":
                out["vmflags"] = strings
            elif c.role == "mode":
                if not all(len(s) == 4 for s in np.unique(strings)):
                    return None
                out["perms"] = strings
            elif c.role == "device":
                out["dev"] = np.char.lower(strings)
    if mapping is not None:
        names = [data[a:e] for a, e in zip((rs + width).tolist(), re_.tolist())]
        codes, uniques = pd.factorize(pd.Series(names, dtype=object))
        looked = [mapping_name(u.decode("utf-8", errors="backslashreplace"), "extended") for u in uniques]
        for i, key in enumerate(("path", "deleted", "path_is_basename", "name_lost")):
            values = np.array([t[i] for t in looked] + [None], dtype=object)
            out[key] = values[codes]
    if "start" not in out:
        return None
    return out, fields, fmt


def _decimal(cells: np.ndarray) -> np.ndarray | None:
    """Right-aligned decimal cells (leading blanks) -> int64, or None if any cell is not one."""
    is_digit = (cells >= 48) & (cells <= 57)
    if not (is_digit | (cells == _SPACE)).all() or not is_digit[:, -1].all():
        return None
    if (np.maximum.accumulate(is_digit, axis=1) != is_digit).any():
        return None          # a blank after a digit: not one number
    if cells.shape[1] > 18:
        return None
    weights = 10 ** np.arange(cells.shape[1] - 1, -1, -1, dtype=np.int64)
    return ((cells.astype(np.int64) - 48) * is_digit) @ weights


def _hex(cells: np.ndarray) -> np.ndarray | None:
    vals = _HEX[cells]
    is_digit = vals != 255
    if not (is_digit | (cells == _SPACE)).all() or not is_digit[:, -1].all() or cells.shape[1] > 16:
        return None
    if (np.maximum.accumulate(is_digit, axis=1) != is_digit).any():
        return None
    vals = np.where(is_digit, vals, np.uint64(0))
    out = np.zeros(len(cells), dtype=np.uint64)
    for k in range(cells.shape[1]):
        out = out * np.uint64(16) + vals[:, k]
    return out
