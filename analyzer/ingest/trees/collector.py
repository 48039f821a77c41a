"""Trees of files - a directory or an archive's members - as one input.

Copied ``/proc`` trees (``DIR/proc/PID/smaps`` or ``DIR/PID/smaps``, as
sos and smem's ``smemcap`` lay them out) with ``cmdline``, ``status`` or
``stat`` beside them giving the command; sosreports (handed to
:mod:`analyzer.ingest.trees.sosreport` once the whole tree has been seen); and any
other file, sniffed by content like a file given on the command line.

A :class:`Collector` takes :class:`~analyzer.ingest.sources.member.Member`
objects one at a time, in any order, reading each at most once, so a
directory walk and a streamed archive share it; it never calls back into
the loader that feeds it. A member that turns out to be an archive is handed
back (:class:`Nested`) for the loader to expand. Parsed smaps are kept; raw
bytes only for the few small sosreport members named in
:data:`analyzer.ingest.trees.sosreport.SPECS`.
"""

from __future__ import annotations

import io
import posixpath
import re
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import IO

import pandas as pd

from ...errors import InputError, NoDataError, Notice, UnknownFormatError
from ..base import Context, Parsed
from ..formats import registry, smaps
from ..formats.smaps import batch
from .. import joining
from ..sources.archive import is_archive
from ..sources.member import MAX_MEMBER_BYTES, Member, Naming, UnreadableError
from . import smemcap, sosreport, sysfacts
from .procfiles import command_from_cmdline, facts_from_stat, facts_from_status, name_from_status, rows_with_facts
from ..sources.reader import HEAD_BYTES, _Raw, compression_of, decode, decompressing, peek, read_all

PROC_FILE = re.compile(r"(?:^|.*/)(\d+)/(smaps|maps|smaps_rollup|cmdline|status|comm|stat|oom_score|oom_score_adj|limits)$")
MAP_FILES = ("smaps", "maps", "smaps_rollup")
# A single proc file larger than this is refused (one process has at most ~65,530 mappings: ~70 MB of smaps).
MAX_PROC_FILE_BYTES = MAX_MEMBER_BYTES
# smaps members are parsed in batches of about this many bytes.
BATCH_BYTES = 12 << 20
# In an archive, batches are parsed on a worker thread while the next members are decompressed,
# at most this many waiting (each holds ~BATCH_BYTES of text). A directory is read from the page
# cache faster than it is parsed: there the batches are parsed in place (no memory held for overlap).
BATCHES_IN_FLIGHT = 2
TASK_DIR = re.compile(r"^((?:.*/)?)task/\d+/")
# sos names its top directory sosreport-HOST-...: the only sign of a sosreport cut short before its
# sos_commands/ (tar order puts proc/ first)
SOS_NAMED_PROC = re.compile(r"^((?:.*/)?sosreport-[^/]+/)proc/\d+/$")
NO_ROOT = "\x00"
RECOGNISED = "sosreport members read besides proc/PID/smaps: "  # rows of no sosreport (a sosreport's root may be "")


@dataclass
class _Batch:
    """A batch of smaps members being parsed on the worker thread: it holds the
    place of its frame and notices in the collector's lists, so the result is
    in the same order as if it had been parsed at once."""

    future: Future
    frame: pd.DataFrame | None = None
    notices: list = field(default_factory=list)


@dataclass
class Nested:
    """A member whose (decompressed) head is an archive: handed back to the loader,
    which expands it (or gives it back to :meth:`Collector.read_text`). It holds
    the open stream: :meth:`close` when done."""

    member: Member
    stream: IO[bytes]
    head: bytes
    file: IO[bytes]

    def close(self) -> None:
        self.file.close()


class Collector:
    """Gathers a tree's files one at a time; :meth:`finish` assembles them.

    *in_flight* batches of smaps may wait on a worker thread (0: parsed in place).
    """

    def __init__(self, on_bad_lines: str, in_flight: int = 0):
        self.on_bad_lines = on_bad_lines
        self.in_flight = in_flight
        self.facts: dict[str, dict] = {}
        self.meta: dict[str, bytes] = {}
        self.meta_display: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.sos_roots: set[str] = set()
        self.other: dict[str, Parsed] = {}  # member path -> its parse, in the order read
        self.notices: list[tuple[str, Notice] | _Batch] = []  # (path, notice): filtered at the end
        self.members = 0
        self.threads_seen: set[str] = set()
        self.cut_short = False  # set by the archive reader when the stream ended early
        # smaps members wait here and are parsed many at a time (one frame per batch, not per process)
        self.pending: list[tuple[bytes, str, str]] = []
        self.pending_pids: set[str] = set()
        self.pending_bytes = 0
        self.frames: list[pd.DataFrame | _Batch] = []
        self.inflight: deque[_Batch] = deque()
        self.pool: ThreadPoolExecutor | None = None
        self.where: dict[str, tuple[str, str, str]] = {}  # display -> (procdir, kind, path)
        self.procs: dict[str, dict[str, list[dict]]] = {}  # procdir -> kind -> process dicts

    def note(self, path: str, source: str, message: str, level: str = "warning") -> None:
        self.notices.append((path, Notice(source, None, message, level)))

    def take_notes(self, notes: list[tuple[str, Notice]]) -> None:
        """Keep a source's notes (tree path, notice), in the order they came; *notes* is emptied."""
        self.notices.extend(notes)
        notes.clear()

    def add(self, entry: Member) -> Nested | None:
        """Take one member (read now, or never); an archive inside comes back as :class:`Nested`."""
        self.members += 1
        path = entry.path
        root = sosreport.member_root(path)
        if root is not None:
            self.sos_roots.add(root)
        if entry.link is not None:
            self.links[path] = entry.link
            m = PROC_FILE.match(path)
            if m and m.group(2) in MAP_FILES and not TASK_DIR.search(path):
                self.note(path, entry.display, f"a link to {entry.link}, not a file: not followed, "
                          "this process's maps are not read")
            return None
        m = PROC_FILE.match(path)
        if m:
            task = TASK_DIR.search(path)
            if task:  # `cp -r /proc/PID` copies task/TID/: the same address space again, per thread
                if task.group(1) not in self.threads_seen:
                    self.threads_seen.add(task.group(1))
                    self.note(path, entry.display, f"{task.group(1)}task/: thread views of the process's own "
                              "memory, ignored (counting them would count the process again per thread)", "info")
                return None
            self._proc_file(entry, path[: path.rfind("/") + 1] if "/" in path else "", m.group(2))
            return None
        if sosreport.match_spec(path):
            try:
                data = entry.read(sosreport.MAX_META_BYTES)
            except (UnreadableError, OSError) as exc:
                self.note(path, entry.display, f"not read: {str(exc).removeprefix(f'{entry.display}: ')}")
                return None
            self.meta[path] = data
            self.meta_display[path] = entry.display
            return None
        if root is not None:
            return None  # inside sos_commands/, sos_reports/, sos_logs/: nothing else memmaps reads
        if posixpath.basename(path) == "version":  # smemcap's /proc/version
            try:
                data = entry.read(sosreport.MAX_META_BYTES)
            except (UnreadableError, OSError) as exc:
                self.note(path, entry.display, f"not read: {str(exc).removeprefix(f'{entry.display}: ')}")
                return None
            if smemcap.is_banner_member(path, data):
                self.meta[path] = data
            return None
        return self._sniff(entry)

    def _proc_file(self, entry: Member, procdir: str, kind: str) -> None:
        try:
            data = entry.read(text=kind in MAP_FILES)
        except (InputError, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            reason = reason.removeprefix(f"{entry.display}: ")  # the notice names the file already
            self.note(entry.path, entry.display, f"not read: {reason}")
            return
        facts = self.facts.setdefault(procdir, {})
        if entry.owner and kind in MAP_FILES:
            facts.setdefault("owner", entry.owner)
        if kind == "cmdline":
            cmd = command_from_cmdline(data)
            if cmd:
                facts["command"] = cmd
            return
        if kind == "status":
            name = name_from_status(data)
            if name:
                facts.setdefault("name", name)
            for key, value in facts_from_status(data).items():
                facts.setdefault(key, value)
            facts.setdefault("status", {}).update(sysfacts.status_facts(data, entry.display))
            return
        if kind in sysfacts.PROC_FACT_FILES:
            facts.setdefault("status", {}).update(sysfacts.proc_fact(kind, data))
            return
        if kind == "stat":
            for key, value in facts_from_stat(data).items():
                facts.setdefault(key, value)
            return
        if kind == "comm":
            name = data.decode("utf-8", errors="replace").strip()
            if name:
                facts.setdefault("name", f"[{name}]")
            return
        if entry.again and entry.display in self.where:  # the same member again: appended by `tar -r` or `tar -u`
            self._forget(entry.display)
            self.note(entry.path, entry.display, "appears twice in the archive (appended with tar -r or -u): "
                      "the later copy is read, as tar extracts it")
        self.where[entry.display] = (procdir, kind, entry.path)
        if kind == "smaps":
            self.procs.setdefault(procdir, {})  # processes keep the order their files came in
            pid = procdir.rstrip("/").rsplit("/", 1)[-1]  # digits, maybe more than any int64 holds
            if pid in self.pending_pids:
                self.flush()  # PIDs stay unique within a batch (two trees in one folder)
            self.pending.append((data, entry.display, entry.path))
            self.pending_pids.add(pid)
            self.pending_bytes += len(data)
            if self.pending_bytes >= BATCH_BYTES:
                self.flush()
            return
        ctx = Context(entry.display, self.on_bad_lines)
        try:
            parsed = smaps.parse_data(data, ctx, name=entry.path)
        except UnknownFormatError as exc:
            self.note(entry.path, entry.display, str(exc))
            return
        self.notices.extend((entry.path, n) for n in ctx.notices)
        self._store(parsed)

    def flush(self) -> None:
        """Parse the waiting smaps members in one pass: now, or on the worker thread
        while the next members are read."""
        if not self.pending:
            return
        members = self.pending
        self.pending, self.pending_pids, self.pending_bytes = [], set(), 0
        if not self.in_flight:
            parsed, notices = batch.parse_members(members, self.on_bad_lines, text_checked=True)
            self.notices.extend(self._placed(notices))
            self._store(parsed)
            return
        if self.pool is None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="memmaps-parse")
        job = _Batch(self.pool.submit(batch.parse_members, members, self.on_bad_lines, text_checked=True))
        self.frames.append(job)
        self.notices.append(job)
        self.inflight.append(job)
        while len(self.inflight) > self.in_flight:
            self._settle(self.inflight.popleft())

    def _placed(self, notices: list[Notice]) -> list[tuple[str, Notice]]:
        return [(self.where.get(n.source, ("", "", n.source))[2], n) for n in notices]

    def _settle(self, job: _Batch) -> None:
        """Wait for a batch (the oldest in flight) and keep what it gave."""
        parsed, notices = job.future.result()
        job.notices = self._placed(notices)
        job.frame = joining.shrink(parsed.mappings)
        self._store(parsed, keep_frame=False)

    def _forget(self, display: str) -> None:
        """Drop every row and process read from member *display* (waiting for its batch first)."""
        self.flush()
        while self.inflight:
            self._settle(self.inflight.popleft())
        for i, item in enumerate(self.frames):
            frame = item.frame if isinstance(item, _Batch) else item
            if frame is not None and len(frame) and (frame["source"] == display).any():
                kept = frame[frame["source"] != display].reset_index(drop=True)
                if isinstance(item, _Batch):
                    item.frame = kept
                else:
                    self.frames[i] = kept
        for kinds in self.procs.values():
            for kind, procs in kinds.items():
                kinds[kind] = [p for p in procs if p["source"] != display]

    def close(self) -> None:
        """Wait for every batch in flight and stop the worker thread."""
        try:
            while self.inflight:
                self._settle(self.inflight.popleft())
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
                self.pool = None

    def abandon(self) -> None:
        """Stop the worker thread without waiting (reading failed: nothing more is wanted)."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
        self.inflight.clear()

    def _store(self, parsed: Parsed, keep_frame: bool = True) -> None:
        for proc in parsed.processes:
            procdir, kind, _ = self.where.get(proc["source"], (None, None, None))
            if procdir is None:
                continue
            if proc.get("source_format") is None:
                proc["source_format"] = kind
            self.procs.setdefault(procdir, {}).setdefault(kind, []).append(proc)
        if keep_frame and len(parsed.mappings):
            self.frames.append(joining.shrink(parsed.mappings))  # joined (anew) by rows_with_facts

    def _gathered(self) -> list[pd.DataFrame | None]:
        """The parsed frames, in the order read, once every batch is settled (a subclass may
        stand something else in for them: :class:`analyzer.ingest.streamtree.SpillCollector`)."""
        return [f.frame if isinstance(f, _Batch) else f for f in self.frames]

    def _sniff(self, entry: Member) -> Nested | None:
        """Any other file: look at its (decompressed) head; read it whole only if
        it is a dump we recognise. A nested archive is handed back, its stream open."""
        assert entry.open is not None
        try:
            f = entry.open()
        except (UnreadableError, OSError) as exc:  # no permission: the data is lost, a warning
            self.note(entry.path, entry.display, f"not read: {str(exc).removeprefix(f'{entry.display}: ')}")
            return None
        except (UnknownFormatError, InputError) as exc:
            self.note(entry.path, entry.display, f"skipped: {exc}", "info")
            return None
        try:
            stream = decompressing(f, entry.display)
            if not isinstance(stream, io.BufferedReader):
                stream = io.BufferedReader(_Raw(stream), buffer_size=HEAD_BYTES)
            head = peek(stream, entry.display, HEAD_BYTES)
        except (UnknownFormatError, InputError) as exc:
            f.close()
            self.note(entry.path, entry.display, f"skipped: {exc}", "info")
            return None
        except BaseException:
            f.close()
            raise
        nested = Nested(entry, stream, head, f)
        if is_archive(head):
            return nested
        self.read_text(nested)
        return None

    def read_text(self, nested: Nested) -> None:
        """A sniffed member judged as text (a dump, or nothing memmaps reads); its stream is closed."""
        entry, stream, head = nested.member, nested.stream, nested.head
        try:
            with nested.file:
                try:
                    text_head = decode(head, entry.display)
                except UnknownFormatError:
                    return
                if not text_head.strip() or registry.detect(text_head) is None:
                    self.note(entry.path, entry.display, "skipped: not a memory map dump", "info")
                    return
                data = read_all(stream, entry.display, MAX_PROC_FILE_BYTES)
            parsed, notices = self._parse_text(data, entry.display)
        except (UnreadableError, OSError) as exc:
            self.note(entry.path, entry.display, f"not read: {str(exc).removeprefix(f'{entry.display}: ')}")
            return
        except (UnknownFormatError, NoDataError) as exc:
            self.note(entry.path, entry.display, f"skipped: {exc}", "info")
            return
        except InputError as exc:  # a dump we recognised but could not read (over the size cap, corrupt): lost
            self.note(entry.path, entry.display, f"not read: {str(exc).removeprefix(f'{entry.display}: ')}")
            return
        self.notices.extend((entry.path, n) for n in notices)
        if entry.path in self.other:  # appended again (`tar -r` or `-u`): the later copy wins, as tar extracts
            del self.other[entry.path]
            self.note(entry.path, entry.display, "appears twice in the archive (appended with tar -r or -u): "
                      "the later copy is read, as tar extracts it")
        self.other[entry.path] = parsed

    def _parse_text(self, data: bytes, name: str) -> tuple[Parsed, list[Notice]]:
        """Parse a non-proc-tree file met inside a directory or archive (decompressing it again
        if it was compressed twice)."""
        cut: list[str] = []
        if compression_of(data[:8]):
            data = read_all(decompressing(io.BytesIO(data), name), name, cut=cut)
        parsed, notices = registry.parse_bytes(data, name, self.on_bad_lines)
        return parsed, [Notice(name, None, c) for c in cut] + notices

    # --- assembly ---------------------------------------------------------

    def _resolve(self, path: str) -> str | None:
        for _ in range(8):
            if path in self.meta:
                return path
            if path not in self.links:
                return None
            path = self.links[path]
        return None

    def _choose(self, procdir: str, kinds: dict[str, list[dict]], drop: set[str], row_facts: dict) -> list[dict]:
        """The process dicts of one proc dir, smaps preferred to maps, rollup facts
        and cmdline/status facts merged in; rows to drop and to fill are noted."""
        chosen = kinds.get("smaps") or kinds.get("maps")
        if "smaps" in kinds and "maps" in kinds:
            drop.update(p["source"] for p in kinds["maps"])
            self.note(procdir, kinds["smaps"][0]["source"],
                      f"{procdir}: both smaps and maps present: maps ignored (smaps says more)", "info")
        rollup = kinds.get("smaps_rollup")
        if chosen is None:
            chosen = rollup or []
        elif rollup:
            drop.update(p["source"] for p in rollup)  # its one [rollup] row: the maps say more
            for proc in chosen:
                proc.update({k: v for k, v in rollup[0].items() if k.startswith("rollup_")})
        facts = self.facts.get(procdir, {})
        command = facts.get("command") or facts.get("name")
        extra = {k: facts[k] for k in ("ppid", "user") if k in facts}
        if "user" not in extra and facts.get("owner"):
            extra["user"] = facts["owner"]
        kernel = smemcap.kernel_near(self.meta, procdir)
        if kernel:
            extra["kernel"] = kernel
        if command:
            extra["command"] = command
        for proc in chosen:
            proc.update(extra)
            for key, value in facts.get("status", {}).items():
                proc.setdefault(key, value)
            if "zombie" in facts:
                proc["zombie"] = facts["zombie"]
            row_facts[proc["source"]] = extra
        return chosen

    def _status_only(self, procdir: str) -> dict | None:
        """A process record for a proc dir with a status file but no maps (source `status`)."""
        facts = self.facts.get(procdir, {})
        found = facts.get("status")
        if not found or not found.get("status_source"):
            return None
        pid = int(procdir.rstrip("/").rsplit("/", 1)[-1])
        proc = {"pid": pid, "command": facts.get("command") or facts.get("name"), "source": found["status_source"],
                "source_format": "status", "mappings": None, "partial": False}
        proc.update({k: v for k, v in found.items() if k != "pid"})
        if "user" not in proc and found.get("uid") is not None:
            proc["user"] = str(found["uid"])
        kernel = smemcap.kernel_near(self.meta, procdir)
        if kernel:
            proc["kernel"] = kernel
        return proc

    def finish(self, naming: Naming) -> tuple[list[Parsed], list[Notice]]:
        """Every parsed piece, sosreports assembled, and the notices; *naming* shows
        a sosreport's root as the user knows it (``archive!sosreport-host-...``)."""
        named = set()
        if self.cut_short:  # a sosreport cut before sos's own directories is still one, by its name
            for procdir in self.procs:
                m = SOS_NAMED_PROC.match(procdir)
                if m and m.group(1) not in self.sos_roots:
                    named.add(m.group(1))
            self.sos_roots |= named
        roots = sorted(self.sos_roots, key=len, reverse=True)

        def sos_root_of(path: str) -> str | None:
            return next((r for r in roots if path.startswith(r)), None)

        self.flush()
        self.close()
        self.frames = self._gathered()
        self.notices = [n for item in self.notices
                        for n in (item.notices if isinstance(item, _Batch) else [item])]
        by_root: dict[str, list[Parsed]] = {r: [] for r in roots}
        out: list[Parsed] = []
        drop: set[str] = set()
        row_facts: dict[str, dict] = {}
        procs_by_root: dict[str | None, list[dict]] = {}
        root_of_source: dict[str, str] = {}
        for procdir, kinds in self.procs.items():
            if not kinds:
                continue  # its smaps was not read after all
            root = sos_root_of(procdir)
            if root is not None and not re.fullmatch(r"proc/\d+/", procdir[len(root):]):
                drop.update(p["source"] for ps in kinds.values() for p in ps)
                continue  # some other NNN/maps inside a sosreport: not a process
            chosen = self._choose(procdir, kinds, drop, row_facts)
            if root is None:  # a copied proc tree: the capture is the tree (DIR of DIR/proc/PID/)
                capture = naming.display(PROC_DIR_TAIL.sub("", procdir))
                for proc in chosen:
                    proc["capture"] = capture
                    row_facts.setdefault(proc["source"], {})["capture"] = capture
            procs_by_root.setdefault(root, []).extend(chosen)
            for proc in chosen:
                root_of_source[proc["source"]] = NO_ROOT if root is None else root
        status_by_root: dict[str | None, list[dict]] = {}
        for procdir in self.facts:
            if self.procs.get(procdir):
                continue  # has maps: its status joined the process above
            root = sos_root_of(procdir)
            if root is not None and not re.fullmatch(r"proc/\d+/", procdir[len(root):]):
                continue
            if not re.search(r"(?:^|/)\d+/$", procdir):
                continue
            proc = self._status_only(procdir)
            if proc is not None:
                status_by_root.setdefault(root, []).append(proc)
        frame = rows_with_facts(self.frames, drop, row_facts)  # empties self.frames as it joins them
        if len(frame) and roots:
            key = frame["source"].map(root_of_source).fillna(NO_ROOT)
            for root in roots:
                sub = frame[key == root].reset_index(drop=True)
                by_root[root].append(Parsed(sub, procs_by_root.get(root, []), formats=_formats(procs_by_root.get(root))))
            frame = frame[key == NO_ROOT].reset_index(drop=True)
        else:
            for root in roots:
                if procs_by_root.get(root):
                    by_root[root].append(Parsed(pd.DataFrame(), procs_by_root[root],
                                                formats=_formats(procs_by_root[root])))
        if len(frame) or procs_by_root.get(None):
            out.append(Parsed(frame, procs_by_root.get(None, []), formats=_formats(procs_by_root.get(None))))
        if status_by_root.get(None):
            procs = sorted(status_by_root[None], key=lambda p: (p["source"].rsplit("/", 2)[0], p["pid"]))
            out.append(Parsed(pd.DataFrame(), procs, formats={"status"}))
        notices = [n for path, n in self.notices if sos_root_of(path) is None or PROC_FILE.match(path)]
        for root in sorted(roots):
            files, display = {}, {}
            for rel in sosreport.ALL_PATHS:
                found = self._resolve(root + rel)
                if found is not None:
                    files[rel] = self.meta[found]
                    display[rel] = self.meta_display.get(found, found)
            if (not files and not any(len(p.mappings) or p.processes for p in by_root[root])
                    and any(r != root and r.startswith(root) for r in roots)):
                continue  # only holds other sosreports (`sos collect`'s archive has a sos_logs/ of its own)
            for path, target in self.links.items():
                if path.startswith(root) and self._resolve(target) is None and posixpath.basename(path) == "ps":
                    notices.append(Notice(naming.display(root), None,
                                          f"symlink {path} -> {target}: target not in the archive", "info"))
            pieces, extra, sos_notices, host = sosreport.assemble(root, naming.display(root), by_root[root],
                                                                  files, display, cut_short=root in named,
                                                                  status=status_by_root.get(root, []))
            notices.extend(sos_notices)
            if files:  # what was read besides the maps (`memmaps info -v` lists it)
                notices.append(Notice(naming.display(root), None, RECOGNISED + ", ".join(
                    sorted(rel for rel in files)), "info"))
            capture = capture_name(root, naming.display(root))
            for parsed in pieces:
                if len(parsed.mappings):
                    parsed.mappings["capture"] = capture
                for proc in parsed.processes:
                    proc["capture"] = capture
            for proc in extra:
                proc["capture"] = capture
            host["capture"] = capture
            formats = {"sosreport"} | ({"ps"} if extra else set())
            memory, mem_notices = sysfacts.host_memory(files, display, sosreport.SPEC_BY_NAME)
            host.update(memory)
            tables, table_notices = sysfacts.tables(files, display, sosreport.SPEC_BY_NAME, host.get("host"),
                                                    self.on_bad_lines)
            sysfacts.smaps_sysv(pieces[0].mappings if pieces else None, tables["shm"])
            notices.extend(mem_notices + table_notices)
            formats |= {"meminfo"} if "meminfo_source" in memory else set()
            formats |= sysfacts.read_kinds(files, sosreport.SPEC_BY_NAME)
            if any(p.get("source_format") == "status" for p in extra):
                formats.add("status")
            out.extend(pieces)
            out.append(Parsed(pd.DataFrame(), extra, [host], formats, tables))
        out.extend(parsed for path, parsed in self.other.items() if sos_root_of(path) is None)
        out.extend(self._system_files_outside(sos_root_of, notices))
        return out, notices

    def _system_files_outside(self, sos_root_of, notices: list[Notice]) -> list[Parsed]:
        """``proc/meminfo``, ``proc/sysvipc/shm`` and kernel logs of a copied tree that is no sosreport:
        read by content, as a file given alone would be."""
        wanted = {p for name in sysfacts.TREE_SPECS for p in sosreport.SPEC_BY_NAME[name].paths}
        out = []
        for path, data in self.meta.items():
            if sos_root_of(path) is not None or not any(rel in wanted for _, rel in sosreport.match_spec(path)):
                continue
            display = self.meta_display.get(path, path)
            try:
                parsed, found = self._parse_text(data, display)
            except (UnknownFormatError, InputError) as exc:
                notices.append(Notice(display, None, f"skipped: {exc}", "info"))
                continue
            notices.extend(found)
            out.append(parsed)
        return out


PROC_DIR_TAIL = re.compile(r"(?:^|(?<=/))(?:proc/)?\d+/$")
ARCHIVE_SUFFIX = re.compile(r"(?:\.tar)?(?:\.(?:xz|gz|bz2|zst|lz4|lzma|tgz|txz|tbz2|zip|tar))+$", re.IGNORECASE)


def capture_name(root: str, display: str) -> str:
    """A sosreport's capture name: its top directory, else its archive's name without suffix,
    so an archive and its extracted directory are one capture.

    >>> capture_name("sosreport-h-2026-01-01-abc/", "case/x.tar.xz!sosreport-h-2026-01-01-abc")
    'sosreport-h-2026-01-01-abc'
    >>> capture_name("", "case/sosreport-h-2026-01-01-abc.tar.xz")
    'sosreport-h-2026-01-01-abc'
    """
    if root.strip("/"):
        return root.rstrip("/").rsplit("/", 1)[-1]
    return ARCHIVE_SUFFIX.sub("", posixpath.basename(display.rsplit("!", 1)[-1].rstrip("/"))) or display


def _formats(procs: list[dict] | None) -> set[str]:
    return {p["source_format"] for p in procs or [] if p.get("source_format")}
