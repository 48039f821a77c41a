"""``memmaps export``: the whole mappings table to a file."""

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
@click.option("--table", type=click.Choice(["mappings", "shm", "oom_kills", "oom_tasks"]), default="mappings",
              show_default=True, help="Which table: the mappings, SysV segments (shm), OOM kills (one row per "
                                      "kill), or the OOM killer's task tables (one row per listed process and kill).")
@load_options
def command(inputs, output, fmt, table, on_bad_lines, strict, quiet):
    """Write every mapping of every INPUT as one table (CSV, Parquet, JSON, JSON Lines).

    Sizes are in bytes; a value the dump did not give is empty (CSV) or null (JSON).

    \b
    Example:
        memmaps export sample_dumps/smaps/ -o mappings.csv
        memmaps export dump.smaps.gz -o - --format jsonl | head
        memmaps export sosreport-*.tar.xz --table oom_kills -o kills.csv
    """
    try:
        fmt = exporter.format_for(output, fmt)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    ds = load(inputs, on_bad_lines)
    frame = getattr(ds, table)
    try:
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
            click.echo(f"wrote {len(frame)} rows of {table} to {output} ({fmt})", err=True)
    report_notices(ds, quiet, strict)
