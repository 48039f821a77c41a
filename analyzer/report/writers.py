"""Write a report: ``write_pdf``, ``write_html``, ``write_pngs``.

Output is reproducible: the same input gives byte-identical files. Nothing
of the run (time, tool versions, paths of temporary files) is written: PDF
metadata has no dates or producer, PNGs no ``Software`` chunk, the HTML only
what the report shows.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages

from . import charts, pages
from .document import Report
from .style import RC

PDF_METADATA = {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None}
PNG_METADATA = {"Software": None}
PNG_DPI = 150

Progress = Callable[[str], None] | None


def page_count(report: Report) -> int:
    """How many pages the PDF will have (one progress step each)."""
    return len(pages.plan(report))


def write_pdf(report: Report, path: str | Path, progress: Progress = None) -> int:
    """Write the report as a PDF; return the number of pages."""
    plan = pages.plan(report)
    with matplotlib.rc_context(RC):
        with PdfPages(path, metadata={"Title": report.title, **PDF_METADATA}) as pdf:
            for number, page in enumerate(plan, 1):
                fig = pages.render(page, report, number, len(plan), core_fonts=True)
                pdf.savefig(fig)
                if progress:
                    progress(page.section)
    return len(plan)


def _save_png(fig, target, dpi: int = PNG_DPI) -> None:
    FigureCanvasAgg(fig)
    fig.savefig(target, format="png", dpi=dpi, metadata=PNG_METADATA)


def chart_figures(report: Report):
    """Every chart of the report as (file stem, title, Figure), each on its own figure."""
    m = report.measure
    from . import system

    extra = report.extra or {}
    if len(extra.get("system", ())):
        yield "system", "Where the memory is", system.draw_system(extra["system"]).figure
    if not report.has_maps and len(extra.get("status", ())):
        yield ("top-processes-status", "Top processes, from /proc/PID/status",
               system.draw_top_processes_status(extra["status"], top=report.top).figure)
    ps = ("top-processes-ps", "Top processes by RSS, from ps", charts.plot_top_processes_ps)
    if not report.has_maps:  # ps figures only: the charts of maps would be empty
        if len(report.ps):
            yield ps[0], ps[1], ps[2](report.ps, top=report.top).figure
        return
    yield "kinds", "Memory by mapping kind", charts.plot_kinds(report.measured, measure=m).figure
    yield "top-processes", "Top processes", charts.plot_top_processes(report.measured, measure=m, top=report.top).figure
    if len(report.ps):
        yield ps[0], ps[1], ps[2](report.ps, top=report.top).figure
    yield "top-mappings", "Top mappings", charts.plot_top_mappings(report.measured, measure=m, top=report.top).figure
    for i, d in enumerate(report.details, 1):
        pid = "" if pd.isna(d.pid) else f"-pid{int(d.pid)}"
        ax = charts.plot_address_space(d.mappings, title=f"Address space of {d.label}"[:100])
        ax.figure.set_size_inches(9, 3.8)
        yield f"address-space-{i}{pid}", d.label, ax.figure
    yield "size-distribution", "Mapping sizes", charts.plot_size_distribution(report.frame).figure


def write_pngs(report: Report, directory: str | Path, progress: Progress = None) -> list[Path]:
    """Write every chart as its own PNG in *directory* (created); return the paths."""
    return save_figures(chart_figures(report), directory, progress=progress)


def save_figures(figures, directory: str | Path, prefix: str = "", progress: Progress = None) -> list[Path]:
    """Each ``(stem, title, figure)`` of *figures* (drawn as they are taken, in the report's
    style) as ``PREFIX<stem>.png`` in *directory* (created); return the paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.rc_context(RC):
        for stem, _title, fig in figures:
            path = directory / f"{prefix}{stem}.png"
            _save_png(fig, path)
            written.append(path)
            if progress:
                progress(stem)
    return written


def embedded_figures(figures, progress: Progress = None) -> dict[str, tuple[str, str]]:
    """Each ``(stem, title, figure)`` of *figures* as ``stem -> (title, PNG data URI)`` for HTML."""
    images = {}
    with matplotlib.rc_context(RC):
        for stem, title, fig in figures:
            buf = io.BytesIO()
            _save_png(fig, buf)
            images[stem] = (title, "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii"))
            if progress:
                progress(stem)
    return images


def write_html(report: Report, path: str | Path, progress: Progress = None) -> None:
    """Write the report as one self-contained HTML file (charts embedded as PNG data URIs)."""
    from .html import render_html

    Path(path).write_text(render_html(report, embedded_figures(chart_figures(report), progress)), encoding="utf-8")
