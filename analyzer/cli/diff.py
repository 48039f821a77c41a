"""``memmaps diff``: what grew between two captures, and a report of it."""

from __future__ import annotations

import click

from .choices import DIFF_BY
from .options import load, load_options, report_notices
from .outputs import check_outputs
from .redaction import redact_map_path, redact_options


class SizeType(click.ParamType):
    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        from ..report.difftable import parse_size

        try:
            return parse_size(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def filter_options(f):
    """The filters of ``summary``, applied to both sides before comparing."""
    f = click.option("--host", multiple=True, help="Only this host (repeatable).")(f)
    f = click.option("--path", metavar="REGEX", help="Only mappings whose path matches.")(f)
    f = click.option("--kind", multiple=True, help="Only mappings of this kind (repeatable).")(f)
    f = click.option("--command", metavar="REGEX", help="Only processes whose command matches.")(f)
    f = click.option("--pid", type=int, multiple=True, help="Only this PID (repeatable).")(f)
    return f


def apply_filters(frame, pid, command, kind, path, host):
    from ..select import select

    try:
        return select(frame, pid=list(pid) or None, command=command, kind=list(kind) or None, path=path,
                      host=list(host) or None)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@click.command("diff")
@click.argument("before", metavar="BEFORE")
@click.argument("after", metavar="AFTER")
@click.option("--by", type=click.Choice(DIFF_BY), default="process", show_default=True,
              help="Compare processes, mappings (within each process), kinds or hosts.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "markdown"]), default="text",
              show_default=True, help="text and markdown: signed human sizes, fewer columns; csv and json: "
              "every column in exact bytes.")
@click.option("-n", "--top", type=click.IntRange(min=1), default=None, help="Show only the first N rows (biggest growers).")
@click.option("--min-delta", type=SizeType(), default=None,
              help="Only rows that grew or shrank by at least SIZE (PSS, else RSS), e.g. 1M.")
@filter_options
@click.option("-o", "--output", metavar="OUT", type=click.Path(dir_okay=False, writable=True),
              help="Also write a diff report: .pdf or .html (by extension).")
@click.option("--png-dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Also write every chart of the diff report as a PNG in DIR (created).")
@load_options
@redact_options
def command(before, after, by, fmt, top, min_delta, pid, command, kind, path, host, output, png_dir,
            on_bad_lines, strict, quiet):
    """Compare two captures of the same machine: what grew, what shrank,
    what appeared and what went.

    BEFORE and AFTER are each one capture in any form memmaps reads (smaps
    file or loop, copied proc tree, pmap output, sosreport, archive); the two
    need not be the same form. Processes are the same when host, PID and
    command agree (a side without host or command is matched on what it has;
    a PID reused by another program shows as `gone` plus `new`). Mappings are
    the same when their address ranges overlap, so a heap that grew is one
    row, and regions the kernel merged or split are one row, not a leak.
    Rows are sorted by growth (PSS, else RSS), biggest first. A dash (empty or
    null in csv/json) means a side's format does not say (pmap -x has no PSS).

    \b
    Example:
        memmaps diff sample_dumps/growth/loop/snapshot-1.smaps sample_dumps/growth/loop/snapshot-3.smaps
        memmaps diff before.smaps sosreport-after.tar.xz --by mapping --top 20
        memmaps diff before/ after/ --by kind --format csv
        memmaps diff before.smaps after.smaps --min-delta 1M -o diff.pdf
    """
    from pathlib import Path

    from .report import FORMATS

    report_fmt = None
    if output:
        report_fmt = FORMATS.get(Path(output).suffix.lower())
        if report_fmt is None:
            raise click.UsageError(f"cannot tell the report format from {output!r}: use a .pdf or .html name")
    check_outputs([("-o", output, "file"), ("--png-dir", png_dir, "dir"), ("--redact-map", redact_map_path(), "file")],
                  (before, after))
    ds_before = load((before,), on_bad_lines)
    ds_after = load((after,), on_bad_lines)
    for name, ds in ((before, ds_before), (after, ds_after)):
        no_maps(name, ds)
    fb = apply_filters(ds_before.mappings, pid, command, kind, path, host)
    fa = apply_filters(ds_after.mappings, pid, command, kind, path, host)
    from ..compare import diff
    from ..report.difftable import filter_rows, render_diff

    table = filter_rows(diff(fb, fa, by=by), top, min_delta)
    click.echo(render_diff(table, fmt).rstrip("\n"))
    if output or png_dir:
        from .redaction import text

        _write_report(fb, fa, text(before), text(after), output, report_fmt, png_dir, quiet)
    for ds in (ds_before, ds_after):
        report_notices(ds, quiet, strict=False)
    if strict and (ds_before.warnings or ds_after.warnings):
        click.echo("memmaps: error: warning(s) and --strict given", err=True)
        raise click.exceptions.Exit(1)


def no_maps(name: str, ds) -> None:
    """A capture without memory maps cannot be compared: say why (a sosreport made without smaps)."""
    if len(ds.mappings):
        return
    from ..errors import NoDataError
    from ..ingest.trees.sosreport import SMAPS_HINT
    from ..summarize import ps_processes

    why = f": {SMAPS_HINT}" if len(ps_processes(ds.processes)) else ""
    raise NoDataError(f"{name}: no memory maps to compare{why}")


def _write_report(fb, fa, before, after, output, fmt, png_dir, quiet):
    from ..errors import MemmapsError
    from ..report.diffreport import build_diff, write_diff_html, write_diff_pdf, write_diff_pngs

    report = build_diff(fb, fa, before_name=before, after_name=after)
    try:
        if fmt == "pdf":
            pages = write_diff_pdf(report, output)
            done = f"{pages} pages"
        elif fmt == "html":
            write_diff_html(report, output)
            done = "HTML"
        if png_dir:
            written = write_diff_pngs(report, png_dir)
    except OSError as exc:
        raise MemmapsError(f"{exc.filename or output}: cannot write: {exc.strerror or exc}") from None
    if not quiet:
        if output:
            click.echo(f"wrote {output} ({done})", err=True)
        if png_dir:
            click.echo(f"wrote {len(written)} charts to {png_dir}/", err=True)
