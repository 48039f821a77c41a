"""``memmaps summary``: memory by kind, process, mapping or host."""

from __future__ import annotations

import click

from ..report.table import render
from ..errors import NoDataError
from ..ingest.sosreport import SMAPS_HINT
from ..summarize import BY_CHOICES, PS_NOTE, ps_processes, summarize, with_ps
from .options import inputs_argument, load, load_options, report_notices
from .redaction import redact_options


@click.command("summary")
@inputs_argument
@click.option("--by", type=click.Choice(BY_CHOICES), default="kind", show_default=True,
              help="What to group the mappings by.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "markdown"]), default="text",
              show_default=True, help="text and markdown show human sizes; csv and json exact bytes.")
@click.option("-n", "--top", type=click.IntRange(min=1), default=None,
              help="Show only the first N rows (largest first for process and mapping).")
@load_options
@redact_options
def command(inputs, by, fmt, top, on_bad_lines, strict, quiet):
    """Summarize RSS, PSS, USS (private clean + dirty), swap and virtual size.

    A dash (or empty/null in csv/json) means the dump did not say: pmap -x,
    for instance, has no PSS. For a sosreport without memory maps, `--by process`
    and `--by host` show ps's RSS and VSZ instead, in rows marked `ps`.

    \b
    Example:
        memmaps summary sample_dumps/ --by kind
        memmaps summary proc-tree/ --by process --top 10 --format markdown
        memmaps summary sosreport-*.tar.xz --by host
    """
    ds = load(inputs, on_bad_lines)
    from_ps = len(ps_processes(ds.processes)) > 0  # sosreports without maps: ps's RSS/VSZ
    if from_ps and by in ("process", "host"):
        frame = with_ps(ds.mappings, ds.processes, by)
    elif from_ps and not len(ds.mappings):
        raise NoDataError(f"no memory maps to summarize by {by}: {SMAPS_HINT}. Meanwhile `--by process` "
                          "and `--by host` show ps's RSS and VSZ")
    else:
        frame = summarize(ds.mappings, by)
    if top:
        frame = frame.head(top)
    if fmt in ("text", "markdown"):
        frame = _for_people(frame)
    if from_ps and by in ("process", "host") and fmt in ("text", "markdown"):
        click.echo(f"Rows marked `ps`: {PS_NOTE}.")
    click.echo(render(frame, fmt).rstrip("\n"))
    report_notices(ds, quiet, strict)


def _for_people(frame):
    """Drop columns that tell a reader nothing: a host column of dashes (dumps that
    name no host), and the source when host and PID already tell processes apart
    (csv and json keep every column)."""
    if "host" in frame.columns and frame["host"].isna().all():
        frame = frame.drop(columns="host")
    if "source" in frame.columns and "pid" in frame.columns and frame["pid"].notna().all():
        keys = [c for c in ("host", "pid") if c in frame.columns]
        if not frame.duplicated(keys).any():
            frame = frame.drop(columns="source")
    return frame
