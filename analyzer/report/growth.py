"""Charts of change: ``plot_growth`` (what grew between two captures, by kind),
``plot_kind_change`` (each kind before and after) and ``plot_trend`` (the top
growers over several captures). Same conventions as :mod:`.charts`: built on
*ax* or a new pyplot-free Figure, the Axes returned.

>>> ax = plot_growth("sample_dumps/growth/proc/snapshot-1", "sample_dumps/growth/proc/snapshot-3", top=2)
>>> ax.get_title()
'Top growers by PSS, split by kind'
>>> [t.get_text() for t in ax.get_yticklabels()]
['5 /tmp/memmaps-growth/grower m 512', '4 /tmp/memmaps-growth/grower b 256']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..compare import growth_by_kind
from .axes import LABEL_CHARS, legend_below, new_axes, no_data
from .difftable import signed_bytes
from .style import MEASURE_LABEL, binary_tick, bytes_axis, kind_color, process_label


def plot_growth(before, after, ax=None, measure: str | None = None, top: int = 10):
    """The *top* growers between two captures, each bar their growth split by the
    kind of memory that grew (negative parts to the left of zero); ``new``
    processes marked. *before* and *after*: frames, Datasets or paths."""
    table, m = growth_by_kind(before, after, top, measure)
    ax = new_axes(ax, height=max(2.5, 0.3 * len(table) + 1.6))
    title = f"Top growers by {MEASURE_LABEL.get(m, m)}, split by kind"
    if not len(table):
        return no_data(ax, title, "nothing grew")
    kinds = [c for c in table.columns if c not in ("pid", "command", "status", "host", "total")]
    kinds = [k for k in kinds if (table[k] != 0).any()]
    ys = np.arange(len(table))
    pos, neg = np.zeros(len(table)), np.zeros(len(table))
    for k in kinds:
        vals = table[k].to_numpy(dtype=float)
        ax.barh(ys, np.clip(vals, 0, None), left=pos, color=kind_color(k), height=0.72, label=k)
        ax.barh(ys, np.clip(vals, None, 0), left=neg, color=kind_color(k), height=0.72)
        pos += np.clip(vals, 0, None)
        neg += np.clip(vals, None, 0)
    labels = [process_label(p, c, LABEL_CHARS) + (" (new)" if s == "new" else "")
              for p, c, s in zip(table["pid"], table["command"], table["status"])]
    ax.set_yticks(ys, labels, fontfamily="DejaVu Sans Mono", fontsize=7)
    ax.invert_yaxis()
    bytes_axis(ax.xaxis)
    ax.axvline(0, color="#444444", linewidth=0.6)
    hi = max(float(pos.max()), 1.0)
    ax.set_xlim(min(float(neg.min()) * 1.1, 0), hi * 1.3)
    for y, total, right in zip(ys, table["total"], pos):
        ax.text(right + hi * 0.01, y, signed_bytes(total), va="center", ha="left", fontsize=7)
    legend_below(ax, kinds)
    ax.set_title(title)
    return ax


def plot_kind_change(kinds: pd.DataFrame, ax=None, measure: str = "pss"):
    """Each kind's *measure* before and after (a :func:`analyzer.compare.by_kind` table):
    a pale bar for before, a full one for after."""
    ax = new_axes(ax, height=max(2.5, 0.45 * len(kinds) + 1.2))
    title = f"Memory by kind, before and after ({MEASURE_LABEL.get(measure, measure)})"
    data = kinds[kinds[f"{measure}_before"].notna() | kinds[f"{measure}_after"].notna()]
    if not len(data):
        return no_data(ax, title, f"no {measure} known")
    ys = np.arange(len(data))
    before = data[f"{measure}_before"].astype("Float64").fillna(0).to_numpy(dtype=float)
    after = data[f"{measure}_after"].astype("Float64").fillna(0).to_numpy(dtype=float)
    colors = [kind_color(k) for k in data["kind"]]
    ax.barh(ys - 0.2, before, height=0.38, color=colors, alpha=0.35, label="before")
    ax.barh(ys + 0.2, after, height=0.38, color=colors, label="after")
    ax.set_yticks(ys, [str(k) for k in data["kind"]])
    ax.invert_yaxis()
    bytes_axis(ax.xaxis)
    top = max(float(max(before.max(), after.max())), 1.0)
    ax.set_xlim(0, top * 1.3)
    for y, a, d in zip(ys, after, data[f"{measure}_delta"]):
        ax.text(a + top * 0.01, y + 0.2, f"{binary_tick(a)} ({signed_bytes(d)})", va="center", fontsize=7)
    ax.set_title(title)
    ax.text(1.0, 1.01, "pale: before, full: after", transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
            color="#555555")
    return ax


def plot_trend(table: pd.DataFrame, ax=None, measure: str | None = None, top: int = 8):
    """The *top* growers of a :func:`analyzer.timeline.trend` table (``by="process"``,
    ``"kind"`` or ``"host"``) over the captures: one line each. The x axis is
    the capture time where every capture has one, else the captures in order.
    Processes seen in one capture only are left out (they have no trend), and so are
    processes that did not grow from their first capture to their last.

    >>> from analyzer.timeline import trend
    >>> t = trend([f"sample_dumps/growth/loop/snapshot-{n}.smaps" for n in (1, 2, 3)])
    >>> ax = plot_trend(t, top=2)
    >>> ax.get_title(), [line.get_label() for line in ax.get_lines()]
    ('Top growers over time (PSS)', ['pid 5', 'pid 1'])
    """
    m = measure or ("pss" if len(table) and table["pss"].notna().all() else "rss")
    ax = new_axes(ax, height=5.0, width=8.5)
    title = f"Top growers over time ({MEASURE_LABEL.get(m, m)})"
    if not len(table):
        return no_data(ax, title, "no captures")
    key = "process" if "process" in table.columns else "kind" if "kind" in table.columns else "host"
    captures = list(dict.fromkeys(table["capture"]))
    times = table.groupby("capture", sort=False)["capture_time"].first().reindex(captures)
    use_time = bool(times.notna().all())
    seen = table.groupby(key, sort=False)["capture"].nunique()
    # the table is ordered biggest grower first; a process seen in one capture only has no trend
    groups = [g for g in dict.fromkeys(table[key]) if seen[g] > 1]
    if key == "process":  # growers: the processes whose measure went up from their first capture to their last
        ends = table.groupby(key, sort=False)[m].agg(["first", "last"])
        groups = [g for g in groups if (ends.loc[g, "last"] - ends.loc[g, "first"]) > 0]
    groups = groups[:top]
    for g in groups:
        rows = table[table[key] == g]
        xs = rows["capture_time"].dt.tz_localize(None).to_numpy() if use_time else \
            [captures.index(c) for c in rows["capture"]]
        ys = rows[m].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        if key == "process":
            first = rows.iloc[0]
            label = process_label(first["pid"], first["command"], 40) if first["command"] is not pd.NA \
                else f"pid {first['pid']}"
            color = None
        else:
            label, color = str(g), (kind_color(g) if key == "kind" else None)
        ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.4, label=label, color=color)
    bytes_axis(ax.yaxis)
    if not use_time:
        ax.set_xticks(range(len(captures)), [f"#{i + 1}" for i in range(len(captures))])
        ax.set_xlabel("capture (in the order given)")
    else:
        ax.set_xlabel("capture time (UTC)")
        for label in ax.get_xticklabels():
            label.set_rotation(30)
            label.set_ha("right")
    ax.set_ylabel(MEASURE_LABEL.get(m, m))
    from matplotlib.transforms import ScaledTranslation

    below = ax.transAxes + ScaledTranslation(0, -48 / 72, ax.figure.dpi_scale_trans)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0), bbox_transform=below, ncols=2, frameon=False)
    ax.set_title(title)
    return ax
