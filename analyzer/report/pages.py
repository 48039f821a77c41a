"""A :class:`~analyzer.report.document.Report` as A4 pages (matplotlib
Figures): a cover, then one section per page, tables paginated.

Tables are drawn in a monospace font, one line per row, with columns cut to
fit the page (``…`` in the middle of paths and commands), so nothing can
overlap or run off the page whatever the data. A table page is one
:class:`~.lines.TextLines` artist and one path for the row stripes; in the
PDF its text is in the PDF's built-in Courier, so a 50-page appendix costs
well under a second (see :mod:`.lines`). :func:`plan` lays the pages out
first (so every page knows the page count); each page is drawn only when it
is written, so memory stays flat on a 100-page report.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import __version__
from . import charts
from .document import Report, Table
from .lines import TextLines
from .style import MARGIN, MONO_ADVANCE, PAGE_SIZE, ellipsize, fit_text, text_width

W, H = PAGE_SIZE
WIDTH = W - 2 * MARGIN  # inches between the margins
TOP = 0.85           # inches from the top where content starts
BOTTOM = 0.6         # inches from the bottom where content ends
TABLE_FS = 6.8       # table font size, points
LINE = TABLE_FS * 1.5 / 72  # table row height, inches
TEXT_FS = 8.5
CHARS = int((W - 2 * MARGIN) * 72 / (TABLE_FS * MONO_ADVANCE))  # monospace characters across the page
TEXT_CHARS = int((W - 2 * MARGIN) * 72 / (TEXT_FS * 0.56))       # wrap width for body text (DejaVu Sans)


COVER_WARNINGS = 30  # warning lines on the cover; the rest continue on their own pages


class Page:
    """One page: a section title and a function that draws on a Figure from
    a y position (inches from the top)."""

    def __init__(self, section: str, draw: Callable[[Figure, float], None]):
        self.section, self.draw = section, draw


class PageFigure(Figure):
    """An A4 page. *core_fonts*: draw table text in the PDF's built-in
    Courier (only meaningful when the page is saved as PDF)."""

    def __init__(self, core_fonts: bool = False):
        super().__init__(figsize=PAGE_SIZE)
        self.core_fonts = core_fonts


def new_figure(core_fonts: bool = False) -> PageFigure:
    return PageFigure(core_fonts)


def render(page: Page, report: Report, number: int, count: int, core_fonts: bool = False) -> Figure:
    """Draw *page* with its header and footer on a new Figure (*core_fonts*
    when it is to be saved as PDF)."""
    fig = new_figure(core_fonts)
    fig.text(MARGIN / W, 1 - 0.38 / H, fit_text(report.title, WIDTH, 7.5), fontsize=7.5, color="#666666",
             va="baseline")
    fig.text(MARGIN / W, 1 - 0.62 / H, fit_text(page.section, WIDTH, 12, "bold"), fontsize=12, fontweight="bold",
             va="baseline")
    fig.add_artist(_hline(fig, 0.7))
    fig.text(MARGIN / W, 0.3 / H, f"memmaps {__version__}", fontsize=6.5, color="#888888")
    fig.text(1 - MARGIN / W, 0.3 / H, f"page {number} of {count}", fontsize=6.5, color="#888888", ha="right")
    page.draw(fig, TOP)
    return fig


def _hline(fig: Figure, y_in: float, color: str = "#999999", lw: float = 0.6):
    from matplotlib.lines import Line2D

    y = 1 - y_in / H
    return Line2D([MARGIN / W, 1 - MARGIN / W], [y, y], transform=fig.transFigure, color=color, linewidth=lw)


def _text(fig: Figure, y: float, text: str, size: float = TEXT_FS, weight: str = "normal",
          color: str = "black", indent: float = 0.0, family: str | None = None) -> float:
    """Draw wrapped *text* at *y* (inches from top); return the y below it."""
    chars = int(TEXT_CHARS * TEXT_FS / size) - int(indent * 72 / (size * 0.56))
    room = WIDTH - indent
    lines = []
    for para in str(text).split("\n"):
        width = max(chars, 10)
        while True:  # wrap at an estimate, narrower until every line measures within the margins
            wrapped = textwrap.wrap(para, width, break_long_words=True, break_on_hyphens=False) or [""]
            if width <= 10 or all(text_width(ln, size, weight) <= room for ln in wrapped):
                break
            width = int(width * 0.92)
        lines += wrapped
    step = size * 1.4 / 72
    for line in lines:
        fig.text((MARGIN + indent) / W, 1 - (y + size / 72) / H, line, fontsize=size, fontweight=weight,
                 color=color, fontfamily=family or "DejaVu Sans")
        y += step
    return y


def column_widths(table: Table, rows: list[list[str]], chars: int = CHARS) -> list[int]:
    """Character width of each column: its widest cell or header, the flexible
    column (path, command) taking what is left of *chars*."""
    widths = []
    for i, col in enumerate(table.cols):
        natural = max([len(col.header)] + [len(r[i]) for r in rows])
        widths.append(min(natural, col.width) if col.width else natural)
    flex = [i for i, c in enumerate(table.cols) if c.flex]
    gaps = 2 * (len(widths) - 1)
    if flex:
        fixed = sum(w for i, w in enumerate(widths) if i not in flex)
        room = max(chars - gaps - fixed, 8 * len(flex))
        for i in flex:
            widths[i] = max(min(widths[i], room // len(flex)), len(table.cols[i].header))
    while sum(widths) + gaps > chars:  # still too wide: trim the widest column
        i = max(range(len(widths)), key=widths.__getitem__)
        widths[i] -= 1
    return widths


def format_row(table: Table, cells: list[str], widths: list[int]) -> str:
    """One table line: text left-aligned, numbers right-aligned, cut to width."""
    parts = []
    for cell, col, w in zip(cells, table.cols, widths):
        text = ellipsize(cell, w, where=("path" if col.name in ("path", "mapping") else "middle") if col.flex else "end")
        parts.append(text.ljust(w) if col.fmt in ("text", "addr") else text.rjust(w))
    return "  ".join(parts).rstrip()


def draw_table(fig: Figure, table: Table, y: float, rows: list[list[str]], widths: list[int],
               title: bool = True) -> float:
    """Draw a header and *rows* at *y*; return the y below."""
    if title:
        y = _text(fig, y, ellipsize(table.title, 110), size=9.5, weight="bold") + 0.04
    header = format_row(table, [c.header for c in table.cols], widths)
    mono_lines(fig, y, [header], weight="bold", baseline=0.8)
    y += LINE
    fig.add_artist(_hline(fig, y + 0.02, lw=0.4))
    y += 0.05
    _stripes(fig, y, len(rows))
    return mono_lines(fig, y, [format_row(table, cells, widths) for cells in rows]) + 0.1


def mono_lines(fig: Figure, y: float, lines: list[str], weight: str = "normal", color: str = "black",
               baseline: float = 0.78) -> float:
    """Draw *lines* one under the other from *y* (inches from the top), one
    :data:`LINE` apart, in the table font; return the y below them."""
    if lines:
        ys = [1 - (y + LINE * (i + baseline)) / H for i in range(len(lines))]
        fig.add_artist(TextLines(MARGIN / W, ys, lines, TABLE_FS, weight=weight, color=color,
                                 core=getattr(fig, "core_fonts", False)))
    return y + LINE * len(lines)


def _stripes(fig: Figure, y: float, n: int) -> None:
    """Pale bands behind every second of *n* table rows starting at *y*: one path."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    x0, x1 = MARGIN / W, 1 - MARGIN / W
    polys = []
    for i in range(1, n, 2):
        top, bottom = 1 - (y + LINE * i) / H, 1 - (y + LINE * (i + 1)) / H
        polys.append([(x0, bottom), (x1, bottom), (x1, top), (x0, top), (x0, bottom)])
    if polys:
        fig.add_artist(PathPatch(Path.make_compound_path_from_polys(np.array(polys)),
                                 transform=fig.transFigure, facecolor="#f2f2f2", edgecolor="none", zorder=-1))


def rows_fitting(height: float) -> int:
    """How many table rows fit in *height* inches (with title and header)."""
    return max(int((height - 0.5) / LINE), 1)


def table_pages(section: str, table: Table) -> list[Page]:
    """*table* across as many pages as it needs, header repeated on each."""
    rows = table.cells()
    widths = column_widths(table, rows)
    per_page = rows_fitting(H - TOP - BOTTOM - (0.3 if table.note else 0))
    pages = []
    chunks = [rows[i:i + per_page] for i in range(0, len(rows), per_page)] or [[]]
    for n, chunk in enumerate(chunks):
        title = section if len(chunks) == 1 else f"{section} ({n + 1}/{len(chunks)})"

        def draw(fig, y, chunk=chunk, first=(n == 0)):
            if table.note:
                y = _text(fig, y, table.note, size=8, color="#444444")
            draw_table(fig, table, y, chunk, widths, title=False)

        pages.append(Page(title, draw))
    return pages


def _axes(fig: Figure, y: float, height: float, left: float = 0.9, right: float = 0.35):
    """Axes *height* inches tall whose top is *y* inches from the top of the page,
    *left* inches of room for tick labels."""
    return fig.add_axes([(MARGIN + left) / W, 1 - (y + height) / H, (W - 2 * MARGIN - left - right) / W, height / H])


LABEL_ROOM = charts.LABEL_CHARS * 7 * MONO_ADVANCE / 72 + 0.15  # inches for 42-char tick labels at 7 pt


NO_MAPS = ("Memory by mapping kind, top mappings, address-space maps and mapping sizes are left out: the input "
           "holds no memory maps (a sosreport has them only when sos ran with `-k process.smaps=on`; ask for one "
           "made with `sos report -k process.smaps=on`).")


PS_CAPTION = ("Each bar is one process's RSS as ps reports it (sos_commands/process/ps_*), not measured from "
              "memory maps: ps gives one number per process, so no split by kind is possible, and RSS counts "
              "shared pages in every process that maps them. The processes after the top {top} are added up in "
              "the last bar; the appendix lists every process, marked `ps`.")


def ps_page(report: Report) -> Page:
    """Top processes by ps's RSS, for the processes that have no memory maps."""

    def draw(fig, y):
        n = min(report.top, len(report.ps)) + 1
        h = min(0.27 * n + 0.3, H - y - BOTTOM - 1.9)
        charts.plot_top_processes_ps(report.ps, ax=_axes(fig, y + 0.3, h, left=LABEL_ROOM), top=report.top)
        y += 0.3 + h + 0.55
        y = _text(fig, y, PS_CAPTION.format(top=report.top), size=8, color="#444444") + 0.08
        if not report.has_maps:
            _text(fig, y, NO_MAPS, size=8, color="#444444")

    return Page("Top processes by RSS, from ps" if report.has_maps else "Top processes (from ps)", draw)


def system_pages(report: Report) -> list[Page]:
    """"Where the memory is" (meminfo per host), the OOM kills and the SysV segments, when the input has them."""
    from . import system

    extra = report.extra or {}
    frame = extra.get("system", pd.DataFrame())
    tables = system.tables(frame, extra.get("oom", pd.DataFrame()), extra.get("shm", pd.DataFrame()))
    out = []
    if "system" in tables:
        def where(fig, y, t=tables["system"]):
            h = min(0.9 * len(frame) + 0.9, 3.2)
            system.draw_system(frame, ax=_axes(fig, y + 0.3, h, left=1.6))
            y += 0.3 + h + 0.85
            y = _text(fig, y, system.SYSTEM_CAPTION, size=7.5, color="#444444") + 0.1
            rows = t.cells()
            draw_table(fig, t, y, rows[:rows_fitting(H - y - BOTTOM)], column_widths(t, rows))

        out.append(Page("Where the memory is", where))
    for name in ("oom", "shm"):
        if name in tables:
            out += table_pages(tables[name].title, tables[name])
    return out


STATUS_CAPTION = ("Each bar is one process's resident memory as the kernel counts it in /proc/PID/status (VmRSS), "
                  "split into anonymous (RssAnon), file (RssFile) and shmem (RssShmem); not measured from memory "
                  "maps, so shared pages count in full in every process. The appendix lists every process, marked "
                  "`status`.")


def status_page(report: Report) -> Page:
    """Top processes by status's RSS, split three ways, for processes without maps."""
    from . import system

    def draw(fig, y):
        n = min(report.top, len(report.extra["status"])) + 1
        h = min(0.27 * n + 0.3, H - y - BOTTOM - 1.9)
        system.draw_top_processes_status(report.extra["status"], ax=_axes(fig, y + 0.3, h, left=LABEL_ROOM),
                                         top=report.top)
        y += 0.3 + h + 0.55
        y = _text(fig, y, STATUS_CAPTION, size=8, color="#444444") + 0.08
        _text(fig, y, NO_MAPS, size=8, color="#444444")

    return Page("Top processes (from /proc/PID/status)", draw)


SEVERITY_COLOURS = {"critical": "#8a1c00", "warning": "#a35200", "info": "#1f4e79"}


def finding_lines(report: Report) -> list[list[tuple[str, dict]]]:
    """Each finding as a block of (line, style): a heading in the severity's
    colour, the message, up to 6 lines of evidence, what to do."""
    from ..findings import BY_ID

    blocks = []
    for run, more in report.finding_runs():
        blocks += [_finding_block(row, BY_ID) for row in run.to_dict("records")]
        if more:
            first = run.iloc[0]
            blocks.append([(ellipsize(f"... and {more} more {first['severity']} {first['rule']} findings not shown "
                                      "(memmaps findings lists every one)", CHARS), {"color": "#444444"}), ("", {})])
    return blocks


def _finding_block(row: dict, rules: dict) -> list[tuple[str, dict]]:
    """One finding's lines: heading, message, evidence (6 lines at most), what to do."""
    row = {k: None if pd.isna(v) else v for k, v in row.items()}
    who = f"PID {row['pid']} {row['command'] or ''}".strip() if row["pid"] is not None else "host-wide"
    if row["host"]:
        who += f"  (host {row['host']}" + (f", capture {row['capture']})" if row["capture"] else ")")
    head = ellipsize(f"{row['severity'].upper():8} {row['rule']}: {who}", CHARS)
    style = {"color": SEVERITY_COLOURS.get(row["severity"], "black"), "weight": "bold"}
    block = [(head, style)]
    block += [(ln, {}) for ln in textwrap.wrap(row["message"], CHARS - 2, initial_indent="  ",
                                              subsequent_indent="  ", break_long_words=True)]
    evidence = str(row["evidence"] or "").splitlines()
    shown = evidence[:6] + ([f"... and {len(evidence) - 6} more lines (memmaps findings shows all)"]
                            if len(evidence) > 6 else [])
    block += [(ellipsize("    " + ln, CHARS), {"color": "#444444"}) for ln in shown]
    block += [(ln, {"color": "#333333"}) for ln in textwrap.wrap(
        "What to do: " + rules[row["rule"]].advice, CHARS - 2, initial_indent="  ", subsequent_indent="  ")]
    return block + [("", {})]


FINDINGS_NOTE = ("What memmaps diagnosed, most severe first: one finding per process and rule (host-wide rules: "
                 "per host), with the evidence and what to do; of a rule that fires for many processes, the "
                 "largest five. The tools that made the capture (sos, pmap, a shell loop) are never named. "
                 "`memmaps findings` lists every finding with every line of evidence.")


def findings_pages(report: Report) -> list[Page]:
    """The findings, page after page; a finding is not split across pages."""
    blocks = finding_lines(report)
    counts = report.findings["severity"].value_counts() if len(report.findings) else {}
    summary = (", ".join(f"{counts[s]} {s}" for s in ("critical", "warning", "info") if s in counts)
               if len(report.findings) else "none: no rule found anything to report")
    tail = []
    if report.unchecked:
        tail = textwrap.wrap("Not checked, for want of data: " + "; ".join(
            f"{r} (needs {n})" for r, n in report.unchecked) + ".", CHARS, subsequent_indent="  ",
            break_long_words=True)
    per = int((H - TOP - BOTTOM - 0.75) / LINE)
    chunks, current, used = [], [], 0
    for block in blocks:
        block = block[:per]
        if used + len(block) > per and current:
            chunks.append(current)
            current, used = [], 0
        current.append(block)
        used += len(block)
    if used + len(tail) > per and current:
        chunks.append(current)
        current = []
    chunks.append(current)
    pages = []
    for n, chunk in enumerate(chunks):
        def draw(fig, y, chunk=chunk, last=(n == len(chunks) - 1), first=(n == 0)):
            if first:
                y = _text(fig, y, f"Findings: {summary}.", size=10.5, weight="bold")
                y = _text(fig, y, FINDINGS_NOTE, size=8, color="#444444") + 0.05
            for block in chunk:
                for line, style in block:
                    y = mono_lines(fig, y, [line], baseline=0.8, **style)
            if last:
                for line in tail:
                    y = mono_lines(fig, y, [line], baseline=0.8, color="#555555")

        pages.append(Page("Findings" if len(chunks) == 1 else f"Findings ({n + 1}/{len(chunks)})", draw))
    return pages


def plan(report: Report) -> list[Page]:
    """Every page of the report, in reading order: the cover, the findings, then where
    the memory is (meminfo, OOM kills, SysV). An input without memory maps (a sosreport
    with status or ps figures only) gets those, the status or ps chart and the appendix:
    pages of kinds, mappings and address spaces would be empty."""
    pages = cover_pages(report)
    pages[1:1] = findings_pages(report)
    pages += system_pages(report)
    if not report.has_maps and (len(report.ps) or len(report.extra.get("status", ()))):
        if len(report.extra.get("status", ())):
            pages.append(status_page(report))
        if len(report.ps):
            pages.append(ps_page(report))
        pages += table_pages("Appendix: every process", report.processes)
        return pages
    if not report.has_maps and len(pages) > len(cover_pages(report)):
        return pages  # meminfo, kernel logs or SysV tables alone: no process pages to draw

    def kinds(fig, y):
        n = len(report.kinds.frame)
        h = max(1.6, 0.3 * n + 0.4)
        charts.plot_kinds(report.measured, ax=_axes(fig, y + 0.3, h, left=1.0), measure=report.measure)
        y += 0.3 + h + 0.55
        draw_table(fig, report.kinds, y, report.kinds.cells(), column_widths(report.kinds, report.kinds.cells()))

    pages.append(Page("Memory by mapping kind", kinds))

    def processes(fig, y):
        n = min(report.top, len(report.processes.frame)) + 1
        h = min(0.27 * n + 0.3, H - y - BOTTOM - 1.2)
        charts.plot_top_processes(report.measured, ax=_axes(fig, y + 0.3, h, left=LABEL_ROOM),
                                  measure=report.measure, top=report.top)
        y += 0.3 + h + 0.8
        _text(fig, y, "Each bar is one process, split by the kind of memory it maps; the processes after the top "
                      f"{report.top} are added up in the last bar. Labels are PID and command line, cut to "
                      f"{charts.LABEL_CHARS} characters; the appendix lists every process.", size=8, color="#444444")

    pages.append(Page("Top processes", processes))
    if len(report.ps):
        pages.append(ps_page(report))

    def mappings(fig, y):
        top = min(report.top, len(report.top_mappings.frame))
        h = max(1.6, 0.25 * top + 0.3)
        charts.plot_top_mappings(report.measured, ax=_axes(fig, y + 0.3, h, left=LABEL_ROOM),
                                 measure=report.measure, top=report.top)
        y += 0.3 + h + 0.75
        rows = report.top_mappings.cells()
        room = rows_fitting(H - y - BOTTOM)
        draw_table(fig, report.top_mappings, y, rows[:room], column_widths(report.top_mappings, rows))

    pages.append(Page("Top mappings across processes", mappings))

    for detail in report.details:
        def one(fig, y, d=detail):
            lay = charts.address_layout(d.mappings)
            condensed = lay["block"].nunique() < lay["mappings"].sum()
            charts.plot_address_space(d.mappings, ax=_axes(fig, y + 0.1, 3.3, left=0.0, right=0.0),
                                      title=fit_text(f"Address space of {d.label}", WIDTH, 10, "bold"))
            y += 0.1 + 3.3 + (0.62 if condensed else 0.45)  # room for the legend (and its note)
            caption = ("Mappings in address order, coloured by kind; block widths grow with the log of the "
                       "size, gaps between regions are collapsed to a dotted line labelled with the next "
                       "address; the solid part of a block is resident (RSS), the pale part only mapped.")
            if condensed:
                caption += (f" Its {int(lay['mappings'].sum()):,} mappings would not fit: neighbouring mappings of "
                            "one kind are drawn as one block" + (", and neighbouring blocks grouped into mixed "
                                                                 "blocks split by kind" if lay.attrs["grouped"] > 1
                                                                 else "") + "; the table lists them one by one.")
            y = _text(fig, y, caption, size=7.5, color="#444444") + 0.1
            rows = d.largest.cells()
            draw_table(fig, d.largest, y, rows[:rows_fitting(H - y - BOTTOM)], column_widths(d.largest, rows))

        pages.append(Page(ellipsize(detail.label, 70), one))

    def sizes(fig, y):
        charts.plot_size_distribution(report.frame, ax=_axes(fig, y + 0.3, 4.2, left=0.7))
        _text(fig, y + 0.3 + 4.2 + 1.3, "Every mapping counted once, by its virtual size rounded down to a power "
                                        "of two, each bar split by kind. Many small anonymous mappings hint at "
                                        "allocator fragmentation; huge reserved ones are address space only.",
              size=8, color="#444444")

    pages.append(Page("Mapping sizes", sizes))
    pages += table_pages("Appendix: every process", report.processes)
    return pages


def cover_pages(report: Report) -> list[Page]:
    """The cover (facts, totals, what the numbers mean, inputs, warnings), and
    continuation pages when there are too many inputs or warnings to fit."""
    inputs = report.inputs
    input_rows = inputs.cells()
    warn_lines = []
    for w in report.warnings:
        warn_lines += textwrap.wrap(w, CHARS - 4, subsequent_indent="    ", break_long_words=True) or [""]
    n_warn = len(warn_lines)
    if not n_warn:
        warn_lines.append("None: every input was read completely.")
    notes = list(report.remarks)
    if report.info_count:
        notes.append(f"{report.info_count} informational note{'s' if report.info_count != 1 else ''} from reading the inputs {'are' if report.info_count != 1 else 'is'} not shown: "
                     "run `memmaps info` to see them.")
    if notes:  # not warnings: listed apart, under their own heading, in grey
        warn_lines.append(NOTES_HEADING)
        for note in notes:
            warn_lines += textwrap.wrap(note, CHARS - 4, subsequent_indent="    ", break_long_words=True) or [""]
    max_inputs = 12
    # (the cover holds up to COVER_WARNINGS lines of warnings; it has room for them below 12 inputs)
    shown_inputs = input_rows[:max_inputs]

    def cover(fig, y):
        y = _text(fig, y + 0.05, report.title, size=16, weight="bold") + 0.1
        for label, value in report.facts:
            y = _text(fig, y, f"{label}: {value}", size=9.5)
        y += 0.15
        y = _text(fig, y, "Totals", size=10.5, weight="bold")
        for label, value in report.totals:
            fig.text((MARGIN + 0.1) / W, 1 - (y + 9 / 72) / H, label, fontsize=9)
            y = _text(fig, y, value, size=9, indent=1.4)
        y += 0.12
        for note in report.notes:
            y = _text(fig, y, note, size=8.5, color="#333333") + 0.05
        y += 0.1
        widths = column_widths(inputs, input_rows)
        y = draw_table(fig, inputs, y, shown_inputs, widths)
        if len(input_rows) > max_inputs:
            y = _text(fig, y - 0.05, f"... and {len(input_rows) - max_inputs} more inputs: see the next pages.", size=8)
        y += 0.05
        y = _text(fig, y, f"Warnings ({len(report.warnings)})", size=10.5, weight="bold")
        room = min(max(int((H - y - BOTTOM) / LINE) - 1, 0), COVER_WARNINGS)
        lines = warn_lines[:room] if len(warn_lines) <= room else warn_lines[:max(room - 1, 0)]
        for i, line in enumerate(lines):
            y = mono_lines(fig, y, [line], **_line_style(line, i, n_warn), baseline=0.8)
        if len(warn_lines) > len(lines) and warn_lines:
            y = mono_lines(fig, y, ["... continued on the next page."], baseline=0.8)
        for table in report.extra.get("glance", []):  # the biggest at a glance, where the page has room
            rows = table.cells()
            if H - BOTTOM - (y + 0.15) < LINE * (len(rows) + 2) + 0.3:
                break
            y = draw_table(fig, table, y + 0.15, rows, column_widths(table, rows))
        return len(lines)

    pages = [Page("Summary", cover)]
    if len(input_rows) > max_inputs:
        pages += table_pages("Inputs", inputs)
    # Warnings beyond what the cover has room for continue on their own pages
    # (a dry run of the cover says how many it shows).
    shown = cover(new_figure(), TOP)
    per = int((H - TOP - BOTTOM) / LINE) - 1
    for i in range(shown, len(warn_lines), per):
        def draw(fig, y, i=i):
            for j in range(i, min(i + per, len(warn_lines))):
                y = mono_lines(fig, y, [warn_lines[j]], **_line_style(warn_lines[j], j, n_warn), baseline=0.8)

        pages.append(Page("Warnings (continued)" if i < n_warn else "Notes (continued)", draw))
    return pages


NOTES_HEADING = "Notes (not warnings):"


def _line_style(line: str, index: int, n_warn: int) -> dict:
    """Warnings in red; the 'None' line, notes and their heading in grey or black."""
    if line == NOTES_HEADING:
        return {"color": "black", "weight": "bold"}
    if index < n_warn:
        return {"color": "#8a1c00"}
    return {"color": "#555555"}
