"""``/proc/PID/status``: a process's memory as the kernel counts it, without smaps.

One file, or many concatenated: ``head`` banners (``==> /proc/12/status <==``)
or ``grep -H '' /proc/*/status`` prefixes (``/proc/12/status:Name:\tbash``)::

    Name:	bash
    State:	S (sleeping)
    Tgid:	1
    PPid:	0
    Uid:	0	0	0	0
    VmRSS:	    3772 kB
    RssAnon:	     828 kB
    Threads:	1

Each block becomes one process record of the columns in
:data:`analyzer.systables.STATUS_COLUMNS`: the kernel's keys in snake case,
sizes in bytes (the kernel's ``kB`` are KiB), ``uid`` the real uid,
``state`` the letter. A key the kernel did not print stays out (NA).

>>> from analyzer.ingest.base import Context
>>> p = parse("Name:\\tsleep\\nState:\\tS (sleeping)\\nPid:\\t7\\nPPid:\\t1\\nUid:\\t65534\\t65534\\t65534\\t65534\\n"
...           "VmRSS:\\t     512 kB\\nRssAnon:\\t  128 kB\\nThreads:\\t1\\n", Context("status"))
>>> {k: p.processes[0][k] for k in ("pid", "name", "state", "uid", "vm_rss", "rss_anon", "threads")}
{'pid': 7, 'name': 'sleep', 'state': 'S', 'uid': 65534, 'vm_rss': 524288, 'rss_anon': 131072, 'threads': 1}
"""

from __future__ import annotations

import re

import pandas as pd

from ..base import Context, Parsed, split_lines
from ..sources.reader import decode
from ...systables import STATUS_COLUMNS
from . import snake

NAME = "status"
_BANNER = re.compile(r"^==> (?P<path>.*?) <==$")
_GREP = re.compile(r"^(?P<path>[^:\n]*?/(?P<pid>\d+|self|thread-self)/status):(?P<rest>.*)$")
_PID_IN_PATH = re.compile(r"(?:^|/)(\d+)/status$")
_HEAD = re.compile(r"^(?:==> [^\n]*status <==\n|[^:\n]*/status:)?Name:[ \t][^\n]*\n(?:(?:[^:\n]*/status:)?Umask:[^\n]*\n)?"
                   r"(?:[^:\n]*/status:)?State:[ \t]", re.M)
_DECLARED = frozenset(c.name for c in STATUS_COLUMNS) | {"pid"}
_INT_KEYS = {"Pid", "PPid", "Tgid", "Ngid", "TracerPid", "Threads", "FDSize", "Kthread"}


def detect(head: str) -> str | None:
    """``status`` when *head* starts a ``/proc/PID/status`` (or a concatenation of them).

    >>> detect("Name:\\tbash\\nUmask:\\t0022\\nState:\\tS (sleeping)\\n")
    'status'
    >>> detect("==> /proc/1/status <==\\nName:\\tbash\\nState:\\tS (sleeping)\\n")
    'status'
    >>> detect("MemTotal:  1 kB\\n") is None
    True
    """
    return NAME if _HEAD.search(head[:4096]) else None


def fields(lines: list[str], ctx: Context, first: int) -> dict:
    """One status block's ``Key:\\tvalue`` lines as typed columns (line numbers from *first*)."""
    out: dict = {}
    for i, line in enumerate(lines):
        key, sep, value = line.partition(":")
        if not sep or not key or " " in key:
            if line.strip():
                ctx.bad_line(first + i, f"not a `Key: value` line of /proc/PID/status: {line[:60]!r}")
            continue
        value = value.strip()
        parts = value.split()
        if key == "Name":
            out["name"] = value
        elif key == "State":
            out["state"] = parts[0] if parts else None
        elif key in ("Uid", "Gid"):
            if parts and parts[0].isdigit():
                out[key.lower()] = int(parts[0])
        elif key in _INT_KEYS:
            if parts and parts[0].lstrip("-").isdigit():
                out[snake(key)] = int(parts[0])
        elif len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            out[snake(key)] = int(parts[0]) * 1024
    return {k: v for k, v in out.items() if k in _DECLARED}  # the process table's columns (analyzer.systables)


def parse(text: str | bytes, ctx: Context, name: str | None = None) -> Parsed:
    """Every status block in *text*: one process record each, no mappings."""
    if isinstance(text, bytes):
        text = decode(text, ctx.source)
    blocks: list[tuple[str | None, int, list[str]]] = []  # (path, first line number, lines)
    current: list[str] | None = None
    path: str | None = None
    for lineno, line in enumerate(split_lines(text), 1):
        m = _BANNER.match(line)
        if m:
            path = m.group("path")
            current = []
            blocks.append((path, lineno + 1, current))
            continue
        g = _GREP.match(line)
        if g:
            if g.group("path") != path or current is None or g.group("rest").startswith("Name:"):
                path = g.group("path")
                current = []
                blocks.append((path, lineno, current))
            current.append(g.group("rest"))
            continue
        if line.startswith("Name:") and (current is None or any(x.startswith("Name:") for x in current)):
            current = []
            path = None
            blocks.append((None, lineno, current))
        if current is None:
            if line.strip():
                ctx.bad_line(lineno, f"text before the first status block: {line[:60]!r}")
            continue
        current.append(line)
    processes = []
    for where, first, lines in blocks:
        facts = fields([x for x in lines if x.strip()], ctx, first)
        if not facts:
            continue
        pid = facts.get("pid")
        if where and (m := _PID_IN_PATH.search(where)):
            pid = int(m.group(1))
        elif where and re.search(r"/(self|thread-self)/status$", where):
            pid = None
            ctx.info(first, f"{where}: the capturing command itself, kept with PID NA")
        facts["pid"] = pid
        processes.append({"source": ctx.source, "source_format": NAME, "mappings": None, "partial": False,
                          "command": f"[{facts['name']}]" if facts.get("name") else None, **facts})
    return Parsed(pd.DataFrame(), processes, [], {NAME} if processes else set())
