"""What every chart shares: a new axes when none is given, value labels on
bars, a legend of kind colours under the axes, a "no data" panel. Private to
:mod:`analyzer.report` (:mod:`.charts`, :mod:`.address`); no analysis here.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from .style import kind_color


LABEL_CHARS = 42  # y tick labels (commands, paths) are cut to this many characters

def new_axes(ax, height: float = 4.0, width: float = 8.0):
    """*ax*, or the axes of a new figure (no pyplot) of *width* x *height* inches."""
    if ax is not None:
        return ax
    fig = Figure(figsize=(width, height), layout="constrained")
    return fig.subplots()


def bar_labels(ax, ys, values, texts) -> None:
    """Value labels at the end of each horizontal bar: just outside it, or
    inside, dark on a light box (readable on every kind's colour), when the
    bar is long enough that outside would run off."""
    top = max([v for v in values if v == v] + [1])
    ax.set_xlim(0, top * 1.25)
    for y, v, t in zip(ys, values, texts):
        if v > top * 0.7:
            ax.text(v - top * 0.01, y, t, va="center", ha="right", fontsize=7, color="black",
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
                    clip_on=True)
        else:
            ax.text(v + top * 0.01, y, t, va="center", ha="left", fontsize=7, clip_on=True)


def legend_below(ax, kinds, gap_pt: float = 16) -> None:
    """A one- or two-line legend of kind colours *gap_pt* points under the
    axes, below the tick labels (never over the bars)."""
    from matplotlib.transforms import ScaledTranslation

    where = ax.transAxes + ScaledTranslation(0, -gap_pt / 72, ax.figure.dpi_scale_trans)
    ax.legend(handles=[Patch(color=kind_color(k), label=k) for k in kinds], loc="upper center",
              bbox_to_anchor=(0.5, 0), bbox_transform=where, ncols=min(6, max(1, len(kinds))), frameon=False,
              fontsize=7, handlelength=1.2, columnspacing=1.2)


def no_data(ax, title: str, why: str):
    """*ax* with a title and a grey message in place of a chart."""
    ax.set_title(title)
    ax.text(0.5, 0.5, why, ha="center", va="center", transform=ax.transAxes, fontsize=9, color="#555555")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax
