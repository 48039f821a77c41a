"""A directory or archive too big to hold as one table (a sosreport with gigabytes of smaps, a copied
proc tree), read as a sequence of batches.

The tree is walked once, as :func:`~analyzer.ingest.load_dataset` walks it, by a
:class:`SpillCollector`: the smaps members are parsed in batches as usual, but each parsed frame
goes to a temporary folder on disk (a pickle, dtypes and all) instead of staying in memory. What
the collector's assembly does to the rows (files to drop, the command, user, ppid and kernel of
each process, a sosreport's ps columns joined by PID, the host and capture) depends only on a few
columns of each row: its source (member), PID and the process columns the parse gave. So the
assembly runs on a *skeleton*, one row per distinct value of those columns, each with an id; the
rows on disk carry the id of their skeleton row and are given the assembled values batch by batch
afterwards. A sosreport's ps may come after its smaps in the tar: the spill is what lets the rows
wait for it without being held.

Each batch is then conformed, classified and checked (:class:`analyzer.ingest.sanity.Tally`) as
the whole table would be; what needs every row (the contradiction and status-against-smaps
notices, which PIDs map each SysV segment) is gathered as the batches pass. The rows, processes,
hosts, notices and system tables are those of :func:`~analyzer.ingest.load_dataset` on the same
input (``tests/test_streamtree.py``).
Archives met inside a directory (a case folder of sosreports) are inputs of their own, read whole
as :func:`~analyzer.ingest.load_dataset` reads them: only the directory's own tree is batched.

>>> with TreeStream("sample_dumps/smaps/tree") as tree:
...     rows = sum(len(batch) for batch in tree.batches())
...     ds = tree.dataset()
>>> rows, len(ds.processes), ds.inputs[0].mappings
(37, 4, 37)
"""

from __future__ import annotations

import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from .. import schema, systables
from ..classify import classify
from ..dataset import Dataset, InputReport
from ..errors import InputError, MemmapsError
from . import load, sanity
from .sources import archive
from .sources.reader import compression_of, open_input, peek
from .trees import sysfacts
from .trees.collector import Collector, _Batch

# Directories and archives from this size (as stored) are read in batches; a compressed archive from
# a quarter of it (smaps compress 10-20 times: 16 MB of tar.xz may hold 300 MB of smaps).
TREE_STREAM_BYTES = 64 << 20
SKEL = "__memmaps_skeleton"
# the columns of a parsed row the collector's assembly reads (besides source and pid)
_READ = ("command", "user", "ppid", "cgroup", "kernel", "capture")


def tree_streamable(item: str | Path, min_bytes: int | None = None) -> bool:
    """Whether *item* is a directory or an archive (tar, zip) of at least *min_bytes* as stored (for a
    directory: its regular files), or a compressed archive (tar.gz, tar.xz, ...) of a quarter of it."""
    min_bytes = TREE_STREAM_BYTES if min_bytes is None else min_bytes
    p = Path(item)
    if str(item) == "-":
        return False
    try:
        mode = p.stat().st_mode
    except OSError:
        return False
    if stat.S_ISDIR(mode):
        return load.input_bytes([p]) >= min_bytes
    if not stat.S_ISREG(mode):
        return False
    size = p.stat().st_size
    if size < min_bytes // 4:
        return False
    try:
        with open(p, "rb") as raw:
            if size < min_bytes and compression_of(raw.read(8)) is None:
                return False
        name, stream = open_input(p)
        with stream:
            return archive.is_archive(peek(stream, name, 1024))
    except (InputError, OSError):
        return False


class _Spill:
    """Where a parsed frame stood in the collector's list: the number of its file on disk."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index

    def __len__(self) -> int:  # no rows in memory (Collector._forget passes it by)
        return 0


class SpillCollector(Collector):
    """A :class:`~analyzer.ingest.trees.collector.Collector` whose parsed frames go to *folder*;
    :meth:`finish` assembles a skeleton of them (see the module's text)."""

    def __init__(self, on_bad_lines: str, in_flight: int = 0, folder: str | Path = "."):
        super().__init__(on_bad_lines, in_flight)
        self.folder = Path(folder)
        self.spilled = 0
        self.skeletons: list[pd.DataFrame] = []
        self.next_id = 0
        self.forgotten: list[tuple[str, int]] = []  # (member, spills made before it was read again)
        self.order: list[int] = []

    def path(self, index: int) -> Path:
        return self.folder / f"{index}.pkl"

    def _spill(self, frame: pd.DataFrame) -> _Spill:
        keys = ["source", "pid", *[c for c in _READ if c in frame.columns]]
        ids = frame.groupby(keys, dropna=False, sort=False).ngroup().to_numpy(dtype=np.int64)
        first = np.unique(ids, return_index=True)[1]
        skeleton = frame.iloc[first][keys].reset_index(drop=True)
        skeleton[SKEL] = ids[first] + self.next_id
        self.skeletons.append(skeleton)
        frame = frame.assign(**{SKEL: ids + self.next_id})
        self.next_id += len(first)
        spill = _Spill(self.spilled)
        try:
            frame.to_pickle(self.path(spill.index))
        except OSError as exc:  # a full disk: the user's to fix, not a bug
            raise MemmapsError(f"cannot write the temporary spill in {self.folder}: {exc.strerror or exc} "
                               "(it needs about the size of the input's smaps: set TMPDIR to a folder with room)") \
                from None
        self.spilled += 1
        return spill

    def _store(self, parsed, keep_frame: bool = True) -> None:
        super()._store(parsed, keep_frame=False)
        if keep_frame and len(parsed.mappings):
            self.frames.append(self._spill(parsed.mappings))

    def _settle(self, job: _Batch) -> None:
        super()._settle(job)
        job.frame = self._spill(job.frame) if job.frame is not None and len(job.frame) else None
        job.future = None  # it holds the parsed frame too

    def _forget(self, display: str) -> None:
        super()._forget(display)  # settles every batch: the spills so far hold the earlier copy
        self.forgotten.append((display, self.spilled))

    def _gathered(self) -> list[pd.DataFrame | None]:
        items = [f.frame if isinstance(f, _Batch) else f for f in self.frames]
        self.order = [i.index for i in items if isinstance(i, _Spill)]
        skeleton = pd.concat(self.skeletons, ignore_index=True) if len(self.skeletons) > 1 else \
            (self.skeletons[0] if self.skeletons else None)
        self.skeletons = []
        return [skeleton] if skeleton is not None else []


class TreeStream:
    """One input read as :func:`~analyzer.ingest.load_dataset` reads it, its mappings given batch by
    batch (:meth:`batches`, once); :meth:`dataset` afterwards: everything else (processes, hosts,
    notices, system tables) with an empty mappings table. A context manager: the spill folder is
    removed on exit."""

    def __init__(self, item: str | Path, on_bad_lines: str = "warn", parse_ahead: bool = True):
        self.item, self.on_bad_lines, self.parse_ahead = item, on_bad_lines, parse_ahead
        self._tmp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> TreeStream:
        self._tmp = tempfile.TemporaryDirectory(prefix="memmaps-spill-")
        try:
            self._read()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _read(self) -> None:
        made: list[SpillCollector] = []

        def make(on_bad_lines: str, in_flight: int = 0) -> SpillCollector:
            made.append(SpillCollector(on_bad_lines, in_flight, self._tmp.name))
            return made[-1]

        item = self.item
        try:
            pieces, self.found = load._read_path(item, self.on_bad_lines, None, self.parse_ahead, make)
        except InputError:
            raise
        except Exception as exc:
            load.name_input(exc, item)
            raise
        self.collector = made[0] if made else None
        self.parts: list[pd.DataFrame] = []
        processes, hosts = [], []
        self.formats: set[str] = set()
        tables: dict[str, list[dict]] = {name: [] for name in systables.TABLES}
        self.sysv: dict[int, tuple[list[dict], list[pd.DataFrame]]] = {}  # part -> its sosreport's shm rows
        previous = None
        for parsed in pieces:  # what load_dataset does per piece; a skeleton stands for its rows
            self.formats |= parsed.formats
            if parsed.tables.get("shm") and previous is not None and parsed.hosts and \
                    previous.processes[0].get("sosreport") == parsed.hosts[0].get("source"):
                self.sysv[len(self.parts) - 1] = (parsed.tables["shm"], [])  # the collector's smaps_sysv saw a skeleton
            previous = parsed if len(parsed.mappings) and SKEL in parsed.mappings.columns and parsed.processes else None
            frame = parsed.mappings
            if len(frame):
                if "source" not in frame.columns:
                    frame["source"] = parsed.processes[0]["source"] if parsed.processes else str(item)
                if "capture" not in frame.columns:
                    frame["capture"] = frame["source"]
                elif frame["capture"].isna().any():
                    frame["capture"] = frame["capture"].fillna(frame["source"])
                self.parts.append(frame)
            for proc in parsed.processes:
                if proc.get("capture") is None:
                    proc["capture"] = proc.get("source", str(item))
            processes.extend(parsed.processes)
            hosts.extend(parsed.hosts)
            for name, rows in parsed.tables.items():
                tables.setdefault(name, []).extend(rows)
        self.processes = schema.conform_processes(pd.DataFrame.from_records(processes) if processes
                                                  else pd.DataFrame())
        self.hosts = schema.conform_hosts(pd.DataFrame.from_records(hosts) if hosts else pd.DataFrame())
        self.raw_tables = tables
        self.tally = sanity.Tally()
        self.rss: list[pd.Series] = []
        self.rows = 0
        self.done = False

    def batches(self) -> Iterator[pd.DataFrame]:
        """The mappings, conformed and classified, in the order of the whole table."""
        for i, part in enumerate(self.parts):
            if SKEL in part.columns:
                yield from self._joined(part, self.sysv.get(i, (None, None))[1])
            else:
                yield self._finish(part)
        self.done = True

    def _joined(self, result: pd.DataFrame, sysv: list[pd.DataFrame] | None) -> Iterator[pd.DataFrame]:
        """The rows on disk that *result* (assembled skeleton rows) stands for, with its values."""
        col = self.collector
        ids = result[SKEL].to_numpy(dtype=np.int64)
        where_of = np.full(col.next_id, -1, dtype=np.intp)
        where_of[ids] = np.arange(len(ids))
        values = result.drop(columns=SKEL).reset_index(drop=True)
        for index in col.order:
            batch = pd.read_pickle(col.path(index)).reset_index(drop=True)
            where = where_of[batch.pop(SKEL).to_numpy(dtype=np.int64)]
            keep = where >= 0
            for display, before in col.forgotten:
                if index < before:
                    keep &= (batch["source"] != display).to_numpy(dtype=bool)
            if not keep.any():
                continue
            if not keep.all():
                batch = batch[keep].reset_index(drop=True)
                where = where[keep]
            taken = values.iloc[where].reset_index(drop=True)
            for name in taken.columns:
                batch[name] = taken[name]
            if sysv is not None:  # the /SYSV mappings, for the segments' mapped_by
                sysv.append(batch.loc[batch["path"].astype("string").str.startswith("/SYSV").fillna(False).to_numpy(
                    dtype=bool), ["path", "pid"]].drop_duplicates())
            yield self._finish(batch)

    def _finish(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = self.tally.add(load._assemble([frame], []))
        self.rows += len(frame) - int(frame["path"].eq("[rollup]").sum())
        if len(frame):
            self.rss.append(frame.groupby(["source", "pid"], sort=False)["rss"].sum(min_count=1))
        return frame

    def dataset(self) -> Dataset:
        """Everything but the mappings (empty), once :meth:`batches` has run: the notices need every row."""
        if not self.done:
            raise RuntimeError("TreeStream.dataset() before its batches were read")
        notices = list(self.found) + self.tally.notices()
        notices.extend(load._same_report_twice(self.hosts))
        if self.rss:
            sums = pd.concat(self.rss).groupby(level=[0, 1], sort=False).sum(min_count=1)
            notices.extend(sysfacts.status_vs_smaps(sums.rename("rss").reset_index(), self.processes))
        for rows, found in self.sysv.values():
            sysfacts.smaps_sysv(pd.concat([pd.DataFrame({"path": [""], "pid": [None]}), *found]), rows)
        tables = {name: systables.conform(pd.DataFrame(rows), systables.TABLES[name]) if rows
                  else systables.empty(systables.TABLES[name]) for name, rows in self.raw_tables.items()}
        empty = classify(schema.empty())
        report = InputReport(str(self.item), sorted(self.formats), len(self.processes), self.rows)
        return Dataset(empty, self.processes, self.hosts, [report], load.fold_notices(notices), **tables)



def streamed(item: str | Path, on_bad_lines: str = "warn"):
    """A batch-by-batch reader of *item* when it is too big to hold as a table (:class:`TreeStream`
    for a directory or archive, :class:`analyzer.ingest.stream.FileStream` for one big smaps file),
    else None (a dataset folder, a small input, any other file: read whole)."""
    from ..fleet.store import is_dataset
    from . import stream

    if str(item) == "-" or is_dataset(item):
        return None
    if stream.streamable(item):
        return stream.FileStream(item, on_bad_lines)
    if tree_streamable(item):
        return TreeStream(item, on_bad_lines)
    return None
