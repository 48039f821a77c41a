"""``memmaps info``: what was recognised in each input, and every notice."""

from __future__ import annotations

import click

from ..report.table import human_bytes
from ..summarize import totals
from .options import inputs_argument, load, load_options


@click.command("info")
@inputs_argument
@load_options
def command(inputs, on_bad_lines, strict, quiet):
    """Show what each INPUT was recognised as, how many processes and mappings
    it held, and every warning and note about it.

    \b
    Example:
        memmaps info sample_dumps/smaps/*.smaps*
    """
    ds = load(inputs, on_bad_lines)
    for rep in ds.inputs:
        formats = ", ".join(rep.formats) or "nothing recognised"
        click.echo(f"{rep.name}: {formats}; {rep.processes} processes, {rep.mappings} mappings")
    t = totals(ds.mappings)
    click.echo(f"total: {t['processes']} processes, {t['mappings']} mappings; "
               + ", ".join(f"{k} {human_bytes(t[k])}" for k in ("size", "rss", "pss", "uss", "swap")))
    empty = ds.processes[(ds.processes["mappings"] == 0).fillna(False)] if len(ds.processes) else ds.processes
    if len(empty):
        pids = ", ".join(str(p) for p in empty["pid"].tolist()[:20])
        click.echo(f"processes with no mappings (kernel threads, zombies): {len(empty)} ({pids})")
    partial = ds.processes[ds.processes["partial"].fillna(False).astype(bool)] if len(ds.processes) else ds.processes
    if len(partial):
        click.echo(f"processes with partial data: {len(partial)}")
    if ds.notices:
        click.echo(f"notices ({len(ds.warnings)} warnings):")
        for notice in ds.notices:
            click.echo(f"  {notice}")
    if strict and ds.warnings:
        raise click.exceptions.Exit(1)
