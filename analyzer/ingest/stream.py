"""An smaps file too big to hold as one table, read as a sequence of batches.

:func:`smaps_batches` reads one (possibly compressed) ``==>``-banner concatenation of smaps, or a
single process's smaps, about :data:`BATCH_BYTES` at a time, cuts each batch at its last banner
(a process block never straddles two batches), parses it (:func:`~analyzer.ingest.formats.smaps.parse_data`:
the vectorised path, block by block), and yields the mappings as conformed and classified frames
with the line numbers of the file. Notices come with their file line numbers; repeated PIDs are
warned about once, over the whole file, at the end, as the whole-file parse does. Memory stays at a
couple of batches whatever the input's size; ``memmaps export`` writes each batch as it comes
(:mod:`analyzer.exportstream`). The rows, processes and notices are those of
:func:`~analyzer.ingest.load_dataset` on the same file (``tests/test_stream.py``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from .. import schema
from ..classify import classify
from ..errors import Notice
from .base import Context
from .formats import registry, smaps
from .formats.smaps import exact
from .formats.smaps.fastblocks import last_banner
from .sources import archive
from .sources.reader import compression_of, decode, open_input, peek

BATCH_BYTES = 64 << 20     # text parsed at once
STREAM_BYTES = 512 << 20   # inputs larger than this (as stored) are exported batch by batch
_REPEATED = re.compile(r"PID \d+ appears again \(first at line \d+\)")
_LINE_REF = re.compile(r"(?<=\bline )(\d+)")


@dataclasses.dataclass
class Batch:
    """One batch: its mappings (schema columns, classified), processes and notices."""

    mappings: pd.DataFrame
    processes: list[dict]
    notices: list[Notice]


def streamable(item: str | Path, min_bytes: int | None = None) -> bool:
    """Whether *item* is one smaps file (plain or compressed, not an archive) of at least *min_bytes*
    as stored (compressed: an eighth of it): a ``==>``-banner concatenation or a single process."""
    p = Path(item)
    min_bytes = STREAM_BYTES if min_bytes is None else min_bytes
    if str(item) == "-" or not p.is_file() or p.stat().st_size < min_bytes // 8:
        return False
    if p.stat().st_size < min_bytes:  # compressed: from an eighth (smaps compress 10-20 times)
        with open(p, "rb") as raw:
            if compression_of(raw.read(8)) is None:
                return False
    name, stream = open_input(p)
    with stream:
        head = peek(stream, name, 1 << 16)
    if archive.is_archive(head) or head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return False
    try:
        text = decode(head, name)
    except Exception:
        return False
    found = registry.detect(text)
    if found is None or found[0] is not smaps:
        return False
    first = next((line for line in text.split("\n") if line.strip()), "")
    return not exact.GREP_PREFIX.fullmatch(first) or first.startswith("==>")  # grep -H blocks: no banners


def smaps_batches(item: str | Path, on_bad_lines: str = "warn", batch_bytes: int | None = None) -> Iterator[Batch]:
    """The batches of one smaps file (see :func:`streamable`), in file order; the last one holds
    the repeated-PID warnings (and may have no rows)."""
    batch_bytes = batch_bytes or BATCH_BYTES
    name, stream = open_input(item)
    processes: list[dict] = []
    line_base = 0
    pending = b""
    with stream:
        read = getattr(stream, "read1", None) or stream.read
        eof = False
        want = batch_bytes
        while not eof:
            while len(pending) < want:
                chunk = read(min(1 << 22, want - len(pending)))
                if not chunk:
                    eof = True
                    break
                pending += chunk
            if eof:
                piece, pending = pending, b""
            else:
                cut = last_banner(pending)
                if cut <= 0:
                    want = len(pending) + batch_bytes  # one block bigger than a batch: read on
                    continue
                want = batch_bytes
                piece, pending = pending[:cut], pending[cut:]
            if not piece:
                break
            batch = _parse(piece, name, on_bad_lines, line_base)
            processes.extend(batch.processes)
            line_base += piece.count(b"\n")
            yield batch
    ctx = Context(name, on_bad_lines)
    exact._warn_repeated_pids(processes, ctx)
    yield Batch(classify(schema.empty()), [], ctx.notices)


def _parse(piece: bytes, name: str, on_bad_lines: str, line_base: int) -> Batch:
    ctx = Context(name, on_bad_lines)
    try:
        parsed = smaps.parse_data(piece, ctx)
    except Exception as exc:
        from ..errors import ParseError

        if isinstance(exc, ParseError) and exc.lineno:
            raise ParseError(exc.source, exc.lineno + line_base, _shift(exc.message, line_base)) from None
        raise

    def shift(n):
        return None if n is None else n + line_base

    frame = parsed.mappings
    if len(frame):
        if "source" not in frame.columns:
            frame["source"] = name
        frame = schema.conform(frame)
        frame["capture"] = frame["capture"].fillna(frame["source"])  # the file is the capture, as load_dataset says
        frame["lineno"] = frame["lineno"] + line_base
        frame = classify(frame)
    else:
        frame = classify(schema.empty())
    for proc in parsed.processes:
        proc["lineno"] = shift(proc.get("lineno"))
    notices = [dataclasses.replace(n, lineno=shift(n.lineno), message=_shift(n.message, line_base))
               for n in ctx.notices if not _REPEATED.search(n.message)]
    return Batch(frame, parsed.processes, notices)


def _shift(message: str, by: int) -> str:
    return _LINE_REF.sub(lambda m: str(int(m.group(1)) + by), message) if by else message


class FileStream:
    """:func:`smaps_batches` with the interface of :class:`analyzer.ingest.streamtree.TreeStream`:
    :meth:`batches` gives the mappings (checked as :mod:`analyzer.ingest.sanity` checks the whole
    table), :meth:`dataset` afterwards the processes and notices (mappings empty)."""

    def __init__(self, item: str | Path, on_bad_lines: str = "warn", batch_bytes: int | None = None):
        self.item, self.on_bad_lines, self.batch_bytes = item, on_bad_lines, batch_bytes
        self.done = False

    def __enter__(self) -> FileStream:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def batches(self) -> Iterator[pd.DataFrame]:
        from .sanity import Tally

        self.tally, self.processes, self.notices, self.rows = Tally(), [], [], 0
        for batch in smaps_batches(self.item, self.on_bad_lines, self.batch_bytes):
            self.processes.extend(batch.processes)
            self.notices.extend(batch.notices)
            if len(batch.mappings):
                frame = self.tally.add(batch.mappings)
                self.rows += len(frame) - int(frame["path"].eq("[rollup]").sum())
                yield frame
        self.done = True

    def dataset(self):
        """Everything but the mappings (empty), once :meth:`batches` has run."""
        from ..dataset import Dataset, InputReport
        from .load import fold_notices

        if not self.done:
            raise RuntimeError("FileStream.dataset() before its batches were read")
        for proc in self.processes:
            if proc.get("capture") is None:
                proc["capture"] = proc.get("source", str(self.item))
        procs = schema.conform_processes(pd.DataFrame.from_records(self.processes) if self.processes
                                         else pd.DataFrame())
        formats = sorted({p["source_format"] for p in self.processes if p.get("source_format")} or {"smaps"})
        report = InputReport(str(self.item), formats, len(procs), self.rows)
        return Dataset(classify(schema.empty()), procs, schema.conform_hosts(pd.DataFrame()), [report],
                       fold_notices(self.notices + self.tally.notices()))
