"""Terminal, CSV, JSON and Markdown renderings of summary frames.

Sizes (:func:`analyzer.schema.is_size`) are shown in binary human units
(KiB, MiB, GiB) for people, and as exact bytes in machine formats (CSV, JSON).

>>> import pandas as pd
>>> print(render_text(pd.DataFrame({"kind": ["heap"], "rss": [1536], "mappings": [2]})))
kind      rss  mappings
----  -------  --------
heap  1.5 KiB         2
"""

from __future__ import annotations

import json

import pandas as pd

from ..schema import is_size
from ..values import human_bytes, is_na, json_value


def _cell(value) -> str:
    return "-" if is_na(value) else one_line(str(value))


_CONTROL = {**{c: f"\\x{c:02x}" for c in range(32)}, 0x0A: "\\n", 0x09: "\\t", 0x0D: "\\r", 0x7F: "\\x7f"}


def one_line(text: str) -> str:
    """*text* on one line: a newline, tab or other control character in a command line
    (``python3 -c $'\\n...'``) is shown escaped, as ``\\n``, so no table or report line breaks.

    >>> one_line("python3 -c \\nimport time\\tx")
    'python3 -c \\\\nimport time\\\\tx'
    """
    return text.translate(_CONTROL) if any(ord(c) < 32 or c == "\x7f" for c in text) else text


def humanize(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of *frame* (index reset) with sizes as human strings, NA as ``-``."""
    out = frame.reset_index() if _has_named_index(frame) else frame.copy()
    for col in out.columns:
        if str(col) in ("start", "end", "offset"):  # positions, as the kernel prints them: hexadecimal
            out[col] = [_cell(v) if pd.isna(v) else f"{int(v):x}" for v in out[col]]
        elif is_size(str(col)):
            out[col] = [human_bytes(v) for v in out[col]]
        else:
            out[col] = [_cell(v) for v in out[col]]
    return out


def _has_named_index(frame: pd.DataFrame) -> bool:
    return any(n is not None for n in frame.index.names)


def render_text(frame: pd.DataFrame, max_width: int = 60) -> str:
    """An aligned plain-text table: numbers right-aligned, text left-aligned."""
    out = humanize(frame)
    raw = frame.reset_index() if _has_named_index(frame) else frame
    cols = [str(c) for c in out.columns]
    numeric = {str(c): pd.api.types.is_numeric_dtype(raw[c]) for c in raw.columns}
    rows = [[_clip(str(v), max_width) for v in row] for row in out.itertuples(index=False)]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(cols)]

    def fmt(cells):
        parts = []
        for i, cell in enumerate(cells):
            right = numeric.get(cols[i], False)
            parts.append(cell.rjust(widths[i]) if right else cell.ljust(widths[i]))
        return "  ".join(parts).rstrip()

    lines = [fmt(cols), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in rows]
    return "\n".join(lines)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_markdown(frame: pd.DataFrame) -> str:
    """A Markdown table with human sizes."""
    out = humanize(frame)
    cols = [str(c) for c in out.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(" --- " for _ in cols) + "|"]
    for row in out.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)


def render_csv(frame: pd.DataFrame) -> str:
    """CSV with exact byte values; NA as an empty field."""
    out = frame.reset_index() if _has_named_index(frame) else frame
    return out.to_csv(index=False)


def render_json(frame: pd.DataFrame) -> str:
    """A JSON array of records with exact byte values; NA as null."""
    out = frame.reset_index() if _has_named_index(frame) else frame
    records = []
    for row in out.to_dict(orient="records"):
        records.append({str(k): json_value(v) for k, v in row.items()})
    return json.dumps(records, indent=2)


def render(frame: pd.DataFrame, fmt: str) -> str:
    """Render a summary frame as ``text``, ``csv``, ``json`` or ``markdown``."""
    return {"text": render_text, "csv": render_csv, "json": render_json, "markdown": render_markdown}[fmt](frame)
