"""``pmap -X``, ``-XX`` and the ``-c``/``-C`` rc layouts: one row per mapping, a
header of smaps field names, a ``====`` underline and a totals row ending ``KB``.

pmap right-aligns every column to the width it computed for the process, so
a column ends on the same byte in the header and in every row (the header's
translated words - ``Adresse``, ``Gerät``, ``地址`` - are counted in bytes,
as printf counts them). The VmFlags column (``-XX``) holds blanks, and the
mapping name may too, so columns are cut at the header's positions; a row
that does not line up is split on blanks instead.

Numbers are read column-wise: the value cells of all rows are joined and
converted by numpy in one call, not one Python int per cell.

>>> from analyzer.ingest.base import Context
>>> text = '''7:   sleep 9
...          Address Perm   Offset Device   Inode  Size Rss Pss THPeligible              VmFlags Mapping
...     55d0c8a00000 r--p 00000000  fe:00 1234567     8   8   4           0          rd mr mw me sleep
...     7ffc00000000 rw-p 00000000  00:00       0   132  12  12           0 rd wr mr mw me gd ac [stack]
...                                               ===== === === =========== 
...                                                 140  20  16           0 KB 
... '''
>>> from analyzer.ingest.formats.pmap.blocks import scan
>>> block = scan(text.split("\\n"))[0]
>>> cols, fmt = parse_block(block, Context("x"), {})
>>> fmt, cols["size"].tolist(), cols["rss"].tolist(), cols["thp_eligible"].tolist(), cols["vmflags"]
('pmap-c', [8192, 135168], [8192, 12288], [0, 0], ['rd mr mw me', 'rd wr mr mw me gd ac'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ....schema import KEY_TO_COLUMN, UNITLESS_KEYS, field_column
from ...base import Context
from ...numbers import INT64_MAX, KB_MAX, UINT64_MAX, checked_int, too_large
from .blocks import Block
from .footer import add_running, check_footer, who
from .layout import DELETED, HEADER_WORDS, mapping_name, normalize_header

FIELD_KEYS = set(KEY_TO_COLUMN) | {"Size"}
IDENTITY = ("mode", "offset", "device", "inode")
X_HIDDEN = {"AnonHugePages", "KernelPageSize", "MMUPageSize", "Shared_Dirty", "Private_Dirty",
            "Shared_Clean", "Private_Clean"}
FLAG = re.compile(r"[a-z][a-z0-9]")
REREAD = frozenset({"pss", "pss_dirty", "swap_pss", "pss_anon", "pss_file", "pss_shmem"})


@dataclass
class Column:
    role: str          # address, mode, offset, device, inode, field, vmflags, mapping
    start: int         # byte offset where the cell may start (after the previous column's blank)
    end: int           # byte offset one past the cell
    key: str = ""      # smaps key for fields


def is_extended_header(header: str) -> bool:
    """True for a -X/-XX/-c header: it names smaps fields (``Size``, ``Rss``, ``Inode``...)."""
    words = header.split()
    return any(w in FIELD_KEYS and w not in ("Swap", "Locked") for w in words[1:]) or "VmFlags" in words


def is_extended_row(line: str) -> bool:
    """A -X row without a header (``-X -q``): address, raw perms, offset, device, inode."""
    t = line.split(None, 5)
    return (len(t) >= 5 and len(t[1]) == 4 and t[1][3] in "ps" and ":" in t[3] and t[4].isdigit())


def columns_of(header: str) -> list[Column]:
    """The columns of a -X header, with their byte extents."""
    hb = normalize_header(header).encode()
    spans = [(m.start(), m.end(), m.group().decode(errors="replace")) for m in re.finditer(rb"\S+", hb)]
    cols: list[Column] = []
    prev_end = 0
    fields_started = False
    for i, (s, e, word) in enumerate(spans):
        last = i == len(spans) - 1
        role = HEADER_WORDS.get(word.casefold())
        if i == 0:
            col = Column("address", 0, e)
        elif word == "VmFlags":
            col, fields_started = Column("vmflags", prev_end + 1, e), True
        elif word in FIELD_KEYS:
            col, fields_started = Column("field", prev_end + 1, e, word), True
        elif last and (role == "mapping" or not hb.endswith(b" ")):
            col = Column("mapping", s, s)
        elif not fields_started and role in IDENTITY:
            col = Column(role, prev_end + 1, e)
        elif not fields_started and not word.isascii():
            col = Column("identity?", prev_end + 1, e)
        else:
            col, fields_started = Column("field", prev_end + 1, e, word), True
        cols.append(col)
        prev_end = e
    _resolve_identity(cols)
    return cols


def _resolve_identity(cols: list[Column]) -> None:
    """Unknown translated identity headers take the roles pmap prints in order."""
    known = [c.role for c in cols if c.role in IDENTITY]
    free = [r for r in IDENTITY if r not in known]
    for c in cols:
        if c.role == "identity?":
            c.role = free.pop(0) if free else "ignored"


def _fmt(cols: list[Column]) -> str:
    keys = {c.key for c in cols if c.role == "field"}
    roles = {c.role for c in cols}
    has_vm = "vmflags" in roles
    full_identity = all(r in roles for r in IDENTITY)
    if full_identity and has_vm and keys & X_HIDDEN:
        return "pmap-XX"
    if full_identity and not has_vm and not keys & X_HIDDEN:
        return "pmap-X"
    return "pmap-c"


def parse_block(block: Block, ctx: Context, state: dict) -> tuple[dict, str]:
    """Column arrays (schema names, bytes) for the rows of an -X block, and its format.

    *state* carries running totals across blocks of one text (for pmap before
    4.0.4, whose -X footers accumulated over PIDs).
    """
    if block.header is None:
        return _parse_headerless(block, ctx)
    cols = columns_of(block.header[1])
    fmt = _fmt(cols)
    fields = [c for c in cols if c.role == "field"]
    named = [c.key or c.role for c in cols if c.role not in ("ignored",)]
    twice = sorted({k for k in named if named.count(k) > 1})
    if twice:  # no pmap prints a column twice: which cell is which cannot be told
        ctx.bad_line(block.header[0], f"{who(block)}: the header names {', '.join(twice)} twice: "
                                      f"{len(block.rows)} rows dropped")
        return {"lineno": [], "_proc": {"partial": True}}, fmt
    value_cols = [c for c in cols if c.role not in ("mapping", "vmflags", "ignored")]
    vm = next((c for c in cols if c.role == "vmflags"), None)
    mapping = next((c for c in cols if c.role == "mapping"), None)
    prefix_end = cols[-1].end if mapping is None else mapping.start
    n = len(block.rows)
    cells: dict[str, list] = {c.role if c.role != "field" else c.key: [] for c in value_cols}
    vmflags: list = []
    names: list[str] = []
    linenos: list[int] = []
    last_end = max(c.end for c in cols if c.role != "mapping")
    cut = False
    for i, (lineno, line) in enumerate(block.rows):
        parts = None
        if len(line) >= last_end and (mapping is None or line[prefix_end - 1:prefix_end] in (" ", "")):
            parts = [line[c.start:c.end] for c in value_cols]
            if not _valid(parts, value_cols):
                parts = None
        if parts is None:
            parts, flags, name = _split_row(line, value_cols, vm is not None, mapping is not None)
            if parts is not None and not _valid(parts, value_cols):
                parts = None
            if parts is None:
                if i == n - 1 and not block.footer:
                    ctx.warn(lineno, f"{who(block)}: last row cut short (copy truncated?): ignored")
                    cut = True
                else:
                    ctx.bad_line(lineno, f"not a {fmt} row{_why(line)}: {line.strip()[:70]!r}")
                continue
        else:
            flags = line[vm.start:vm.end].strip() if vm else None
            name = line[prefix_end:] if mapping is not None else ""
        for c, p in zip(value_cols, parts):
            cells[c.role if c.role != "field" else c.key].append(p)
        vmflags.append(flags)
        names.append(name)
        linenos.append(lineno)
    out: dict = {"lineno": linenos}
    m = len(linenos)
    out.update(_numbers(cells, fields, m, block, ctx))
    out.update(_identity(cells, m))
    if vm is not None:
        out["vmflags"] = vmflags
    _names(out, names, mapping is not None)
    sums = {c.key: int(out[_colname(c.key)].sum()) // (1 if c.key in UNITLESS_KEYS else 1024)
            for c in fields if _colname(c.key) in out}
    found = _footer(block, fields, ctx)
    totals = None if found is None else {_colname(k): v for k, v in found.items()}
    sums = {_colname(k): v for k, v in sums.items()}
    cumulative = state.setdefault(tuple(c.key for c in fields), {})
    add_running(cumulative, sums, totals, REREAD)
    proc_facts: dict = {"partial": cut}
    check_footer(block, totals, sums, ctx, proc_facts, dict(cumulative), REREAD)
    out["_proc"] = proc_facts
    return out, fmt


_CELL = {"address": re.compile(r"[0-9a-fA-F]{1,16}"), "offset": re.compile(r"[0-9a-fA-F]{1,16}"),
         "inode": re.compile(r"\d+"), "field": re.compile(r"\d+"), "mode": re.compile(r"[-r][-w][-x][-sp]"),
         "device": re.compile(r"[0-9a-fA-F]+:[0-9a-fA-F]+")}


def _valid(parts: list[str], value_cols: list[Column]) -> bool:
    """Every cell of a row holds what its column says (a number that fits its column, perms, a device)."""
    for c, p in zip(value_cols, parts):
        pattern = _CELL.get(c.role)
        if pattern is not None and not pattern.fullmatch(p.strip()):
            return False
        if c.role in _LIMIT and checked_int(p, limit=_LIMIT[c.role] if c.key not in UNITLESS_KEYS else INT64_MAX) is None:
            return False
    return True


_LIMIT = {"inode": UINT64_MAX, "field": KB_MAX}  # a kB cell becomes bytes: it must fit after x1024


def _why(line: str) -> str:
    """`` (a number too large)`` when a cell of *line* is digits that fit no 64-bit column."""
    big = max((t for t in line.split() if t.isdigit()), key=len, default="")
    return f" ({too_large(big)})" if big and checked_int(big, limit=KB_MAX) is None else ""


def _colname(key: str) -> str:
    return "size" if key == "Size" else KEY_TO_COLUMN.get(key) or field_column(key)


def _split_row(line: str, value_cols: list[Column], has_vm: bool, has_mapping: bool):
    """A row that does not line up with the header: split on blanks."""
    k = len(value_cols)
    tokens = line.split(None, k)
    if len(tokens) < k:
        return None, None, None
    parts, rest = tokens[:k], (tokens[k] if len(tokens) > k else "")
    if not parts[0] or not re.fullmatch(r"[0-9a-fA-F]+", parts[0]):
        return None, None, None
    flags = None
    if has_vm:
        words = rest.split(" ")
        j = 0
        while j < len(words) and FLAG.fullmatch(words[j]):
            j += 1
        flags, rest = " ".join(words[:j]), " ".join(words[j:])
    return parts, flags, rest if has_mapping else ""


def _numbers(cells: dict, fields: list[Column], m: int, block: Block, ctx: Context) -> dict:
    """Every field column at once: one numpy parse of all the cells."""
    out = {}
    if not fields or m == 0:
        for c in fields:
            out[_colname(c.key)] = np.zeros(0, dtype=np.int64)
        return out
    joined = " ".join(" ".join(cells[c.key]) for c in fields)
    try:
        arr = np.array(joined.split(), dtype=np.int64) if len(joined) < 4096 else _fromstring(joined)
    except ValueError:
        arr = None
    if arr is None or arr.size != m * len(fields):
        # a cell that is not a number: go cell by cell, NA where unreadable
        for c in fields:
            vals = []
            for lineno_cell in cells[c.key]:
                s = lineno_cell.strip()
                vals.append(int(s) if s.isdigit() else None)
            if any(v is None for v in vals):
                ctx.bad_line(block.rows[0][0], f"{who(block)}: column {c.key} has values that are not numbers (NA)")
            col = np.array([v if v is not None else 0 for v in vals], dtype=np.int64)
            mult = 1 if c.key in UNITLESS_KEYS else 1024
            out[_colname(c.key)] = _masked(col * mult, [v is None for v in vals])
        return out
    arr = arr.reshape(len(fields), m)
    for i, c in enumerate(fields):
        mult = 1 if c.key in UNITLESS_KEYS else 1024
        out[_colname(c.key)] = arr[i] * mult
    return out


def _fromstring(text: str) -> np.ndarray:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        arr = np.fromstring(text, dtype=np.int64, sep=" ")
    return arr


def _masked(values: np.ndarray, missing: list[bool]):
    import pandas as pd

    return pd.array([None if miss else int(v) for v, miss in zip(values, missing)], dtype="Int64")


def _identity(cells: dict, m: int) -> dict:
    out: dict = {}
    addrs = cells.get("address", [])
    out["start"] = [int(a, 16) for a in addrs]
    if "mode" in cells:
        out["perms"] = [p.strip() for p in cells["mode"]]
    if "offset" in cells:
        out["offset"] = [int(o, 16) for o in cells["offset"]]
    if "device" in cells:
        out["dev"] = [d.strip().lower() for d in cells["device"]]
    if "inode" in cells:
        out["inode"] = [int(x) for x in cells["inode"]]
    return out


def _names(out: dict, names: list[str], has_mapping: bool) -> None:
    if not has_mapping:
        return
    cache: dict[str, tuple] = {}
    paths, deleted, basename, lost = [], [], [], []
    for name in names:
        hit = cache.get(name)
        if hit is None:
            hit = cache[name] = mapping_name(name, "extended")
        paths.append(hit[0])
        deleted.append(hit[1])
        basename.append(hit[2])
        lost.append(hit[3])
    out["path"], out["deleted"], out["path_is_basename"], out["name_lost"] = paths, deleted, basename, lost


def _footer(block: Block, fields: list[Column], ctx: Context) -> dict[str, int] | None:
    for lineno, line in block.footer:
        toks = line.split()
        if toks and toks[-1] == "KB":
            toks = toks[:-1]
        if toks and all(t.isdigit() for t in toks):
            if len(toks) != len(fields):
                ctx.bad_line(lineno, f"{who(block)}: -X totals row has {len(toks)} numbers, header {len(fields)} fields")
                return None
            totals = {c.key: checked_int(t) for c, t in zip(fields, toks)}
            if None in totals.values():
                ctx.bad_line(lineno, f"{who(block)}: -X totals row: {too_large(max(toks, key=len))}")
                return None
            return totals
    return None


def _parse_headerless(block: Block, ctx: Context) -> tuple[dict, str]:
    """``pmap -X -q``: no header names the value columns. The kernel prints Size
    first, so Size is read; the other values cannot be named and are dropped."""
    starts, perms, offsets, devs, inodes, sizes, names, linenos = [], [], [], [], [], [], [], []
    for lineno, line in block.rows:
        t = line.split()
        try:
            start, perm, off, dev, inode = int(t[0], 16), t[1], int(t[2], 16), t[3], checked_int(t[4], limit=UINT64_MAX)
            size = checked_int(t[5], limit=KB_MAX) if len(t) > 5 and t[5].isdigit() else None
            if inode is None or max(start, off) > UINT64_MAX or (len(t) > 5 and t[5].isdigit() and size is None):
                raise ValueError("number too large")
        except (ValueError, IndexError):
            ctx.bad_line(lineno, f"not a pmap -X row: {line.strip()[:70]!r}")
            continue
        j = 5
        while j < len(t) and t[j].isdigit():
            j += 1
        k = j
        while k < len(t) and FLAG.fullmatch(t[k]) and len(t[k]) == 2:
            k += 1
        starts.append(start)
        perms.append(perm)
        offsets.append(off)
        devs.append(dev)
        inodes.append(inode)
        sizes.append(size * 1024 if j > 5 else None)
        names.append(" ".join(t[k:]))
        linenos.append(lineno)
    ctx.warn(block.rows[0][0], f"{who(block)}: pmap -X without its header (-q): only address, perms, offset, "
                               "device, inode and Size (the kernel's first field) can be read; other values dropped")
    out = {"lineno": linenos, "start": starts, "perms": perms, "offset": offsets, "dev": devs, "inode": inodes,
           "size": sizes}
    _names(out, names, True)
    out["_proc"] = {"partial": True}
    return out, "pmap-X"


__all__ = ["parse_block", "is_extended_header", "is_extended_row", "columns_of", "DELETED"]


def empty_format(block: Block) -> str:
    """The format of a block with no rows, told by its header (pmap -X, BusyBox/toybox -x, -x, default)."""
    header = block.header[1] if block.header else ""
    if is_extended_header(header):
        return "pmap-X"
    if "PSS" in header:
        return "pmap-busybox-x" if "\t" in header else "pmap-toybox-x"
    if header:
        return "pmap-x"
    return "pmap"
