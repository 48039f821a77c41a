"""``memmaps export``: the whole mappings table to a file."""

from __future__ import annotations

import click

from .. import export as exporter
from ..errors import MemmapsError
from .options import inputs_argument, load, load_options, report_notices
from .redaction import redact_map_path, redact_options
from .outputs import check_outputs


@click.command("export")
@inputs_argument
@click.option("-o", "--output", required=True, metavar="OUT",
              help="File to write (`-` for standard output, text formats only).")
@click.option("--format", "fmt", type=click.Choice(exporter.FORMATS),
              help="Output format; default: from OUT's extension.")
@load_options
@redact_options
def command(inputs, output, fmt, on_bad_lines, strict, quiet):
    """Write every mapping of every INPUT as one table (CSV, Parquet, JSON, JSON Lines).

    Sizes are in bytes; a value the dump did not give is empty (CSV) or null (JSON).

    \b
    Example:
        memmaps export sample_dumps/smaps/ -o mappings.csv
        memmaps export dump.smaps.gz -o - --format jsonl | head
    """
    check_outputs([("-o", output, "file"), ("--redact-map", redact_map_path(), "file")], inputs)
    try:
        fmt = exporter.format_for(output, fmt)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    ds = load(inputs, on_bad_lines)
    try:
        exporter.write(ds.mappings, output, fmt)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:  # a missing directory, a full disk, no permission: the user's to fix
        raise MemmapsError(f"{output}: cannot write: {exc.strerror or exc}") from None
    if output != "-" and not quiet:
        click.echo(f"wrote {len(ds.mappings)} mappings of {len(ds.processes)} processes to {output} ({fmt})", err=True)
    report_notices(ds, quiet, strict)
