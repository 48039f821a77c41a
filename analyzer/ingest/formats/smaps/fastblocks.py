"""The vectorised smaps path, block by block: one irregular byte costs its process block, not the file.

:func:`analyzer.ingest.formats.smaps.fast.parse_whole` reads a whole buffer of regular kernel output or declines it.
Customer files are rarely all regular: a copy cut short, CRLF line ends (the file went through
Windows), ``grep -H '' /proc/*/smaps`` prefixes, captures of two kernels (different key sets) joined
with ``cat``, one record with an odd value, a path that is not UTF-8. Declining the whole file sent
all of it down the exact path, 20x slower. :func:`parse` instead

- reads CRLF line ends in place when the exact path would drop their CRs (one of the first 50 lines
  ends in CR), and ``grep -H`` output in place (:mod:`.fastgrep`: each line after its prefix);
- reads a banner concatenation (or one block) in one pass that steps over what it declines
  (:func:`analyzer.ingest.formats.smaps.fastruns.runs`): another layout after a banner starts a new
  pass, one odd record goes alone to the exact parser; a last block cut short goes to the exact
  parser on its own;
- where that would not give the exact path's result, splits the file at its banners into process
  blocks, parses runs of blocks of about :data:`GROUP_BYTES` on the fast path, halves a run that it
  declines, and parses a single declined block on the exact path
  (:func:`analyzer.ingest.formats.smaps.exact.parse`);
- gives every row, process and notice its line number in the file, and warns about repeated PIDs
  over the whole file, as the exact path does.

The result equals the exact path's on the whole file (``tests/test_fastblocks.py``).

>>> from analyzer.ingest.base import Context
>>> rec = ('00400000-00401000 r-xp 00000000 103:02 1234                       /usr/bin/prog\\n'
...        'Size:                  4 kB\\nRss:                   4 kB\\nVmFlags: rd ex mr mw me \\n')
>>> odd = rec.replace("Rss:                   4 kB", "Rss:                   4 KB")
>>> text = "==> /proc/1/smaps <==\\n" + rec + "==> /proc/2/smaps <==\\n" + odd
>>> ctx = Context("dump.txt")
>>> parsed = parse(text.encode(), ctx)
>>> parsed.mappings[["pid", "rss", "lineno"]].to_dict("list")
{'pid': [1, 2], 'rss': [4096, None], 'lineno': [2, 7]}
>>> [str(n) for n in ctx.notices]
["dump.txt:9: warning: cannot interpret value of Rss: '4 KB'"]
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd

from .... import schema
from ....errors import ParseError
from ...base import Context, Parsed
from ...sources.reader import is_encrypted, looks_binary
from .exact import BANNER, _warn_repeated_pids
from . import fastgrep, fastruns
from .fast import parse_whole, regular_input, scan
from .fastgrep import _GREP_NAME, MAX_NAME  # noqa: F401 (MAX_NAME: the limit both paths read prefixes to)
from .fastcols import Irregular
from .exact import parse as exact_parse

GROUP_BYTES = 4 << 20  # blocks parsed together on the fast path (a frame per group, halved when declined)
_REPEATED = re.compile(r"PID \d+ appears again \(first at line \d+\)")
_LINE_REF = re.compile(r"(?<=\bline )(\d+)")


class _Segment:
    """One process block: its bytes as the parsers get them, and where its lines are in the file.

    Its bytes are ``source[lo:hi]`` (a slice of the file, or a block of its own). Buffer line 1 is
    the block's banner (or its first line, for lines before any banner); the
    banner is line ``banner`` of the file, the block's other lines follow from line ``first``.
    """

    __slots__ = ("source", "lo", "hi", "lines", "banner", "first")

    def __init__(self, source: bytes, lo: int, hi: int, lines: int, banner: int, first: int):
        self.source, self.lo, self.hi = source, lo, hi  # the block is source[lo:hi]
        self.lines, self.banner, self.first = lines, banner, first


class _LineMap:
    """Buffer line numbers of a run of segments to the file's line numbers."""

    def __init__(self, segments: list[_Segment]):
        starts, banner, other = [], [], []
        at = 1
        for seg in segments:
            starts.append(at)
            banner.append(seg.banner - at)
            other.append(seg.first - at - 1)
            at += seg.lines
        self.starts = np.array(starts, dtype=np.int64)
        self.banner = np.array(banner, dtype=np.int64)
        self.other = np.array(other, dtype=np.int64)
        self.identity = not self.banner.any() and not self.other.any()

    def map(self, lines: np.ndarray) -> np.ndarray:
        i = np.searchsorted(self.starts, lines, side="right") - 1
        return lines + np.where(lines == self.starts[i], self.banner[i], self.other[i])

    def one(self, line: int | None) -> int | None:
        return None if line is None else int(self.map(np.array([line], dtype=np.int64))[0])

    def text(self, message: str) -> str:
        return _LINE_REF.sub(lambda m: str(self.one(int(m.group(1)))), message)


def parse(data: bytes, ctx: Context, name: str | None = None) -> Parsed | None:
    """Parse kernel-format smaps bytes on the fast path where they are regular, else ``None``.

    Blocks the fast path declines are parsed on the exact path; ``None`` means the exact path
    should read the whole input (no banners, an input the reader might refuse, ...).
    """
    if len(data) < 64 or data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return parse_whole(data, ctx, name)
    crlf = _crlf(data)
    if crlf is None:
        return None  # CRs the exact path keeps (or a cut CRLF file): its job
    grep = _is_grep(data)
    if not grep and not data.startswith(b"==>") and b"\n==>" not in data:
        return _parse_runs(data, ctx, name, crlf)  # one block: on the fast path but for odd records, or none
    if looks_binary(data) or is_encrypted(data[:64]):
        return None  # the reader's decode says what it is
    if grep:
        parsed = _parse_grep(data, ctx, name, crlf)
    else:
        parsed = _parse_banners(data, ctx, name, crlf)
    if parsed is not None:
        return parsed
    if crlf:
        data = _without_cr(data)
        if data is None:
            return None
    segments = _grep_segments(data) if grep else _banner_segments(data)
    if segments is None or (len(segments) < 2 and not grep):
        return None  # one block, declined above: the exact path's
    return _parse_segments(segments, ctx, name, whole=grep)  # the whole was tried above (banners)


def _parse_runs(data: bytes, ctx: Context, name: str | None, crlf: bool, hi: int | None = None) -> Parsed | None:
    """``data[:hi]`` on the fast path, odd records on the exact path (:func:`fastruns.runs`); ``None``
    where that would not give the exact path's result."""
    results = _runs(data, ctx, name, crlf, hi)
    return None if results is None else _merge(results[0], ctx)


def _runs(data: bytes, ctx: Context, name: str | None, crlf: bool, hi: int | None = None) -> tuple | None:
    if not regular_input(data, crlf, hi):
        return None
    try:
        return fastruns.runs(data, ctx, name, 0, hi, crlf=crlf)
    except Irregular:
        return None


def _parse_banners(data: bytes, ctx: Context, name: str | None, crlf: bool = False) -> Parsed | None:
    """A banner concatenation in one fast pass (its last block on its own if cut short),
    without looking for the banners first; ``None`` if the fast path declines."""
    tail = last_banner(data)
    if tail and _cut_short(_Segment(data, tail, len(data), 0, 0, 0)):
        split = fastruns.cut_record(data, tail)  # all but the cut record on the fast path, if it can be
        found = _runs(data, ctx, name, crlf, split[1]) if split else None
        if found is not None:
            piece = fastruns.cut_piece(data, ctx, tail, split[0], split[1], found[1], found[0], crlf)
            if piece is not None:
                return _merge(found[0] + [piece], ctx)
        found = _runs(data, ctx, name, crlf, tail)
        if found is None:
            return None
        results, n_head = found[0], found[1] - 1  # the pieces, the lines before the tail
        n_tail = data.count(b"\n", tail) + (0 if data.endswith(b"\n") else 1)
        segment = _Segment(data, tail, len(data), n_tail, n_head + 1, n_head + 2)
        if crlf:
            segment = _Segment(data[tail:].replace(b"\r\n", b"\n"), 0, 0, n_tail, n_head + 1, n_head + 2)
            segment.hi = len(segment.source)
        _parse_run([segment], ctx, name, results)
        return _merge(results, ctx)
    return _parse_runs(data, ctx, name, crlf)


def _parse_grep(data: bytes, ctx: Context, name: str | None, crlf: bool = False) -> Parsed | None:
    """``grep -H`` output in one fast pass, each line read after its prefix; ``None`` if declined."""
    blocks = fastgrep.blocks(data)
    if blocks is None:
        return None
    sub = Context(ctx.source, ctx.on_bad_lines)
    try:
        parsed = scan(data, sub, name, grep=blocks, crlf=crlf).parsed
    except Irregular:
        return None
    ctx.notices.extend(sub.notices)
    return parsed


def last_banner(data: bytes) -> int:
    """Where the last banner line starts (0: none, or only the first line)."""
    end = len(data)
    while True:
        at = data.rfind(b"\n==>", 0, end)
        if at < 0:
            return 0
        if _banner_at(data, at + 1):
            return at + 1
        end = at


def _crlf(data: bytes) -> bool | None:
    """Whether a CR that ends a line is to be dropped, as the exact path reads lines (one of the first
    50 ends in CR); ``None``: CRs it keeps, or a cut CRLF file (its job)."""
    if b"\r" not in data:
        return False
    head_end = 0
    for _ in range(50):
        nl = data.find(b"\n", head_end)
        if nl < 0:
            head_end = len(data)
            break
        head_end = nl + 1
    if b"\r\n" not in data[:head_end] or data.endswith(b"\r"):
        return None
    return True


def _without_cr(data: bytes) -> bytes | None:
    """CRLF line ends as LF, as the exact path reads them (``None``: CRs it would keep)."""
    if b"\r" not in data:
        return data
    head_end = 0
    for _ in range(50):
        nl = data.find(b"\n", head_end)
        if nl < 0:
            head_end = len(data)
            break
        head_end = nl + 1
    if b"\r\n" not in data[:head_end] or data.endswith(b"\r"):
        return None  # CRs the exact path keeps (or a cut CRLF file): its job
    out = data.translate(None, b"\r")  # faster than replace(b"\r\n", b"\n"); the same if every CR ends a line
    return out if data.count(b"\r\n") == len(data) - len(out) else None


def _is_grep(data: bytes) -> bool:
    """The exact path's test: its first non-blank line has a ``grep -H`` prefix and is no banner."""
    pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        line = data[pos:end]
        if line.strip():
            head = line.split(b":", 1)[0]
            return b":" in line and _GREP_NAME.fullmatch(head) is not None and not line.startswith(b"==>")
        pos = end + 1
    return False


def _line_bounds(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (the newline, or the end of a last unterminated line) of every line."""
    nl = np.flatnonzero(arr == 10)
    if len(arr) and arr[-1] != 10:
        nl = np.append(nl, len(arr))
    starts = np.empty_like(nl)
    if len(nl):
        starts[0] = 0
        starts[1:] = nl[:-1] + 1
    return starts, nl


def _banner_segments(data: bytes) -> list[_Segment] | None:
    """The blocks of a ``==>``-banner concatenation, cut at the banner lines (``None``: no banners).

    Banner lines are found with ``bytes.find`` and kept only where the exact path takes them for
    banners (:data:`~analyzer.ingest.formats.smaps.exact.BANNER`); line numbers come from ``bytes.count``.
    """
    cuts = []
    pos = 0
    while True:  # '=' is rare in smaps: find() skips ahead fast
        at = data.find(b"==>", pos)
        if at < 0:
            break
        pos = at + 3
        if (at == 0 or data[at - 1] == 10) and _banner_at(data, at):
            cuts.append(at)
    if not cuts:
        return None
    if cuts[0] != 0:
        cuts.insert(0, 0)
    cuts.append(len(data))
    segments = []
    line = 1
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        lines = data.count(b"\n", lo, hi) + (1 if hi == len(data) and not data.endswith(b"\n") else 0)
        segments.append(_Segment(data, lo, hi, lines, line, line + 1))
        line += lines
    return segments


def _banner_at(data: bytes, pos: int) -> bool:
    """Whether the line at *pos* is a banner, as the exact path reads lines."""
    if not data.startswith(b"==>", pos):
        return False
    end = data.find(b"\n", pos)
    line = data[pos : len(data) if end < 0 else end].decode("utf-8", errors="backslashreplace")
    return BANNER.fullmatch(line.strip()) is not None


def _grep_segments(data: bytes) -> list[_Segment] | None:
    """``grep -H '' /proc/*/smaps`` output as ``==> name <==`` blocks (``None``: a line without a
    prefix, a name that comes back after another, or a line that would read as a banner).

    Each block's end is found by galloping and bisecting over its lines (does the line start with
    ``name:``?), its prefixes are cut with ``bytes.replace``, and the byte count proves that every
    line of the block had the prefix: no Python work per line.
    """
    segments, seen = [], set()
    pos, line = 0, 1
    n = len(data)
    while pos < n:
        colon = data.find(b":", pos, pos + MAX_NAME + 1)
        raw = data[pos:colon] if colon > pos else b""
        if not raw or b"\n" in raw or raw in seen or _GREP_NAME.fullmatch(raw) is None:
            return None
        seen.add(raw)
        prefix = raw + b":"
        end = fastgrep.block_end(data, pos, prefix)
        block = data[pos:end]
        lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
        content = block[len(prefix):].replace(b"\n" + prefix, b"\n")
        if len(content) != len(block) - lines * len(prefix):
            return None  # a line of the block without the prefix
        if content.startswith(b"=") or b"\n=" in content:
            return None  # a line that would read as a banner once its prefix is cut: the exact path's job
        block = b"==> " + raw + b" <==\n" + content
        segments.append(_Segment(block, 0, len(block), 1 + lines, line, line))
        pos, line = end, line + lines
    return segments


def _parse_segments(segments: list[_Segment], ctx: Context, name: str | None, whole: bool = True) -> Parsed:
    """Parse all blocks at once on the fast path (a last block cut short on its own); where that is
    declined, runs of about GROUP_BYTES, halved while declined. Put the pieces together in file order."""
    results: list[tuple[Parsed, list, _LineMap, bool]] = []
    if len(segments) > 1 and _cut_short(segments[-1]):
        _parse_all(segments[:-1], ctx, name, results, whole)
        _parse_run(segments[-1:], ctx, name, results)
    else:
        _parse_all(segments, ctx, name, results, whole)
    return _merge(results, ctx)


def _merge(results: list, ctx: Context) -> Parsed:
    """The pieces as one result: line numbers of the file, notices in file order, repeated PIDs."""
    if len(results) == 1 and not results[0][3] and results[0][2].identity:
        parsed, notices = results[0][0], results[0][1]
        ctx.notices.extend(notices)
        return parsed

    frames, processes, formats = [], [], set()
    for parsed, notices, lines, exact, *cont in results:
        frame = parsed.mappings
        if len(frame):
            frame = schema.conform(frame)
            linenos = frame["lineno"].to_numpy(dtype=np.int64)
            frame["lineno"] = pd.array(lines.map(linenos), dtype="Int64")
            frames.append(frame)
        for i, proc in enumerate(parsed.processes):
            if i == 0 and cont and cont[0]:  # the block of the piece before, continued
                _continue_process(processes[-1], proc)
                continue
            proc["lineno"] = lines.one(proc.get("lineno"))
            processes.append(proc)
        formats |= parsed.formats
        for n in notices:
            if exact and _REPEATED.search(n.message):
                continue  # said once below, over the whole file
            message = lines.text(n.message) if exact else n.message
            ctx.notices.append(dataclasses.replace(n, lineno=lines.one(n.lineno), message=message))
    _warn_repeated_pids(processes, ctx)
    if not frames:
        frame = pd.DataFrame()
    elif len(frames) == 1:
        frame = frames[0]
    else:
        frame = pd.concat(frames, ignore_index=True)
    return Parsed(frame, processes, formats=formats)


def _continue_process(proc: dict, more: dict) -> None:
    """One process block read in pieces: the second piece's mappings added to the first's entry."""
    proc["mappings"] += more["mappings"]
    proc["partial"] = proc.get("partial") or more.get("partial")
    if more["source_format"] and not proc["source_format"]:
        proc["source_format"] = more["source_format"]


def _bytes_of(run: list[_Segment]) -> bytes:
    """The bytes of a run of blocks: one slice where they are contiguous in one source."""
    first, last = run[0], run[-1]
    if all(seg.source is first.source for seg in run) and all(a.hi == b.lo for a, b in zip(run, run[1:])):
        if first.lo == 0 and last.hi == len(first.source):
            return first.source
        return first.source[first.lo : last.hi]
    return b"".join(seg.source[seg.lo : seg.hi] for seg in run)


def _cut_short(seg: _Segment) -> bool:
    """Whether the last block looks cut short: no final newline, or a last line other than the
    ``VmFlags`` that ends every record of a kernel that prints them."""
    src, lo, hi = seg.source, seg.lo, seg.hi
    if hi <= lo or src[hi - 1] != 10:
        return True
    if src.find(b"\nVmFlags:", lo, min(hi, lo + (1 << 16))) < 0:
        return False
    return not src.startswith(b"VmFlags:", src.rfind(b"\n", lo, hi - 1) + 1)


def _parse_all(segments: list[_Segment], ctx: Context, name: str | None, results: list, whole: bool = True) -> None:
    """All blocks in one fast pass (unless *whole* is False: tried already); if declined, in runs
    of about GROUP_BYTES."""
    if whole:
        sub = Context(ctx.source, ctx.on_bad_lines)
        parsed = parse_whole(_bytes_of(segments), sub, name)
        if parsed is not None:
            results.append((parsed, sub.notices, _LineMap(segments), False))
            return
    run: list[_Segment] = []
    size = 0
    for seg in segments:
        if run and size + seg.hi - seg.lo > GROUP_BYTES:
            _parse_run(run, ctx, name, results)
            run, size = [], 0
        run.append(seg)
        size += seg.hi - seg.lo
    if run:
        _parse_run(run, ctx, name, results)


def _parse_run(run: list[_Segment], ctx: Context, name: str | None, results: list) -> None:
    """A run of blocks on the fast path; halved while declined; one declined block on the exact path."""
    data = _bytes_of(run)
    lines = _LineMap(run)
    sub = Context(ctx.source, ctx.on_bad_lines)
    parsed = parse_whole(data, sub, name)
    if parsed is not None:
        results.append((parsed, sub.notices, lines, False))
        return
    if len(run) > 1:
        half = len(run) // 2
        _parse_run(run[:half], ctx, name, results)
        _parse_run(run[half:], ctx, name, results)
        return
    sub = Context(ctx.source, ctx.on_bad_lines)
    try:
        parsed = exact_parse(data.decode("utf-8", errors="backslashreplace"), sub, name)
    except ParseError as exc:
        raise ParseError(ctx.source, lines.one(exc.lineno), lines.text(exc.message)) from None
    results.append((parsed, sub.notices, lines, True))
