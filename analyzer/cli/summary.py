"""``memmaps summary``: memory by kind, process, mapping, host, user, command, cgroup or unit."""

from __future__ import annotations

import click

from ..captures import refuse_mixed
from ..errors import NoDataError
from ..ingest.sosreport import SMAPS_HINT
from ..report.table import render
from ..summarize import BY_CHOICES, PS_NOTE, ps_processes, summarize, with_ps
from .options import apply_filters, filter_options, inputs_argument, load, load_options, report_notices, sort_frame

# views that keep captures apart (a row per capture, or the capture in the row); the others add up
SHOWS_CAPTURES = ("process", "host")


@click.command("summary")
@inputs_argument
@click.option("--by", type=click.Choice(BY_CHOICES), default="kind", show_default=True,
              help="What to group the mappings by (unit: the systemd unit or container from the cgroup).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "markdown"]), default="text",
              show_default=True, help="text and markdown show human sizes; csv and json exact bytes.")
@click.option("-n", "--top", type=click.IntRange(min=1), default=None,
              help="Show only the first N rows (largest first for process and mapping).")
@click.option("--sort", "sort_by", metavar="COLUMN",
              help="Order the rows by COLUMN (largest first for sizes and counts; A to Z for text).")
@filter_options
@load_options
def command(inputs, by, fmt, top, sort_by, on_bad_lines, strict, quiet, **filters):
    """Summarize RSS, PSS, USS (private clean + dirty), swap and virtual size.

    A dash (or empty/null in csv/json) means the dump did not say: pmap -x,
    for instance, has no PSS. For a sosreport without memory maps, `--by process`
    and `--by host` show ps's RSS and VSZ instead, in rows marked `ps`.

    Every input is a capture (a sosreport, a file, a proc tree). Two captures of one
    host are never added up: `--by host` shows a row per capture, `--by process` the
    capture of each process, and the other views refuse (pick one with --capture).

    \b
    Example:
        memmaps summary sample_dumps/smaps/tree --by kind
        memmaps summary proc-tree/ --by process --top 10 --format markdown
        memmaps summary sosreport-*.tar.xz --by host
        memmaps summary case/ --capture sosreport-web1-2026-01-01-abcdef --by unit --sort rss
    """
    ds = apply_filters(load(inputs, on_bad_lines), **filters)
    from_ps = len(ps_processes(ds.processes)) > 0  # sosreports without maps: ps's RSS/VSZ
    if by not in SHOWS_CAPTURES:
        refuse_mixed(ds.mappings, f"--by {by}")
    if from_ps and by in ("process", "host"):
        frame = with_ps(ds.mappings, ds.processes, by)
    elif from_ps and not len(ds.mappings):
        raise NoDataError(f"no memory maps to summarize by {by}: {SMAPS_HINT}. Meanwhile `--by process` "
                          "and `--by host` show ps's RSS and VSZ")
    else:
        frame = summarize(ds.mappings, by)
    if sort_by:
        frame = sort_frame(frame, sort_by)
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
    name no host), the capture when there is one (or it is the source itself), and the
    source when host, capture and PID already tell processes apart (csv and json keep every column)."""
    if "host" in frame.columns and frame["host"].isna().all():
        frame = frame.drop(columns="host")
    if "capture" in frame.columns and "source" in frame.columns:
        same = frame["capture"].astype("string").fillna("") == frame["source"].astype("string").fillna("")
        if frame["capture"].nunique(dropna=False) <= 1 or same.all():
            frame = frame.drop(columns="capture")
    if "source" in frame.columns and "pid" in frame.columns and frame["pid"].notna().all():
        keys = [c for c in ("host", "capture", "pid") if c in frame.columns]
        if not frame.duplicated(keys).any():
            frame = frame.drop(columns="source")
    return frame
