"""Text and Markdown views of a diff table (:mod:`analyzer.compare`) for people.

CSV and JSON carry every column in exact bytes; text and Markdown show fewer
columns, sizes in binary units, deltas signed: the ranking measure (PSS, or
RSS where a side has no PSS) before, after and delta, then the deltas of the
other measures; columns that are unknown on every row are left out.

>>> signed_bytes(1536), signed_bytes(-4096), signed_bytes(0), signed_bytes(None)
('+1.5 KiB', '-4.0 KiB', '0 B', '-')
>>> parse_size("512K"), parse_size("1.5MiB"), parse_size("4096"), parse_size("1g")
(524288, 1572864, 4096, 1073741824)
"""

from __future__ import annotations

import re

import pandas as pd

from ..compare import MEASURES, rank_key, rank_measure
from .table import human_bytes, render

_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgtp]?)(?:i?b)?\s*$", re.IGNORECASE)
_POWER = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5}


def parse_size(text: str) -> int:
    """Bytes from ``4096``, ``512K``, ``1.5M``, ``2GiB`` (binary units, case-insensitive)."""
    m = _SIZE.match(str(text))
    if not m:
        raise ValueError(f"not a size: {text!r} (examples: 4096, 512K, 1.5M, 2GiB)")
    return int(float(m.group(1)) * 1024 ** _POWER[m.group(2).lower()])


def signed_bytes(value) -> str:
    """A delta in human units with its sign; 0 as ``0 B``; NA as ``-``."""
    text = human_bytes(value)
    if text != "-" and int(value) > 0:
        return "+" + text
    return text


def for_people(table: pd.DataFrame) -> pd.DataFrame:
    """The columns a reader needs, sizes as human strings (see the module)."""
    m = rank_measure(table)
    keys = [c for c in table.columns if not c.endswith(("_before", "_after", "_delta"))]
    for col in ("host", "command"):
        if col in keys and table[col].isna().all():
            keys.remove(col)
    cols = keys + [f"{m}_before", f"{m}_after", f"{m}_delta"]
    cols += [f"{x}_delta" for x in MEASURES if x != m and table[f"{x}_delta"].notna().any()]
    out = table[cols].copy()
    for col in cols:
        name = col.rsplit("_", 1)[0]
        if col.endswith("_delta") and name != "mappings":
            out[col] = [signed_bytes(v) for v in table[col]]
        elif col.endswith("_delta"):
            out[col] = [("-" if v is pd.NA else f"+{v}" if v > 0 else str(v)) for v in table[col]]
        elif col.endswith(("_before", "_after")):
            out[col] = [human_bytes(v) for v in table[col]]
        elif col in ("start", "end"):
            out[col] = ["-" if v is pd.NA else f"{int(v):x}" for v in table[col]]
        else:
            out[col] = ["-" if v is pd.NA or v is None else str(v) for v in table[col]]
    return out


def render_diff(table: pd.DataFrame, fmt: str) -> str:
    """``text`` and ``markdown``: :func:`for_people`; ``csv`` and ``json``: every column, exact."""
    if fmt == "text":
        return _aligned(for_people(table))
    if fmt == "markdown":
        return render(for_people(table), "markdown")
    return render(table, fmt)


def _aligned(view: pd.DataFrame, max_width: int = 60) -> str:
    """Plain text: sizes and counts right-aligned, names left-aligned."""
    cols = list(view.columns)
    right = {c: c.endswith(("_before", "_after", "_delta")) or c in ("pid", "start", "end") for c in cols}
    rows = [[(v if len(v) <= max_width else v[: max_width - 1] + "…") for v in r] for r in view.itertuples(index=False)]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(cols)]

    def line(cells):
        return "  ".join(c.rjust(w) if right[n] else c.ljust(w) for c, w, n in zip(cells, widths, cols)).rstrip()

    return "\n".join([line(cols), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def filter_rows(table: pd.DataFrame, top: int | None = None, min_delta: int | None = None) -> pd.DataFrame:
    """Rows whose growth (:func:`analyzer.compare.rank_key`) is at least *min_delta* either
    way, then the first *top* of them."""
    if min_delta:
        key = rank_key(table)
        table = table[(key.abs() >= min_delta).fillna(False).to_numpy()]
    if top:
        table = table.head(top)
    return table.reset_index(drop=True)
