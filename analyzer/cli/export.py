"""``memmaps export``: a whole table (mappings, processes, hosts, notices) to a file."""

from __future__ import annotations

import click

from .. import export as exporter
from ..errors import MemmapsError
from .options import inputs_argument, load, load_options, report_notices


@click.command("export")
@inputs_argument
@click.option("-o", "--output", required=True, metavar="OUT",
              help="File to write (`-` for standard output, text formats only).")
@click.option("--format", "fmt", type=click.Choice(exporter.FORMATS),
              help="Output format; default: from OUT's extension.")
@click.option("--table", "table", type=click.Choice(exporter.TABLES), default="mappings", show_default=True,
              help="Which table: one row per mapping, process, host (sosreport) or notice.")
@load_options
def command(inputs, output, fmt, table, on_bad_lines, strict, quiet):
    """Write every mapping of every INPUT as one table (CSV, Parquet, JSON, JSON Lines),
    or with --table the processes, the hosts or the notices.

    Sizes are in bytes; a value the dump did not give is empty (CSV) or null (JSON).
    The columns of every table are listed in the README.

    \b
    Example:
        memmaps export sample_dumps/smaps/ -o mappings.csv
        memmaps export dump.smaps.gz -o - --format jsonl | head
        memmaps export sosreport-*.tar.xz --table processes -o processes.parquet
    """
    try:
        fmt = exporter.format_for(output, fmt)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    ds = load(inputs, on_bad_lines)
    try:
        frame = exporter.table(ds, table)
        exporter.write(frame, output, fmt)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:  # a missing directory, a full disk, no permission: the user's to fix
        raise MemmapsError(f"{output}: cannot write: {exc.strerror or exc}") from None
    if output != "-" and not quiet:
        if table == "mappings":
            click.echo(f"wrote {len(ds.mappings)} mappings of {len(ds.processes)} processes to {output} ({fmt})",
                       err=True)
        else:
            click.echo(f"wrote {len(frame)} rows of the {table} table to {output} ({fmt})", err=True)
    report_notices(ds, quiet, strict)
