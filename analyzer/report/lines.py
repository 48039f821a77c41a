"""Monospace lines of text (table rows, warnings) drawn cheaply, many per artist.

A page of a table is about 70 lines of 120 characters. Drawn as matplotlib
``Text`` objects in an embedded TrueType font, the PDF backend lays out,
tracks and writes every glyph one by one (about 60 µs each: 25 s for the
appendix of 3,000 processes). :class:`TextLines` draws each line with one
``renderer.draw_text`` call at a position computed here, and in a PDF
(``core=True``) uses the PDF's built-in Courier (``pdf.use14corefonts``),
which every viewer has and which is written as one string per line: the
same appendix takes well under a second. The text stays text (pypdf and
``pdftotext`` extract it); lines with a character Courier cannot show (not
in Windows-1252) are drawn in the embedded DejaVu Sans Mono instead.

>>> from matplotlib.figure import Figure
>>> fig = Figure(figsize=(4, 2))
>>> art = fig.add_artist(TextLines(0.1, [0.8, 0.6], ["PID  command", "1    init"], fontsize=7))
>>> art.lines, art.core_ok("plain ascii …"), art.core_ok("chemin/été"), art.core_ok("路径")
(['PID  command', '1    init'], True, True, False)
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.artist import Artist
from matplotlib.font_manager import FontProperties
from matplotlib.transforms import Bbox

from .style import MONO, MONO_ADVANCE

CORE_MONO = "Courier"  # a PDF standard font: never embedded, always available


class TextLines(Artist):
    """One-line texts, left-aligned at figure fraction *x*, baselines at
    figure fractions *ys*, in a monospace font of *fontsize* points."""

    def __init__(self, x: float, ys: Sequence[float], lines: Sequence[str], fontsize: float,
                 weight: str = "normal", color="black", core: bool = False):
        super().__init__()
        if len(ys) != len(lines):
            raise ValueError(f"{len(ys)} positions for {len(lines)} lines")
        self.x = float(x)
        self.ys = np.asarray(ys, dtype=float)
        self.lines = [str(s).replace("\n", " ") for s in lines]
        self.fontsize = float(fontsize)
        self.color = color
        self.core = core
        self.prop = FontProperties(family=MONO, size=fontsize, weight=weight)
        # the core Courier's regular face is "Medium" (saying "normal" logs a warning)
        self.core_prop = FontProperties(family=CORE_MONO, size=fontsize,
                                        weight="medium" if weight == "normal" else weight)

    @staticmethod
    def core_ok(line: str) -> bool:
        """Whether PDF Courier can show *line* (every character in Windows-1252)."""
        if line.isascii():
            return True
        try:
            line.encode("cp1252")
        except UnicodeEncodeError:
            return False
        return True

    def _positions(self, renderer) -> np.ndarray:
        fig = self.figure
        xy = fig.transFigure.transform(np.column_stack([np.full(len(self.ys), self.x), self.ys]))
        if renderer.flipy():
            xy[:, 1] = renderer.get_canvas_width_height()[1] - xy[:, 1]
        return xy

    def get_window_extent(self, renderer=None) -> Bbox:
        """The box of every line (monospace advance times the longest line)."""
        if not self.lines:
            return Bbox.null()
        fig = self.figure
        x0, y0 = fig.transFigure.transform((self.x, float(self.ys.min())))
        _, y1 = fig.transFigure.transform((self.x, float(self.ys.max())))
        pt = fig.dpi / 72
        width = max(len(s) for s in self.lines) * self.fontsize * MONO_ADVANCE * pt
        return Bbox([[x0, y0 - 0.25 * self.fontsize * pt], [x0 + width, y1 + 0.8 * self.fontsize * pt]])

    def draw(self, renderer) -> None:
        if not self.get_visible() or not self.lines:
            return
        renderer.open_group("textlines", gid=self.get_gid())
        gc = renderer.new_gc()
        gc.set_foreground(self.color)
        gc.set_alpha(self.get_alpha())
        xy = self._positions(renderer)
        core = [self.core and self.core_ok(s) for s in self.lines]
        if any(core):
            with mpl.rc_context({"pdf.use14corefonts": True}):
                for (x, y), line, c in zip(xy, self.lines, core):
                    if c and line.strip():
                        renderer.draw_text(gc, x, y, line, self.core_prop, 0.0)
        for (x, y), line, c in zip(xy, self.lines, core):
            if not c and line.strip():
                renderer.draw_text(gc, x, y, line, self.prop, 0.0)
        gc.restore()
        renderer.close_group("textlines")
        self.stale = False
