"""The kernel's own formats: ``/proc/PID/smaps``, ``maps`` and ``smaps_rollup``.

A record is a header line, then (smaps only) ``Key: value kB`` lines, then
``VmFlags`` last on kernels since 3.x::

    55d0c8a00000-55d0c8a21000 rw-p 00000000 00:00 0                          [heap]
    Size:                132 kB
    Rss:                   8 kB
    ...
    VmFlags: rd wr mr mw me ac

Header fields are split at most five times: the path is everything after
the inode, spaces included. Nothing is read at fixed widths.

Many processes arrive concatenated, in three forms this module unwraps:
``==> /proc/N/smaps <==`` headers (``head``, or a shell loop), every line
prefixed ``/proc/N/smaps:`` (``grep -H``), or plain ``cat`` output, where a
new process shows as addresses starting again from low.

>>> from analyzer.ingest.base import Context
>>> text = '''==> /proc/42/smaps <==
... 00400000-00401000 r-xp 00000000 103:02 1234   /usr/bin/my prog
... Size:                  4 kB
... Rss:                   4 kB
... THPeligible:    0
... VmFlags: rd ex mr mw me
... '''
>>> parsed = parse(text, Context("dump.txt"))
>>> row = parsed.mappings.iloc[0]
>>> int(row.pid), row.dev, row.path, int(row.rss), int(row.thp_eligible)
(42, '103:02', '/usr/bin/my prog', 4096, 0)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


from ....values import plural
from ....schema import KEY_TO_COLUMN, UNITLESS_KEYS, field_column, process_record
from ...base import Context, Parsed, records_frame, split_lines
from ...numbers import INT64_MAX, KB_MAX, UINT64_MAX, checked_int, too_large

NAME = "smaps"

HEADER = re.compile(
    r"([0-9A-Fa-f]+)-([0-9A-Fa-f]+)[ \t]+([-rwxsp]{4})[ \t]+([0-9A-Fa-f]+)[ \t]+"
    r"([0-9A-Fa-f]+:[0-9A-Fa-f]+)[ \t]+(\d+)(?:[ \t]+(.*))?"
)
FIELD = re.compile(r"([A-Za-z][A-Za-z0-9_]*):[ \t]*(.*?)[ \t]*")
KB_VALUE = re.compile(r"(\d+)[ \t]*kB")
BANNER = re.compile(r"==> (.*) <==")
GREP_PREFIX = re.compile(r"((?:[^:\n]*/)?(?:\d+|self|thread-self)/(?:smaps|maps|smaps_rollup)):(.*)")
NAME_PID = re.compile(r"(?:^|/)(\d+)/(?:smaps|maps|smaps_rollup)$")
SELF_NAME = re.compile(r"(?:^|/)(self|thread-self)/(?:smaps|maps|smaps_rollup)$")
DELETED = " (deleted)"


@dataclass
class Block:
    """One process's lines: ``(lineno, text)`` pairs, and the name its banner gave."""

    name: str | None
    lineno: int
    lines: list[tuple[int, str]] = field(default_factory=list)


def detect(head: str) -> str | None:
    """Return ``"smaps"`` if *head* (the start of a text) is a kernel map format.

    >>> detect("7f00-7f01 r--p 00000000 00:00 0 [vdso]\\n")
    'smaps'
    >>> detect("hello\\n") is None
    True
    """
    seen = 0
    for raw in split_lines(head)[:400]:
        line = raw.strip()
        if not line:
            continue
        banner = BANNER.fullmatch(line)
        if banner:
            continue
        grep = GREP_PREFIX.fullmatch(raw)
        if grep:
            line = grep.group(2).strip()
            if not line:
                continue
        if HEADER.fullmatch(line):
            return NAME
        seen += 1
        if seen > 3:
            break
    return None


def split_blocks(lines: list[str], ctx: Context) -> list[Block]:
    """Unwrap concatenations into one block per process."""
    first = next((line for line in lines if line.strip()), "")
    if GREP_PREFIX.fullmatch(first) and not BANNER.fullmatch(first.strip()):
        return _split_grep(lines, ctx)
    blocks: list[Block] = []
    current = Block(None, 1)
    for lineno, line in enumerate(lines, 1):
        banner = BANNER.fullmatch(line.strip()) if line.startswith("==>") else None
        if banner:
            if current.lines or current.name is not None:
                blocks.append(current)
            current = Block(banner.group(1), lineno)
            continue
        current.lines.append((lineno, line))
    if current.lines or current.name is not None:
        blocks.append(current)
    return blocks


def _split_grep(lines: list[str], ctx: Context) -> list[Block]:
    blocks: list[Block] = []
    by_name: dict[str, Block] = {}
    for lineno, line in enumerate(lines, 1):
        m = GREP_PREFIX.fullmatch(line)
        if not m:
            if line.strip():
                ctx.bad_line(lineno, "line without the `/proc/N/smaps:` prefix of its neighbours")
            continue
        name, content = m.group(1), m.group(2)
        block = by_name.get(name)
        if block is None:
            block = by_name[name] = Block(name, lineno)
            blocks.append(block)
        block.lines.append((lineno, content))
    return blocks


def block_pid(name: str | None) -> int | None:
    """The PID a banner or grep prefix names, if any.

    >>> block_pid("/proc/1234/smaps"), block_pid("proc/7/maps"), block_pid("/proc/self/smaps")
    (1234, 7, None)
    """
    if not name:
        return None
    m = NAME_PID.search(name)
    return checked_int(m.group(1)) if m else None


def self_notice(name: str) -> str:
    """The note on a ``/proc/self`` block (both paths give it, in the same order)."""
    return (f"{name} is the capturing process itself (`head`, `grep`): kept, "
            "PID unknown; /proc/self and /proc/thread-self show the same memory twice")


def empty_notice(name: str | None) -> str:
    """The note on a block with no mappings (both paths give it)."""
    return f"{name or 'block'}: no mappings (a kernel thread or zombie)"


def parse(text: str, ctx: Context, name: str | None = None) -> Parsed:
    """Parse smaps, maps or smaps_rollup text, concatenated or not.

    *name* is the file's own path when it says the PID (``proc/42/smaps``).
    """
    lines = split_lines(text)
    cut_last_line = bool(text) and not text.endswith("\n")
    records: list[dict] = []
    processes: list[dict] = []
    formats: set[str] = set()
    blocks = split_blocks(lines, ctx)
    if name is not None:
        for block in blocks:
            if block.name is None:
                block.name = name
    unnamed = 0  # processes that no PID names (`cat /proc/[0-9]*/smaps`): numbered, so they stay apart
    for i, block in enumerate(blocks):
        if block.name and block_pid(block.name) is None and NAME_PID.search(block.name):
            ctx.warn(block.lineno, f"{block.name[:60]}: PID {too_large(NAME_PID.search(block.name).group(1))}: "
                     "kept with PID unknown")
        if block.name and SELF_NAME.search(block.name):
            ctx.info(block.lineno, self_notice(block.name))
        split = _split_restarts(block, ctx)
        for j, part in enumerate(split):
            seq = None
            if part.name is None:  # no banner names it (a `cat` restart); /proc/self blocks keep their name
                unnamed += 1
                seq = unnamed
            last = i == len(blocks) - 1 and j == len(split) - 1  # only the file's very last record can be cut
            procs, recs = _parse_block(part, ctx, cut_last_line and last, seq)
            processes.extend(procs)
            records.extend(recs)
            formats.update(p["source_format"] for p in procs if p["source_format"])
    if unnamed == 1:  # one process without a PID: nothing to tell apart
        for item in processes + records:
            item["block"] = None
    _warn_repeated_pids(processes, ctx)
    frame = records_frame(records)
    return Parsed(frame, processes, formats=formats)


def _warn_repeated_pids(processes: list[dict], ctx: Context) -> None:
    """The same PID twice in one file means the dump repeats itself (files
    concatenated twice, e.g. two gzip members): both copies are kept, as the
    dump has them, and the user is told totals count that process twice."""
    seen: dict[tuple, int] = {}
    for proc in processes:
        if proc["pid"] is None or not proc["mappings"]:
            continue
        key = (proc["pid"], proc["source_format"])
        if key in seen:
            ctx.warn(proc["lineno"], f"PID {proc['pid']} appears again (first at line {seen[key]}): "
                     "the dump repeats itself; both copies are kept and totals count it twice")
        else:
            seen[key] = proc["lineno"]


def _split_restarts(block: Block, ctx: Context) -> list[Block]:
    """Plain ``cat a b c`` output: a header whose address is below the previous
    one starts another process (the kernel prints mappings in address order)."""
    parts = [Block(block.name, block.lineno)]
    prev_end = -1
    restarts: list[int] = []
    rollups = 0
    for lineno, line in block.lines:
        m = HEADER.fullmatch(line)
        if m:
            start = int(m.group(1), 16)
            rollup = m.group(7) == "[rollup]"
            if prev_end >= 0 and (rollup or start < prev_end):  # a rollup is a whole process: another one
                if rollup:
                    rollups += 1
                else:
                    restarts.append(lineno)
                parts.append(Block(block.name, lineno))
            prev_end = int(m.group(2), 16)
        parts[-1].lines.append((lineno, line))
    if restarts:  # one note for the file, not one per process
        where = ", ".join(map(str, restarts[:5])) + (", ..." if len(restarts) > 5 else "")
        ctx.info(restarts[0], f"addresses start again from low {plural(len(restarts), 'time')} (line{'s' if len(restarts) > 1 else ''} "
                 f"{where}): read as {plural(len(restarts) + 1 + rollups, 'process', 'processes')}, one per restart "
                 "(a `cat` of many smaps)" + ("" if block_pid(block.name) is not None else
                                             "; no PID in the dump: the `block` column tells them apart"))
    if rollups:
        ctx.info(parts[1].lineno, f"{rollups + 1} smaps_rollup records one after the other: read as "
                 f"{rollups + 1} processes (a loop over /proc/*/smaps_rollup)")
    return parts


def _parse_block(block: Block, ctx: Context, cut_last_line: bool,
                 seq: int | None = None) -> tuple[list[dict], list[dict]]:
    pid = block_pid(block.name)
    records: list[dict] = []
    fields_seen: list[int] = []  # field-line count per record
    has_vmflags: list[bool] = []
    rollup: dict | None = None
    current: dict | None = None
    keys: set[str] = set()  # field keys of the current record
    orphaned = False  # skipping fields whose header line is missing
    lost_header = False
    n_lines = len(block.lines)
    for idx, (lineno, raw) in enumerate(block.lines):
        line = raw.strip()
        if not line:
            continue
        is_last_line = cut_last_line and idx == n_lines - 1
        m = HEADER.fullmatch(raw)  # not stripped: a file name may end in spaces
        if m:
            current = _header_record(m, lineno)
            keys, orphaned = set(), False
            if isinstance(current, str):  # a header no kernel prints: its record is refused
                ctx.bad_line(lineno, f"{current}: mapping dropped")
                current, orphaned, lost_header = {}, True, True
                continue
            if current.get("path") == "[rollup]":
                rollup = current
            else:
                records.append(current)
                fields_seen.append(0)
                has_vmflags.append(False)
            continue
        f = FIELD.fullmatch(line)
        if f is None or current is None:
            if is_last_line:  # a header cut inside its line: the mapping it began is lost
                ctx.warn(lineno, "last line cut short (truncated copy?): ignored")
                lost_header = True
            elif current is None and not records:
                ctx.bad_line(lineno, f"not a mapping header: {line[:60]!r}")
            else:
                ctx.bad_line(lineno, f"cannot interpret line: {line[:60]!r}")
            continue
        key, value = f.group(1), f.group(2)
        if orphaned:
            continue
        if key in keys:
            # the header of the next record is missing (`grep` without -a drops a line it calls
            # binary, e.g. a file name with invalid UTF-8): its fields must not overwrite this record
            ctx.warn(lineno, f"{key} appears twice in the record of line {current['lineno']}: the header line "
                     "of the next mapping is missing (grep without -a drops lines it calls binary); "
                     "its fields are ignored up to the next header")
            orphaned = lost_header = True
            continue
        keys.add(key)
        if key == "Name":
            # Android kernels repeat the mapping's name (`[anon:dalvik-...]`) in the record
            if current.get("path") is None and value:
                current["path"] = value
            continue
        if current is not rollup:
            fields_seen[-1] += 1
        if key == "VmFlags":
            if is_last_line:
                # an unterminated last line may be cut anywhere in the flags: the record is incomplete
                continue
            current["vmflags"] = value
            if current is not rollup:
                has_vmflags[-1] = True
            continue
        number = _field_value(key, value)
        if number is None:
            if not is_last_line:  # a cut last line: its record is dropped below, with a warning
                ctx.bad_line(lineno, f"cannot interpret value of {key}: {value[:60]!r}")
            continue
        if number < 0:
            ctx.bad_line(lineno, f"{key}: {too_large(value.split()[0])}: NA")
            continue
        current[KEY_TO_COLUMN.get(key) or field_column(key)] = number
    partial = _drop_cut_record(records, fields_seen, has_vmflags, ctx, block) or lost_header
    kind = "smaps_rollup" if rollup is not None and not records else (
        "smaps" if any(fields_seen) else ("maps" if records else None)
    )
    if kind == "smaps_rollup":  # the process's totals, as one row: not split by kind, no sizes
        records.append({**rollup, "start": None, "end": None, "size": None})
    for rec in records:
        rec["pid"] = pid
        rec["source"] = ctx.source
        rec["source_format"] = kind
        rec["block"] = seq
    proc = process_record(pid, ctx.source, kind, block_name=block.name, block=seq, lineno=block.lineno,
                          mappings=len(records) - (kind == "smaps_rollup"), partial=partial)
    if rollup is not None:
        for key, value in rollup.items():
            if key in ("start", "end", "perms", "offset", "dev", "inode", "path", "deleted", "lineno"):
                continue
            proc[f"rollup_{key}"] = value
    if kind is None:
        ctx.info(block.lineno, empty_notice(block.name))
    return [proc], records


def _drop_cut_record(records, fields_seen, has_vmflags, ctx: Context, block: Block) -> bool:
    """Drop the last record if it is cut short; say so. Returns True if data was lost."""
    if not records or not any(fields_seen):
        return False
    complete_fields = max(fields_seen)
    last = len(records) - 1
    if any(has_vmflags):
        incomplete = [i for i, ok in enumerate(has_vmflags) if not ok]
    else:
        incomplete = [i for i, n in enumerate(fields_seen) if n < complete_fields]
    for i in incomplete:
        if i != last:
            ctx.warn(records[i]["lineno"], "record has fewer fields than its neighbours: kept as it is")
    if last in incomplete:
        rec = records.pop()
        who = f" of {block.name}" if block.name else ""
        ctx.warn(rec["lineno"], f"last record{who} cut short (truncated copy?): dropped, "
                 f"{len(records)} complete records kept")
        return True
    return False


def _header_record(m: re.Match, lineno: int) -> dict | str:
    """The record a header line starts, or why it is refused (a number too large, end below start)."""
    start, end = checked_int(m.group(1), 16, limit=UINT64_MAX), checked_int(m.group(2), 16, limit=UINT64_MAX)
    offset, inode = checked_int(m.group(4), 16, limit=UINT64_MAX), checked_int(m.group(6), limit=UINT64_MAX)
    for text, value in ((m.group(1), start), (m.group(2), end), (m.group(4), offset), (m.group(6), inode)):
        if value is None:
            return too_large(text)
    if end < start:
        return f"end address {m.group(2)} below start {m.group(1)}"
    if end - start > INT64_MAX:
        return f"a mapping of {m.group(1)}-{m.group(2)} is larger than any address space"
    path = m.group(7)
    deleted = False
    if path is not None:
        if path.endswith(DELETED):
            path, deleted = path[: -len(DELETED)], True
        if path == "":
            path = None
    return {
        "start": start, "end": end, "size": end - start, "perms": m.group(3),
        "offset": offset, "dev": m.group(5).lower(), "inode": inode,
        "path": path, "deleted": deleted, "lineno": lineno,
    }


def _field_value(key: str, value: str) -> int | None:
    """The value in bytes (or as a count); None if it is not a number, -1 if too large for its column."""
    m = KB_VALUE.fullmatch(value)
    if m:
        if key in UNITLESS_KEYS:
            return None
        number = checked_int(m.group(1), limit=KB_MAX)
        return -1 if number is None else number * 1024
    if value.isdigit() and (key in UNITLESS_KEYS or key not in KEY_TO_COLUMN):
        number = checked_int(value)
        return -1 if number is None else number
    return None
