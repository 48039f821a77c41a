"""The report as one self-contained HTML page: the same sections and tables
as the PDF, charts embedded as PNG data URIs, no external resources.

>>> from analyzer.report.document import Table, Col
>>> import pandas as pd
>>> print(table_html(Table("T", pd.DataFrame({"path": ["<a&b>"], "rss": [2048]}),
...                        [Col("path", "path"), Col("rss", "RSS", "bytes")])))
<table><thead><tr><th>path</th><th class="n">RSS</th></tr></thead>
<tbody>
<tr><td>&lt;a&amp;b&gt;</td><td class="n">2.0 KiB</td></tr>
</tbody></table>
"""

from __future__ import annotations

from html import escape

import pandas as pd

from .. import __version__
from .document import Report, Table
from .pages import FINDINGS_NOTE, NO_MAPS, PS_CAPTION, SEVERITY_COLOURS, STATUS_CAPTION

CSS = """
body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#111}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #999;margin-top:2em}
table{border-collapse:collapse;font-family:"DejaVu Sans Mono",monospace;font-size:12px;margin:.5em 0}
th,td{padding:2px 8px;text-align:left;vertical-align:top}
th{border-bottom:1px solid #777}tr:nth-child(even) td{background:#f2f2f2}
td.n,th.n{text-align:right;white-space:nowrap}td.t{max-width:48em;overflow-wrap:anywhere}
img{max-width:100%;height:auto}.note{color:#444;font-size:.92em}.warn{color:#8a1c00;font-family:monospace}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 1.5em}dt{font-weight:bold}dd{margin:0}
footer{color:#888;font-size:.8em;margin-top:3em}
.finding h3{font-size:1em;margin:1.2em 0 .2em}.finding p{margin:.2em 0}
.finding pre{margin:.2em 0 .2em 1.5em;color:#444;font-size:12px;white-space:pre-wrap}
"""


def table_html(table: Table) -> str:
    """A table's rows as an HTML table (numbers right-aligned, text escaped)."""
    num = [c.fmt not in ("text", "addr") for c in table.cols]
    head = "".join(f'<th class="n">{escape(c.header)}</th>' if n else f"<th>{escape(c.header)}</th>"
                   for c, n in zip(table.cols, num))
    rows = []
    for cells in table.cells():
        tds = "".join(f'<td class="n">{escape(v)}</td>' if n else
                      (f'<td class="t">{escape(v)}</td>' if c.flex else f"<td>{escape(v)}</td>")
                      for v, c, n in zip(cells, table.cols, num))
        rows.append(f"<tr>{tds}</tr>")
    return f"<table><thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"


def _img(images: dict, stem: str) -> str:
    if stem not in images:
        return ""
    title, uri = images[stem]
    return f'<p><img alt="{escape(title)}" src="{uri}"></p>'


def findings_html(report: Report) -> list[str]:
    """The Findings section: each finding's heading, message, evidence and advice."""
    from ..findings import BY_ID

    frame = report.findings
    counts = frame["severity"].value_counts() if len(frame) else {}
    summary = (", ".join(f"{counts[s]} {s}" for s in ("critical", "warning", "info") if s in counts)
               if len(frame) else "none")
    out = [f"<h2>Findings ({escape(summary)})</h2>", f'<p class="note">{escape(FINDINGS_NOTE)}</p>']
    if not len(frame):
        out.append("<p>No rule found anything to report.</p>")
    for run, more in report.finding_runs():
        out += [_finding_html(row, BY_ID) for row in run.to_dict("records")]
        if more:
            first = run.iloc[0]
            out.append(f'<p class="note">... and {more} more {escape(first["severity"])} {escape(first["rule"])} '
                       "findings not shown (<code>memmaps findings</code> lists every one).</p>")
    if report.unchecked:
        out.append('<p class="note">Not checked, for want of data: ' + escape("; ".join(
            f"{r} (needs {n})" for r, n in report.unchecked)) + ".</p>")
    return out


def _finding_html(row: dict, rules: dict) -> str:
    """One finding: heading, message, evidence, what to do."""
    row = {k: None if v is None or v is pd.NA or v != v else v for k, v in row.items()}
    who = f"PID {row['pid']} {row['command'] or ''}".strip() if row["pid"] is not None else "host-wide"
    if row["host"]:
        who += f" (host {row['host']}" + (f", capture {row['capture']})" if row["capture"] else ")")
    colour = SEVERITY_COLOURS.get(row["severity"], "black")
    return "\n".join(['<div class="finding">',
                      f'<h3 style="color:{colour}">{escape(row["severity"].upper())} {escape(row["rule"])}: '
                      f"{escape(who)}</h3>",
                      f"<p>{escape(row['message'])}</p>", f"<pre>{escape(row['evidence'] or '')}</pre>",
                      f'<p class="note">What to do: {escape(rules[row["rule"]].advice)}</p>', "</div>"])


def render_html(report: Report, images: dict[str, tuple[str, str]]) -> str:
    """The whole page. *images*: chart stem -> (title, data URI)."""
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{escape(report.title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{escape(report.title)}</h1>", "<dl>"]
    out += [f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in report.facts]
    out.append("</dl><h2>Totals</h2><dl>")
    out += [f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in report.totals]
    out.append("</dl>")
    out += [f'<p class="note">{escape(n)}</p>' for n in report.notes]
    out += ["<h2>Inputs</h2>", table_html(report.inputs), f"<h2>Warnings ({len(report.warnings)})</h2>"]
    if report.warnings:
        out.append("<ul>" + "".join(f'<li class="warn">{escape(w)}</li>' for w in report.warnings) + "</ul>")
    else:
        out.append("<p>None: every input was read completely.</p>")
    if report.remarks or report.info_count:
        out.append("<h3>Notes (not warnings)</h3><ul>")
        out += [f'<li class="note">{escape(r)}</li>' for r in report.remarks]
        if report.info_count:
            many = report.info_count != 1
            out.append(f'<li class="note">{report.info_count} informational note{"s" if many else ""} from reading '
                       f'the inputs {"are" if many else "is"} not shown: run <code>memmaps info</code> to see them.</li>')
        out.append("</ul>")
    extra = report.extra or {}
    for table in extra.get("glance", []):  # the biggest at a glance
        out += [f"<h3>{escape(table.title)}</h3>", table_html(table)]
    out += findings_html(report)
    from . import system

    tables = system.tables(extra.get("system", pd.DataFrame()), extra.get("oom", pd.DataFrame()),
                           extra.get("shm", pd.DataFrame()))
    if "system" in tables:
        out += ["<h2>Where the memory is</h2>", _img(images, "system"),
                f'<p class="note">{escape(system.SYSTEM_CAPTION)}</p>', table_html(tables["system"])]
    for name in ("oom", "shm"):
        if name in tables:
            out += [f"<h2>{escape(tables[name].title)}</h2>", f'<p class="note">{escape(tables[name].note)}</p>',
                    table_html(tables[name])]
    if "top-processes-status" in images:
        out += ["<h2>Top processes (from /proc/PID/status)</h2>", _img(images, "top-processes-status"),
                f'<p class="note">{escape(STATUS_CAPTION)}</p>']
    ps = ["<h2>Top processes by RSS, from ps</h2>", _img(images, "top-processes-ps"),
          f'<p class="note">{escape(PS_CAPTION.format(top=report.top))}</p>'] if len(report.ps) else []
    if report.has_maps:
        out += ["<h2>Memory by mapping kind</h2>", _img(images, "kinds"), table_html(report.kinds),
                "<h2>Top processes</h2>", _img(images, "top-processes")] + ps + [
                "<h2>Top mappings across processes</h2>", _img(images, "top-mappings"), table_html(report.top_mappings)]
        stems = [s for s in images if s.startswith("address-space-")]
        for stem, d in zip(stems, report.details):
            out += [f"<h2>{escape(d.label)}</h2>", _img(images, stem), table_html(d.largest)]
        out += ["<h2>Mapping sizes</h2>", _img(images, "size-distribution")]
    else:
        out += ps + [f'<p class="note">{escape(NO_MAPS)}</p>']
    out += ["<h2>Appendix: every process</h2>", f'<p class="note">{escape(report.processes.note)}</p>',
            table_html(report.processes), f"<footer>memmaps {escape(__version__)}</footer>", "</body></html>", ""]
    return "\n".join(out)
