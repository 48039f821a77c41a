"""The fast path for large, clean procps-ng ``pmap``, ``pmap -x`` and ``pmap -d`` output.

When a text is nothing but blocks as procps-ng prints them (``PID:`` line, header, rows of a 16-digit
address and blank-separated columns, separator, footer), the rows of every block are read together:
a byte matrix of each row's first bytes is cut into its first tokens (runs of non-blanks) with
numpy, numbers are read as digit arithmetic, modes, devices and names are looked up once per
distinct value. Python runs per block (PID line, header, footer: the same layout choice and footer
checks as the general path, :mod:`.columnar`), never per row.

Anything else - other text around or between the blocks, a row that does not split, tabs or other
control characters, a repeated address, another dialect - makes :func:`parse` return None and the
general path reads the text. Both give the same frame, processes and notices
(``tests/test_pmap_fastcol.py``).

>>> from analyzer.ingest.base import Context
>>> text = '''42:   sleep 100
... Address           Kbytes     RSS   Dirty Mode  Mapping
... 0000555555554000       8       8       0 r---- sleep
... 00007ffd5a0c9000     132      12      12 rw---   [ stack ]
... ---------------- ------- ------- -------
... total kB             140      20      12
... '''
>>> parsed = parse(text, Context("x.txt"), min_rows=0)
>>> parsed.mappings[["start", "size", "rss", "perms", "path"]].values.tolist()
[[93824992231424, 8192, 8192, 'r--p', 'sleep'], [140726114226176, 135168, 12288, 'rw-p', '[stack]']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ....schema import process_record
from ...base import Context, Parsed
from .blocks import Block, is_footer, is_header
from .columnar import check_sums, choose_layout
from .extended import empty_format
from .footer import who
from ..smaps import native
from ..smaps.fastcols import rows
from .fastx import _HEX, _Coded, _arrow, _joined
from .layout import MODE, PID_LINE, SEPARATOR, device_from_d, mapping_name, perms_from_mode

MIN_ROWS = 2000   # below this the general path is as fast
CHUNK_ROWS = 1 << 14  # rows read as one byte matrix at a time
FORMATS = {"pmap": ["size"], "pmap-x": ["size", "rss", "dirty"], "pmap-d": ["size"]}
_SP = 32


def parse(text: str | bytes, ctx: Context, min_rows: int = MIN_ROWS) -> Parsed | None:
    """The parse of *text* (or of ASCII bytes: the same text) if it is clean procps-ng default,
    -x or -d output with enough rows, else None."""
    data = text if isinstance(text, bytes) else text.encode()
    if len(data) < min_rows * 30 or not data.endswith(b"\n") or not data[:1].isdigit():
        return None
    arr = np.frombuffer(data, dtype=np.uint8)
    if np.count_nonzero(arr < 32) != data.count(b"\n"):
        return None  # tabs, CR, other control characters: the general path's split() decides
    nl = np.flatnonzero(arr == 10)
    starts = np.empty(len(nl), dtype=np.int64)
    starts[0] = 0
    starts[1:] = nl[:-1] + 1
    ends = nl.astype(np.int64)
    lengths = ends - starts
    # rows: 16 hex digits and a blank (procps-ng's %016lx), then more
    head = rows(arr, starts, 17)
    is_row = (lengths > 17) & (_HEX[head[:, :16]] != 255).all(axis=1) & (head[:, 16] == _SP)
    rows_at = np.flatnonzero(is_row)
    if len(rows_at) < max(1, min_rows):
        return None
    if ((head[rows_at, :16] >= 65) & (head[rows_at, :16] <= 70)).any():
        return None  # upper-case hex: Solaris (the general path's layout choice)
    other = np.flatnonzero(~is_row)
    # pass 1: blocks, from the lines that are not rows (Python per such line: a few per block)
    blocks: list[dict] = []
    current: dict | None = None
    for i in other.tolist():
        line = data[starts[i]:ends[i]].decode("utf-8", errors="backslashreplace")
        m = PID_LINE.fullmatch(line) if line[:1].isdigit() else None
        if m:
            current = {"block": Block(pid=int(m.group(1)), command=m.group(3) or None, lineno=i + 1,
                                      pid_sep=m.group(2)), "rows": None, "after": False}
            blocks.append(current)
            continue
        if current is None:
            return None
        tokens = line.split()
        block = current["block"]
        if not tokens:
            return None
        if current["rows"] is None and not current["after"] and block.header is None and is_header(tokens, line):
            block.header = (i + 1, line)
        elif SEPARATOR.fullmatch(line):
            block.separators.append(i + 1)
            current["after"] = True
        elif is_footer(line, tokens):
            block.footer.append((i + 1, line))
            current["after"] = True
        else:
            return None
    # every block's rows: the row lines between its last leading line and its first trailing one
    pid_lines = [b["block"].lineno - 1 for b in blocks]
    bounds = pid_lines + [len(starts)]
    group_of_row = np.searchsorted(np.array(pid_lines, dtype=np.int64), rows_at, side="right") - 1
    if (group_of_row < 0).any():
        return None
    counts = np.bincount(group_of_row, minlength=len(blocks))
    first_row = np.concatenate([[0], np.cumsum(counts)])[:-1]
    for k, b in enumerate(blocks):
        n = int(counts[k])
        if not n:
            continue
        lo = int(rows_at[first_row[k]])
        hi = int(rows_at[first_row[k] + n - 1])
        if hi - lo + 1 != n or hi >= bounds[k + 1]:
            return None  # other lines between rows
        block = b["block"]
        if (block.header[0] if block.header else block.lineno) != lo:
            return None  # the PID line, then the header if any, then the rows
        if any(x < hi + 1 for x in block.separators) or any(x < hi + 1 for x, _ in block.footer):
            return None
        b["lo"], b["hi"] = lo, hi + 1
    # pass 2: the layout of each block, from its header, first rows and footer
    by_format: dict[str, list[int]] = {}
    for k, b in enumerate(blocks):
        block = b["block"]
        if "lo" not in b:
            continue
        # the first row (the layout's shape) and the last (a missing footer's warning names it): what
        # the layout choice reads of the others (upper-case hex, SUSE modes, toybox names) is checked
        # over all rows below and declined
        block.rows = [(j + 1, data[starts[j]:ends[j]].decode("utf-8", errors="backslashreplace"))
                      for j in sorted({b["lo"], b["hi"] - 1})]
        if data.find(b"[anon]", starts[b["lo"]], ends[b["hi"] - 1]) >= 0:
            return None  # toybox's name for anonymous memory: the general path's layout choice reads every row
        sub = Context(ctx.source, ctx.on_bad_lines)
        layout = choose_layout(block, sub)
        if layout is None or layout.family != "procps" or FORMATS.get(layout.source_format) != layout.values:
            return None
        if layout.device != (layout.source_format == "pmap-d"):
            return None
        b["layout"], b["notices"] = layout, sub.notices
        by_format.setdefault(layout.source_format, []).append(k)
    if len(by_format) != 1:
        return None  # no rows, or blocks of different formats (other columns): the general path
    # pass 3: the rows of all blocks of one format at once
    outs = []
    for fmt, members in by_format.items():
        idx = np.concatenate([np.arange(blocks[k]["lo"], blocks[k]["hi"]) for k in members])
        got = _rows_chunked(data, arr, starts[idx], ends[idx], fmt)
        if got is None:
            return None
        n_rows = [blocks[k]["hi"] - blocks[k]["lo"] for k in members]
        owner = np.repeat(np.arange(len(members)), n_rows)
        # a repeated address in one block: the general path drops or reports it
        key = np.lexsort((got["start"], owner))
        s, o = got["start"][key], owner[key]
        if ((s[1:] == s[:-1]) & (o[1:] == o[:-1])).any():
            return None
        offsets = np.concatenate([[0], np.cumsum(n_rows)]).astype(np.int64)
        sums = _sums(got, fmt, offsets)
        for j, k in enumerate(members):
            blocks[k]["sums"] = {c: int(v[j]) for c, v in sums.items()}
        got["pid"] = np.array([blocks[k]["block"].pid for k in members], dtype=np.int64)[owner]
        got["command"] = _Coded(owner.astype(np.int32), [blocks[k]["block"].command for k in members])
        got["source_format"] = _Coded(np.zeros(len(idx), dtype=np.int32), [fmt])
        got["lineno"] = idx + 1
        outs.append(got)
    # pass 4: processes, footer checks and notices, in file order
    processes = []
    formats: set[str] = set()
    for b in blocks:
        block = b["block"]
        proc = process_record(block.pid, ctx.source, None, command=block.command, lineno=block.lineno)
        if "lo" not in b:
            proc["source_format"] = empty_format(block)
            ctx.info(block.lineno, f"{who(block)}: no mappings (a kernel thread, a zombie, or a process that was gone)")
            processes.append(proc)
            continue
        ctx.notices.extend(b["notices"])
        layout = b["layout"]
        check_sums(block, layout, b["sums"], ctx, proc)
        proc["source_format"] = layout.source_format
        proc["mappings"] = b["hi"] - b["lo"]
        formats.add(layout.source_format)
        processes.append(proc)
    out = outs[0]
    columns = {k: _arrow([out[k]]) if isinstance(out[k], _Coded) else out[k]
               for k in ("start", "end", "size", "rss", "dirty", "perms", "offset", "dev", "path", "deleted",
                         "path_is_basename", "name_lost", "lineno", "pid", "command", "source_format") if k in out}
    frame = pd.DataFrame(columns)
    frame["source"] = _arrow([_Coded(np.zeros(len(frame), dtype=np.int32), [ctx.source])])
    return Parsed(frame, processes, formats=formats)


def _tokens(M: np.ndarray, lengths: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Start and end (exclusive) columns of the first *n* tokens of every row of the byte matrix *M*
    (blank-separated; bytes past a row's end count as blanks), or None if a row has fewer."""
    width = M.shape[1]
    blank = (M == _SP) | (np.arange(width) >= lengths[:, None])
    prev_blank = np.ones_like(blank)
    prev_blank[:, 1:] = blank[:, :-1]
    next_blank = np.ones_like(blank)
    next_blank[:, :-1] = blank[:, 1:]
    out = []
    for edges in (~blank & prev_blank, ~blank & next_blank):
        row, col = np.nonzero(edges)                 # row-major: each row's edges left to right
        first = np.searchsorted(row, np.arange(len(M)))
        count = np.diff(np.append(first, len(row)))
        if (count < n).any():
            return None
        out.append(col[first[:, None] + np.arange(n)])
    return out[0], out[1] + 1


def _decimal(M: np.ndarray, s: np.ndarray, e: np.ndarray, suffix: bytes = b"") -> np.ndarray | None:
    """The decimal numbers in columns s:e of every row (a trailing *suffix* byte required and dropped)."""
    rows = np.arange(len(M))
    if suffix:
        if not (M[rows, e - 1] == suffix[0]).all():
            return None
        e = e - 1
    length = e - s
    if length.min() < 1 or length.max() > 18:
        return None
    width = int(length.max())
    cols = e[:, None] - width + np.arange(width)          # right-aligned windows ending at e
    valid = cols >= s[:, None]
    cells = M[rows[:, None], np.maximum(cols, 0)]
    digit = (cells >= 48) & (cells <= 57)
    if not (digit | ~valid).all():
        return None
    weights = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.where(valid, cells.astype(np.int64) - 48, 0) * weights).sum(axis=1)


def _hexnum(M: np.ndarray, s: np.ndarray, e: np.ndarray, lo: int, hi: int) -> np.ndarray | None:
    """Hex numbers of lo to hi digits in columns s:e of every row."""
    rows = np.arange(len(M))
    length = e - s
    if length.min() < lo or length.max() > hi:
        return None
    width = int(length.max())
    cols = e[:, None] - width + np.arange(width)
    valid = cols >= s[:, None]
    vals = _HEX[M[rows[:, None], np.maximum(cols, 0)]]
    if ((vals == 255) & valid).any():
        return None
    vals = np.where(valid, vals, np.uint64(0))
    return vals @ (np.uint64(16) ** np.arange(width - 1, -1, -1, dtype=np.uint64))


def _words(M: np.ndarray, s: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """The tokens in columns s:e of every row as factorize codes and distinct strings."""
    rows = np.arange(len(M))
    width = int((e - s).max())
    cols = s[:, None] + np.arange(width)
    cells = np.where(cols < e[:, None], M[rows[:, None], np.minimum(cols, M.shape[1] - 1)], 0).astype(np.uint8)
    raw = np.ascontiguousarray(cells).view(f"S{width}").ravel()
    codes, uniques = pd.factorize(raw)
    return codes, [u.decode("ascii", errors="replace") for u in uniques]


def _rows_chunked(data: bytes, arr: np.ndarray, rs: np.ndarray, re_: np.ndarray, fmt: str) -> dict | None:
    """:func:`_rows` of CHUNK_ROWS rows at a time, joined: its (rows, width) temporaries stay small
    (all rows at once: some 20x the text's bytes at the peak)."""
    parts = []
    for a in range(0, len(rs), CHUNK_ROWS):
        got = _rows(data, arr, rs[a : a + CHUNK_ROWS], re_[a : a + CHUNK_ROWS], fmt)
        if got is None:
            return None
        parts.append(got)
    if len(parts) == 1:
        return parts[0]
    out = {}
    for k, first in parts[0].items():
        if isinstance(first, _Coded):
            out[k] = _joined([part[k] for part in parts])
        elif isinstance(first, tuple):
            out[k] = tuple(np.concatenate([part[k][i] for part in parts]) for i in range(len(first)))
        else:
            out[k] = np.concatenate([part[k] for part in parts])
    return out


def _rows(data: bytes, arr: np.ndarray, rs: np.ndarray, re_: np.ndarray, fmt: str) -> dict | None:
    """Every row of one format: the columns, in the general path's units (bytes)."""
    values = FORMATS[fmt]
    nfixed = 1 + len(values) + 1 + (2 if fmt == "pmap-d" else 0)
    lengths = re_ - rs
    width = int(min(lengths.max(), 17 + 21 * len(values) + 6 + (2 * 21 if fmt == "pmap-d" else 0)))
    M = rows(arr, rs, width)
    lens = np.minimum(lengths, width)
    got = _tokens(M, lens, nfixed)
    if got is None:
        return None
    s, e = got
    out: dict = {}
    start = _hexnum(M, s[:, 0], e[:, 0], 16, 16)
    if start is None:
        return None
    out["start"] = start
    for j, col in enumerate(values):
        v = _decimal(M, s[:, 1 + j], e[:, 1 + j], b"K" if fmt == "pmap" else b"")
        if v is None:
            return None
        out[col] = v * 1024
    mode_col = 1 + len(values)
    codes, modes = _words(M, s[:, mode_col], e[:, mode_col])
    if not all(MODE.fullmatch(m) and len(m) == 5 and m[3] != "p" for m in modes):
        return None  # 4-character perms (BusyBox), SUSE's r-xp-: other layouts
    out["perms"] = _Coded(codes.astype(np.int32), [perms_from_mode(m) for m in modes])
    out["_perm_flags"] = (np.array([m[1] == "w" for m in modes])[codes], np.array([m[3] == "s" for m in modes])[codes])
    if fmt == "pmap-d":
        offset = _hexnum(M, s[:, mode_col + 1], e[:, mode_col + 1], 8, 16)
        if offset is None:
            return None
        out["offset"] = offset
        codes, devs = _words(M, s[:, mode_col + 2], e[:, mode_col + 2])
        kernel = [device_from_d(d) for d in devs]
        if any(d is None for d in kernel):
            return None
        out["dev"] = _Coded(codes.astype(np.int32), kernel)
    # the name: the rest of the line after the fixed tokens (blanks around it are stripped, as
    # split() and mapping_name do); a fixed token cut off by the matrix's width: the general path
    last_end = e[:, nfixed - 1]
    if ((last_end >= width) & (lengths > width)).any():
        return None
    codes, uniques = native.distinct_texts(data, rs + last_end, re_)
    looked = [mapping_name(u.decode("utf-8", errors="backslashreplace"), "procps") for u in uniques]
    out["path"] = _Coded(codes.astype(np.int32), [t[0] for t in looked])
    out["deleted"] = np.array([bool(t[1]) for t in looked], dtype=bool)[codes]
    out["path_is_basename"] = np.array([t[2] for t in looked], dtype=bool)[codes]
    out["name_lost"] = np.array([t[3] for t in looked], dtype=bool)[codes]
    out["end"] = out["start"] + out["size"].astype(np.uint64)
    return out


def _sums(out: dict, fmt: str, offsets: np.ndarray) -> dict[str, np.ndarray]:
    """Per block sums in kB, as :func:`.columnar.check` makes them from records."""
    bounds = offsets[:-1]
    result = {col: np.add.reduceat(out[col], bounds) // 1024 for col in FORMATS[fmt]}
    size = out["size"]
    writable, shared = out.pop("_perm_flags")
    result["writeable_private"] = np.add.reduceat(np.where(~shared & writable, size, 0), bounds) // 1024
    result["readonly_private"] = np.add.reduceat(np.where(~shared & ~writable, size, 0), bounds) // 1024
    result["shared"] = np.add.reduceat(np.where(shared, size, 0), bounds) // 1024
    return result
