"""``memmaps export``: the whole mappings table to a file."""

from __future__ import annotations

import click

from ..errors import MemmapsError
from .choices import EXPORT_FORMATS
from .options import inputs_argument, load, load_options, report_notices


@click.command("export")
@inputs_argument
@click.option("-o", "--output", required=True, metavar="OUT",
              help="File to write (`-` for standard output, text formats only).")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS),
              help="Output format; default: from OUT's extension.")
@load_options
def command(inputs, output, fmt, on_bad_lines, strict, quiet):
    """Write every mapping of every INPUT as one table (CSV, Parquet, JSON, JSON Lines).

    Sizes are in bytes; a value the dump did not give is empty (CSV) or null (JSON).
    One smaps file larger than 512 MB is read and written in batches, so memory
    stays bounded whatever its size.

    \b
    Example:
        memmaps export sample_dumps/smaps/ -o mappings.csv
        memmaps export dump.smaps.gz -o - --format jsonl | head
    """
    from .. import export as exporter

    try:
        fmt = exporter.format_for(output, fmt)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    from ..ingest import stream

    if len(inputs) == 1 and stream.streamable(inputs[0]):
        _export_batches(inputs[0], output, fmt, on_bad_lines, strict, quiet)
        return
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


def _export_batches(item: str, output: str, fmt: str, on_bad_lines: str, strict: bool, quiet: bool) -> None:
    """An smaps file too big to hold as one table: parsed and written batch by batch
    (:func:`analyzer.ingest.stream.smaps_batches`), memory bounded by the batch size."""
    import sys

    from ..exportstream import Writer
    from ..ingest.stream import smaps_batches

    if fmt == "parquet" and output == "-":
        raise click.UsageError("Parquet cannot be written to standard output: give a file name")
    notices, processes, rows = [], 0, 0
    try:
        handle = sys.stdout if output == "-" else (output if fmt == "parquet" else open(output, "w", encoding="utf-8"))
        writer = Writer(handle, fmt)
        try:
            for batch in smaps_batches(item, on_bad_lines):
                writer.write(batch.mappings)
                rows += len(batch.mappings)
                processes += len(batch.processes)
                notices.extend(batch.notices)
            dropped = writer.close()
        finally:
            if handle not in (sys.stdout, output):
                handle.close()
    except OSError as exc:  # a missing directory, a full disk, no permission: the user's to fix
        raise MemmapsError(f"{output}: cannot write: {exc.strerror or exc}") from None
    if dropped:
        from ..errors import Notice

        notices.append(Notice(item, None, f"fields first seen after the first batch not exported: {', '.join(dropped)}"))
    if output != "-" and not quiet:
        click.echo(f"wrote {rows} mappings of {processes} processes to {output} ({fmt}; read in batches)", err=True)
    warnings = [n for n in notices if n.level == "warning"]
    if not quiet:
        for notice in warnings:
            click.echo(f"memmaps: {notice}", err=True)
    if strict and warnings:
        click.echo(f"memmaps: error: {len(warnings)} warning(s) and --strict given", err=True)
        raise click.exceptions.Exit(1)
