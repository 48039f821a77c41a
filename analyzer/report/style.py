"""The look of every chart and page, in one place: kind colours, binary
size units on axes, text truncation, page geometry and fonts.

Colours are fixed per kind (in :data:`analyzer.classify.KINDS` order), so a
kind has the same colour on every chart of every report:

>>> KIND_COLORS["heap"], KIND_COLORS["lib_code"]
('#1f77b4', '#2ca02c')
>>> kind_color("something-new")
'#7f7f7f'

Text is cut with an ellipsis, at the end or in the middle (paths keep
their file name):

>>> ellipsize("/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1", 24, where="middle")
'/usr/lib/x8…LLVM-15.so.1'
>>> ellipsize("short", 10)
'short'

Axis ticks fall on round numbers of one binary unit:

>>> BinaryLocator().tick_values(0, 3 * 1024**3)[:4].tolist()
[0.0, 536870912.0, 1073741824.0, 1610612736.0]
>>> binary_tick(1.5 * 1024**3)
'1.5 GiB'
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import Formatter, Locator, MaxNLocator

from ..classify import KINDS

# One colour per kind, in KINDS order (tab20-like, chosen to stay apart).
_PALETTE = [
    "#1f77b4",  # heap
    "#ff7f0e",  # stack
    "#d62728",  # anonymous
    "#2ca02c",  # lib_code
    "#98df8a",  # lib_data
    "#9467bd",  # file
    "#8c564b",  # deleted
    "#17becf",  # shm
    "#e377c2",  # memfd
    "#bcbd22",  # kernel
    "#c7c7c7",  # reserved
    "#7f7f7f",  # other
]
KIND_COLORS: dict[str, str] = dict(zip(KINDS, _PALETTE))
OTHER_COLOR = "#7f7f7f"
PS_COLOR = "#56718c"  # bars of ps figures (one number per process: no kind)
UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]

# Page geometry (inches): A4 portrait.
PAGE_SIZE = (8.27, 11.69)
MARGIN = 0.55
FONT = "DejaVu Sans"
MONO = "DejaVu Sans Mono"
MONO_ADVANCE = 0.602  # DejaVu Sans Mono: advance width per em

RC = {
    "font.family": FONT,
    "font.size": 8.5,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 8.5,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "pdf.fonttype": 42,  # TrueType: text stays extractable from the PDF
    "svg.hashsalt": "memmaps",
    "path.simplify": True,
}


def kind_color(kind: str) -> str:
    """The fixed colour of *kind* (grey for anything not in KINDS)."""
    return KIND_COLORS.get(kind, OTHER_COLOR)


def unit_for(value: float) -> tuple[float, str]:
    """The binary unit (factor, name) that shows *value* as 1 to 1023.9."""
    value = abs(float(value))
    k = 0
    while value >= 1024 and k < len(UNITS) - 1:
        value /= 1024
        k += 1
    return float(1024**k), UNITS[k]


def binary_tick(value: float, unit: tuple[float, str] | None = None) -> str:
    """*value* (bytes) as a short label in *unit* (or its own best unit)."""
    factor, name = unit or unit_for(value)
    if value == 0:
        return "0"
    scaled = value / factor
    text = f"{scaled:.1f}".rstrip("0").rstrip(".") if abs(scaled) < 100 else f"{scaled:.0f}"
    return f"{text} {name}"


class BinaryLocator(Locator):
    """Ticks at round multiples of the binary unit of the axis' largest value."""

    def __init__(self, nbins: int = 6):
        self.nbins = nbins

    def __call__(self):
        vmin, vmax = self.axis.get_view_interval()
        return self.tick_values(vmin, vmax)

    def tick_values(self, vmin, vmax):
        factor, _ = unit_for(max(abs(vmin), abs(vmax), 1))
        ticks = MaxNLocator(self.nbins, steps=[1, 2, 2.5, 5, 10]).tick_values(vmin / factor, vmax / factor)
        return np.asarray(ticks) * factor


class BinaryFormatter(Formatter):
    """Tick labels in the unit of the axis' largest value: ``512 MiB``, ``1.5 GiB``."""

    def __call__(self, x, pos=None):
        vmin, vmax = self.axis.get_view_interval() if self.axis is not None else (0, x)
        return binary_tick(x, unit_for(max(abs(vmin), abs(vmax), 1)))


def bytes_axis(axis) -> None:
    """Put binary-unit ticks and labels on a matplotlib axis (``ax.xaxis``)."""
    axis.set_major_locator(BinaryLocator())
    axis.set_major_formatter(BinaryFormatter())


def ellipsize(text, width: int, where: str = "end") -> str:
    """*text* cut to *width* characters with ``…`` at the end, in the middle, or (``path``) in
    the directories, so the file name that tells rows apart stays whole.

    >>> ellipsize("/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so", 48, "path")
    '/usr/lib/p…/_ssl.cpython-311-x86_64-linux-gnu.so'
    >>> ellipsize("/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so", 20, "path")
    '_ssl.cpython-31…u.so'
    """
    text = "" if text is None else str(text).replace("\n", " ")
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    if where == "path" and "/" in text:
        folder, _, name = text.rpartition("/")
        if len(name) + 2 <= width:
            return folder[: width - len(name) - 2] + "…/" + name
        tail = min(4, max(1, (width - 1) // 3))  # the name's start tells files apart; keep its suffix
        return name[: width - 1 - tail] + "…" + name[-tail:]
    if where in ("middle", "path"):
        head = (width - 1) // 2
        tail = width - 1 - head
        return text[:head] + "…" + text[-tail:]
    return text[: width - 1] + "…"


def text_width(text: str, size: float, weight: str = "normal", family: str = FONT) -> float:
    """Width in inches of *text* at *size* points in *family* (as the PDF and
    PNG backends measure it, without kerning).

    >>> round(text_width("memmaps", 10), 2), text_width("WWW", 10) > text_width("iii", 10)
    (0.74, True)
    """
    from matplotlib import ft2font
    from matplotlib.font_manager import FontProperties, findfont, get_font

    no_hinting = ft2font.LoadFlags.NO_HINTING if hasattr(ft2font, "LoadFlags") else ft2font.LOAD_NO_HINTING
    font = get_font(findfont(FontProperties(family=family, weight=weight)))
    font.set_size(size, 72)
    font.set_text(str(text), 0.0, flags=no_hinting)
    return font.get_width_height()[0] / 64 / 72


def fit_text(text, width_in: float, size: float, weight: str = "normal", family: str = FONT,
             where: str = "end") -> str:
    """*text* cut with ``…`` (see :func:`ellipsize`) until it is at most
    *width_in* inches wide at *size* points.

    >>> fit_text("Address space of PID 1 " + "W" * 200, 3.0, 10, weight="bold")[-3:]
    'WW…'
    >>> text_width(fit_text("W" * 500, 3.0, 10, weight="bold"), 10, weight="bold") <= 3.0
    True
    """
    text = ellipsize(text, len(str(text)))
    if text_width(text, size, weight, family) <= width_in:
        return text
    lo, hi = 0, len(text) - 1
    while lo < hi:  # the longest cut that fits
        mid = (lo + hi + 1) // 2
        if text_width(ellipsize(text, mid, where), size, weight, family) <= width_in:
            lo = mid
        else:
            hi = mid - 1
    return ellipsize(text, lo, where)


def process_label(pid, command, width: int = 40, host=None, block=None) -> str:
    """``PID command`` (``HOST:PID command`` when *host* is given: several hosts
    share PIDs; ``#BLOCK command`` for a process of a `cat` of many smaps, which names
    no PID) for axis labels, cut to *width* characters."""
    from .table import one_line

    pid_text = "" if pd.isna(pid) else f"{int(pid)} "
    if not pid_text and block is not None and not pd.isna(block):
        pid_text = f"#{int(block)} "
    command = one_line(command) if isinstance(command, str) else command
    if pid_text and isinstance(host, str) and host:
        pid_text = f"{host}:{pid_text}"
    return ellipsize(f"{pid_text}{command if isinstance(command, str) else ''}".strip() or "?", width)


def mapping_label(name, processes) -> str:
    """A row of memory per mapping, named for a reader: a per-process name (``[heap]``,
    ``[stack]``, ``[anonymous]``) summed over several processes says how many.

    >>> mapping_label("[heap]", 11), mapping_label("[heap]", 1), mapping_label("/usr/lib/libc.so.6", 8)
    ('[heap], 11 processes', '[heap]', '/usr/lib/libc.so.6')
    """
    text = "" if name is None else str(name)
    try:
        n = int(processes)
    except (TypeError, ValueError):
        return text
    return f"{text}, {n} processes" if text.startswith("[") and n > 1 else text


MEASURE_LABEL = {"pss": "PSS", "rss": "RSS", "uss": "USS", "size": "virtual size", "swap": "swap"}
