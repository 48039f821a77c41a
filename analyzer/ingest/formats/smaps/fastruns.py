"""One pass over a smaps buffer on the fast path that steps over the records it declines.

:func:`analyzer.ingest.formats.smaps.fast.scan` reads regular records and stops at the first one
it declines (found by bisecting the ~1 MB slice it was in), keeping everything before it. This
module drives it over a whole buffer:

- a declined record right after a banner may just be another layout (a ``cat`` of captures of two
  kernels): the scan starts again there, with the layout of that block's first record;
- otherwise the one record is read by the exact parser (an odd value, a path that is not UTF-8) and
  the scan goes on after it, in the same block and with the same layout.

A record read alone gives what the exact path gives it inside its block only if nothing of the
block's state depends on it; :func:`runs` checks that it is one complete record with the same keys
as its block's other records (so no "fewer fields than its neighbours"), at an address above the
one before it and below the one after it (no restart of a ``cat``), and that nothing was dropped.
Where that does not hold it raises :class:`~analyzer.ingest.formats.smaps.fastcols.Irregular` and
the caller reads block by block instead. The pieces come back in file order, each with its line
offset, for :func:`analyzer.ingest.formats.smaps.fastblocks` to merge.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from ....errors import ParseError
from ...base import Context, Parsed
from .exact import BANNER, FIELD, HEADER, self_notice
from .exact import parse as exact_parse
from .fast import Template, scan
from .fastcols import Irregular

MAX_ALONE = 64  # records read alone by the exact parser, at most (~1 ms each)
_LINE_REF = re.compile(r"(?<=\bline )(\d+)")


class Shift:
    """Buffer line numbers to file line numbers: line 1 of the buffer is line *first* of the file."""

    def __init__(self, first: int):
        self.offset = first - 1
        self.identity = first == 1

    def map(self, lines: np.ndarray) -> np.ndarray:
        return lines + self.offset

    def one(self, line: int | None) -> int | None:
        return None if line is None else line + self.offset

    def text(self, message: str) -> str:
        return _LINE_REF.sub(lambda m: str(int(m.group(1)) + self.offset), message)


class _Block:
    """What the records read so far say about the current process block."""

    def __init__(self, name: str | None):
        self.name = name
        self.template: Template | None = None  # the layout of its fast records
        self.prev_end: int | None = None  # the end address of its last record
        self.pending: list[tuple] = []  # key sequences of records read alone, not yet checked

    def keys(self, template: Template) -> tuple:
        return tuple(template.keys) + (("VmFlags",) if template.vmflags else ())

    def check(self, template: Template) -> None:
        if self.template is not None and self.keys(self.template) != self.keys(template):
            raise Irregular("two layouts in one block")
        self.template = template
        if any(keys != self.keys(template) for keys in self.pending):
            raise Irregular("a record read alone has other keys than its block")
        self.pending = []

    def close(self) -> None:
        if len(set(self.pending)) > 1:
            raise Irregular("records read alone with different keys")


def runs(data: bytes, ctx: Context, name: str | None, lo: int = 0, hi: int | None = None,
         first_line: int = 1, crlf: bool = False) -> tuple[list[tuple], int]:
    """``data[lo:hi]`` (*lo* at a line start, the end a newline) as pieces ``(parsed, notices,
    line map, read by the exact parser, continues the block before it)`` in file order, and the
    line number at *hi*.

    Raises :class:`Irregular` where reading record by record would not give the exact path's result.
    """
    hi = len(data) if hi is None else hi
    out: list[tuple] = []
    pos, line = lo, first_line
    block = _Block(name)
    cont = False  # the next piece continues block.name (no banner before its first record)
    alone = 0
    while pos < hi:
        sub = Context(ctx.source, ctx.on_bad_lines)
        run = scan(data, sub, block.name, pos, hi, template=block.template if cont else None,
                   locate=True, cont=cont, crlf=crlf)
        if run.parsed is not None:
            if cont and run.first_in_block:
                if block.prev_end is not None and run.first_start < block.prev_end:
                    raise Irregular("addresses start again from low")
                block.check(run.template)
            else:
                block.close()
            if run.last_name != block.name or not (cont and run.first_in_block):
                block = _Block(run.last_name)  # the run ended in another block than it began
            block.template, block.prev_end = run.template, run.last_end
            out.append((run.parsed, sub.notices, Shift(line), False, cont and run.first_in_block))
            cont = True  # what comes next continues the run's last block, unless a banner comes first
        progress = run.cut > pos
        line += run.lines
        pos = run.cut
        if run.bad is None:
            break
        start, end = run.bad
        if pos < start:  # banners before the declined record: a new block, perhaps another layout
            block.close()
            block = _Block(name)
            cont = False
            if progress:
                continue  # scan again from the banner (the layout of that block's first record)
        if not crlf and data.find(b"\r", start, end) >= 0:
            raise Irregular("a CR the exact path keeps")  # read alone, it would drop it
        alone += 1
        if alone > MAX_ALONE:
            raise Irregular("many odd records")  # block by block is faster then
        keys = _keys(data, start, end)  # before the exact parser: it would complain otherwise
        if block.template is not None and keys != block.keys(block.template):
            raise Irregular("a record read alone has other keys than its block")
        parsed, notices, lines = _alone(data, ctx, block.name, pos, end, line, cont=cont)
        if not cont:  # the block's first record: its name is the banner's
            block.name = parsed.processes[-1]["block_name"]
        row = parsed.mappings.iloc[0]
        if block.prev_end is not None and int(row["start"]) < block.prev_end:
            raise Irregular("addresses start again from low")
        block.prev_end = int(row["end"])
        if block.template is None:
            block.pending.append(keys)
        out.append((parsed, notices, Shift(line), True, cont))
        line += lines
        pos, cont = end, True
    block.close()
    return out, line


def _alone(data: bytes, ctx: Context, name: str | None, lo: int, hi: int, line: int,
           cont: bool) -> tuple[Parsed, list, int]:
    """``data[lo:hi]`` (one record, after banner lines unless *cont*) on the exact path."""
    sub = Context(ctx.source, ctx.on_bad_lines)
    shift = Shift(line)
    try:
        parsed = exact_parse(data[lo:hi].decode("utf-8", errors="backslashreplace"), sub, name)
    except ParseError as exc:
        raise ParseError(ctx.source, shift.one(exc.lineno), shift.text(exc.message)) from None
    procs = parsed.processes
    if (len(parsed.mappings) != 1 or len(procs) != 1 or procs[0]["mappings"] != 1 or procs[0].get("partial")
            or procs[0]["source_format"] != "smaps" or parsed.mappings["start"].isna().any()):
        raise Irregular("a record that is not one whole mapping on its own")
    notices = sub.notices
    if cont:  # the block's own notices were given with its first piece
        notices = [n for n in notices if not (n.lineno == 1 and name and n.message == self_notice(name))]
    return parsed, notices, data.count(b"\n", lo, hi)


def _keys(data: bytes, lo: int, hi: int) -> tuple:
    """The keys of a record's field lines, as the exact parser reads them (its header line checked)."""
    lines = [line[:-1] if line.endswith("\r") else line
             for line in data[lo:hi].decode("utf-8", errors="backslashreplace").split("\n")[:-1]]
    if not lines or HEADER.fullmatch(lines[0]) is None:
        raise Irregular("a record read alone without its header first")
    keys = []
    for text in lines[1:]:
        m = FIELD.fullmatch(text.strip())
        if m is None:
            raise Irregular("a line of a record read alone that is no field")
        keys.append(m.group(1))
    if len(set(keys)) != len(keys):
        raise Irregular("a key twice in a record read alone")
    return tuple(keys)


_DROPPED = re.compile(r"(last record.* cut short \(truncated copy\?\): dropped, )1( complete records kept)")


def cut_record(data: bytes, tail: int) -> tuple[int, int] | None:
    """A last block cut short (from *tail*, its banner): where its last complete record starts and
    where the cut one after it starts (``None``: no complete record ending in VmFlags before it)."""
    n = len(data)
    vm = data.rfind(b"\nVmFlags:", tail, n)
    if vm >= 0 and data.find(b"\n", vm + 1) < 0:  # the cut is in that VmFlags line
        vm = data.rfind(b"\nVmFlags:", tail, vm)
    if vm < 0:
        return None
    rec = data.find(b"\n", vm + 1) + 1
    before = data.rfind(b"\nVmFlags:", tail, vm)
    if before >= 0:
        start = data.find(b"\n", before + 1) + 1
    else:  # the block's first record: after its banner line (and blank lines)
        start = data.find(b"\n", tail) + 1
        while data.startswith(b"\n", start) or data.startswith(b"\r\n", start):
            start = data.find(b"\n", start) + 1
    return (start, rec) if 0 < start < rec < n else None


def cut_piece(data: bytes, ctx: Context, tail: int, start: int, rec: int, line: int, pieces: list,
              crlf: bool) -> tuple | None:
    """The cut record at *rec* of the last block (banner at *tail*; *line*: its line number;
    *pieces*: what was read before it) as the exact path reads it there: a piece with no rows that
    marks the block partial, with the exact parser's notices about it. It is read after the block's
    last complete record (from *start*), so the parser sees a record with VmFlags before it, as in
    the whole block; its "N complete records kept" counts the block's. ``None``: not so simple."""
    if not crlf and data.find(b"\r", start) >= 0:
        return None
    banner = BANNER.fullmatch(data[tail : data.find(b"\n", tail)].decode("utf-8", "backslashreplace").strip())
    if banner is None:
        return None
    name = banner.group(1)
    first = line - data.count(b"\n", start, rec)  # the line number at *start*
    tail_line = line - data.count(b"\n", tail, rec)
    kept = 0  # the block's complete records, read before
    for parsed, _, lines, *_ in pieces:
        if len(parsed.mappings):
            linenos = parsed.mappings["lineno"].to_numpy(dtype=np.int64)
            kept += int((lines.map(linenos) > tail_line).sum())
    sub = Context(ctx.source, ctx.on_bad_lines)
    shift = Shift(first)
    try:
        parsed = exact_parse(data[start:].decode("utf-8", errors="backslashreplace"), sub, name)
    except ParseError as exc:
        raise ParseError(ctx.source, shift.one(exc.lineno), shift.text(exc.message)) from None
    procs = parsed.processes
    if len(parsed.mappings) != 1 or len(procs) != 1 or not procs[0].get("partial") or not kept:
        return None
    own = data.count(b"\n", start, rec)  # the complete record's lines: its notices were given
    notices = []
    for n in sub.notices:
        if n.lineno is not None and n.lineno <= own:
            continue
        if "complete records kept" in n.message:
            message, found = _DROPPED.subn(lambda m: f"{m.group(1)}{kept}{m.group(2)}", n.message)
            if not found:
                return None
            n = dataclasses.replace(n, message=message)
        notices.append(n)
    proc = dict(procs[0], mappings=0)
    empty = Parsed(parsed.mappings.iloc[:0], [proc], formats=set())
    return (empty, notices, shift, True, True)
