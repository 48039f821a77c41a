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

from ..summarize import (by_kind, by_mapping, by_process_kind, by_process_ps_top, measured, process_key,
                         report_measure, size_distribution)
from .address import address_layout, plot_address_space  # the address-space map: a layout of its own
from .axes import LABEL_CHARS, bar_labels, legend_below, new_axes, no_data
from .style import (MEASURE_LABEL, OTHER_COLOR, PS_COLOR, binary_tick, bytes_axis, ellipsize, kind_color, mapping_label,
                    process_label)



def _measure(frame: pd.DataFrame, measure: str | None) -> str:
    return measure or report_measure(frame)


def plot_kinds(frame: pd.DataFrame, ax=None, measure: str | None = None):
    """Memory by mapping kind, system-wide: one bar per kind, largest kinds in
    :data:`~analyzer.classify.KINDS` order top to bottom."""
    m = _measure(frame, measure)
    data = by_kind(measured(frame, m))
    ax = new_axes(ax, height=max(2.5, 0.3 * len(data) + 1.2))
    title = f"Memory by mapping kind ({MEASURE_LABEL[m]})"
    if not len(data):
        return no_data(ax, title, "no mappings with a known size")
    values = [int(v) for v in data[m].fillna(0)]
    ys = np.arange(len(data))
    ax.barh(ys, values, color=[kind_color(k) for k in data.index], height=0.7)
    ax.set_yticks(ys, [str(k) for k in data.index])
    ax.invert_yaxis()
    bytes_axis(ax.xaxis)
    bar_labels(ax, ys, values, [f"{binary_tick(v)} · {n} maps" for v, n in zip(values, data["mappings"])])
    ax.set_title(title)
    ax.set_xlabel(MEASURE_LABEL[m])
    return ax


def plot_top_processes(frame: pd.DataFrame, ax=None, measure: str | None = None, top: int = 20):
    """The *top* processes by *measure*, each bar split by kind; the rest
    folded into one ``other (N processes)`` bar at the bottom."""
    m = _measure(frame, measure)
    data = by_process_kind(measured(frame, m), m, top=top)
    ax = new_axes(ax, height=max(2.5, 0.26 * len(data) + 1.6))
    title = f"Top processes by {MEASURE_LABEL[m]}"
    if not len(data):
        return no_data(ax, title, "no processes with a known size")
    kinds = [c for c in data.columns if c not in ("host", "pid", "block", "command", "source", "total")]
    kinds = [k for k in kinds if data[k].sum() > 0]
    _process_bars(ax, data, kinds, {k: kind_color(k) for k in kinds})
    legend_below(ax, kinds)
    return _ranking_title(ax, data, title, int(process_key(measured(frame, m)).nunique()))


def _process_bars(ax, data: pd.DataFrame, kinds: list[str], colors: dict[str, str]) -> None:
    """One horizontal bar per row of *data* (a :func:`by_process_kind` table),
    stacked by *kinds*, labelled ``PID command`` and with its total."""
    ys = np.arange(len(data))
    left = np.zeros(len(data))
    for k in kinds:
        vals = data[k].to_numpy(dtype=float)
        ax.barh(ys, vals, left=left, color=colors[k], height=0.72, label=k)
        left += vals
    hosts = data["host"] if "host" in data and data["host"].nunique() > 1 else [None] * len(data)
    blocks = data["block"] if "block" in data else [None] * len(data)
    ax.set_yticks(ys, [process_label(p, c, LABEL_CHARS, h, b)
                       for p, c, h, b in zip(data["pid"], data["command"], hosts, blocks)],
                  fontfamily="DejaVu Sans Mono", fontsize=7)
    ax.invert_yaxis()
    bytes_axis(ax.xaxis)
    bar_labels(ax, ys, data["total"].tolist(), [binary_tick(v) for v in data["total"]])


def _ranking_title(ax, data: pd.DataFrame, title: str, n: int):
    shown = len(data) - int(bool(data["pid"].isna().iloc[-1] and str(data["command"].iloc[-1]).startswith("other (")))
    ax.set_title(f"{title} (top {shown} of {n})" if shown < n else title)
    return ax


PS_TITLE = "Top processes by RSS, from ps"


def plot_top_processes_ps(processes: pd.DataFrame, ax=None, top: int = 20):
    """The *top* processes known only from ps (a sosreport without memory
    maps: ``Dataset.processes`` rows with ``source_format == "ps"``) by ps's
    RSS, one colour: ps gives one number per process, so there is no split by
    kind. The rest are folded into one ``other (N processes)`` bar.

    >>> procs = pd.DataFrame({"host": "h", "pid": [1, 2, 3], "command": ["init", "db", "sh"],
    ...     "source": "ps_auxwww", "source_format": "ps", "ps_rss": [4096, 8192, 1024], "ps_vsz": 0})
    >>> ax = plot_top_processes_ps(procs, top=2)
    >>> ax.get_title(), [t.get_text() for t in ax.get_yticklabels()]
    ('Top processes by RSS, from ps (top 2 of 3)', ['2 db', '1 init', 'other (1 processes)'])
    >>> [float(p.get_width()) for p in ax.patches]
    [8192.0, 4096.0, 1024.0]
    """
    data = by_process_ps_top(processes, top=top)
    ax = new_axes(ax, height=max(2.5, 0.26 * len(data) + 1.6))
    if not len(data):
        return no_data(ax, PS_TITLE, "no processes with an RSS in ps")
    _process_bars(ax, data, ["ps"], {"ps": PS_COLOR})
    ax.set_xlabel("RSS (ps)")
    return _ranking_title(ax, data, PS_TITLE, len(by_process_ps_top(processes)))


def plot_top_mappings(frame: pd.DataFrame, ax=None, measure: str | None = None, top: int = 20):
    """The libraries and files that cost the most across all processes
    (Android's librank), coloured by kind, with how many processes map each."""
    m = _measure(frame, measure)
    data = by_mapping(measured(frame, m))
    data = data.sort_values(m, ascending=False, kind="stable", na_position="last").head(top)
    ax = new_axes(ax, height=max(2.5, 0.26 * len(data) + 1.4))
    title = f"Top mappings across processes by {MEASURE_LABEL[m]}"
    if not len(data):
        return no_data(ax, title, "no mappings with a known size")
    values = [int(v) for v in data[m].fillna(0)]
    ys = np.arange(len(data))
    ax.barh(ys, values, color=[kind_color(k) for k in data["kind"].fillna("other")], height=0.72)
    twice = set(data.index[data.index.duplicated()])  # a library's code and data: say which bar is which
    ax.set_yticks(ys, [ellipsize(mapping_label(n, p), LABEL_CHARS - (len(k) + 3 if n in twice else 0), where="path")
                       + (f" ({k})" if n in twice else "")
                       for n, p, k in zip(data.index, data["processes"], data["kind"])],
                  fontfamily="DejaVu Sans Mono", fontsize=7)
    ax.invert_yaxis()
    bytes_axis(ax.xaxis)
    bar_labels(ax, ys, values, [f"{binary_tick(v)} · {int(n)} proc" for v, n in zip(values, data["processes"])])
    kinds = list(dict.fromkeys(data["kind"].fillna("other")))
    legend_below(ax, kinds)
    ax.set_title(title)
    return ax


def plot_size_distribution(frame: pd.DataFrame, ax=None):
    """How many mappings there are of each virtual size (power-of-two
    buckets), each bar split by kind."""
    data = size_distribution(frame)
    ax = new_axes(ax, height=3.8)
    title = "Distribution of mapping sizes"
    if not len(data):
        return no_data(ax, title, "no mappings with a known size")
    xs = np.arange(len(data))
    bottom = np.zeros(len(data))
    for k in data.columns:
        vals = data[k].to_numpy(dtype=float)
        ax.bar(xs, vals, bottom=bottom, color=kind_color(k), width=0.8, label=k)
        bottom += vals
    step = max(1, math.ceil(len(xs) / 24))
    ax.set_xticks(xs[::step], [binary_tick(b) for b in data.index[::step]], rotation=60, ha="right",
                  rotation_mode="anchor")
    ax.set_ylim(0, max(1.0, float(bottom.max())) * 1.08)  # headroom: the tallest bar is never cut
    ax.set_xlabel("virtual size of the mapping (at least)")
    ax.set_ylabel("mappings")
    legend_below(ax, list(data.columns), 44)
    ax.set_title(title)
    return ax



__all__ = ["plot_kinds", "plot_top_processes", "plot_top_processes_ps", "plot_top_mappings", "plot_size_distribution",
           "plot_address_space", "address_layout", "OTHER_COLOR"]
