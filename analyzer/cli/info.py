"""``memmaps info``: what was recognised in each input, and every notice."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .options import inputs_argument, load, load_options

SKIPPED = "skipped: not a memory map dump"
_PROC_MEMBER = r"^(.*/|)\d+/(smaps|maps|smaps_rollup)$"

if TYPE_CHECKING:
    import pandas as pd

    from ..dataset import Dataset


@click.command("info")
@inputs_argument
@click.option("-v", "--verbose", is_flag=True, help="List every file of a directory or archive, and every note.")
@load_options
def command(inputs, verbose, on_bad_lines, strict, quiet):
    """Show what each INPUT was recognised as, how many processes and mappings
    it held, the hosts it describes, and every warning and note about it.

    \b
    Example:
        memmaps info sample_dumps/smaps/*.smaps*
        memmaps info -v sosreport-host-2026-01-01-abcdef.tar.xz
    """
    import pandas as pd

    from ..report.table import human_bytes
    from ..summarize import totals

    ds = load(inputs, on_bad_lines)
    for rep in ds.inputs:
        formats = ", ".join(rep.formats) or "nothing recognised"
        click.echo(f"{rep.name}: {formats}; {rep.processes} processes, {rep.mappings} mappings")
        for line in _host_lines(ds, rep.name):
            click.echo(f"  {line}")
        for line in _source_lines(ds, rep.name, verbose):
            click.echo(f"  {line}")
    t = totals(ds.mappings)
    click.echo(f"total: {t['mappings']} mappings of {t['processes']} processes with mappings; "
               + ", ".join(f"{k} {human_bytes(t[k])}" for k in ("size", "rss", "pss", "uss", "swap")))
    procs = ds.processes
    if len(procs):
        empty = procs[(procs["mappings"] == 0).fillna(False) & (procs["source_format"] != "smaps_rollup").fillna(True)]
        if len(empty):
            pids = ", ".join("?" if p is pd.NA else str(p) for p in empty["pid"].tolist()[:20])
            more = ", ..." if len(empty) > 20 else ""
            click.echo(f"processes with no mappings (kernel threads, zombies, exited): {len(empty)} ({pids}{more})")
        partial = procs[procs["partial"].fillna(False).astype(bool)]
        if len(partial):
            click.echo(f"processes with partial data: {len(partial)} (see the warnings)")
    _echo_notices(ds, verbose)
    if strict and ds.warnings:
        raise click.exceptions.Exit(1)


def _of_input(sources: pd.Series, input_name: str) -> pd.Series:
    """Which sources came from INPUT_NAME: the input itself, a file under it, or an archive member.

    A bare prefix test would give input ``a`` the files of ``a1``, and miss the host of ``dir/``
    (recorded as ``dir``).
    """
    s = sources.astype(str)
    base = input_name.rstrip("/") or input_name
    return (s == input_name) | (s == base) | s.str.startswith(base + "/") | s.str.startswith(base + "!")


def _host_lines(ds: Dataset, input_name: str) -> list[str]:
    import pandas as pd

    hosts = ds.hosts
    if not len(hosts) or "source" not in hosts:
        return []
    lines = []
    for _, h in hosts[_of_input(hosts["source"], input_name)].iterrows():
        host = h.get("host")
        facts = [f"host {host}" if host is not None and not pd.isna(host) else "host unknown"]
        for col, label in (("capture_time", "captured"), ("kernel", "kernel"), ("sos_version", "sos")):
            value = h.get(col)
            if value is not None and not pd.isna(value):
                facts.append(f"{label} {value}")
        if "maps_collected" in h and h.get("maps_collected") is False:
            facts.append("no memory maps (sos run without -k process.smaps=on)")
        lines.append(", ".join(facts))
    return lines


def _source_lines(ds: Dataset, input_name: str, verbose: bool) -> list[str]:
    """For a directory or archive: one line per file that held maps (first 20 unless -v)."""
    procs = ds.processes
    if not len(procs):
        return []
    mine = procs[_of_input(procs["source"], input_name)]
    # a copied proc tree is one line: ROOT/proc/*/smaps, not one line per process
    key = mine["source"].astype(str).str.replace(_PROC_MEMBER, r"\1*/\2", regex=True)
    mine = mine.assign(source=key)
    sources = mine.groupby("source", sort=True).agg(formats=("source_format", lambda s: ", ".join(sorted(set(map(str, s.dropna()))))),
                                                     processes=("pid", "size"), mappings=("mappings", "sum"))
    if len(sources) <= 1 or sources.index.tolist() == [input_name]:
        return []
    lines = [f"{src}: {row.formats or '-'}; {row.processes} processes, {int(row.mappings)} mappings"
             for src, row in sources.iterrows()]
    if not verbose and len(lines) > 20:
        lines = lines[:20] + [f"... and {len(lines) - 20} more files (-v lists them all)"]
    return lines


def _echo_notices(ds: Dataset, verbose: bool) -> None:
    notices = ds.notices
    skipped = [n for n in notices if n.level == "info" and n.message.startswith(SKIPPED)]
    shown = notices if verbose else [n for n in notices if n not in skipped]
    if not notices:
        return
    click.echo(f"notices ({len(ds.warnings)} warnings):")
    for notice in shown:
        click.echo(f"  {notice}")
    if skipped and not verbose:
        example = ", ".join(n.source for n in skipped[:3])
        click.echo(f"  skipped {len(skipped)} files that are not memory map dumps (e.g. {example}; -v lists them)")
