"""Options every command shares, as decorators, and the shared load step."""

from __future__ import annotations

import sys
import time

import click

from typing import TYPE_CHECKING

from ..errors import ON_BAD_LINES

if TYPE_CHECKING:
    from ..dataset import Dataset


def inputs_argument(f):
    return click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")(f)


def load_options(f):
    f = click.option("--on-bad-lines", type=click.Choice(ON_BAD_LINES), default="warn", show_default=True,
                     help="What to do with a line that cannot be interpreted.")(f)
    f = click.option("--strict", is_flag=True,
                     help="Exit with status 1 if any input gave a warning (data partial or lost).")(f)
    f = click.option("-q", "--quiet", is_flag=True, help="Do not print warnings on stderr.")(f)
    return f


# The bar appears only once reading has taken this long (most inputs load well under a second).
PROGRESS_DELAY = 0.5


class _Progress:
    """A progress bar over the inputs' bytes, drawn only once reading is slow."""

    def __init__(self, total: int):
        self.total = total
        self.done = 0
        self.start = time.monotonic()
        self.bar = None

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is None:
            if time.monotonic() - self.start < PROGRESS_DELAY:
                return
            self.bar = click.progressbar(length=self.total, label="Reading", file=sys.stderr)
            self.bar.__enter__()
            self.bar.update(self.done - n)
        self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def load(inputs: tuple[str, ...], on_bad_lines: str, show_progress: bool = True) -> Dataset:
    """Load the inputs, with a progress bar (bytes read, as stored) on a terminal when it takes a while.

    A dataset folder (``memmaps export -o DIR --format parquet``) is read as the inputs it holds.
    Under ``--redact`` (:func:`analyzer.cli.redaction.redact_options`) the dataset comes back redacted."""
    from . import redaction

    return redaction.apply(_load(inputs, on_bad_lines, show_progress))


def _load(inputs: tuple[str, ...], on_bad_lines: str, show_progress: bool = True) -> Dataset:
    from ..fleet.store import is_dataset

    if any(is_dataset(i) for i in inputs):
        from ..fleet.merge import load_mixed

        return load_mixed(inputs, lambda group: _load(group, on_bad_lines, show_progress))
    from ..ingest import input_bytes, load_dataset

    if show_progress and sys.stderr.isatty():
        progress = _Progress(input_bytes(inputs))
        try:
            return load_dataset(*inputs, on_bad_lines=on_bad_lines, read_bytes=progress.update)
        finally:
            progress.close()
    return load_dataset(*inputs, on_bad_lines=on_bad_lines)


def report_notices(ds: Dataset, quiet: bool, strict: bool) -> None:
    """Print warnings to stderr; under --strict, exit 1 if there were any."""
    if not quiet:
        for notice in ds.warnings:
            click.echo(f"memmaps: {notice}", err=True)
    if strict and ds.warnings:
        click.echo(f"memmaps: error: {len(ds.warnings)} warning(s) and --strict given", err=True)
        raise click.exceptions.Exit(1)


def filter_options(f):
    """``--pid``, ``--command``, ``--kind``, ``--path``, ``--host``, ``--capture``: the rows to keep
    (:func:`analyzer.select.select`); a command takes them as ``**filters`` and calls :func:`apply_filters`."""
    from .choices import KINDS

    options = [
        click.option("--capture", "f_capture", multiple=True, metavar="NAME",
                     help="Only this capture (a sosreport's name, a file's path); repeatable."),
        click.option("--host", "f_host", multiple=True, metavar="HOST", help="Only this host; repeatable."),
        click.option("--path", "f_path", metavar="REGEX", help="Only mappings whose path matches REGEX."),
        click.option("--kind", "f_kind", multiple=True, type=click.Choice(KINDS),
                     help="Only mappings of this kind; repeatable."),
        click.option("--command", "f_command", metavar="REGEX",
                     help="Only processes whose command line matches REGEX (searched anywhere)."),
        click.option("--pid", "f_pid", multiple=True, type=int, metavar="PID", help="Only this PID; repeatable."),
    ]
    for option in options:
        f = option(f)
    return f


def apply_filters(ds: Dataset, f_pid=(), f_command=None, f_kind=(), f_path=None, f_host=(), f_capture=()) -> Dataset:
    """The dataset narrowed to the rows the filter options keep (the mappings, and the processes
    and hosts they name); unchanged when no filter was given."""
    import re

    import pandas as pd

    from ..select import select

    criteria = {"pid": list(f_pid) or None, "command": f_command, "kind": list(f_kind) or None,
                "path": f_path, "host": list(f_host) or None, "capture": list(f_capture) or None}
    criteria = {k: v for k, v in criteria.items() if v is not None}
    if not criteria:
        return ds
    for key in ("command", "path"):
        if key in criteria:
            try:
                criteria[key] = re.compile(criteria[key])
            except re.error as exc:
                raise click.BadParameter(f"not a regular expression: {exc}", param_hint=f"--{key}") from None
    known = set(ds.mappings["capture"].dropna()) | set(ds.processes.get("capture", pd.Series(dtype=str)).dropna())
    for name in criteria.get("capture", []):
        if name not in known:
            raise click.BadParameter(f"no capture {name!r}; captures: {', '.join(sorted(known)) or 'none'}",
                                     param_hint="--capture")
    mappings = select(ds.mappings, **criteria)
    procs = ds.processes
    if len(procs):
        proc_criteria = {k: v for k, v in criteria.items() if k in ("pid", "command", "host", "capture")}
        frame = procs.copy(deep=False)
        for col in ("host", "command", "capture"):
            if col not in frame.columns:
                frame[col] = pd.NA
        keep = select(frame.assign(kind=pd.NA, path=pd.NA), **proc_criteria).index if proc_criteria else frame.index
        procs = procs.loc[keep]
        if "kind" in criteria or "path" in criteria:  # only processes that still have a mapping
            procs = procs[procs["source"].isin(set(mappings["source"].dropna()))]
    hosts = ds.hosts
    if len(hosts) and "capture" in hosts.columns:
        hosts = hosts[hosts["capture"].isin(set(procs.get("capture", pd.Series(dtype=str))) |
                                            set(mappings["capture"].dropna()))]
    import dataclasses

    return dataclasses.replace(ds, mappings=mappings, processes=procs.reset_index(drop=True),
                               hosts=hosts.reset_index(drop=True))


def sort_frame(frame, column: str):
    """*frame* ordered by *column* (an index level or a column): numbers largest first, text A to Z."""
    import pandas as pd

    flat = frame.reset_index() if frame.index.name or any(frame.index.names) else frame
    if column not in flat.columns:
        raise click.BadParameter(f"no column {column!r}; columns: {', '.join(map(str, flat.columns))}",
                                 param_hint="--sort")
    numeric = pd.api.types.is_numeric_dtype(flat[column])
    order = flat[column].sort_values(ascending=not numeric, kind="stable", na_position="last").index
    return frame.iloc[[flat.index.get_loc(i) for i in order]]
