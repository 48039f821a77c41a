"""Charts of a mappings table: ``plot_<what>(frame, ax=None, ...) -> Axes``.

Each takes the classified mappings frame (what :func:`analyzer.load`
returns), asks :mod:`analyzer.summarize` for the numbers, and draws them on
*ax*, or on a new :class:`matplotlib.figure.Figure` when *ax* is None (no
pyplot, no global state: safe in scripts, servers and Jupyter, where the
returned ``ax.figure`` displays itself).

``measure`` is what bars measure: ``pss``, ``rss``, ``uss``, ``swap`` or
``size``; by default :func:`analyzer.summarize.report_measure` picks PSS,
or RSS where the dump has no PSS (pmap -x), or virtual size (maps files).
Rows whose measure is unknown are left out (the title says which measure).

>>> import pandas as pd
>>> from analyzer import schema
>>> from analyzer.classify import classify
>>> f = classify(schema.conform(pd.DataFrame({
...     "pid": [1, 1, 2], "command": ["a", "a", "b"], "path": ["[heap]", "/lib/libc.so.6", "[heap]"],
...     "perms": ["rw-p", "r-xp", "rw-p"], "start": [4096, 8192, 4096], "end": [8192, 16384, 12288],
...     "size": [4096, 8192, 8192], "rss": [4096, 8192, 8192], "pss": [4096, 4096, 8192]})))
>>> ax = plot_kinds(f)
>>> ax.get_title(), [float(p.get_width()) for p in ax.patches]
('Memory by mapping kind (PSS)', [12288.0, 4096.0])
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..summarize import (by_kind, by_mapping, by_process_kind, measured, process_key, report_measure,
                         size_distribution)
from .style import (MEASURE_LABEL, OTHER_COLOR, binary_tick, bytes_axis, ellipsize, kind_color,
                    process_label)

LABEL_CHARS = 42  # y tick labels (commands, paths) are cut to this many characters


def _axes(ax, height: float = 4.0, width: float = 8.0):
    if ax is not None:
        return ax
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig.subplots()


def _measure(frame: pd.DataFrame, measure: str | None) -> str:
    return measure or report_measure(frame)


def _bar_labels(ax, ys, values, texts) -> None:
    """Value labels at the end of each horizontal bar: just outside it, or
    inside in white when the bar is long enough that outside would run off."""
    top = max([v for v in values if v == v] + [1])
    ax.set_xlim(0, top * 1.25)
    for y, v, t in zip(ys, values, texts):
        if v > top * 0.7:
            ax.text(v - top * 0.01, y, t, va="center", ha="right", fontsize=7, color="white",
                    fontweight="bold", clip_on=True)
        else:
            ax.text(v + top * 0.01, y, t, va="center", ha="left", fontsize=7, clip_on=True)


def _legend_below(ax, kinds, gap_pt: float = 16) -> None:
    """A one- or two-line legend of kind colours *gap_pt* points under the
    axes, below the tick labels (never over the bars)."""
    from matplotlib.transforms import ScaledTranslation

    where = ax.transAxes + ScaledTranslation(0, -gap_pt / 72, ax.figure.dpi_scale_trans)
    ax.legend(handles=[Patch(color=kind_color(k), label=k) for k in kinds], loc="upper center",
              bbox_to_anchor=(0.5, 0), bbox_transform=where, ncols=min(6, max(1, len(kinds))), frameon=False,
              fontsize=7, handlelength=1.2, columnspacing=1.2)


def _no_data(ax, title: str, why: str):
    ax.set_title(title)
    ax.text(0.5, 0.5, why, ha="center", va="center", transform=ax.transAxes, fontsize=9, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def plot_kinds(frame: pd.DataFrame, ax=None, measure: str | None = None):
    """Memory by mapping kind, system-wide: one bar per kind, largest kinds in
    :data:`~analyzer.classify.KINDS` order top to bottom."""
    m = _measure(frame, measure)
    data = by_kind(measured(frame, m))
    ax = _axes(ax, height=max(2.5, 0.3 * len(data) + 1.2))
    title = f"Memory by mapping kind ({MEASURE_LABEL[m]})"
    if not len(data):
        return _no_data(ax, title, "no mappings with a known size")
    values = [int(v) for v in data[m].fillna(0)]
    ys = np.arange(len(data))
    ax.barh(ys, values, color=[kind_color(k) for k in data.index], height=0.7)
    ax.set_yticks(ys, [str(k) for k in data.index])
    ax.invert_yaxis()
    bytes_axis(ax.xaxis)
    _bar_labels(ax, ys, values, [f"{binary_tick(v)} · {n} maps" for v, n in zip(values, data["mappings"])])
    ax.set_title(title)
    ax.set_xlabel(MEASURE_LABEL[m])
    return ax


def plot_top_processes(frame: pd.DataFrame, ax=None, measure: str | None = None, top: int = 20):
    """The *top* processes by *measure*, each bar split by kind; the rest
    folded into one ``other (N processes)`` bar at the bottom."""
    m = _measure(frame, measure)
    data = by_process_kind(measured(frame, m), m, top=top)
    ax = _axes(ax, height=max(2.5, 0.26 * len(data) + 1.6))
    title = f"Top processes by {MEASURE_LABEL[m]}"
    if not len(data):
        return _no_data(ax, title, "no processes with a known size")
    kinds = [c for c in data.columns if c not in ("host", "pid", "command", "source", "total")]
    kinds = [k for k in kinds if data[k].sum() > 0]
    ys = np.arange(len(data))
    left = np.zeros(len(data))
    for k in kinds:
        vals = data[k].to_numpy(dtype=float)
        ax.barh(ys, vals, left=left, color=kind_color(k), height=0.72, label=k)
        left += vals
    ax.set_yticks(ys, [process_label(p, c, LABEL_CHARS) for p, c in zip(data["pid"], data["command"])],
                  fontfamily="DejaVu Sans Mono", fontsize=7)
    ax.invert_yaxis()
    bytes_axis(ax.xaxis)
    _bar_labels(ax, ys, data["total"].tolist(), [binary_tick(v) for v in data["total"]])
    _legend_below(ax, kinds)
    shown = len(data) - int(bool(data["pid"].isna().iloc[-1] and str(data["command"].iloc[-1]).startswith("other (")))
    n = int(process_key(measured(frame, m)).nunique())
    ax.set_title(f"{title} (top {shown} of {n})" if shown < n else title)
    return ax


def plot_top_mappings(frame: pd.DataFrame, ax=None, measure: str | None = None, top: int = 20):
    """The libraries and files that cost the most across all processes
    (Android's librank), coloured by kind, with how many processes map each."""
    m = _measure(frame, measure)
    data = by_mapping(measured(frame, m))
    data = data.sort_values(m, ascending=False, kind="stable", na_position="last").head(top)
    ax = _axes(ax, height=max(2.5, 0.26 * len(data) + 1.4))
    title = f"Top mappings across processes by {MEASURE_LABEL[m]}"
    if not len(data):
        return _no_data(ax, title, "no mappings with a known size")
    values = [int(v) for v in data[m].fillna(0)]
    ys = np.arange(len(data))
    ax.barh(ys, values, color=[kind_color(k) for k in data["kind"].fillna("other")], height=0.72)
    ax.set_yticks(ys, [ellipsize(n, LABEL_CHARS, where="middle") for n in data.index],
                  fontfamily="DejaVu Sans Mono", fontsize=7)
    ax.invert_yaxis()
    bytes_axis(ax.xaxis)
    _bar_labels(ax, ys, values, [f"{binary_tick(v)} · {int(n)} proc" for v, n in zip(values, data["processes"])])
    kinds = list(dict.fromkeys(data["kind"].fillna("other")))
    _legend_below(ax, kinds)
    ax.set_title(title)
    return ax


def plot_size_distribution(frame: pd.DataFrame, ax=None):
    """How many mappings there are of each virtual size (power-of-two
    buckets), each bar split by kind."""
    data = size_distribution(frame)
    ax = _axes(ax, height=3.8)
    title = "Distribution of mapping sizes"
    if not len(data):
        return _no_data(ax, title, "no mappings with a known size")
    xs = np.arange(len(data))
    bottom = np.zeros(len(data))
    for k in data.columns:
        vals = data[k].to_numpy(dtype=float)
        ax.bar(xs, vals, bottom=bottom, color=kind_color(k), width=0.8, label=k)
        bottom += vals
    step = max(1, math.ceil(len(xs) / 24))
    ax.set_xticks(xs[::step], [binary_tick(b) for b in data.index[::step]], rotation=60, ha="right",
                  rotation_mode="anchor")
    ax.set_xlabel("virtual size of the mapping (at least)")
    ax.set_ylabel("mappings")
    _legend_below(ax, list(data.columns), 44)
    ax.set_title(title)
    return ax


# --- address-space map -------------------------------------------------------

ROW_UNITS = 100.0  # width of one row of the map, in layout units


def address_layout(frame: pd.DataFrame) -> pd.DataFrame:
    """Where :func:`plot_address_space` draws each mapping of one process:
    sorted by address, each mapping as wide as ``1 + log2(size / 4 KiB)``
    units and every gap in the address space shrunk to 1.5 units, so a
    4 KiB guard page and a 1 GiB heap are both visible and a 100 TiB hole
    takes no room. Columns: ``start``, ``end``, ``size``, ``kind``,
    ``resident`` (RSS / size, NA if unknown), ``gap_before`` (bytes),
    ``x`` and ``width`` (units).

    >>> import pandas as pd
    >>> f = pd.DataFrame({"start": [0x1000, 0x400000], "end": [0x2000, 0x500000], "size": [4096, 1048576],
    ...                   "kind": ["heap", "anonymous"], "rss": [4096, 0]})
    >>> address_layout(f)[["x", "width", "gap_before"]].values.tolist()
    [[0.0, 1.0, 0.0], [2.5, 9.0, 4186112.0]]
    """
    f = frame[frame["start"].notna()].sort_values("start", kind="stable")
    start = f["start"].to_numpy(dtype="float64")
    size = f["size"].fillna(0).to_numpy(dtype="float64")
    end = f["end"].to_numpy(dtype="float64", na_value=np.nan)
    end = np.where(np.isnan(end), start + size, end)
    width = 1.0 + np.log2(np.maximum(size, 4096.0) / 4096.0)
    gap = np.zeros(len(f))
    if len(f) > 1:
        gap[1:] = np.maximum(start[1:] - end[:-1], 0)
    slot = np.where(gap > 0, 1.5, 0.0)
    x = np.cumsum(slot) + np.concatenate([[0.0], np.cumsum(width)[:-1]])
    rss = f["rss"].to_numpy(dtype="float64", na_value=np.nan) if "rss" in f else np.full(len(f), np.nan)
    resident = np.where(size > 0, rss / np.maximum(size, 1), np.nan)
    return pd.DataFrame({"start": f["start"].to_numpy(), "end": end, "size": size, "kind": f["kind"].fillna("other").to_numpy(),
                         "resident": np.clip(resident, 0, 1), "gap_before": gap, "x": x, "width": width})


def plot_address_space(frame: pd.DataFrame, ax=None, title: str | None = None):
    """The address space of one process (pass its mappings): mappings laid
    out by address in rows, coloured by kind; the pale part of a block is
    mapped but not resident, the solid part resident (RSS / size). Widths are
    log-scaled and gaps collapsed (see :func:`address_layout`); a gap is a
    thin dashed line, labelled with the address after it when there is room."""
    lay = address_layout(frame)
    ax = _axes(ax, height=3.6)
    title = title or "Address space"
    if not len(lay):
        return _no_data(ax, title, "no addresses in this dump")
    total = float((lay["x"] + lay["width"]).max())
    rows = max(1, math.ceil(total / ROW_UNITS))
    row_units = max(total / rows, 1.0) * 1.0001
    xs, ys, ws, hs, cs = [], [], [], [], []
    for r in lay.itertuples(index=False):
        for row, x0, w in _split(r.x, r.width, row_units):
            xs.append(x0)
            ys.append(-row * 1.6)
            ws.append(w)
            hs.append(r.resident if r.resident == r.resident else 0.0)
            cs.append(kind_color(r.kind))
    ax.bar(xs, [1.0] * len(xs), width=ws, bottom=ys, align="edge", color=cs, alpha=0.28,
           edgecolor="white", linewidth=0.3)
    ax.bar(xs, hs, width=ws, bottom=ys, align="edge", color=cs, edgecolor="white", linewidth=0.3)
    # gaps and address labels (only where they do not collide)
    fs = 5.5
    bbox_w_in = ax.figure.get_figwidth() * 0.85
    units_per_char = row_units / (bbox_w_in * 72 / (fs * 0.602))
    last_end = {}
    labels = [(0.0, lay["start"].iloc[0])] + [(x, a) for x, a, g in zip(lay["x"], lay["start"], lay["gap_before"]) if g > 0]
    for x, addr in labels:
        row = int(x // row_units)
        xr = x - row * row_units
        y = -row * 1.6
        if x > 0:
            ax.plot([xr - 0.75, xr - 0.75], [y - 0.1, y + 1.1], color="#444444", lw=0.5, ls=(0, (1, 1)))
        text = f"{int(addr):x}"
        need = len(text) * units_per_char
        if xr >= last_end.get(row, -1e9) and xr + need <= row_units * 1.02:
            ax.text(xr, y - 0.08, text, fontsize=fs, fontfamily="DejaVu Sans Mono", va="top", ha="left", color="#333333")
            last_end[row] = xr + need + units_per_char
    ax.set_xlim(-0.5, row_units + 0.5)
    ax.set_ylim(-(rows - 1) * 1.6 - 0.7, 1.15)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    kinds = list(dict.fromkeys(lay["kind"]))
    _legend_below(ax, kinds, 2)
    ax.set_title(title)
    return ax


def _split(x: float, w: float, row_units: float):
    """Pieces (row, x_in_row, width) of a block that may wrap across rows."""
    pieces = []
    row = int(x // row_units)
    xr = x - row * row_units
    while w > 1e-6:
        if row_units - xr < 1e-6:
            row, xr = row + 1, 0.0
        take = min(w, row_units - xr)
        pieces.append((row, xr, take))
        xr += take
        w -= take
    return pieces


__all__ = ["plot_kinds", "plot_top_processes", "plot_top_mappings", "plot_size_distribution",
           "plot_address_space", "address_layout", "OTHER_COLOR"]
