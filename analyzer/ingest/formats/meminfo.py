"""``/proc/meminfo``: the host's memory as the kernel accounts it, and ``free`` as a fallback.

::

    MemTotal:       25165432 kB
    MemFree:        21712584 kB
    MemAvailable:   22990772 kB
    HugePages_Total:       0
    Hugepagesize:       2048 kB

Every field becomes a host column named after the kernel's key in snake case
(``mem_total``, ``s_reclaimable``, ``active_anon``, ``hugepages_total``), sizes
in bytes (``kB`` is KiB), counts (``HugePages_*``) as counts. A field the
kernel did not print is absent (NA), never 0.

>>> from analyzer.ingest.base import Context
>>> host = parse("MemTotal:  1000 kB\\nMemFree:  400 kB\\nHugePages_Total:  2\\n", Context("m")).hosts[0]
>>> host["mem_total"], host["mem_free"], host["hugepages_total"], host["meminfo_source"]
(1024000, 409600, 2, 'm')
"""

from __future__ import annotations

import re

import pandas as pd

from ..base import Context, Parsed, split_lines
from ..sources.reader import decode
from . import snake

NAME = "meminfo"
_LINE = re.compile(r"^(?P<key>[A-Za-z][\w()]*):\s+(?P<value>\d+)(?:\s+(?P<unit>kB))?\s*$")
_FREE_UNITS = {"-b": 1, "": 1024, "-k": 1024, "-m": 1024**2, "-g": 1024**3}


def detect(head: str) -> str | None:
    """``meminfo`` for a text starting with ``MemTotal:``.

    >>> detect("MemTotal:       25165432 kB\\nMemFree:  1 kB\\n"), detect("Name:\\tbash\\n")
    ('meminfo', None)
    """
    return NAME if re.match(r"\s*MemTotal:\s+\d+ kB\n", head) else None


def parse_fields(text: str, ctx: Context) -> dict:
    """``{column: value}`` of every meminfo line; bytes for ``kB`` fields."""
    out: dict = {}
    for lineno, line in enumerate(split_lines(text), 1):
        if not line.strip():
            continue
        m = _LINE.match(line)
        if not m:
            ctx.bad_line(lineno, f"not a `Key: value [kB]` line of /proc/meminfo: {line[:60]!r}")
            continue
        value = int(m.group("value"))
        out[snake(m.group("key"))] = value * 1024 if m.group("unit") else value
    return out


def parse(text: str | bytes, ctx: Context, name: str | None = None) -> Parsed:
    """A meminfo file: one host record (host unknown), no mappings."""
    if isinstance(text, bytes):
        text = decode(text, ctx.source)
    facts = parse_fields(text, ctx)
    if not facts:
        return Parsed(pd.DataFrame())
    return Parsed(pd.DataFrame(), [], [{"source": ctx.source, "host": None, "meminfo_source": ctx.source, **facts}],
                  {NAME})


def parse_free(text: str, option: str = "") -> dict:
    """What ``free`` (run with *option*: ``-b``, ``-k``/none, ``-m``, ``-g``) says, as meminfo columns
    in bytes: ``mem_total``, ``mem_free``, ``shmem``, ``mem_available``, ``swap_total``, ``swap_free``
    (``buff/cache`` has no single meminfo field and is kept as ``free_buff_cache``).
    Rounded to the unit ``free`` printed in; used only where meminfo is missing.

    >>> parse_free('''               total        used        free      shared  buff/cache   available
    ... Mem:            1000         300         500          10         200         650
    ... Swap:              0           0           0''')["mem_free"]
    512000
    """
    unit = _FREE_UNITS.get(option)
    if unit is None:
        return {}
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines or "total" not in lines[0]:
        return {}
    header = lines[0]
    out: dict = {}
    for row in lines[1:]:
        label, values = row[0].rstrip(":"), row[1:]
        if not all(v.isdigit() for v in values):
            return {}
        cells = dict(zip(header, (int(v) * unit for v in values)))
        if label == "Mem":
            for src, dst in (("total", "mem_total"), ("free", "mem_free"), ("shared", "shmem"),
                             ("available", "mem_available"), ("buff/cache", "free_buff_cache")):
                if src in cells:
                    out[dst] = cells[src]
        elif label == "Swap":
            out["swap_total"], out["swap_free"] = cells.get("total"), cells.get("free")
    return out
