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
import pyarrow as pa

from ....schema import UNITLESS_KEYS, process_record
from ...base import Context, Parsed
from ...numbers import KB_MAX, checked_int
from ..smaps import native
from ..smaps.fastcols import rows
from .blocks import Block
from .extended import REREAD, _colname, _fmt, columns_of, is_extended_header
from .footer import add_running, check_footer
from .layout import PID_LINE, mapping_name

_HEX = np.full(256, 255, dtype=np.uint64)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    _HEX[_c] = 10 + _i
_SPACE = 32
MIN_ROWS = 2000       # below this the general path is as fast and simpler
CHUNK_ROWS = 1 << 13  # rows of a block's byte matrix turned into numbers at a time


def parse(text: str | bytes, ctx: Context, min_rows: int = MIN_ROWS) -> Parsed | None:
    """The parse of *text* (or of ASCII bytes: the same text) if it is clean -X output with
    enough rows, else None."""
    data = text if isinstance(text, bytes) else text.encode()
    if len(data) < min_rows * 40 or b"\r" in data[:65536] or not data.endswith(b"\n"):
        return None
    if not data[:1].isdigit():
        return None
    arr = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    starts = np.empty(len(nl), dtype=np.int64)
    starts[0] = 0
    starts[1:] = nl[:-1] + 1
    ends = nl.astype(np.int64)
    first = arr[starts]
    digit_lines = np.flatnonzero((first >= 48) & (first <= 57))
    # a PID line is digits then ":"; a row starting with a digit has a blank or hex letter first
    probe = rows(arr, starts[digit_lines], 12)
    is_dig = (probe >= 48) & (probe <= 57)
    after = probe[np.arange(len(probe)), np.argmin(is_dig, axis=1)]
    digit_lines = digit_lines[after == ord(":")]
    pid_lines = [int(i) for i in digit_lines if re.fullmatch(rb"\d+:[ \t]+.*", data[starts[i]:ends[i]])]
    if not pid_lines or pid_lines[0] != 0:
        return None
    bounds = pid_lines + [len(starts)]
    # pass 1: every block's PID line, header and footer (Python, per block); rows grouped by header
    blocks: list[tuple] = []          # (Block, proc, header, total_line, first row, end row) or (Block, proc)
    groups: dict[str, list[int]] = {}  # header -> indexes into blocks (pmap -X widths are per process)
    for p, q in zip(bounds[:-1], bounds[1:]):
        line = data[starts[p]:ends[p]].decode("utf-8", errors="backslashreplace")
        m = PID_LINE.fullmatch(line)
        if m is None or checked_int(m.group(1)) is None:
            return None
        block = Block(pid=int(m.group(1)), command=m.group(3) or None, lineno=p + 1, pid_sep=m.group(2))
        proc = process_record(block.pid, ctx.source, None, command=block.command, lineno=block.lineno)
        if q - p == 1:            # a kernel thread or zombie: pmap -X prints the PID line alone
            blocks.append((block, proc))
            continue
        if q - p < 5:
            return None
        header = data[starts[p + 1]:ends[p + 1]].decode("utf-8", errors="replace")
        sep = data[starts[q - 2]:ends[q - 2]]
        total_line = data[starts[q - 1]:ends[q - 1]].decode("ascii", errors="replace")
        if not is_extended_header(header) or sep.strip(b" =") or not total_line.rstrip().endswith("KB"):
            return None
        groups.setdefault(header, []).append(len(blocks))
        blocks.append((block, proc, header, total_line, p + 2, q - 2))
    # pass 2: the rows of every block with the same header as one byte matrix
    parsed: dict[int, tuple] = {}     # block index -> (its slice of the group's rows, group out, fields, fmt)
    group_out: list[tuple[dict, np.ndarray, list[int]]] = []
    for header, members in groups.items():
        first = np.concatenate([np.arange(blocks[i][4], blocks[i][5]) for i in members])
        got = _block(data, arr, starts[first], ends[first], header, ctx)
        if got is None:
            return None
        out, fields, fmt = got
        counts = [blocks[i][5] - blocks[i][4] for i in members]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        sums = _sums(out, fields, offsets)
        for j, i in enumerate(members):
            parsed[i] = (j, sums, fields, fmt)
        n = len(first)
        rows_block = np.repeat(np.arange(len(members)), counts)
        out["pid"] = np.array([blocks[i][0].pid for i in members], dtype=np.int64)[rows_block]
        out["command"] = _strings(rows_block.astype(np.int32), [blocks[i][0].command for i in members])
        out["source_format"] = _strings(np.zeros(n, dtype=np.int32), [fmt])
        out["lineno"] = first + 1
        group_out.append(out)
    # pass 3: footers checked and notices given in file order
    processes: list[dict] = []
    formats: set[str] = set()
    state: dict = {}
    for i, entry in enumerate(blocks):
        block, proc = entry[0], entry[1]
        if len(entry) == 2:
            proc["source_format"] = "pmap-X"
            ctx.info(block.lineno, f"PID {block.pid}: no mappings (a kernel thread, a zombie, or a process that was gone)")
            processes.append(proc)
            continue
        _, _, header, total_line, lo, hi = entry
        j, sums_all, fields, fmt = parsed[i]
        block.header = (lo, header)
        block.rows = [(lo + 1, "")]                 # only the first row's line number is used in notices
        block.footer = [(hi + 2, total_line)]
        toks = total_line.split()[:-1]
        if len(toks) != len(fields) or not all(t.isdigit() and checked_int(t) is not None for t in toks):
            return None
        totals = {_colname(c.key): int(t) for c, t in zip(fields, toks)}
        sums = {k: int(v[j]) for k, v in sums_all.items()}
        cumulative = state.setdefault(tuple(c.key for c in fields), {})
        add_running(cumulative, sums, totals, REREAD)
        check_footer(block, totals, sums, ctx, proc, dict(cumulative), REREAD)
        proc["source_format"] = fmt
        proc["mappings"] = hi - lo
        processes.append(proc)
        formats.add(fmt)
    if not group_out or any(set(out) != set(group_out[0]) for out in group_out):
        return None        # blocks with different columns: leave it to the general path
    order = None
    if len(group_out) > 1:
        order = np.argsort(np.concatenate([out["lineno"] for out in group_out]), kind="stable")
    columns = {}
    for k in group_out[0]:
        parts = [out[k] for out in group_out]
        if isinstance(parts[0], _Coded):
            columns[k] = _arrow(parts, order)
        else:
            values = np.concatenate(parts) if len(parts) > 1 else parts[0]
            columns[k] = values if order is None else values[order]
    frame = pd.DataFrame(columns)
    frame["source"] = _arrow([_Coded(np.zeros(len(frame), dtype=np.int32), [ctx.source])])
    if "size" in frame.columns:
        frame["end"] = frame["start"] + frame["size"].astype(np.uint64)
    return Parsed(frame, processes, formats=formats)


def _sums(out: dict, fields: list, offsets: np.ndarray) -> dict[str, np.ndarray]:
    """Per block (rows offsets[k]:offsets[k+1]) sums of every field column, in kB (pmap's footer unit)."""
    result = {}
    for c in fields:
        name = _colname(c.key)
        col = out[name]
        totals = np.add.reduceat(col, offsets[:-1]) if len(col) else np.zeros(len(offsets) - 1, dtype=np.int64)
        totals[offsets[:-1] == offsets[1:]] = 0
        result[name] = totals // (1 if c.key in UNITLESS_KEYS else 1024)
    return result


def _block(data: bytes, arr: np.ndarray, rs: np.ndarray, re_: np.ndarray, header: str, ctx: Context):
    cols = columns_of(header)
    if any(c.role in ("ignored",) for c in cols):
        return None
    fmt = _fmt(cols)
    fields = [c for c in cols if c.role == "field"]
    if len({c.key for c in fields}) != len(fields):
        return None  # a column named twice: the general path refuses the block, with a warning
    mapping = next((c for c in cols if c.role == "mapping"), None)
    width = mapping.start if mapping is not None else cols[-1].end
    lengths = re_ - rs
    if len(rs) == 0 or lengths.min() < width:
        return None
    P = rows(arr, rs, width)                         # every row's cells, one byte matrix
    seps = [c.start - 1 for c in cols if c.start > 0]         # the blank before every column
    if not (P[:, seps] == _SPACE).all():
        return None
    out: dict = {}
    if fields:
        values = _decimals(P, fields)
        if values is None:
            return None
        kb = np.array([c.key not in UNITLESS_KEYS for c in fields])
        if (values[kb] > KB_MAX).any():
            return None  # bytes would not fit 64 bits: the general path reports the row
        for i, c in enumerate(fields):
            if c.key not in UNITLESS_KEYS:
                values[i] *= 1024
            out[_colname(c.key)] = values[i]  # a row of *values*: no copy
    for c in cols:
        if c.role in ("mapping", "field"):
            continue
        cells = P[:, c.start:c.end]
        if c.role == "inode":
            v = _decimals(P, [c])
            if v is None:
                return None
            out["inode"] = v[0].astype(np.uint64)
        elif c.role in ("address", "offset"):
            found = native.pmap_cells(P, [c.start], [c.end], True)  # the C reader, where built
            v = found[0] if found is not None else _hex(cells)
            if v is None:
                return None
            out["start" if c.role == "address" else "offset"] = v
        else:
            raw = np.ascontiguousarray(cells).view(f"S{c.end - c.start}").ravel()
            codes, uniques = pd.factorize(raw)
            uniques = [u.decode("ascii", errors="replace").strip() for u in uniques]
            if c.role == "vmflags":
                out["vmflags"] = _strings(codes, uniques)
            elif c.role == "mode":
                if not all(re.fullmatch(r"[-r][-w][-x][-sp]", u) for u in uniques):
                    return None
                out["perms"] = _strings(codes, uniques)
            elif c.role == "device":
                if not all(re.fullmatch(r"[0-9a-fA-F]+:[0-9a-fA-F]+", u) for u in uniques):
                    return None
                out["dev"] = _strings(codes, [u.lower() for u in uniques])
    if mapping is not None:
        codes, uniques = native.distinct_texts(data, rs + width, re_)
        looked = [mapping_name(u.decode("utf-8", errors="backslashreplace"), "extended") for u in uniques]
        out["path"] = _strings(codes, [t[0] for t in looked])
        for i, key in enumerate(("deleted", "path_is_basename", "name_lost"), 1):
            out[key] = np.array([bool(t[i]) for t in looked], dtype=bool)[codes]
    if "start" not in out:
        return None
    return out, fields, fmt


class _Coded:
    """A text column as factorize codes into distinct values (None is NA); turned
    into Arrow strings once, for all blocks together, by :func:`_arrow`."""

    def __init__(self, codes: np.ndarray, uniques: list):
        self.codes, self.uniques = codes, list(uniques)


def _strings(codes: np.ndarray, uniques: list) -> _Coded:
    return _Coded(codes, uniques)


def _joined(parts: list[_Coded]) -> _Coded:
    """One coded column of the rows of *parts*, one after the other (their distinct values listed
    one after the other: a value may be listed twice)."""
    codes, uniques = [], []
    for part in parts:
        c = part.codes.astype(np.int32)
        codes.append(np.where(c < 0, -1, c + len(uniques)))
        uniques.extend(part.uniques)
    return _Coded(np.concatenate(codes), uniques)


def _arrow(parts: list[_Coded], order: np.ndarray | None = None) -> pd.arrays.ArrowStringArray:
    """Row strings from the codes of every block (rows taken in *order* if given), built by Arrow
    (no Python string per row)."""
    joined = _joined(parts)
    all_codes, uniques = joined.codes, joined.uniques
    if order is not None:
        all_codes = all_codes[order]
    mask = all_codes < 0
    indices = pa.array(np.where(mask, 0, all_codes), mask=mask if mask.any() else None)
    dictionary = pa.array(uniques if uniques else [""], type=pa.string())
    return pd.arrays.ArrowStringArray(pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string()))


def _decimals(P: np.ndarray, cols: list, offset: int = 0) -> np.ndarray | None:
    """Right-aligned decimal columns of the byte matrix *P* -> a (columns, rows) int64
    matrix (each column's values contiguous), or None if any cell is not one number. Read
    CHUNK_ROWS rows at a time, so the int64 temporaries stay small (a whole -X block at once
    took 16x its bytes: 1 GB for 56 MB of text)."""
    lo, hi = cols[0].start - offset, cols[-1].end - offset
    ends = np.array([c.end - offset - lo for c in cols])
    starts = np.array([c.start - offset - lo for c in cols])
    if (ends - starts > 18).any():
        return None
    found = native.pmap_cells(P, starts + lo + offset, ends + lo + offset, False) if not offset else None
    if found is not None:  # the C reader, where built (None: it declined, numpy reads and decides)
        return found
    # a digit followed by a non-digit is allowed only at the end of a column
    allowed = np.zeros(hi - lo, dtype=bool)
    allowed[ends - 1] = True
    weights = np.zeros(hi - lo, dtype=np.int64)
    for s, e in zip(starts, ends):
        weights[s:e] = 10 ** np.arange(e - s - 1, -1, -1, dtype=np.int64)
    out = np.empty((len(cols), len(P)), dtype=np.int64)
    for a in range(0, len(P), CHUNK_ROWS):
        F = P[a : a + CHUNK_ROWS, lo:hi]
        is_digit = (F >= 48) & (F <= 57)
        if not (is_digit | (F == _SPACE)).all() or not is_digit[:, ends - 1].all():
            return None
        if (is_digit[:, :-1] & ~is_digit[:, 1:] & ~allowed[:-1]).any():
            return None
        digits = (F & 15).astype(np.int64)  # a digit's value; a blank (0x20) is 0
        digits *= weights
        out[:, a : a + CHUNK_ROWS] = np.add.reduceat(digits, starts, axis=1).T
    return out


def _hex(cells: np.ndarray) -> np.ndarray | None:
    vals = _HEX[cells]
    is_digit = vals != 255
    if not (is_digit | (cells == _SPACE)).all() or not is_digit[:, -1].all() or cells.shape[1] > 16:
        return None
    if (np.maximum.accumulate(is_digit, axis=1) != is_digit).any():
        return None
    vals = np.where(is_digit, vals, np.uint64(0))
    weights = np.uint64(16) ** np.arange(cells.shape[1] - 1, -1, -1, dtype=np.uint64)
    return vals @ weights
