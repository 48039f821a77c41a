"""The address-space map of one process: :func:`plot_address_space` and the
layout behind it, :func:`address_layout`.

Mappings are laid out in address order, each as wide as
``1 + log2(size / 4 KiB)`` units (a 4 KiB guard page and a 1 GiB heap are
both visible), every gap in the address space shrunk to 1.5 units (a
100 TiB hole takes no room), and the whole wrapped into rows of
:data:`ROW_UNITS`.

A process with tens of thousands of mappings would need hundreds of rows,
unreadable and slow to draw, so when the layout is wider than
:data:`MAX_ROWS` rows it is condensed, in two steps, until it fits:

1. neighbouring mappings of one kind with no gap between them become one
   block (a *run*: 500 adjacent 4 KiB anonymous mappings are one 2 MiB block);
2. if that is still too wide, consecutive runs are grouped k at a time (the
   smallest k that fits) into mixed blocks, each split by kind in proportion
   to its bytes.

Bytes, RSS and mapping counts are kept exactly (the ``size``, ``resident``
and ``mappings`` columns add up to the process's), the number of drawn
rectangles stays bounded whatever the process, and the chart says how many
mappings it shows as how many blocks.

>>> import pandas as pd
>>> f = pd.DataFrame({"start": [0x1000, 0x2000, 0x3000, 0x4000, 0x400000],
...                   "end": [0x2000, 0x3000, 0x4000, 0x5000, 0x500000], "size": [4096] * 4 + [1048576],
...                   "kind": ["heap"] * 4 + ["anonymous"], "rss": [4096, 0, 4096, 0, 0]})
>>> address_layout(f)[["x", "width", "gap_before"]].values.tolist()
[[0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [2.0, 1.0, 0.0], [3.0, 1.0, 0.0], [5.5, 9.0, 4173824.0]]

With room for 14 units, the four adjacent heap pages become one 16 KiB run:

>>> address_layout(f, max_units=14)[["start", "size", "resident", "mappings", "x", "width"]].values.tolist()
[[4096.0, 16384.0, 0.5, 4.0, 0.0, 3.0], [4194304.0, 1048576.0, 0.0, 1.0, 4.5, 9.0]]

With room for 5, the two runs become one mixed block split by bytes:

>>> lay = address_layout(f, max_units=5)
>>> lay[["kind", "size", "mappings", "block"]].values.tolist(), round(float(lay["width"].sum()), 3)
([['heap', 16384.0, 4.0, 0], ['anonymous', 1048576.0, 1.0, 0]], 9.022)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection, PolyCollection

from ..classify import KINDS
from .axes import legend_below, new_axes, no_data
from .style import kind_color

ROW_UNITS = 100.0  # width of one row of the map, in layout units
MAX_ROWS = 12      # rows before the layout is condensed into runs and groups
GAP_UNITS = 1.5    # width of any gap in the address space
MIN_UNITS = 40.0   # narrowest row (a small process is not stretched across the page)
MIN_ROWS = 4       # fewest rows of height
LABEL_FS = 5.5     # address labels, points

_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}


def _width(size: np.ndarray) -> np.ndarray:
    return 1.0 + np.log2(np.maximum(size, 4096.0) / 4096.0)


def _units(size: np.ndarray, gap: np.ndarray) -> float:
    return float(_width(size).sum() + GAP_UNITS * np.count_nonzero(gap > 0))


def address_layout(frame: pd.DataFrame, max_units: float = MAX_ROWS * ROW_UNITS) -> pd.DataFrame:
    """Where :func:`plot_address_space` draws the mappings of one process:
    one row per drawn block (per mapping when they fit in *max_units*),
    in address order. Columns: ``start``, ``end``, ``size`` (bytes in the
    block), ``kind``, ``resident`` (RSS / size, NA if unknown),
    ``gap_before`` (bytes), ``x`` and ``width`` (layout units), ``mappings``
    (how many mappings the block stands for) and ``block`` (blocks of one
    mixed group share it; their kinds are drawn side by side)."""
    f = frame[frame["start"].notna()].sort_values("start", kind="stable")
    start = f["start"].to_numpy(dtype="float64")
    size = f["size"].fillna(0).to_numpy(dtype="float64")
    end = f["end"].to_numpy(dtype="float64", na_value=np.nan) if "end" in f else np.full(len(f), np.nan)
    end = np.where(np.isnan(end), start + size, end)
    rss = f["rss"].to_numpy(dtype="float64", na_value=np.nan) if "rss" in f else np.full(len(f), np.nan)
    kind = f["kind"].fillna("other").astype(str).to_numpy(dtype=object)
    gap = np.zeros(len(f))
    if len(f) > 1:
        gap[1:] = np.maximum(start[1:] - end[:-1], 0)
    blocks = pd.DataFrame({"start": start, "end": end, "size": size, "rss": rss, "kind": kind, "gap_before": gap,
                           "mappings": np.ones(len(f))})
    if len(blocks) and _units(size, gap) > max_units:
        blocks = _runs(blocks)
    blocks["block"] = np.arange(len(blocks))
    k = 1
    while len(blocks) and _group_units(blocks, k) > max_units and math.ceil(len(blocks) / k) > 1:
        k *= 2
    low = k // 2  # the smallest group size that fits, between the last two powers of two
    while k - low > 1:
        mid = (low + k) // 2
        low, k = (low, mid) if _group_units(blocks, mid) <= max_units else (mid, k)
    if k > 1:
        blocks = _groups(blocks, k)
    lay = _place(blocks)
    lay.attrs["grouped"] = k  # runs per mixed block (1: none)
    return lay


def _runs(b: pd.DataFrame) -> pd.DataFrame:
    """Merge neighbouring blocks of one kind with no gap between them."""
    kind = b["kind"].to_numpy()
    new = np.ones(len(b), dtype=bool)
    new[1:] = (b["gap_before"].to_numpy()[1:] > 0) | (kind[1:] != kind[:-1])
    return _merge(b, np.cumsum(new) - 1)


def _merge(b: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    g = b.groupby(ids, sort=True)
    return pd.DataFrame({"start": g["start"].first(), "end": g["end"].last(), "size": g["size"].sum(),
                         "rss": g["rss"].sum(min_count=1), "kind": g["kind"].first(),
                         "gap_before": g["gap_before"].first(), "mappings": g["mappings"].sum()}).reset_index(drop=True)


def _group_units(b: pd.DataFrame, k: int) -> float:
    if k == 1:
        return _units(b["size"].to_numpy(), b["gap_before"].to_numpy())
    heads = np.arange(0, len(b), k)
    return _units(np.add.reduceat(b["size"].to_numpy(), heads), b["gap_before"].to_numpy()[heads])


def _groups(b: pd.DataFrame, k: int) -> pd.DataFrame:
    """Consecutive blocks *k* at a time, each group one block per kind
    (kinds in KINDS order), sharing the group's start, end and gap."""
    b = b.assign(block=np.arange(len(b)) // k, order=b["kind"].map(_KIND_ORDER).fillna(len(KINDS)))
    head = b.groupby("block", sort=True).agg(start=("start", "first"), end=("end", "last"),
                                             gap_before=("gap_before", "first"))
    g = b.groupby(["block", "order", "kind"], sort=True)
    parts = pd.DataFrame({"size": g["size"].sum(), "rss": g["rss"].sum(min_count=1),
                          "mappings": g["mappings"].sum()}).reset_index()
    parts = parts.join(head, on="block")
    first = ~parts["block"].duplicated()
    parts.loc[~first, "gap_before"] = 0.0
    return parts[["start", "end", "size", "rss", "kind", "gap_before", "mappings", "block"]]


def _place(b: pd.DataFrame) -> pd.DataFrame:
    """x and width of every block: the kinds of a mixed block share its width by bytes."""
    size = b["size"].to_numpy(dtype="float64")
    block = b["block"].to_numpy()
    x = width = np.zeros(0)
    if len(b):
        heads = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
        member = np.repeat(np.arange(len(heads)), np.diff(np.r_[heads, len(b)]))
        total = np.add.reduceat(size, heads)
        count = np.diff(np.r_[heads, len(b)])
        block_width = _width(total)
        gap = b["gap_before"].to_numpy()[heads]
        block_x = np.cumsum(np.where(gap > 0, GAP_UNITS, 0.0)) + np.r_[0.0, np.cumsum(block_width)[:-1]]
        share = np.where(total[member] > 0, size / np.maximum(total[member], 1), 1 / count[member])
        width = block_width[member] * share
        before = np.cumsum(width) - width  # width of everything before, within and across blocks
        x = block_x[member] + before - before[heads][member]
    rss = b["rss"].to_numpy(dtype="float64")
    resident = np.where(size > 0, rss / np.maximum(size, 1), np.nan)
    return pd.DataFrame({"start": b["start"].to_numpy(dtype="float64"), "end": b["end"].to_numpy(dtype="float64"),
                         "size": size, "kind": b["kind"].to_numpy(), "resident": np.clip(resident, 0, 1),
                         "gap_before": b["gap_before"].to_numpy(dtype="float64"), "x": x, "width": width,
                         "mappings": b["mappings"].to_numpy(dtype="float64"), "block": block})


def plot_address_space(frame: pd.DataFrame, ax=None, title: str | None = None):
    """The address space of one process (pass its mappings): mappings laid
    out by address in rows, coloured by kind; the pale part of a block is
    mapped but not resident, the solid part resident (RSS / size). Widths are
    log-scaled and gaps collapsed (see :func:`address_layout`); a gap is a
    thin dotted line, labelled with the address after it when there is room.
    A process with very many mappings is condensed into runs and mixed
    blocks, and the legend says so."""
    lay = address_layout(frame)
    ax = new_axes(ax, height=3.6)
    title = title or "Address space"
    if not len(lay):
        return no_data(ax, title, "no addresses in this dump")
    total = float((lay["x"] + lay["width"]).max())
    rows = max(1, math.ceil(total / ROW_UNITS))
    # a process of a few mappings is not stretched into one giant block: at least MIN_UNITS across
    # and MIN_ROWS rows of height, the map starting top left
    row_units = max(total / rows, MIN_UNITS) * 1.0001
    pale, solid, colors = [], [], []
    for x, w, kind, res in zip(lay["x"], lay["width"], lay["kind"], lay["resident"]):
        for row, x0, piece in _split(x, w, row_units):
            y = -row * 1.6
            pale.append([(x0, y), (x0 + piece, y), (x0 + piece, y + 1), (x0, y + 1)])
            h = res if res == res else 0.0
            solid.append([(x0, y), (x0 + piece, y), (x0 + piece, y + h), (x0, y + h)])
            colors.append(kind_color(kind))
    ax.add_collection(PolyCollection(pale, facecolors=colors, edgecolors="white", linewidths=0.3, alpha=0.28),
                      autolim=False)
    ax.add_collection(PolyCollection(solid, facecolors=colors, edgecolors="white", linewidths=0.3), autolim=False)
    # gaps and address labels (only where they do not collide)
    bbox_w_in = ax.figure.get_figwidth() * 0.85
    units_per_char = row_units / (bbox_w_in * 72 / (LABEL_FS * 0.602))
    last_end = {}
    first = lay["gap_before"].to_numpy() > 0
    labels = [(0.0, lay["start"].iloc[0])] + list(zip(lay["x"].to_numpy()[first], lay["start"].to_numpy()[first]))
    marks = []
    for x, addr in labels:
        row = int(x // row_units)
        xr = x - row * row_units
        y = -row * 1.6
        if x > 0:
            marks.append([(xr - GAP_UNITS / 2, y - 0.1), (xr - GAP_UNITS / 2, y + 1.1)])
        text = f"{int(addr):x}"
        need = len(text) * units_per_char
        if xr >= last_end.get(row, -1e9) and xr + need <= row_units * 1.02:
            ax.text(xr, y - 0.08, text, fontsize=LABEL_FS, fontfamily="DejaVu Sans Mono", va="top", ha="left",
                    color="#333333")
            last_end[row] = xr + need + units_per_char
    if marks:
        ax.add_collection(LineCollection(marks, colors="#444444", linewidths=0.5, linestyles=(0, (1, 1))),
                          autolim=False)
    _label_big_blocks(ax, lay, row_units, units_per_char)
    ax.set_xlim(-0.5, row_units + 0.5)
    ax.set_ylim(-(max(rows, MIN_ROWS) - 1) * 1.6 - 0.7, 1.15)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("left", "bottom", "top", "right"):
        ax.spines[side].set_visible(False)
    kinds = sorted(dict.fromkeys(lay["kind"]), key=lambda k: _KIND_ORDER.get(k, len(KINDS)))
    legend_below(ax, kinds, 2)
    n_maps, n_blocks = int(lay["mappings"].sum()), int(lay["block"].nunique())
    if n_blocks < n_maps:
        ax.get_legend().set_title(f"{n_maps:,} mappings drawn as {n_blocks:,} blocks: neighbours of one kind "
                                  "merged" + (", then grouped (mixed blocks split by kind)"
                                              if lay.attrs.get("grouped", 1) > 1 else ""), prop={"size": 6.5})
    ax.set_title(title)
    return ax


BIG_LABELS = 6


def _label_big_blocks(ax, lay, row_units: float, units_per_char: float) -> None:
    """Write the size (and kind) inside the largest blocks: widths are log-scaled, so a 200 MiB
    heap is drawn only a few times wider than a 1 MiB file; the label says how big it is."""
    from .style import binary_tick

    sizes = lay["size"].astype("float64").fillna(0)
    if not len(sizes) or sizes.max() <= 0:
        return
    rss = (lay["resident"].astype("float64") * sizes).fillna(0)
    # the largest resident blocks, then the largest reservations
    picks = list(rss[rss > 0].sort_values(ascending=False, kind="stable").head(BIG_LABELS // 2).index)
    picks += [i for i in sizes[sizes >= sizes.max() / 64].sort_values(ascending=False, kind="stable").index
              if i not in picks][: BIG_LABELS - len(picks)]
    for i in picks:
        x, w = float(lay.at[i, "x"]), float(lay.at[i, "width"])
        for row, x0, piece in _split(x, w, row_units):
            for text in (f"{binary_tick(sizes[i])} {lay.at[i, 'kind']}", binary_tick(sizes[i])):
                if len(text) * units_per_char <= piece * 0.95:
                    ax.text(x0 + piece / 2, -row * 1.6 + 0.5, text, fontsize=LABEL_FS, ha="center", va="center",
                            fontfamily="DejaVu Sans Mono", color="black",
                            bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "alpha": 0.7,
                                  "edgecolor": "none"})
                    break
            else:
                continue
            break  # labelled in its widest-enough piece: once


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
