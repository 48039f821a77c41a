"""Row layouts with a fixed set of columns: pmap's default, ``-x``, ``-d``, and
the SUSE, BusyBox, toybox and Solaris variants.

A layout is read from the header when there is one and always checked
against the shape of the rows (how many value columns before the mode), so
a translated or missing header (``-q``) still loads. Values are kB and become
bytes; ``-`` (procps 3.2.x, Solaris) is NA.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...base import Context
from ...numbers import UINT64_MAX, checked_int
from .blocks import MAPPED_FOOTER, SLES11_SUMMARY, Block
from .footer import check_footer, who
from .layout import (ADDRESS, normalize_header, DEVICE_D, HEADER_WORDS, MODE, device_from_d, is_value, mapping_name,
                     perms_from_mode, value_kb)

HEADER_ROLE_COLUMN = {"kbytes": "size", "rss": "rss", "pss": "pss", "dirty": "dirty",
                      "anonymous": "anonymous", "locked": "locked", "swap": "swap"}
HEX16 = re.compile(r"[0-9a-fA-F]{8,16}")


@dataclass
class Layout:
    family: str             # procps, suse, busybox, toybox, solaris
    source_format: str
    values: list[str]       # schema columns of the value tokens between address and mode
    device: bool            # -d: offset and device after the mode
    k_suffix: bool


def _shape(tokens: list[str]) -> tuple[int, bool, int] | None:
    """(number of value tokens before the mode, -d extras present, mode length)."""
    n = 0
    for tok in tokens[1:]:
        if MODE.fullmatch(tok) and not is_value(tok):
            i = 1 + n
            rest = tokens[i + 1:i + 3]
            device = (len(rest) == 2 and HEX16.fullmatch(rest[0]) is not None
                      and DEVICE_D.fullmatch(rest[1]) is not None)
            return n, device, len(tok)
        if not is_value(tok):
            return None
        n += 1
    return None


def _header_roles(header: str) -> list[str | None]:
    text = re.sub(r"Mapped\s+File", "Mapping", normalize_header(header))
    return [HEADER_WORDS.get(t.casefold()) for t in text.split()]


def choose_layout(block: Block, ctx: Context) -> Layout | None:
    """The layout of a non-``-X`` block, from its header, rows, PID line and footer."""
    shape = None
    for lineno, line in block.rows[:20]:
        shape = _shape(line.split())
        if shape:
            break
    if shape is None:
        return None
    n, device, mode_len = shape
    first = block.rows[0][1]
    header = block.header[1] if block.header else ""
    footer_text = " ".join(line for _, line in block.footer)
    upper = any(re.search(r"[A-F]", line.split()[0]) for _, line in block.rows[:50])
    k_suffix = bool(re.match(r"\s*\S+\s+\d+K\s", first))
    if "Mapped" in header or re.search(r"\bKb\b", footer_text) or upper or "[ heap ]" in first:
        family = "solaris"
    elif n > 1 and k_suffix or "Total:" in footer_text:
        family = "suse"
    elif mode_len == 4:
        family = "busybox"
    elif block.pid_sep == " " or any(line.rstrip().endswith("[anon]") for _, line in block.rows):
        family = "toybox"
    elif n == 5 or (n > 1 and k_suffix) or "Total:" in footer_text:
        family = "suse"
    elif mode_len == 5 and any(MODE.fullmatch(t) and len(t) == 5 and t[3] == "p"
                               for _, line in block.rows[:20] for t in line.split()[1 + n:2 + n]):
        family = "suse"       # SUSE keeps the kernel's "p" in its modes: r-xp-
    else:
        family = "procps"
    if n == 1:
        values = ["size"]
    elif n == 3:
        values = ["size", "rss", "dirty"]
    elif n == 4:
        values = (["size", "pss", "private_dirty", "swap"] if family in ("busybox", "toybox")
                  else ["size", "rss", "anonymous", "locked"])
    elif n == 5:
        values = ["size", "rss", "pss", "dirty", "swap"]
    else:
        values = []
    roles = _header_roles(header) if header else []
    value_roles = [r for r in roles if r in HEADER_ROLE_COLUMN]
    if value_roles and len(value_roles) == n:
        values = [HEADER_ROLE_COLUMN[r] for r in value_roles]
        if family in ("busybox", "toybox"):
            values = ["private_dirty" if v == "dirty" else v for v in values]
    elif header and len(roles) and value_roles and len(value_roles) != n:
        ctx.warn(block.header[0], f"{who(block)}: header names {len(value_roles)} value columns, rows have {n}: "
                                  "read by the rows' shape")
    if not values:
        return None
    extended = n > 1
    if family == "solaris":
        fmt = "pmap-solaris-x" if extended else "pmap-solaris"
    elif family in ("busybox", "toybox"):
        fmt = f"pmap-{family}-x" if extended else f"pmap-{family}"
    elif family == "suse":
        fmt = "pmap-suse-sles11" if (k_suffix or "Total:" in footer_text) else (
            "pmap-suse" if n > 1 else "pmap-suse-plain")
        fmt += "-d" if device else ""
    elif device:
        fmt = "pmap-d"
    elif n == 4:
        fmt = "pmap-x-3.2"
    else:
        fmt = "pmap-x" if extended else "pmap"
    return Layout(family, fmt, values, device, k_suffix)


def parse_rows(block: Block, layout: Layout, ctx: Context) -> tuple[list[dict], bool]:
    """The records of a block's rows; returns (records, cut_short)."""
    name_family = {"suse": "procps"}.get(layout.family, layout.family)
    nfixed = 1 + len(layout.values) + 1 + (2 if layout.device else 0)
    records: list[dict] = []
    seen: dict[int, dict] = {}
    dropped_dupes = same_dupes = overflowed = 0
    cut = False
    last = len(block.rows) - 1
    for i, (lineno, line) in enumerate(block.rows):
        tokens = line.split(None, nfixed)
        rec = _row(tokens, nfixed, layout, name_family)
        if rec is None:
            if i == last and not block.footer:
                ctx.warn(lineno, f"{who(block)}: last row cut short (copy truncated?): ignored")
                cut = True
            else:
                ctx.bad_line(lineno, f"not a {layout.source_format} row: {line.strip()[:70]!r}")
            continue
        rec["lineno"] = lineno
        if rec.pop("_overflow", False):
            overflowed += 1
        start = rec["start"]
        if start is not None and start in seen:
            first = seen[start]
            vals = [rec.get(c) for c in layout.values[1:]]
            if all(v in (0, None) for v in vals):
                dropped_dupes += 1
                continue
            if all(rec.get(c) == first.get(c) for c in layout.values):
                same_dupes += 1
                continue
            ctx.bad_line(lineno, f"{who(block)}: address {start:x} listed twice with different values; both kept")
        elif start is not None:
            seen[start] = rec
        records.append(rec)
    if dropped_dupes:
        ctx.info(block.rows[0][0], f"{who(block)}: {dropped_dupes} mappings printed a second time "
                                   "(procps-ng 3.3.x repeats rows with zeros): duplicates dropped")
    if same_dupes:
        ctx.info(block.rows[0][0], f"{who(block)}: {same_dupes} mappings printed twice with the same values "
                                   "(procps-ng splits the line of a name over ~1000 characters, and its own "
                                   "footer then counts the mapping twice): duplicates dropped")
    if overflowed:
        ctx.warn(block.rows[0][0], f"{who(block)}: {overflowed} rows show address ffffffff and size 0: a 32-bit "
                                   "pmap read a 64-bit process and its numbers overflowed; start, end and size "
                                   "of those rows are NA")
    return records, cut


def _row(tokens: list[str], nfixed: int, layout: Layout, name_family: str) -> dict | None:
    if len(tokens) < nfixed:
        return None
    addr = tokens[0]
    if not ADDRESS.fullmatch(addr):
        return None
    rec: dict = {}
    try:
        for col, tok in zip(layout.values, tokens[1:1 + len(layout.values)]):
            if not is_value(tok):
                return None
            v = value_kb(tok)
            rec[col] = None if v is None else v * 1024
    except ValueError:
        return None
    mode = tokens[1 + len(layout.values)]
    if not MODE.fullmatch(mode):
        return None
    rec["perms"] = perms_from_mode(mode)
    rest = 2 + len(layout.values)
    if layout.device:
        offset, dev = tokens[rest], device_from_d(tokens[rest + 1])
        if not HEX16.fullmatch(offset) or dev is None:
            return None
        rec["offset"], rec["dev"] = int(offset, 16), dev
    text = tokens[nfixed] if len(tokens) > nfixed else ""
    rec["path"], rec["deleted"], rec["path_is_basename"], rec["name_lost"] = mapping_name(text, name_family)
    start = int(addr, 16)
    size = rec.get("size")
    if len(addr) == 8 and start == 0xFFFFFFFF and size == 0:
        rec["start"] = rec["end"] = rec["size"] = None
        rec["_overflow"] = True
        return rec
    if size is not None and start + size > UINT64_MAX:
        return None  # the mapping would end past the top of a 64-bit address space
    rec["start"] = start
    rec["end"] = start + size if size is not None else None
    return rec


def footer_totals(block: Block, layout: Layout, ctx: Context) -> dict[str, int | None] | None:
    """The footer's totals in kB keyed by schema column (``size``, ``rss``, ...) or by
    the ``-d``/SLES summary names; None when there is no footer."""
    if not block.footer:
        return None
    totals: dict[str, int | None] = {}
    for lineno, line in block.footer:
        if SLES11_SUMMARY.fullmatch(line):
            nums = [checked_int(x) for x in re.findall(r"(\d+)K", line)]
            totals.update(zip(("writeable_private", "readonly_private", "shared", "referenced"), nums))
            continue
        if MAPPED_FOOTER.fullmatch(line) and ":" in line and not re.match(r"\s*Total:", line):
            nums = [checked_int(x) for x in re.findall(r":\s*(\d+)", line)]
            totals.update(zip(("size", "writeable_private", "shared"), nums))
            continue
        toks = [t for t in line.split() if is_value(t)]
        while len(toks) > len(layout.values) and toks[-1] == "-":
            toks.pop()        # 32-bit procps 3.2.8: "total kB N - - -" under three value columns
        if len(toks) != len(layout.values):
            ctx.bad_line(lineno, f"{who(block)}: footer has {len(toks)} numbers, expected {len(layout.values)}")
            continue
        try:
            totals.update({col: value_kb(t) for col, t in zip(layout.values, toks)})
        except ValueError as exc:
            ctx.bad_line(lineno, f"{who(block)}: footer: {exc}")
    return totals


def check(block: Block, layout: Layout, records: list[dict], ctx: Context, proc: dict) -> None:
    """Compare the footer with the rows; set footer_* facts and ``partial``."""
    sums: dict[str, int | None] = {}
    for col in layout.values:
        vals = [r.get(col) for r in records]
        sums[col] = None if any(v is None for v in vals) else sum(vals) // 1024
    sizes = [(r.get("size"), r["perms"]) for r in records]
    if all(s is not None for s, _ in sizes):
        sums["writeable_private"] = sum(s for s, p in sizes if p[3] == "p" and p[1] == "w") // 1024
        sums["readonly_private"] = sum(s for s, p in sizes if p[3] == "p" and p[1] != "w") // 1024
        sums["shared"] = sum(s for s, p in sizes if p[3] == "s") // 1024
    check_sums(block, layout, sums, ctx, proc)


def check_sums(block: Block, layout: Layout, sums: dict[str, int | None], ctx: Context, proc: dict) -> None:
    """:func:`check` with the rows' sums (kB) already made (the fast path makes them with numpy)."""
    totals = footer_totals(block, layout, ctx)
    if (totals and totals.get("size") == sums.get("size") and len(layout.values) > 1
            and all(totals.get(c) is None or sums.get(c) is None or totals[c] >= sums[c] for c in layout.values)
            and any(sums.get(c) is not None and totals.get(c) not in (None, sums[c]) for c in layout.values)):
        ctx.info(block.footer[0][0], f"{who(block)}: sizes agree but the footer's other totals are larger: "
                                     "pmap -A (address range) counts them over the whole process")
    check_footer(block, totals, sums, ctx, proc)
