"""``memmaps export``: a whole table (mappings, processes, hosts, notices) to a file, or every table
to a dataset folder."""

from __future__ import annotations

import sys
from pathlib import PurePosixPath

import click

from ..errors import MemmapsError
from .choices import EXPORT_FORMATS, EXPORT_TABLES
from .options import apply_filters, filter_options, inputs_argument, load, load_options, report_notices
from .outputs import check_outputs
from .redaction import redact_map_path, redact_options


def _is_dataset_output(output: str, fmt: str | None) -> bool:
    """A dataset folder: an existing dataset, or a name without a suffix with --format parquet."""
    from ..fleet.store import is_dataset

    if output == "-":
        return False
    if is_dataset(output):
        return True
    return fmt == "parquet" and not PurePosixPath(output.split("://", 1)[-1].rstrip("/")).suffix


@click.command("export")
@inputs_argument
@click.option("-o", "--output", required=True, metavar="OUT",
              help="File to write (`-` for standard output, text formats only); with --format parquet, "
                   "a name without a suffix (or an existing dataset) is a dataset folder, or any fsspec URL.")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS),
              help="Output format; default: from OUT's extension.")
@click.option("--table", "table", type=click.Choice(EXPORT_TABLES), default="mappings", show_default=True,
              help="Which table: one row per mapping, process, host (sosreport) or notice; SysV segments "
                   "(shm), OOM kills (one row per kill) or the OOM killer's task tables (oom_tasks).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Dataset only: read the inputs on a local Dask cluster of N worker processes "
                   "(1: in this process, without Dask).")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="Dataset only: read the inputs on this existing Dask cluster (OUT must be writable by its workers).")
@click.option("--resume", is_flag=True,
              help="Dataset only: skip the inputs already in it (without: read them again, replacing their rows).")
@filter_options
@load_options
@redact_options
def command(inputs, output, fmt, table, workers, scheduler, resume, on_bad_lines, strict, quiet, **filters):
    """Write every mapping of every INPUT as one table (CSV, Parquet, JSON, JSON Lines),
    or with --table the processes, the hosts or the notices, or every table of every INPUT
    into a Parquet dataset folder.

    Sizes are in bytes; a value the dump did not give is empty (CSV) or null (JSON).
    The columns of every table are listed in the README.

    A dataset (`-o DIR --format parquet`) holds the mappings, processes, hosts and
    notices, partitioned by host (`DIR/mappings/host=NAME/...`), and a manifest of the
    inputs in it: an input that cannot be read is recorded with its error while the
    others land (exit status 1). Every command reads DIR as the inputs it holds.

    One smaps file from 512 MB (64 MB compressed), and an archive or directory (a
    sosreport, a proc tree) from 64 MB (16 MB compressed), are read and written in batches
    (mappings table, no filters, no --redact), so memory stays bounded whatever
    their size; a tree's parsed rows wait in a temporary folder (TMPDIR) until
    its ps output is read.

    \b
    Example:
        memmaps export sample_dumps/smaps/ -o mappings.csv
        memmaps export dump.smaps.gz -o - --format jsonl | head
        memmaps export sosreport-*.tar.xz --table processes -o processes.parquet
        memmaps export sosreports/*.tar.xz -o fleet --format parquet --workers 2
        memmaps summary fleet --by host
        memmaps export sosreport-*.tar.xz --table oom_kills -o kills.csv
        memmaps export case/ -o heaps.csv --kind heap --command 'java|python'
    """
    from .. import export as exporter
    from ..values import plural
    from . import redaction

    dataset = _is_dataset_output(output, fmt)
    if "://" not in output:  # a local path: never an input, never inside an input folder
        check_outputs([("-o", output, "dir" if dataset else "file")], inputs)
    check_outputs([("--redact-map", redact_map_path(), "file")], inputs)
    if dataset:
        if redaction.active():
            raise click.UsageError("--redact writes what you share: export a table (-o FILE), not a dataset")
        _export_dataset(inputs, output, workers, scheduler, resume, on_bad_lines, strict, quiet)
        return
    if workers > 1 or scheduler or resume:
        raise click.UsageError("--workers, --scheduler and --resume write a dataset: give -o DIR --format parquet")
    try:
        fmt = exporter.format_for(output, fmt)
    except ValueError as exc:
        raise click.UsageError(f"{exc} (or -o DIR --format parquet for a dataset folder)") from None
    if len(inputs) == 1 and table == "mappings" and not any(filters.values()) and not redaction.active():
        from ..ingest.streamtree import streamed

        reader = streamed(inputs[0], on_bad_lines)  # --redact keeps the whole table (redaction works in memory)
        if reader is not None:
            _export_batches(reader, inputs[0], output, fmt, strict, quiet)
            return
    ds = apply_filters(load(inputs, on_bad_lines), **filters)
    try:
        frame = exporter.table(ds, table)
        exporter.write(frame, output, fmt)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:  # a missing directory, a full disk, no permission: the user's to fix
        raise MemmapsError(f"{output}: cannot write: {exc.strerror or exc}") from None
    if output != "-" and not quiet:
        if table == "mappings":
            click.echo(f"wrote {plural(len(ds.mappings), 'mapping')} of "
                       f"{plural(len(ds.processes), 'process', 'processes')} to {output} ({fmt})", err=True)
        else:
            click.echo(f"wrote {plural(len(frame), 'row')} of the {table} table to {output} ({fmt})", err=True)
    report_notices(ds, quiet, strict)


def _export_dataset(inputs, output, workers, scheduler, resume, on_bad_lines, strict, quiet):
    from ..fleet import run

    counts = {"done": 0, "failed": 0}
    bar = None
    total = len(inputs)
    if sys.stderr.isatty() and not quiet:
        bar = click.progressbar(length=total, label="Inputs", file=sys.stderr, show_pos=True)
        bar.__enter__()

    def progress(row):
        counts[row["status"]] += 1
        if row["status"] == "failed" and not quiet:
            click.echo(f"\nmemmaps: {row['error']}" if bar else f"memmaps: {row['error']}", err=True)
        if bar is not None:
            bar.update(1)

    try:
        manifest = run.export(inputs, output, workers=workers, scheduler=scheduler, resume=resume,
                              on_bad_lines=on_bad_lines, progress=progress)
    except OSError as exc:
        raise MemmapsError(f"{output}: cannot write: {exc.strerror or exc}") from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    skipped = total - counts["done"] - counts["failed"]
    rows = [r for r in manifest["inputs"] if r.get("status") == "done"]
    warned = sum(r.get("warnings", 0) for r in rows)
    if not quiet:
        click.echo(f"wrote {counts['done']} inputs to {output} ({counts['failed']} failed, {skipped} skipped "
                   f"as already in it); it holds {len(rows)} inputs, "
                   f"{sum(r.get('mappings', 0) for r in rows)} mappings", err=True)
        if warned:
            click.echo(f"memmaps: {warned} warning(s) in the inputs written: `memmaps info {output}` lists them",
                       err=True)
    if counts["failed"]:
        raise MemmapsError(f"{counts['failed']} of {total} inputs could not be read (recorded in "
                           f"{output}; the others were written)")
    if strict and warned:
        click.echo(f"memmaps: error: {warned} warning(s) and --strict given", err=True)
        raise click.exceptions.Exit(1)


def _export_batches(reader, item: str, output: str, fmt: str, strict: bool, quiet: bool) -> None:
    """An input too big to hold as one table (:func:`analyzer.ingest.streamtree.streamed`: one big
    smaps file, a big sosreport, archive or directory): read and written batch by batch, memory
    bounded by the batch size; its processes, hosts and notices as the whole load gives them."""
    import sys

    from ..errors import Notice
    from ..exportstream import Writer

    if fmt == "parquet" and output == "-":
        raise click.UsageError("Parquet cannot be written to standard output: give a file name")
    with reader:  # a tree is read here: an input error comes before OUT is opened
        try:
            handle = sys.stdout if output == "-" else (output if fmt == "parquet" else open(output, "w", encoding="utf-8"))
            writer = Writer(handle, fmt)
            try:
                for frame in reader.batches():
                    writer.write(frame)
                dropped = writer.close()
                ds = reader.dataset()
            finally:
                if handle not in (sys.stdout, output):
                    handle.close()
        except OSError as exc:  # a missing directory, a full disk, no permission: the user's to fix
            raise MemmapsError(f"{output}: cannot write: {exc.strerror or exc}") from None
    if dropped:
        ds.notices.append(Notice(item, None, f"fields first seen after the first batch not exported: {', '.join(dropped)}"))
    if output != "-" and not quiet:
        click.echo(f"wrote {writer.rows} mappings of {len(ds.processes)} processes to {output} ({fmt}; read in batches)",
                   err=True)
    report_notices(ds, quiet, strict)
