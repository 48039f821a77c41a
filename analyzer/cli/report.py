"""``memmaps report``: a PDF or HTML report, and every chart as a PNG."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import MemmapsError
from .options import apply_filters, filter_options, inputs_argument, load, load_options, report_notices
from .outputs import check_outputs
from .redaction import redact_map_path, redact_options

FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html"}


@click.command("report")
@inputs_argument
@click.option("-o", "--output", metavar="OUT",
              help="Report file: .pdf or .html (by extension).")
@click.option("--png-dir", metavar="DIR",
              help="Also write every chart as its own PNG in DIR (created).")
@click.option("-n", "--top", type=click.IntRange(min=1, max=200), default=20, show_default=True,
              help="Processes and mappings shown in the rankings (the rest folded into 'other').")
@click.option("--details", type=click.IntRange(min=0, max=50), default=3, show_default=True,
              help="Largest processes that get an address-space page.")
@filter_options
@load_options
@redact_options
def command(inputs, output, png_dir, top, details, on_bad_lines, strict, quiet, **filters):
    """Write a report of every INPUT that a customer can read: cover with
    hosts, inputs, totals and warnings; findings (what is wrong and what to
    do, see `memmaps findings`); memory by kind; top processes and
    top mappings; address-space maps of the largest processes; mapping sizes;
    and an appendix of every process.

    The same input always gives byte-identical files. Where the input has no
    PSS (pmap -x), the report uses RSS and says so; a sosreport without
    memory maps is reported from ps's RSS and VSZ, labelled as such.

    \b
    Example:
        memmaps report sample_dumps/ -o report.pdf
        memmaps report sosreport-host-2026-01-01.tar.xz -o report.html --png-dir charts/
        memmaps report case/ --capture sosreport-host-2026-01-01-abcdef -o report.pdf
    """
    from ..captures import refuse_mixed
    from ..values import plural

    from ..report.document import build
    from ..report.writers import page_count, write_html, write_pdf, write_pngs

    if not output and not png_dir:
        raise click.UsageError("give -o OUT (.pdf or .html) and/or --png-dir DIR")
    check_outputs([("-o", output, "file"), ("--png-dir", png_dir, "dir"), ("--redact-map", redact_map_path(), "file")],
                  inputs)
    fmt = None
    if output:
        fmt = FORMATS.get(Path(output).suffix.lower())
        if fmt is None:
            raise click.UsageError(f"cannot tell the report format from {output!r}: use a .pdf or .html name")
    ds = apply_filters(load(inputs, on_bad_lines), **filters)
    refuse_mixed(ds.mappings, "a report")
    report = build(ds, top=top, details=details)
    stderr = sys.stderr
    steps = (page_count(report) if fmt == "pdf" else len(report.details) + 4 if fmt else 0)
    steps += (len(report.details) + 4) if png_dir else 0
    show = stderr.isatty() and not quiet
    with click.progressbar(length=steps, label="Drawing", file=stderr, hidden=not show) as bar:
        def step(_name):
            bar.update(1)

        try:
            if fmt == "pdf":
                pages = write_pdf(report, output, progress=step)
                done = f"{pages} pages"
            elif fmt == "html":
                write_html(report, output, progress=step)
                done = "HTML"
            if png_dir:
                written = write_pngs(report, png_dir, progress=step)
        except OSError as exc:  # a missing directory, a full disk, no permission: the user's to fix
            raise MemmapsError(f"{exc.filename or output}: cannot write: {exc.strerror or exc}") from None
    if not quiet:
        if output:
            click.echo(f"wrote {output} ({done}; {plural(len(ds.processes), 'process', 'processes')}, "
                       f"{plural(len(ds.mappings), 'mapping')})", err=True)
        if png_dir:
            click.echo(f"wrote {len(written)} charts to {png_dir}/", err=True)
    report_notices(ds, quiet, strict)
