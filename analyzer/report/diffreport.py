"""A report of what changed between two captures (``memmaps diff BEFORE AFTER -o diff.pdf``).

:func:`build_diff` computes everything (every number from :mod:`analyzer.compare`);
the writers draw it with the pages, tables and HTML style of the one-capture
report. Pages: a cover (the two captures, totals before/after/delta by host,
what the numbers mean); what grew (top growers split by kind); memory by
kind before and after; the mappings that appeared or grew in the top growers;
the top grower's address space before and after; what appeared and went.
Output is byte-identical for the same inputs, as the other writers'.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages

from .. import __version__
from ..compare import by_host, by_kind, by_mapping, by_process, rank_measure
from ..summarize import process_mappings
from .document import Col, Table
from .difftable import signed_bytes
from .html import CSS, table_html
from .pages import BOTTOM, H, LABEL_ROOM, Page, _axes, _text, column_widths, draw_table, render, table_pages
from .style import MEASURE_LABEL, RC
from .writers import PDF_METADATA, embedded_figures, save_figures

STATUS_NOTE = ("status: new (only in AFTER), gone (only in BEFORE), grown, shrunk or unchanged (the sign of the "
               "PSS change, else RSS). A process is the same when host, PID and command agree (a side that names "
               "no host or command is matched on what it has, and the program it runs); mappings are the same when "
               "their addresses overlap, so regions the kernel merged or split are one row. '-': the format of a "
               "side does not say (pmap -x has no PSS).")


@dataclass
class DiffReport:
    """Everything a diff report shows, in reading order."""

    title: str
    facts: list[tuple[str, str]]
    measure: str
    before: pd.DataFrame                     # the mappings of each side
    after: pd.DataFrame
    hosts: Table
    growers: Table
    kinds: Table
    kinds_frame: pd.DataFrame
    mappings: Table
    changes: Table
    top_pid: object = None
    top_label: str = ""
    notes: list[str] = field(default_factory=list)
    top: int = 10


SHORT = {"pss": "PSS", "rss": "RSS", "uss": "USS", "swap": "swap", "size": "virt", "anonymous": "anon",
         "private_dirty": "priv dirty", "mappings": "maps"}


def _delta_cols(m: str, extra: list[str]) -> list[Col]:
    """Before, after and change of *m*, then the change of each of *extra*
    (signed text, right-aligned: ``fmt="signed"``)."""
    label = SHORT.get(m, m)
    cols = [Col(f"{m}_before", f"{label} before", "bytes"), Col(f"{m}_after", f"{label} after", "bytes"),
            Col(f"{m}_delta_s", f"{label} +/-", "signed")]
    for x in extra:
        if x != m:
            cols.append(Col(f"{x}_delta_s", f"{SHORT.get(x, x)} +/-", "signed"))
    return cols


def _signed(frame: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """Signed human text columns ``X_delta_s`` beside the exact ``X_delta``."""
    out = frame.copy()
    for m in measures:
        col = f"{m}_delta"
        if m == "mappings":
            out[f"{m}_delta_s"] = ["-" if v is pd.NA else (f"+{v}" if v > 0 else str(v)) for v in out[col]]
        else:
            out[f"{m}_delta_s"] = [signed_bytes(v) for v in out[col]]
    return out


def _time(frame: pd.DataFrame) -> str:
    t = frame["capture_time"].dropna()
    return t.min().strftime("%Y-%m-%d %H:%M:%S UTC") if len(t) else "not said by the dump"


def _hosts(frame: pd.DataFrame) -> str:
    names = sorted(frame["host"].dropna().unique())
    return ", ".join(names) if names else "not said by the dump"


def build_diff(before: pd.DataFrame, after: pd.DataFrame, before_name: str = "BEFORE", after_name: str = "AFTER",
               top: int = 10) -> DiffReport:
    """Compute the report of *before* and *after* (mappings frames)."""
    procs = by_process(before, after)
    m = rank_measure(procs)
    extra = ["rss", "anonymous", "mappings"]
    label = MEASURE_LABEL.get(m, m)
    facts = [("Before", f"{before_name} ({_time(before)}; host: {_hosts(before)}; "
                        f"{before['pid'].nunique()} processes, {len(before)} mappings)"),
             ("After", f"{after_name} ({_time(after)}; host: {_hosts(after)}; "
                       f"{after['pid'].nunique()} processes, {len(after)} mappings)")]
    b_t, a_t = before["capture_time"].dropna(), after["capture_time"].dropna()
    if len(b_t) and len(a_t):
        facts.append(("Time between", str(a_t.min() - b_t.min())))
    counts = procs["status"].value_counts()
    facts.append(("Processes", ", ".join(f"{int(counts.get(s, 0))} {s}" for s in
                                         ("grown", "shrunk", "unchanged", "new", "gone"))))
    hosts = _signed(by_host(before, after), ["pss", "rss", "anonymous", "size", "mappings"])
    host_cols = [Col("host", "host", flex=True)] + _delta_cols(m, extra)
    kinds_frame = by_kind(before, after)
    kinds = _signed(kinds_frame, ["pss", "rss", "anonymous", "size", "mappings"])
    growers_all = _signed(procs, ["pss", "rss", "anonymous", "size", "mappings"])
    proc_cols = [Col("pid", "PID"), Col("status", "status"), Col("command", "command", flex=True)]
    growers = growers_all.head(top)
    rising = procs[(procs[f"{m}_delta"] > 0).fillna(False).to_numpy()].head(top)
    maps = by_mapping(before, after)
    grew = maps["status"].isin(["new", "grown"]).to_numpy() & (maps[f"{m}_delta"] > 0).fillna(False).to_numpy()
    maps = maps[grew & maps["pid"].isin(rising["pid"].dropna().tolist()).fillna(False).to_numpy()]
    maps = _signed(maps.head(60), ["pss", "rss", "anonymous", "size", "mappings"])
    map_cols = [Col("pid", "PID"), Col("start", "start", "addr"), Col("perms", "perms"), Col("kind", "kind"),
                Col("status", "status"), Col("path", "path", flex=True)] + _delta_cols(m, ["rss"])
    changes = growers_all[growers_all["status"].isin(["new", "gone"])]
    top_pid, top_label = None, ""
    # the address-space page shows a process present in both captures when one grew (a new one has no "before")
    both = rising[rising["status"] == "grown"]
    if len(rising):
        first = both.iloc[0] if len(both) else rising.iloc[0]
        top_pid = first["pid"]
        top_label = f"PID {first['pid']}" + ("" if first["command"] is pd.NA else f" {first['command']}")
    notes = [f"Sizes are {label} where both captures give it, else RSS; sorted by growth, biggest first.",
             STATUS_NOTE]
    return DiffReport(
        title=f"Memory diff: {Path(str(before_name)).name} -> {Path(str(after_name)).name}",
        facts=facts, measure=m, before=before, after=after,
        hosts=Table("Totals by host", hosts, host_cols),
        growers=Table(f"Top {len(growers)} processes by growth", growers, proc_cols + _delta_cols(m, extra)),
        kinds=Table("By kind", kinds, [Col("kind", "kind"), Col("status", "status")] + _delta_cols(m, extra)),
        kinds_frame=kinds_frame,
        mappings=Table("Mappings that appeared or grew in the top growers", maps, map_cols,
                       note="The regions of the top growing processes that are new or grew, biggest first "
                            "(at most 60). One row may stand for regions the kernel merged or split."),
        changes=Table("Processes that appeared or went", changes, proc_cols + _delta_cols(m, extra),
                      note="new: only in AFTER; gone: only in BEFORE (a PID reused by another program is both)."),
        top_pid=top_pid, top_label=top_label, notes=notes, top=top)


def _one_process(frame: pd.DataFrame, pid) -> pd.DataFrame:
    rows = frame[frame["pid"].eq(pid).fillna(False)]
    if len(rows) and rows["source"].nunique() > 1:
        first = rows.iloc[0]
        rows = process_mappings(frame, first["host"], pid, first["source"])
    return rows


def chart_figures(report: DiffReport):
    """(file stem, title, Figure) of every chart of the diff report."""
    from . import charts
    from .growth import plot_growth, plot_kind_change

    m = report.measure
    yield "growth", "What grew", plot_growth(report.before, report.after, measure=m, top=report.top).figure
    yield "kinds", "Memory by kind, before and after", plot_kind_change(report.kinds_frame, measure=m).figure
    if report.top_pid is not None:
        for side, frame in (("before", report.before), ("after", report.after)):
            rows = _one_process(frame, report.top_pid)
            ax = charts.plot_address_space(rows, title=f"{report.top_label} {side}"[:100])
            ax.figure.set_size_inches(9, 3.8)
            yield f"address-space-{side}", f"{report.top_label}, {side}", ax.figure


def plan(report: DiffReport) -> list[Page]:
    """The pages of the PDF, in reading order."""
    from . import charts
    from .growth import plot_growth, plot_kind_change

    def cover(fig, y):
        y = _text(fig, y + 0.05, report.title, size=16, weight="bold") + 0.1
        for label, value in report.facts:
            y = _text(fig, y, f"{label}: {value}", size=9.5)
        y += 0.15
        for note in report.notes:
            y = _text(fig, y, note, size=8.5, color="#333333") + 0.05
        y += 0.1
        rows = report.hosts.cells()
        draw_table(fig, report.hosts, y, rows, column_widths(report.hosts, rows))

    def growth(fig, y):
        n = min(report.top, len(report.growers.frame)) + 1
        h = min(0.3 * n + 0.5, H - y - BOTTOM - 3.0)
        plot_growth(report.before, report.after, ax=_axes(fig, y + 0.3, h, left=LABEL_ROOM), measure=report.measure,
                    top=report.top)
        y += 0.3 + h + 0.6
        rows = report.growers.cells()
        draw_table(fig, report.growers, y, rows, column_widths(report.growers, rows))

    def kinds(fig, y):
        h = max(2.0, 0.45 * len(report.kinds_frame) + 0.6)
        plot_kind_change(report.kinds_frame, ax=_axes(fig, y + 0.3, h, left=1.0), measure=report.measure)
        y += 0.3 + h + 0.45
        rows = report.kinds.cells()
        draw_table(fig, report.kinds, y, rows, column_widths(report.kinds, rows))

    pages = [Page("Summary", cover), Page("What grew", growth), Page("Memory by kind, before and after", kinds)]
    pages += table_pages("Mappings that appeared or grew in the top growers", report.mappings)
    if report.top_pid is not None:
        def address(fig, y):
            height = 2.0 if max(len(_one_process(report.before, report.top_pid)), len(_one_process(report.after, report.top_pid))) < 60 else min(3.4, (H - y - BOTTOM - 1.6) / 2)
            for side, frame in (("before", report.before), ("after", report.after)):
                rows = _one_process(frame, report.top_pid)
                charts.plot_address_space(rows, ax=_axes(fig, y + 0.3, height, left=0.3),
                                          title=f"{side}: {report.top_label}"[:100])
                y += height + 0.9

        pages.append(Page(f"Address space of the top grower (PID {report.top_pid}), before and after", address))
    pages += table_pages("What appeared and what went", report.changes)
    return pages


def write_diff_pdf(report: DiffReport, path: str | Path) -> int:
    """Write the diff report as a PDF; return the number of pages."""
    pages = plan(report)
    with matplotlib.rc_context(RC):
        with PdfPages(path, metadata={"Title": report.title, **PDF_METADATA}) as pdf:
            for number, page in enumerate(pages, 1):
                pdf.savefig(render(page, report, number, len(pages), core_fonts=True))
    return len(pages)


def write_diff_pngs(report: DiffReport, directory: str | Path) -> list[Path]:
    """Every chart of the diff report as its own PNG in *directory* (created)."""
    return save_figures(chart_figures(report), directory, prefix="diff-")


def write_diff_html(report: DiffReport, path: str | Path) -> None:
    """The diff report as one self-contained HTML file."""
    images = embedded_figures(chart_figures(report))

    def img(stem):
        if stem not in images:
            return ""
        title, uri = images[stem]
        return f'<p><img alt="{escape(title)}" src="{uri}"></p>'

    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{escape(report.title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{escape(report.title)}</h1>", "<dl>"]
    out += [f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in report.facts]
    out.append("</dl>")
    out += [f'<p class="note">{escape(n)}</p>' for n in report.notes]
    out += ["<h2>Totals by host</h2>", table_html(report.hosts),
            "<h2>What grew</h2>", img("growth"), table_html(report.growers),
            "<h2>Memory by kind, before and after</h2>", img("kinds"), table_html(report.kinds),
            f"<h2>{escape(report.mappings.title)}</h2>", f'<p class="note">{escape(report.mappings.note)}</p>',
            table_html(report.mappings)]
    if report.top_pid is not None:
        out += [f"<h2>Address space of the top grower (PID {report.top_pid}), before and after</h2>",
                img("address-space-before"), img("address-space-after")]
    out += ["<h2>What appeared and what went</h2>", f'<p class="note">{escape(report.changes.note)}</p>',
            table_html(report.changes), f"<footer>memmaps {escape(__version__)}</footer>", "</body></html>", ""]
    Path(path).write_text("\n".join(out), encoding="utf-8")
