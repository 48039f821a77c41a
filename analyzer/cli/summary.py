"""``memmaps summary``: memory by kind, process, mapping, host, user, command, cgroup or unit."""

from __future__ import annotations

import click

from ..errors import NoDataError
from .choices import BY_CHOICES
from .options import apply_filters, filter_options, inputs_argument, load, load_options, report_notices, sort_frame
from .outputs import check_outputs
from .redaction import redact_map_path, redact_options

# views that keep captures apart (a row per capture, or the capture in the row); the others add up
SHOWS_CAPTURES = ("process", "host", "system", "oom")


@click.command("summary")
@inputs_argument
@click.option("--by", type=click.Choice(BY_CHOICES + ("system", "oom")), default="kind", show_default=True,
              help="What to group the mappings by (unit: the systemd unit or container from the cgroup); "
                   "`system`: each host's memory from /proc/meminfo; `oom`: the OOM killer's kills in kernel logs.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "markdown"]), default="text",
              show_default=True, help="text and markdown show human sizes; csv and json exact bytes.")
@click.option("-n", "--top", type=click.IntRange(min=1), default=None,
              help="Show only the first N rows (largest first for process and mapping).")
@click.option("--sort", "sort_by", metavar="COLUMN",
              help="Order the rows by COLUMN (largest first for sizes and counts; A to Z for text).")
@filter_options
@load_options
@redact_options
def command(inputs, by, fmt, top, sort_by, on_bad_lines, strict, quiet, **filters):
    """Summarize RSS, PSS, USS (private clean + dirty), swap and virtual size.

    A dash (or empty/null in csv/json) means the dump did not say: pmap -x,
    for instance, has no PSS. For a sosreport without memory maps, `--by process`
    and `--by host` show /proc/PID/status's RSS split into anonymous, file and
    shmem, and swap (rows marked `status`), or ps's RSS and VSZ (rows marked `ps`);
    `--by kind` gives status's coarse anonymous / file / shm split.
    `--by system`: per host, used = MemTotal - MemFree split into its parts
    (anonymous, page cache, shmem, slab, ...) and what no field names
    (`unexplained`), with the processes' PSS (or RSS) beside it.
    `--by oom`: one row per OOM kill found in kernel logs.

    Every input is a capture (a sosreport, a file, a proc tree). Two captures of one
    host are never added up: `--by host` shows a row per capture, `--by process` the
    capture of each process, and the other views refuse (pick one with --capture).

    \b
    Example:
        memmaps summary sample_dumps/smaps/tree --by kind
        memmaps summary proc-tree/ --by process --top 10 --format markdown
        memmaps summary sosreport-*.tar.xz --by host
        memmaps summary sosreport-*.tar.xz --by system
        memmaps summary /var/log/kern.log --by oom
        memmaps summary case/ --capture sosreport-web1-2026-01-01-abcdef --by unit --sort rss
    """
    from ..captures import refuse_mixed
    from ..ingest.trees.sosreport import SMAPS_HINT
    from ..report.table import render
    from ..summarize import PS_NOTE, STATUS_NOTE, by_oom, by_system, ps_processes, status_processes, summarize, with_ps

    from . import redaction

    check_outputs([("--redact-map", redact_map_path(), "file")], inputs)
    out_of_core = None if redaction.active() else _load_out_of_core(inputs, by)  # redaction works in memory
    batched = None if redaction.active() or out_of_core else _batched(inputs, by, filters, on_bad_lines)
    if batched is not None:  # a big input read batch by batch: the view summed per batch
        ds, views = batched
    else:
        ds, views = apply_filters(out_of_core or load(inputs, on_bad_lines), **filters), None
    n_rows = views.rows if views is not None else len(ds.mappings)
    from_ps = len(ps_processes(ds.processes)) > 0  # sosreports without maps: ps's RSS/VSZ
    from_status = len(status_processes(ds.processes)) > 0
    note = None
    if by not in SHOWS_CAPTURES:
        ids = ds.mappings if views is None else views.ids
        if not type(ids).__module__.startswith("pandas"):  # a Dask frame (a large dataset): its ids are small
            ids = ids[["host", "capture", "pid"]].drop_duplicates().compute()
        refuse_mixed(ids, f"--by {by}")
    if by == "system":
        frame = by_system(ds)
        if not len(frame):
            raise NoDataError("no /proc/meminfo in the input (a sosreport's proc/meminfo, a copied "
                              "/proc/meminfo, or the file itself): nothing to summarize by system")
    elif by == "oom":
        frame = by_oom(ds)
        if not len(frame):
            click.echo("no OOM kills found (kernel logs: dmesg, journalctl -k, /var/log/messages, kern.log)", err=True)
    elif from_status and by in ("process", "host", "kind"):
        frame = _with_status(ds, by, views)
        note = f"Rows marked `status`: {STATUS_NOTE}."
    elif from_ps and by in ("process", "host"):
        frame = with_ps(ds.mappings, ds.processes, by, views.result() if views is not None else None)
    elif from_ps and not n_rows:
        raise NoDataError(f"no memory maps to summarize by {by}: {SMAPS_HINT}. Meanwhile `--by process` "
                          "and `--by host` show ps's RSS and VSZ")
    elif not n_rows and (from_status or _has_system_facts(ds)):
        raise NoDataError(f"no memory maps to summarize by {by}: the input holds " + _what_it_holds(ds))
    else:
        frame = summarize(ds.mappings, by) if views is None else views.result()
    if sort_by:
        frame = sort_frame(frame, sort_by)
    if top:
        frame = frame.head(top)
    if fmt in ("text", "markdown"):
        frame = _for_people(frame)
    if from_ps and by in ("process", "host") and fmt in ("text", "markdown") and not note:
        click.echo(f"Rows marked `ps`: {PS_NOTE}.")
    if note and fmt in ("text", "markdown"):
        click.echo(note)
    click.echo(render(frame, fmt).rstrip("\n"))
    report_notices(ds, quiet, strict)


# Datasets holding more mappings than this are summarized out of core (Dask), --by host, kind or process.
OUT_OF_CORE_ROWS = 5_000_000


def _load_out_of_core(inputs, by):
    """The inputs, all datasets, with their mappings as a Dask DataFrame when they are large; else None."""
    from ..fleet import store

    if by not in ("host", "kind", "process") or not all(store.is_dataset(i) for i in inputs):
        return None
    if sum(store.mapping_rows(i) for i in inputs) <= OUT_OF_CORE_ROWS:
        return None
    try:
        import dask.dataframe as dd
    except ImportError:  # summarized in memory then
        return None
    from ..fleet import read
    from ..fleet.merge import merge

    ds = merge([store.load(i, mappings=False) for i in inputs])
    frames = [read(i) for i in inputs]
    ds.mappings = frames[0] if len(frames) == 1 else dd.concat(frames)
    return ds


def _has_system_facts(ds) -> bool:
    hosts = ds.hosts
    return bool(len(ds.oom_kills) or len(ds.shm) or (len(hosts) and "mem_total" in hosts.columns))


def _what_it_holds(ds) -> str:
    """What a map-less input offers instead, as the options that show it."""
    from ..summarize import status_processes

    offers = []
    if len(status_processes(ds.processes)):
        offers.append("/proc/PID/status (`--by process`, `--by host`, `--by kind`)")
    if len(ds.hosts) and "mem_total" in ds.hosts.columns and ds.hosts["mem_total"].notna().any():
        offers.append("/proc/meminfo (`--by system`)")
    if len(ds.oom_kills):
        offers.append("OOM kills (`--by oom`)")
    if len(ds.shm):
        offers.append("SysV segments (`memmaps export --table shm`)")
    return ", ".join(offers) or "nothing to summarize"


def _batched(inputs, by, filters, on_bad_lines):
    """(dataset without mappings, :class:`analyzer.summarystream.Views` of them) for one input too big
    to hold as a table (:func:`analyzer.ingest.streamtree.streamed`) and a view that adds up; else None."""
    from ..summarystream import BATCHED

    if len(inputs) != 1 or any(filters.values()) or by not in BATCHED:
        return None
    from ..ingest.streamtree import streamed
    from ..summarystream import Views

    reader = streamed(inputs[0], on_bad_lines)
    if reader is None:
        return None
    views = Views(by)
    with reader:
        for frame in reader.batches():
            views.add(frame)
        ds = reader.dataset()
    return ds, views


def _with_status(ds, by, views=None):
    """Status rows for the processes without maps, beside the maps' own view (and ps-only rows);
    *views*: the maps' view summed batch by batch (the dataset's mappings are then empty)."""
    import pandas as pd

    from ..summarize import (by_host_status, by_kind_status, by_process_status, ps_processes, status_processes,
                             summarize, with_ps)

    if by == "kind":
        status = by_kind_status(ds.processes)
        if not (len(ds.mappings) if views is None else views.rows):
            return status
        maps = summarize(ds.mappings, "kind") if views is None else views.result()
        maps["source_format"] = "maps"
        return pd.concat([maps, status])
    status = by_process_status(ds.processes) if by == "process" else by_host_status(ds.processes)
    rest = ds.processes[~ds.processes.index.isin(status_processes(ds.processes).index)]
    n_rows = len(ds.mappings) if views is None else views.rows
    maps = None if views is None or not n_rows else views.result()
    others = with_ps(ds.mappings, rest, by, maps) if len(ps_processes(rest)) or n_rows else None
    if others is None or not len(others):
        return status
    return pd.concat([others, status], ignore_index=by == "process")


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
