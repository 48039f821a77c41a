"""What ``memmaps info`` prints: the lines of each input, the totals and the notices
(the command in :mod:`.info` imports this when it runs, so ``--help`` needs no pandas)."""

from __future__ import annotations

import click
import pandas as pd

from ..captures import NEXT_STEPS, describe, overlapping
from ..dataset import Dataset
from ..ingest.trees.collector import RECOGNISED
from ..summarize import known_totals, totals
from ..values import human_bytes, is_na, plural

SKIPPED = "skipped: not a memory map dump"
_PROC_MEMBER = r"^(.*/|)\d+/(smaps|maps|smaps_rollup|status)$"


def show(ds: Dataset, verbose: bool, quiet: bool, strict: bool) -> None:
    """Print what *ds* holds, input by input, then the totals and the notices."""
    for rep in ds.inputs:
        formats = ", ".join(rep.formats) or "nothing recognised"
        click.echo(f"{rep.name}: {formats}; {plural(rep.processes, 'process', 'processes')}, "
                   f"{plural(rep.mappings, 'mapping')}")
        for line in _host_lines(ds, rep.name) + _system_lines(ds, rep.name):
            click.echo(f"  {line}")
        for line in _source_lines(ds, rep.name, verbose):
            click.echo(f"  {line}")
    overlap = overlapping(ds.mappings)
    if overlap:  # never one sum over two captures of one host
        click.echo(f"total: not added up: {describe(ds.mappings, overlap)}; {NEXT_STEPS}")
        for capture, part in ds.mappings.groupby("capture", sort=True):
            click.echo(f"  {capture}: {_total_line(part)}")
    else:
        click.echo(f"total: {_total_line(ds.mappings)}")
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
    _echo_notices(ds, verbose, quiet)
    if strict and ds.warnings:
        raise click.exceptions.Exit(1)


def _total_line(frame: pd.DataFrame) -> str:
    """Mappings, processes and each measure, as the report's cover gives them: a sum over the
    mappings that say, and how many do when some do not."""
    t = totals(frame)
    known = known_totals(frame)
    parts = []
    for k in ("size", "rss", "pss", "uss", "swap"):
        value, n = known[k]
        text = f"{k} {human_bytes(value)}" if n else f"{k} -"
        if n and n < len(frame):
            text += f" (over {n} of {len(frame)} mappings)"
        parts.append(text)
    rollups = int(frame["kind"].eq("rollup").sum()) if len(frame) else 0
    who = (f"{plural(t['processes'], 'process', 'processes')} ({rollups} known from smaps_rollup alone)" if rollups
           else f"{plural(t['processes'], 'process', 'processes')} with mappings")
    return f"{plural(t['mappings'], 'mapping')} of {who}; " + ", ".join(parts)


def _of_input(sources: pd.Series, input_name: str) -> pd.Series:
    """Which sources came from INPUT_NAME: the input itself, a file under it, or an archive member.

    A bare prefix test would give input ``a`` the files of ``a1``, and miss the host of ``dir/``
    (recorded as ``dir``).
    """
    s = sources.astype(str)
    base = input_name.rstrip("/") or input_name
    return (s == input_name) | (s == base) | s.str.startswith(base + "/") | s.str.startswith(base + "!")


def _host_lines(ds: Dataset, input_name: str) -> list[str]:
    hosts = ds.hosts  # the hosts table (analyzer.schema.HOST_COLUMNS)
    lines = []
    for h in hosts[_of_input(hosts["source"], input_name)].to_dict("records"):
        facts = [f"host {h['host']}" if not is_na(h["host"]) else "host unknown"]
        for col, label in (("capture", "capture"), ("capture_time", "captured"), ("kernel", "kernel"),
                           ("sos_version", "sos")):
            if not is_na(h[col]):
                facts.append(f"{label} {h[col]}")
        if h["maps_collected"] is False:
            facts.append("no memory maps (sos run without -k process.smaps=on)")
        lines.append(", ".join(facts))
    return lines


def _system_lines(ds: Dataset, input_name: str) -> list[str]:
    """Memory (meminfo), SysV segments and one line per OOM kill of this input."""
    lines = []
    hosts = ds.hosts
    if len(hosts) and "mem_total" in hosts.columns:
        for _, h in hosts[_of_input(hosts["source"], input_name) & hosts["mem_total"].notna()].iterrows():
            parts = [f"memory {human_bytes(h['mem_total'])}", f"free {human_bytes(h.get('mem_free'))}"]
            if "mem_available" in h and not pd.isna(h["mem_available"]):
                parts.append(f"available {human_bytes(h['mem_available'])}")
            lines.append(", ".join(parts) + " (meminfo; `summary --by system` splits it)")
    shm = ds.shm
    if len(shm):
        mine = shm[_of_input(shm["source"], input_name)]
        if len(mine):
            lines.append(f"SysV shared memory: {len(mine)} segments, {human_bytes(int(mine['bytes'].sum()))}"
                         f" (`export --table shm`)")
    kills = ds.oom_kills
    if len(kills):
        for _, k in kills[_of_input(kills["source"], input_name)].iterrows():
            when = k["time"] if not pd.isna(k["time"]) else (f"{k['uptime']:.3f} s after boot"
                                                             if not pd.isna(k["uptime"]) else "time unknown")
            why = ", ".join(str(k[c]) for c in ("scope", "memcg") if not pd.isna(k[c]))
            where = _short_source(str(k["source"]), input_name)
            lines.append(f"OOM kill {k['event']}{where}: {when}: pid {k['pid']} ({k['name']}) anon-rss "
                         f"{human_bytes(k['anon_rss'])}, file-rss {human_bytes(k['file_rss'])}, shmem-rss "
                         f"{human_bytes(k['shmem_rss'])}" + (f" [{why}]" if why else ""))
    return lines


def _short_source(source: str, input_name: str) -> str:
    """`` in MEMBER`` for a row of a file inside INPUT_NAME (a sosreport's member without its top
    directory), empty for the input itself.

    >>> _short_source("a.tar.xz!sosreport-h/sos_commands/kernel/dmesg", "a.tar.xz"), _short_source("d/kern.log", "d/")
    (' in sos_commands/kernel/dmesg', ' in kern.log')
    """
    base = input_name.rstrip("/")
    if source.rstrip("/") == base:
        return ""
    if "!" in source:
        member = source.rsplit("!", 1)[1]
        return f" in {member.split('/', 1)[1] if '/' in member else member}"
    return f" in {source[len(base):].lstrip('/')}" if source.startswith(base + "/") else f" in {source}"


def _source_lines(ds: Dataset, input_name: str, verbose: bool) -> list[str]:
    """For a directory or archive: one line per file that held maps (first 20 unless -v)."""
    procs = ds.processes
    if not len(procs):
        return []
    mine = procs[_of_input(procs["source"], input_name)]
    # a copied proc tree is one line: ROOT/proc/*/smaps, not one line per process (-v: every member)
    if not verbose:
        key = mine["source"].astype(str).str.replace(_PROC_MEMBER, r"\1*/\2", regex=True)
        mine = mine.assign(source=key)
    sources = mine.groupby("source", sort=True).agg(formats=("source_format", lambda s: ", ".join(sorted(set(map(str, s.dropna()))))),
                                                     processes=("pid", "size"), mappings=("mappings", "sum"))
    if len(sources) <= 1 or sources.index.tolist() == [input_name]:
        return []
    lines = [f"{src}: {row.formats or '-'}; {plural(row.processes, 'process', 'processes')}, "
             f"{plural(int(row.mappings), 'mapping')}"
             for src, row in sources.iterrows()]
    if not verbose and len(lines) > 20:
        lines = lines[:20] + [f"... and {len(lines) - 20} more files (-v lists them all)"]
    return lines


def _echo_notices(ds: Dataset, verbose: bool, quiet: bool = False) -> None:
    notices = ds.notices
    skipped = [n for n in notices if n.level == "info" and n.message.startswith(SKIPPED)]
    members = [n for n in notices if n.level == "info" and n.message.startswith(RECOGNISED)]
    shown = notices if verbose else [n for n in notices if n not in skipped and n not in members]
    if not notices:
        return
    if quiet:
        click.echo(f"notices: {len(ds.warnings)} warnings, {len(notices) - len(ds.warnings)} notes (not listed: -q)")
        return
    click.echo(f"notices ({len(ds.warnings)} warnings):")
    for notice in shown:
        click.echo(f"  {notice}")
    if skipped and not verbose:
        example = ", ".join(n.source for n in skipped[:3])
        click.echo(f"  skipped {len(skipped)} files that are not memory map dumps (e.g. {example}; -v lists them)")
