"""pmap output, every dialect a customer can paste, into the mappings table.

Recognised by content (never by file name), inside any surrounding text - a
shell prompt before it, prose after it, supportconfig's ``memory.txt``
banners - one block per ``PID: command`` line::

    9173:   /usr/bin/python /usr/bin/ssserver -c /etc/shadowsocks.json -d start
    Address           Kbytes     RSS   Dirty Mode  Mapping
    0000000000400000       4       4       0 r-x-- python2.7
    0000000002152000    3460    3224    3224 rw---   [ anon ]
    ---------------- ------- ------- -------
    total kB            3464    3228    3224

``source_format`` says which dialect a row came from:

==================  ==========================================================================
``pmap``            procps default: ``ADDRESS SIZEK MODE NAME``, `` total NK``
``pmap-x``          ``-x``: Kbytes, RSS, Dirty (procps 3.2.8 Debian/RHEL 6 to procps-ng 4.x)
``pmap-x-3.2``      ``-x`` of procps 3.2.x / procps-ng 3.3.0-1: RSS, Anon, Locked (often ``-``)
``pmap-d``          ``-d``: Kbytes, Mode, Offset, Device; ``mapped: ... shared:`` footer
``pmap-X``          ``-X``: smaps fields by name, raw perms, offset, device, inode
``pmap-XX``         ``-XX``: every smaps field and VmFlags
``pmap-c``          ``-c``/``-C rcfile``: the -X layout with a chosen set of columns
``pmap-suse``       SUSE's default: Kbytes, RSS, PSS, Dirty, Swap
``pmap-suse-sles11``  SLES 11: the same with ``K`` suffixes, ``Total:`` and a summary line
``pmap-busybox``    BusyBox default: raw perms, full paths, ``mapped: NK``
``pmap-busybox-x``  BusyBox ``-x``: Kbytes, **PSS**, Dirty (private dirty only), Swap
``pmap-toybox``     toybox (Android) default; ``pmap-toybox-x``: Kbytes, PSS, Dirty, Swap
``pmap-solaris``    Solaris/illumos default; ``pmap-solaris-x``: Kbytes, RSS, Anon, Locked
==================  ==========================================================================

Faithful, not inventive:

- the 5-character mode becomes the kernel's perms (``r-x--`` -> ``r-xp``,
  ``rw-s-`` -> ``rw-s``); columns a dialect lacks are NA;
- pmap's ``Dirty`` (shared + private dirty) goes to ``dirty``, never to
  ``private_dirty``; BusyBox's and toybox's Dirty *is* private dirty, their PSS is ``pss``;
- ``[ anon ]`` (which also hides ``[heap]``, ``[vdso]``, ``[anon:NAME]``) is
  path NA with ``name_lost``; ``[ stack ]`` is ``[stack]``; ``[ shmid=0x.. ]``
  is kept as the path (classified ``shm``); basenames are kept with
  ``path_is_basename`` (``-p`` full paths are not basenames);
- pmap prints no end address: ``size`` is Kbytes (or -X's ``Size``) * 1024 and
  ``end`` is *derived* as start + size (NA where the size is unknown);
- footers (``total kB``, `` total``, ``mapped:``, the -X ``KB`` row) are kept as
  process facts (``footer_size``, ``footer_rss``, ... in bytes) and checked against
  the rows; a mismatch or a missing footer marks the process ``partial`` with a
  warning. procps-ng 3.3.x's rows printed a second time with zeros are dropped.

>>> from analyzer.ingest.base import Context
>>> text = '''$ pmap -x 42
... 42:   sleep 100
... Address           Kbytes     RSS   Dirty Mode  Mapping
... 0000555555554000       8       8       0 r---- sleep
... 00007ffd5a0c9000     132      12      12 rw---   [ stack ]
... ffffffffff600000       4       0       0 --x--   [ anon ]
... ---------------- ------- ------- -------
... total kB             144      20      12
... '''
>>> from analyzer import schema
>>> parsed = parse(text, Context("ticket.txt"))
>>> f = schema.conform(parsed.mappings)
>>> f["perms"].tolist(), f["path"].tolist(), f["name_lost"].tolist(), f["dirty"].tolist()
(['r--p', 'rw-p', '--xp'], ['sleep', '[stack]', <NA>], [False, False, True], [0, 12288, 0])
>>> parsed.processes[0]["footer_rss"], parsed.processes[0]["partial"]
(20480, False)
"""

from __future__ import annotations

import re

import pandas as pd

from ....schema import process_record
from ...base import Context, Parsed, split_lines
from ...numbers import too_large
from ...sources.reader import check_text, decode
from . import columnar, extended, fastcol, fastx
from .extended import empty_format
from .footer import who
from .blocks import Block, is_footer, is_row, scan
from .layout import PID_LINE

NAME = "pmap"


def detect(head: str) -> str | None:
    """``"pmap"`` when *head* holds pmap output: a ``PID:`` line, a header or a
    footer next to mapping rows, anywhere in the text.

    >>> detect("1234:   /usr/bin/sleep 100\\n0000555555554000      8K r---- sleep\\n")
    'pmap'
    >>> detect("hello\\nworld\\n") is None
    True
    """
    if not _MAYBE.search(head):
        return None  # no line starts with a PID or an address: no pmap rule below can match
    lines = split_lines(head)
    rows = 0
    only_pid_and_totals = True
    pid_lines = 0
    footers = 0
    unbracketed = False  # a PID line whose command is not `[name]` (as a kernel thread's or zombie's is)
    for i, line in enumerate(lines[:5000]):
        tokens = line.split()
        if not tokens:
            continue
        m = PID_LINE.fullmatch(line)
        if m:
            pid_lines += 1
            unbracketed = unbracketed or not _NO_CMDLINE.fullmatch(m.group(3))
            nxt = next((x for x in lines[i + 1:i + 3] if x.strip()), "")
            if _headerish(nxt):
                return NAME
            continue
        if is_row(tokens):
            rows += 1
            prev = [p for p in lines[max(0, i - 3):i] if p.strip()]
            if prev and (PID_LINE.fullmatch(prev[-1]) or _headerish(prev[-1])):
                return NAME
            if rows >= 3:
                return NAME
        else:
            rows = 0
            if is_footer(line, tokens):
                footers += 1
            else:
                only_pid_and_totals = False
    # kernel threads and zombies: "PID:   [name]" lines alone, or PID lines with their zero footers
    # (`ip rule`, /proc/locks, /proc/dma: "N: text" lines with neither are not pmap output)
    if pid_lines and only_pid_and_totals and len(lines) <= 5000 and (footers or not unbracketed):
        return NAME
    return None


# A line starting with a PID and a colon (pmap's first line) or with an address (a row).
_MAYBE = re.compile(r"^\s*(?:\d+:[ \t]|[0-9A-Fa-f]{8,16}\s)", re.MULTILINE)
# What pmap prints for a process without a command line: `[kthreadd]`, `[sleep] <defunct>`, busybox's `[?]`.
_NO_CMDLINE = re.compile(r"\[[^\]]*\](?:\s+<defunct>)?")


def _headerish(line: str) -> bool:
    from .blocks import is_header

    return is_header(line.split(), line) or extended.is_extended_header(line)


def parse(text: str | bytes, ctx: Context, name: str | None = None) -> Parsed:
    """Parse every pmap block found in *text* (bytes are decoded first; *name* is
    unused: pmap output names its PIDs itself)."""
    if isinstance(text, bytes):
        if text.isascii():
            check_text(text, ctx.source)  # refused as decode refuses, but no decoded copy of ASCII bytes
        else:
            text = decode(text, ctx.source)
    fast = _fast(text, ctx)
    if fast is not None:
        return fast
    if isinstance(text, bytes):
        text = text.decode("ascii")
    return parse_general(text, ctx)


def _fast(text: str | bytes, ctx: Context) -> Parsed | None:
    fast = fastx.parse(text, ctx)
    return fast if fast is not None else fastcol.parse(text, ctx)


def parse_general(text: str, ctx: Context) -> Parsed:
    """The exact path: any dialect, any surrounding text (see :mod:`.fastx` for the fast one)."""
    lines = split_lines(text)
    blocks = scan(lines)
    frames: list[pd.DataFrame] = []
    processes: list[dict] = []
    formats: set[str] = set()
    state: dict = {}
    skipped = _outside_lines(lines, blocks)
    if skipped:
        ctx.info(None, f"{skipped} lines of text around the pmap output skipped (prompts, prose, banners)")
    for block in blocks:
        proc, frame = _parse_block(block, ctx, state)
        if proc is None:
            continue
        processes.append(proc)
        if proc["source_format"]:
            formats.add(proc["source_format"])
        if frame is not None and len(frame):
            frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Parsed(frame, processes, formats=formats)


def _outside_lines(lines: list[str], blocks: list[Block]) -> int:
    used = 0
    for b in blocks:
        used += (1 if b.pid is not None else 0) + (1 if b.header else 0) + len(b.rows) + len(b.footer) + len(b.separators)
        used += len(b.inner_strays)
    return max(0, sum(1 for line in lines if line.strip()) - used)


def _parse_block(block: Block, ctx: Context, state: dict) -> tuple[dict | None, pd.DataFrame | None]:
    proc = process_record(block.pid, ctx.source, None, command=block.command, lineno=block.lineno)
    if block.bad_pid is not None:
        ctx.warn(block.lineno, f"PID {too_large(block.bad_pid)}: kept with PID unknown")
    for lineno, line in block.inner_strays:
        ctx.bad_line(lineno, f"not a pmap row (inside the output of {who(block)}): {line.strip()[:70]!r}")
    if not block.rows:
        if block.pid is None:
            return None, None
        proc["source_format"] = empty_format(block)
        ctx.info(block.lineno, f"{who(block)}: no mappings (a kernel thread, a zombie, or a process that was gone)")
        return proc, None
    header = block.header[1] if block.header else ""
    if (header and extended.is_extended_header(header)) or (not header and extended.is_extended_row(block.rows[0][1])):
        cols, fmt = extended.parse_block(block, ctx, state)
        proc.update(cols.pop("_proc"))
        frame = pd.DataFrame(cols)
        if "size" in frame.columns and "start" in frame.columns:
            frame["end"] = frame["start"].astype("UInt64") + frame["size"].astype("Int64").astype("UInt64")
    else:
        layout = columnar.choose_layout(block, ctx)
        if layout is None:
            ctx.bad_line(block.rows[0][0], f"{who(block)}: rows in no pmap layout known: {block.rows[0][1].strip()[:70]!r}")
            return None, None
        fmt = layout.source_format
        records, cut = columnar.parse_rows(block, layout, ctx)
        proc["partial"] = cut
        columnar.check(block, layout, records, ctx, proc)
        frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
        for col in ("start", "end", "offset"):  # NA among addresses over 2**53: float64 would round them
            if col in frame.columns and frame[col].dtype == float:
                frame[col] = pd.array([r.get(col) for r in records], dtype="UInt64")
    for col in ("start", "end", "offset", "inode"):  # one dtype in every block: concat must not make floats
        if col in frame.columns and frame[col].dtype != "UInt64":
            frame[col] = frame[col].astype("UInt64")
    proc["source_format"] = fmt
    proc["mappings"] = len(frame)
    if len(frame):
        frame["pid"] = block.pid
        frame["command"] = block.command
        frame["source"] = ctx.source
        frame["source_format"] = fmt
    return proc, frame
