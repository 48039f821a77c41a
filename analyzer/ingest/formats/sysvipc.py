"""SysV shared memory segments: ``/proc/sysvipc/shm`` and ``ipcs -m`` (or ``ipcs``) output.

``/proc/sysvipc/shm`` (one header line, then one row per segment; ``key``
in decimal, signed)::

           key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap
    1835859969          0   640               1048576    13    13      1     0     0     0     0 1796527968          0 1796527968               1048576                     0

``ipcs -m`` (``key`` in hex, the owner's name)::

    ------ Shared Memory Segments --------
    key        shmid      owner      perms      bytes      nattch     status
    0x6d6d0001 0          root       640        1048576    1

Rows of the ``shm`` table (:data:`analyzer.systables.SHM_COLUMNS`). ``key`` is
the unsigned 32-bit value (as ipcs prints it, and as a mapping names it:
``/SYSV6d6d0001``); sizes in bytes; what a format lacks is NA (ipcs has no
``rss``, /proc has no owner name but a ``uid``).

>>> from analyzer.ingest.base import Context
>>> rows = parse('''------ Shared Memory Segments --------
... key        shmid      owner      perms      bytes      nattch     status
... 0x6d6d0001 0          root       640        1048576    1
... ''', Context("ipcs")).tables["shm"]
>>> rows[0]["key"], rows[0]["owner"], rows[0]["bytes"], rows[0]["nattch"]
(1835859969, 'root', 1048576, 1)
"""

from __future__ import annotations

import re

import pandas as pd

from ..base import Context, Parsed, split_lines
from ..sources.reader import decode

NAME = "sysvipc"
_PROC_HEADER = re.compile(r"^\s*key\s+shmid\s+perms\s+size\s+cpid\s+lpid\s+nattch\b")
_IPCS_TITLE = re.compile(r"^-+ Shared Memory Segments -+\s*$")
_IPCS_HEADER = re.compile(r"^key\s+shmid\s+owner\s+perms\s+bytes\s+nattch\b")
_PROC_INTS = ("shmid", "cpid", "lpid", "nattch", "uid", "gid", "cuid", "cgid", "atime", "dtime", "ctime")


def detect(head: str) -> str | None:
    """``sysvipc`` for ``/proc/sysvipc/shm`` or ipcs output holding a shared memory section.

    >>> detect("       key      shmid perms       size  cpid  lpid nattch   uid\\n"), detect("key shmid\\n")
    ('sysvipc', None)
    """
    first = head.lstrip("\n").split("\n", 1)[0]
    if _PROC_HEADER.match(first):
        return NAME
    lines = head.split("\n")[:40]
    if any(_IPCS_TITLE.match(x) for x in lines) and all(
            not x.strip() or x.startswith(("------ ", "key ", "0x")) for x in lines[:20]):
        return NAME
    return None


def parse_proc(text: str, ctx: Context) -> list[dict]:
    """Rows of ``/proc/sysvipc/shm``, the columns named by its header."""
    lines = split_lines(text)
    if not lines or not _PROC_HEADER.match(lines[0]):
        return []
    header = lines[0].split()
    rows = []
    for lineno, line in enumerate(lines[1:], 2):
        cells = line.split()
        if not cells:
            continue
        if len(cells) != len(header) or not all(re.fullmatch(r"-?\d+", c) for c in cells[:1] + cells[3:]):
            ctx.bad_line(lineno, f"not a /proc/sysvipc/shm row of {len(header)} numbers: {line[:60]!r}")
            continue
        raw = dict(zip(header, cells))
        row = {"key": int(raw["key"]) & 0xFFFFFFFF, "perms": raw["perms"], "bytes": int(raw["size"]),
               "lineno": lineno}
        for col in _PROC_INTS:
            if col in raw:
                row[col] = int(raw[col])
        for col in ("rss", "swap"):
            if col in raw:
                row[col] = int(raw[col])
        rows.append(row)
    return rows


def parse_ipcs(text: str, ctx: Context) -> list[dict]:
    """Rows of the shared memory section of ``ipcs`` / ``ipcs -m``."""
    rows = []
    inside = False
    header: list[str] = []
    for lineno, line in enumerate(split_lines(text), 1):
        if line.startswith("------"):
            inside = bool(_IPCS_TITLE.match(line))
            header = []
            continue
        if not inside or not line.strip():
            continue
        if _IPCS_HEADER.match(line):
            header = line.split()
            continue
        cells = line.split()
        if not header or len(cells) < 6 or not cells[0].startswith("0x"):
            ctx.bad_line(lineno, f"not an ipcs shared memory row: {line[:60]!r}")
            continue
        try:
            row = {"key": int(cells[0], 16), "shmid": int(cells[1]), "owner": cells[2], "perms": cells[3],
                   "bytes": int(cells[4]), "nattch": int(cells[5]), "lineno": lineno}
        except ValueError:
            ctx.bad_line(lineno, f"not an ipcs shared memory row: {line[:60]!r}")
            continue
        row["status"] = " ".join(cells[6:]) or None
        rows.append(row)
    return rows


def parse(text: str | bytes, ctx: Context, name: str | None = None) -> Parsed:
    """Either format: the ``shm`` table's rows, no mappings."""
    if isinstance(text, bytes):
        text = decode(text, ctx.source)
    first = text.lstrip("\n").split("\n", 1)[0]
    rows = parse_proc(text, ctx) if _PROC_HEADER.match(first) else parse_ipcs(text, ctx)
    for row in rows:
        row["source"] = ctx.source
    return Parsed(pd.DataFrame(), tables={"shm": rows}, formats={NAME})


def joined(proc_rows: list[dict], ipcs_rows: list[dict]) -> list[dict]:
    """One row per segment from both sources of one host: /proc's numbers,
    with ipcs's owner name (and its rows for segments /proc lacks), by shmid."""
    if not proc_rows:
        return ipcs_rows
    owners = {r["shmid"]: r for r in ipcs_rows}
    out = []
    for row in proc_rows:
        other = owners.pop(row["shmid"], None)
        out.append({**row, "owner": other["owner"] if other else None})
    return out + list(owners.values())
