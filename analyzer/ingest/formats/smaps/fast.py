"""Vectorised smaps parsing for large, regular dumps.

The kernel prints every record of one ``/proc/PID/smaps`` with the same key
sequence, each key padded to a fixed column and each value right-aligned in
a fixed-width field::

    55d0c8a00000-55d0c8a21000 rw-p 00000000 00:00 0                          [heap]
    Size:                132 kB
    Rss:                   8 kB
    ...
    THPeligible:           0
    VmFlags: rd wr mr mw me ac

So once the first record is read, every other record's field lines are
known byte for byte except for the digits: :func:`scan` checks that (numpy
over the buffer, in slices of about 1 MB so temporaries stay in cache),
reads all the numbers at once (eight digits in one 64-bit word, read
unaligned straight from the buffer), places the header fields from the edges
between runs of spaces (one pass over a matrix of header bytes) and builds
the text columns as Arrow strings from offsets into the buffer, with no
Python object per line (the layout and record readers are in :mod:`.fastlayout`, the column
readers and the frame in :mod:`.fastcols`; this module drives them over the slices and puts
blocks, processes and notices together).

:func:`parse_whole` returns the same :class:`~analyzer.ingest.base.Parsed` as
:func:`analyzer.ingest.formats.smaps.parse` on the same input, or ``None`` whenever
the input is not the regular case it handles (banners, ``grep -H`` prefixes,
CRLF, control characters, a key sequence that varies, a truncated or
irregular record, ``[rollup]``, non-UTF-8 bytes, ...): the exact general path
then runs, so correctness never depends on this one. :func:`scan` is the same pass with more
say: it reads CRLF line ends (*crlf*) and ``grep -H`` output (*grep*) in place, and with
*locate* it stops at the first record it declines and keeps the ones before it, so that
:mod:`.fastruns` can read that one record on the exact path and go on; :mod:`.fastblocks` chooses.

>>> from analyzer.ingest.base import Context
>>> rec = ('00400000-00401000 r-xp 00000000 103:02 1234                       /usr/bin/my prog\\n'
...        'Size:                  4 kB\\nRss:                   4 kB\\nTHPeligible:           0\\n'
...        'VmFlags: rd ex mr mw me \\n')
>>> parsed = parse_whole(rec.encode(), Context("dump.txt"), name="proc/42/smaps")
>>> row = parsed.mappings.iloc[0]
>>> int(row.pid), row.dev, row.path, int(row["size"]), int(row.rss), int(row.thp_eligible), row.vmflags
(42, '103:02', '/usr/bin/my prog', 4096, 4096, 0, 'rd ex mr mw me')
>>> parse_whole(rec.replace("\\n", "\\r\\n").encode(), Context("dump.txt")) is None  # CRLF: not here
True
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ....schema import process_record
from ...base import Context, Parsed
from . import native
from .fastcols import Irregular, build_frame, word_view
from .fastlayout import HEADER_START, Template, parse_records, read_template
from ...numbers import checked_int
from .exact import BANNER as _BANNER, NAME_PID as _NAME_PID, SELF_NAME as _SELF_NAME, empty_notice, self_notice

SLICE_BYTES = 1 << 20  # work on ~1 MB at a time: small temporaries (cache-resident, no fresh pages) and bounded memory
def parse_whole(data: bytes, ctx: Context, name: str | None = None, crlf: bool = False) -> Parsed | None:
    """Parse smaps bytes that are regular throughout, or return ``None``. *crlf*: a CR that ends a
    line is dropped (the exact path does so when one of the first 50 lines ends in CR)."""
    if not regular_input(data, crlf):
        return None
    try:
        return scan(data, ctx, name, crlf=crlf).parsed
    except Irregular:
        return None


def regular_input(data: bytes, crlf: bool = False, end: int | None = None) -> bool:
    """Whether the fast path may read ``data[:end]`` at all (else the reader and the exact path have a say)."""
    end = len(data) if end is None else end
    if end < 64 or data[end - 1] != 10 or data.startswith(b"\xef\xbb\xbf"):
        return False
    if not crlf and data.find(b"\r", 0, end) >= 0:
        return False
    head = data[: 1 << 18]
    return head.count(b"\\x") * 40 <= min(len(head), 1 << 16)  # else the reader might call it binary


class Run:
    """What :func:`scan` read: *parsed* is ``data[lo:cut]`` (``None``: nothing), *lines* its line
    count; *bad* the byte range of the first record it declined (``None``: it read up to *hi*)."""

    __slots__ = ("parsed", "cut", "lines", "bad", "template", "first_start", "first_in_block", "last_end",
                 "last_name")

    def __init__(self, cut: int, lines: int, bad: tuple[int, int] | None, template: Template):
        self.parsed: Parsed | None = None
        self.cut, self.lines, self.bad, self.template = cut, lines, bad, template
        self.first_start = self.last_end = None
        self.first_in_block = False  # the first record belongs to the block before lo (*name*'s)
        self.last_name: str | None = None  # the block of the last record


def scan(data: bytes, ctx: Context, name: str | None = None, lo: int = 0, hi: int | None = None,
         template: Template | None = None, locate: bool = False, cont: bool = False, grep=None,
         crlf: bool = False) -> Run:
    """Read ``data[lo:hi]`` (*lo* at a line start, ``data[hi - 1]`` a newline) on the fast path.

    Without *locate*, any irregularity raises :class:`Irregular`. With it, a record declined in a
    slice is located (its slice bisected) and the run stops before it: the records before it are
    kept (up to the first banner after them), :attr:`Run.bad` is the declined record's bytes.
    Lines before a banner are *name*'s block (with *cont*: the block read before *lo*, continued:
    no notices for it). *template*: the layout the records must have (else the first record's).
    *grep*: the :class:`~analyzer.ingest.formats.smaps.fastgrep.GrepBlocks` of ``grep -H`` output
    (the whole of *data*, no *locate*): each line is read after its prefix. *crlf*: a CR that
    ends a line is not part of it.
    """
    hi = len(data) if hi is None else hi
    if hi <= lo or data[hi - 1] != 10:
        raise Irregular("not a newline at the end")
    if grep is not None and (lo or hi != len(data) or locate or cont):
        raise ValueError("grep -H output is read whole")
    words = word_view(np.frombuffer(data, dtype=np.uint8)) if grep is not None else None
    if template is None:
        try:
            template = read_template(data, lo, grep is not None, crlf)
        except Irregular:
            if not locate:
                raise
            return _first_declined(data, lo, hi, crlf)
    arr = np.frombuffer(data, dtype=np.uint8, count=hi - lo, offset=lo)
    R = template.nlines

    pieces: list[dict] = []
    special: list[tuple[int, bytes]] = []  # (line number, text) of banners and blank lines
    pos, line_base = 0, 0  # byte offset (from lo) and line count before the current slice
    size = SLICE_BYTES if grep is None else SLICE_BYTES * 3 // 2  # grep -H: about as many records a slice
    n = len(arr)
    bad = None
    while pos < n:
        stop = min(n, pos + size)
        seg = arr[pos:stop]
        nl = native.newlines(seg)
        if not len(nl):
            size *= 2
            continue
        ls = np.empty_like(nl)
        ls[0] = 0
        ls[1:] = nl[:-1] + 1
        if grep is not None:  # the lines after their prefixes
            bid = grep.block_of(ls + pos)
            cs = np.minimum(ls + grep.plen[bid], nl)  # a line shorter than its prefix fails the check below
        else:
            cs = ls
        if crlf:
            cr = (nl > cs) & (seg[nl - 1] == 13)
            ends = nl - cr
        else:
            ends = nl
        odd = np.flatnonzero((ends == cs) | (seg[cs] == 61))  # blank, or `==> name <==`
        if len(odd):
            content = np.ones(len(nl), dtype=bool)
            content[odd] = False
            content = np.flatnonzero(content)
        else:
            content = None
        n_content = len(nl) if content is None else len(content)
        usable = (n_content // R) * R
        if stop < n and usable == 0:
            size *= 2
            continue
        left = None  # the first and last line of content left over at the end (not a whole record)
        if stop == n and usable != n_content:
            if not locate:
                raise Irregular("a cut or irregular last record")  # the exact path says what happened
            lines = np.arange(len(nl)) if content is None else content
            left = (int(lines[usable]), int(lines[-1]))
        if stop == n:
            n_lines = len(nl)
        else:  # up to the last complete record; later blank lines and banners go to the next slice
            n_lines = usable if content is None else int(content[usable - 1]) + 1
        idx = np.arange(usable) if content is None else content[:usable]
        if grep is not None:
            if (seg[cs[odd]] == 61).any():
                raise Irregular("a grep -H line that starts with =")  # the exact path reads no banner there
            grep.seen(ls[:n_lines] + pos, bid[:n_lines], line_base)
            heads = bid[idx[::R]]
            if (heads != bid[idx[R - 1 :: R]]).any():
                raise Irregular("a record across two grep -H blocks")
            # prefixes of header and blank lines (those of field and VmFlags lines: in the field blocks)
            grep.check(words, ls[idx[::R]] + pos, heads)
            grep.check(words, ls[odd[odd < n_lines]] + pos, bid[odd[odd < n_lines]])
        try:
            if usable:
                pieces.append(_piece(seg, cs, ends, idx, template, line_base, grep, heads if grep is not None else None))
                if grep is not None:
                    pieces[-1]["bid"] = heads
            m = usable // R
        except Irregular as exc:
            if not locate:
                raise
            m = _bisect(seg, cs, ends, idx, template, line_base, pieces, exc.record)  # records [0, m) kept
            left = (int(idx[m * R]), int(idx[m * R + R - 1]))  # the declined record's first and last line
        if left is not None:
            first, last = left
            after = int(idx[m * R - 1]) if m else -1  # the last line of the records kept
            between = odd[(odd < first) & (odd > after)]
            banners = [int(i) for i in between if ends[i] > ls[i] and seg[ls[i]] == 61]
            n_lines = banners[0] if banners else first  # the run ends at the first banner after its records
            bad = (lo + pos + int(ls[first]), lo + pos + int(nl[last]) + 1)
        seg = seg[: nl[n_lines - 1] + 1] if n_lines else seg[:0]
        for i in odd[odd < n_lines]:
            special.append((line_base + int(i) + 1, seg[ls[i] : ends[i]].tobytes()))
        ctrl = int(np.count_nonzero(seg < 32)) - n_lines
        if crlf:
            ctrl -= int(np.count_nonzero(cr[:n_lines]))
        if ctrl and ctrl != (int(np.count_nonzero(seg == 9)) if template.tabs else 0):
            raise Irregular("control characters where the kernel puts none")
        pos += len(seg)
        line_base += n_lines
        if bad is not None:
            break
    run = Run(lo + pos, line_base, bad, template)
    if not pieces:
        if special and (not cont or any(text for _, text in special)):
            raise Irregular("banners and no record")  # an empty block before a declined record
        return run  # nothing, or blank lines of the block before lo
    nrec = sum(len(p["start"]) for p in pieces)
    if template.tabs and int(np.count_nonzero(arr[:pos] == 9)) != template.tabs * nrec:
        raise Irregular("tabs where the kernel puts none")
    if grep is not None:
        run.parsed = _finish_grep(pieces, grep, template, ctx, nrec)
    else:
        run.parsed = _finish(pieces, special, template, ctx, name, nrec, cont, run)
    return run


def _first_declined(data: bytes, lo: int, hi: int, crlf: bool) -> Run:
    """A run that stops at its first record (its layout cannot be read): the banner and blank lines
    before it are left to the caller with it."""
    pos, start = lo, None
    for _ in range(256):  # a record has some 30 lines: junk is the exact path's
        if pos >= hi:
            break
        end = data.find(b"\n", pos, hi) + 1
        line = data[pos:end].rstrip(b"\r\n" if crlf else b"\n")
        if start is None and line and not line.startswith(b"="):
            start = pos  # the record's header line
        elif start is not None and (not line or line.startswith(b"=") or HEADER_START.match(line)):
            break
        pos = end
    else:
        raise Irregular("no record in 256 lines")
    if start is None:
        raise Irregular("no record")
    return Run(lo, 0, (start, pos), None)


def _piece(seg: np.ndarray, ls: np.ndarray, nl: np.ndarray, idx: np.ndarray, t: Template, line_base: int,
           grep=None, bids: np.ndarray | None = None) -> dict:
    """The records whose lines are ``idx`` (R lines each) of a slice (*bids*: their grep -H blocks)."""
    heads = idx[:: t.nlines]
    piece = parse_records(seg, ls[idx], nl[idx], t, line_base + heads + 1, grep, bids)
    piece["last_lineno"] = line_base + idx[t.nlines - 1 :: t.nlines] + 1
    return piece


def _bisect(seg, ls, nl, idx, t: Template, line_base: int, pieces: list, hint: int | None) -> int:
    """The first record of a declined slice that is declined on its own: the pieces before it are
    appended to *pieces*; returns its index. *hint*: a record known to fail one check (the ones
    before it passed that one)."""
    R = t.nlines
    good, bad = 0, len(idx) // R  # records [0, good) read; [good, bad) declined together
    if hint is not None and 0 <= hint < bad:
        bad = hint + 1
        if hint == 0:
            return 0
        try:
            pieces.append(_piece(seg, ls, nl, idx[: hint * R], t, line_base))
            return hint
        except Irregular:
            bad = hint
    while bad - good > 1:
        mid = (good + bad) // 2
        try:
            piece = _piece(seg, ls, nl, idx[good * R : mid * R], t, line_base)
        except Irregular:
            bad = mid
            continue
        pieces.append(piece)
        good = mid
    return good


def _finish(pieces: list[dict], special: list, template: Template, ctx: Context, name: str | None, nrec: int,
            cont: bool, run: Run) -> Parsed:
    """The frame, processes and notices of the pieces (the checks over all of them)."""
    if any(pc.any(pc.equal(p["path"], "[rollup]")).as_py() for p in pieces):
        raise Irregular("smaps_rollup")  # a process-level record, the exact path's job
    blocks = _blocks(special, name)
    linenos = np.concatenate([p["lineno"] for p in pieces])
    last_linenos = np.concatenate([p["last_lineno"] for p in pieces])
    banner_lines = np.array([lineno for lineno, text in special if text], dtype=np.int64)
    inside = np.searchsorted(linenos, banner_lines) - 1
    if ((inside >= 0) & (banner_lines < last_linenos[np.maximum(inside, 0)])).any():
        raise Irregular("a banner inside a record")
    block_of = np.searchsorted(np.array([b[1] for b in blocks]), linenos, side="right") - 1
    if (block_of < 0).any():
        raise Irregular("records before the first banner")
    counts = np.bincount(block_of, minlength=len(blocks))
    pids = [b[2] for b in blocks]
    seen = [p for p, c in zip(pids, counts) if p is not None and c]
    if len(seen) != len(set(seen)):
        raise Irregular("a PID twice")  # the exact path warns about it
    processes = []
    unnamed = [i for i, (bname, _, _) in enumerate(blocks) if bname is None]  # numbered as the exact path does
    seq = {i: n for n, i in enumerate(unnamed, 1)} if len(unnamed) > 1 else {}
    pre_banner = next((lineno for lineno, text in special if text), None) != 1  # block 0: lines before a banner
    continued = cont and pre_banner  # block 0 goes on from before lo: its notices were given
    for i, ((bname, bline, pid), count) in enumerate(zip(blocks, counts)):
        if i == 0 and continued and not count:
            continue  # blank lines that end the block before lo: nothing to add to it
        processes.append(process_record(pid, ctx.source, "smaps" if count else None, block_name=bname,
                                        block=seq.get(i), lineno=bline, mappings=int(count)))
        if i == 0 and continued:
            continue
        if bname and _SELF_NAME.search(bname):  # the same notice as smaps.parse, in the same order
            ctx.info(bline, self_notice(bname))
        if not count:
            ctx.info(bline, empty_notice(bname))
    pid_values = np.array([p if p is not None else 0 for p in pids], dtype=np.int64)[block_of]
    pid_mask = np.array([p is None for p in pids], dtype=bool)[block_of]
    frame = build_frame(pieces, template, ctx.source, (pid_values, pid_mask), block_of, nrec)
    if seq:
        frame["block"] = pd.array([seq.get(i) for i in range(len(blocks))], dtype="Int64").take(block_of)
    run.first_start = int(pieces[0]["start"][0])
    run.last_end = int(pieces[-1]["end"][-1])
    run.first_in_block = bool(block_of[0] == 0 and pre_banner)
    run.last_name = blocks[int(block_of[-1])][0]
    return Parsed(frame, processes, formats={"smaps"})


def _finish_grep(pieces: list[dict], grep, template: Template, ctx: Context, nrec: int) -> Parsed:
    """:func:`_finish` for ``grep -H`` output: the blocks are its names' runs of lines."""
    if any(pc.any(pc.equal(p["path"], "[rollup]")).as_py() for p in pieces):
        raise Irregular("smaps_rollup")
    grep.done()
    block_of = np.concatenate([p["bid"] for p in pieces])
    counts = np.bincount(block_of, minlength=len(grep.names))
    pids = []
    for bname in grep.names:
        m = _NAME_PID.search(bname)
        pid = checked_int(m.group(1)) if m else None
        if m and pid is None:
            raise Irregular("a PID too large")
        pids.append(pid)
    seen = [p for p, c in zip(pids, counts) if p is not None and c]
    if len(seen) != len(set(seen)):
        raise Irregular("a PID twice")
    frame = build_frame(pieces, template, ctx.source, (np.array([p or 0 for p in pids], dtype=np.int64)[block_of],
                                                  np.array([p is None for p in pids], dtype=bool)[block_of]),
                   block_of, nrec)
    processes = []
    for bname, bline, pid, count in zip(grep.names, grep.line.tolist(), pids, counts.tolist()):
        processes.append(process_record(pid, ctx.source, "smaps" if count else None, block_name=bname,
                                        block=None, lineno=bline, mappings=count))
        if _SELF_NAME.search(bname):
            ctx.info(bline, self_notice(bname))
        if not count:
            ctx.info(bline, empty_notice(bname))
    return Parsed(frame, processes, formats={"smaps"})


def _blocks(special: list[tuple[int, bytes]], name: str | None) -> list[tuple[str | None, int, int | None]]:
    """(name, line number, pid) of every process block, as smaps.split_blocks makes them."""
    blocks: list[tuple[str | None, int, int | None]] = []
    first_banner = next((lineno for lineno, text in special if text), None)
    if first_banner != 1:
        blocks.append((name, 1, None))  # lines before any banner: the file's own name
    for lineno, text in special:
        if not text:
            continue
        try:
            line = text.decode("utf-8")
        except UnicodeDecodeError:
            raise Irregular("banner not UTF-8") from None
        m = _BANNER.fullmatch(line.strip()) if line.startswith("==>") else None
        if m is None:
            raise Irregular("a line starting with = that is no banner")
        blocks.append((m.group(1), lineno, None))
    out = []
    for bname, lineno, _ in blocks:
        m = _NAME_PID.search(bname) if bname else None
        pid = checked_int(m.group(1)) if m else None
        if m and pid is None:
            raise Irregular("a PID too large")  # the exact path warns about it
        out.append((bname, lineno, pid))
    return out
