"""Human-readable sizes in Jupyter, with the raw bytes left in the data.

Every size in memmaps is an exact number of bytes, which is right for
arithmetic and wrong for reading: ``40374272`` is "38.5 MiB". This module
changes only how a frame is *shown*:

- :func:`to_html` / :func:`to_text` render a frame with its byte columns in
  KiB/MiB/GiB, unknown values as ``-`` and addresses (``start``, ``end``) in
  hexadecimal, truncated like pandas' own repr;
- :func:`install_formatter` makes IPython (Jupyter) show every DataFrame that
  has byte columns that way, automatically. The frame itself is untouched:
  ``frame["rss"].sum()`` is still bytes. :func:`analyzer.register_accessor`
  calls it for you; :func:`uninstall_formatter` undoes it.

Which columns are sizes comes from :mod:`analyzer.schema` (:func:`~analyzer.schema.is_size`:
unit ``bytes``, file offsets excepted).

>>> import pandas as pd
>>> frame = pd.DataFrame({"kind": ["heap", "stack"], "rss": pd.array([40374272, None], dtype="Int64"),
...                       "mappings": [5, 7]})
>>> print(to_text(frame))
    kind      rss  mappings
0   heap  38.5 MiB        5
1  stack         -        7
>>> int(frame["rss"].sum())
40374272
"""

from __future__ import annotations

import pandas as pd

from .schema import is_size
from .values import human_bytes, is_na

# Addresses and file offsets read as the kernel writes them: hexadecimal.
ADDRESS_COLUMNS = ("start", "end", "offset")

_INSTALLED: dict[str, object] = {}


def _names(col) -> tuple:
    """The names a column goes by: itself, or each level of a MultiIndex column
    (``pd.concat({"pmap": a, "smaps": b}, axis=1)`` gives ``("pmap", "rss")``)."""
    return col if isinstance(col, tuple) else (col,)


def size_columns(frame: pd.DataFrame) -> list:
    """The columns of *frame* that hold numbers of bytes."""
    return [c for c in frame.columns if any(is_size(n) for n in _names(c))
            and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]


def _max_rows(frame: pd.DataFrame) -> int | None:
    """pandas' rule: up to ``max_rows`` rows in full, else ``min_rows`` (head and tail)."""
    max_rows = pd.get_option("display.max_rows")
    min_rows = pd.get_option("display.min_rows")
    if max_rows and len(frame) > max_rows and min_rows:
        return min(min_rows, max_rows)
    return max_rows


def _shown(frame: pd.DataFrame, max_rows: int | None) -> pd.DataFrame:
    if not max_rows or len(frame) <= max_rows:
        return frame
    half = max(max_rows // 2, 1)
    return pd.concat([frame.head(half), frame.tail(max_rows - half)])


def _prepared(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict, int | None]:
    """A display copy, per-column formatters, and how many rows to show.

    pandas neither calls a formatter nor uses ``na_rep`` for ``pd.NA`` in
    nullable columns, so columns with NA become objects with ``-`` in the
    copy; and it left-aligns formatted text, so formatters of numeric columns
    pad to the width of the rows shown.
    """
    max_rows = _max_rows(frame)
    if not frame.columns.is_unique:  # frame[col] would be a frame: leave it to pandas
        return frame, {}, max_rows
    sizes = set(size_columns(frame))
    shown = _shown(frame, max_rows)
    out = frame.copy(deep=False)
    formatters = {}
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_bool_dtype(series) and not series.hasnans:
            continue
        if col in sizes:
            show = human_bytes
        elif any(n in ADDRESS_COLUMNS for n in _names(col)) and pd.api.types.is_integer_dtype(series):
            show = _hex
        elif series.hasnans:
            show = str
        else:
            continue
        if series.hasnans:
            out[col] = series.astype(object).where(series.notna().to_numpy(), "-")
        right = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        width = max([len(str(n)) for n in _names(col)] + [len(_text(show, v)) for v in shown[col]]) if right else 0
        formatters[col] = _formatter(show, width)
    return out, formatters, max_rows


def _hex(value) -> str:
    return f"{int(value):x}"


def _text(show, value) -> str:
    if is_na(value):
        return "-"
    return show(value)


def _formatter(show, width: int):
    def fmt(value) -> str:
        return (value if isinstance(value, str) and value == "-" else _text(show, value)).rjust(width)
    return fmt


def to_html(frame: pd.DataFrame) -> str:
    """*frame* as notebook HTML with sizes in human units (pandas display options apply)."""
    out, formatters, max_rows = _prepared(frame)
    return out.to_html(formatters=formatters, notebook=True, max_rows=max_rows,
                       max_cols=pd.get_option("display.max_columns"),
                       show_dimensions=pd.get_option("display.show_dimensions"))


def to_text(frame: pd.DataFrame) -> str:
    """*frame* as plain text with sizes in human units (pandas display options apply)."""
    out, formatters, max_rows = _prepared(frame)
    return out.to_string(formatters=formatters, max_rows=max_rows,
                         max_cols=pd.get_option("display.max_columns"),
                         show_dimensions=pd.get_option("display.show_dimensions"))


def _html_printer(frame: pd.DataFrame):
    if size_columns(frame):
        return to_html(frame)
    return frame._repr_html_()


def _text_printer(frame: pd.DataFrame, printer, cycle: bool) -> None:
    printer.text(to_text(frame) if size_columns(frame) else repr(frame))


def _figure_png(fig) -> bytes | None:
    """PNG of a figure made without pyplot (pyplot's own figures are shown by its backend)."""
    if getattr(fig.canvas, "manager", None) is not None:
        return None
    from IPython.core.pylabtools import print_figure

    return print_figure(fig, "png", bbox_inches="tight")


def _axes_png(ax) -> bytes | None:
    return _figure_png(ax.figure)


_CHART_PRINTERS = [("matplotlib.axes._axes", "Axes", _axes_png), ("matplotlib.figure", "Figure", _figure_png)]


def install_formatter(shell=None) -> bool:
    """Show DataFrames with byte columns in human units in IPython/Jupyter,
    and charts (a returned ``Axes`` or ``Figure``, made without pyplot) as images.

    Only the display changes. Returns False (and does nothing) outside IPython.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
        if shell is None:
            return False
    formatters = shell.display_formatter.formatters
    _INSTALLED["text/html"] = formatters["text/html"].for_type(pd.DataFrame, _html_printer)
    _INSTALLED["text/plain"] = formatters["text/plain"].for_type(pd.DataFrame, _text_printer)
    for module, name, printer in _CHART_PRINTERS:
        _INSTALLED[f"{module}.{name}"] = formatters["image/png"].for_type_by_name(module, name, printer)
    return True


def uninstall_formatter(shell=None) -> None:
    """Restore pandas' own display of DataFrames in IPython/Jupyter."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None:
            return
    formatters = shell.display_formatter.formatters
    for mime in ("text/html", "text/plain"):
        previous = _INSTALLED.pop(mime, None)
        formatters[mime].pop(pd.DataFrame, None)
        if previous is not None:
            formatters[mime].for_type(pd.DataFrame, previous)
    for module, name, _ in _CHART_PRINTERS:
        previous = _INSTALLED.pop(f"{module}.{name}", None)
        formatters["image/png"].pop(f"{module}.{name}", None)
        if previous is not None:
            formatters["image/png"].for_type_by_name(module, name, previous)
