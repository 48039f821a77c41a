"""The loader: composes the stages into one :class:`~analyzer.dataset.Dataset`.

``load_dataset(*inputs)`` takes files (compressed or not), ``-`` for standard
input, directories (copied proc trees, folders of dumps) and archives. Each
input's data passes the stages once, in order:

1. a source (:mod:`.sources`) opens it - a file, stdin, a directory walk, an
   archive stream - and yields members;
2. a plain file is sniffed and parsed by its format (:mod:`.formats`); the
   members of a directory or archive go to the tree stage (:mod:`.trees`),
   which recognises proc trees and sosreports by their paths, parses their
   maps and assembles processes and hosts;
3. the pieces are conformed to the schema (:mod:`analyzer.schema`) and classified.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from .. import schema, systables
from ..classify import classify
from ..dataset import Dataset, InputReport
from ..errors import ArchiveError, InputError, NoDataError, Notice, UnknownFormatError
from .base import Parsed
from .formats import registry
from .formats.registry import name_input, parse_bytes
from .sources import archive
from .sources.archive import ArchiveSource
from .sources.directory import DirectorySource
from .sources.member import Member
from .sources.reader import EXPECTED, as_utf8, decode, open_input, peek, read_all
from .trees import collector as collector_module
from .trees import sysfacts
from .trees.collector import Collector, Nested
from .trees.sosreport import SMAPS_HINT
from . import chunked, sanity

__all__ = ["input_bytes", "is_checksum", "load", "load_dataset", "load_text", "name_input", "parse_bytes", "sniff"]


def sniff(head: bytes, name: str) -> tuple:
    """The format of a text whose first bytes are *head*; raise UnknownFormatError for binary data or
    text no format recognises (what :func:`parse_bytes` would say, before the rest is read).

    >>> sniff(b"\\x00" * 65536, "zeros")
    Traceback (most recent call last):
    analyzer.errors.UnknownFormatError: zeros: binary data, not a text dump (expected one of: ...)
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: a head may end inside a character
        head = head[: len(head) // 2 * 2].decode("utf-16", errors="replace").encode("utf-8")
    found = registry.detect(decode(as_utf8(head)[0], name))
    if found is None:
        raise UnknownFormatError(f"{name}: not a recognised memory map dump ({EXPECTED})")
    return found


def _is(p: Path, kind: Callable[[int], bool]) -> bool:
    """``p.is_dir()``/``is_file()`` that says False, not PermissionError, for a path we may not look at
    (opening it then gives the clear error)."""
    try:
        return kind(p.stat().st_mode)
    except (OSError, ValueError):
        return False


def _read_path(item: str | Path, on_bad_lines: str, read_bytes: Callable[[int], None] | None = None,
               parse_ahead: bool = True, make: type[Collector] = Collector) -> tuple[list[Parsed], list[Notice]]:
    """Every parsed piece of one input (a file, ``-``, a directory or an archive).

    *read_bytes(n)* is told of a directory's files and an archive's compressed bytes as they are
    read (:func:`load_dataset` accounts for the rest of a file once it is done)."""
    p = Path(item)
    if str(item) != "-" and _is(p, stat.S_ISDIR):
        return _read_directory(p, on_bad_lines, read_bytes, make)
    name, stream = open_input(item)
    with stream:
        head = peek(stream, name, 1024)
        if archive.is_archive(head):
            if str(item) == "-" or head.startswith(b"PK"):
                return _read_archive(stream, name, on_bad_lines, parse_ahead=parse_ahead, make=make)
            stream.close()
            counted, counter = archive.open_counted(p, read_bytes)  # counts compressed bytes: the bomb check
            with counted:
                return _read_archive(counted, name, on_bad_lines, lambda: counter.count, parse_ahead, make)
        if str(item) != "-":  # a large smaps file: read and parsed a piece at a time
            found = chunked.read_if_large(stream, name, on_bad_lines, lambda head: sniff(head, name))
            if found is not None:
                return [found[0]], found[1]
        cut: list[str] = []
        data = read_all(stream, name, cut=cut, check_head=lambda head: sniff(head, name))
    if is_checksum(data):
        return [], [Notice(name, None, "skipped: a checksum sidecar (.md5/.sha256), not a dump", "info")]
    parsed, notices = parse_bytes(data, name, on_bad_lines)
    return [parsed], [Notice(name, None, c) for c in cut] + notices


_CHECKSUM = re.compile(rb"\s*[0-9a-fA-F]{32,128}(?:[ \t]+\*?\S[^\n]*)?\s*")


def is_checksum(data: bytes) -> bool:
    """True for a checksum sidecar: a bare digest (sos) or ``md5sum`` output.

    >>> is_checksum(b"d41d8cd98f00b204e9800998ecf8427e\\n"), is_checksum(b"00400000-00401000 r-xp")
    (True, False)
    """
    return len(data) < 4096 and _CHECKSUM.fullmatch(data) is not None


def _collect(collector: Collector, source: ArchiveSource | DirectorySource, members: Iterator[Member],
             read_bytes: Callable[[int], None] | None = None,
             own_inputs: list[tuple[list[Parsed], list[Notice]]] | None = None) -> None:
    """Hand every member of *source* to *collector*, in order, once: the one loop of a tree input.

    A member the collector finds to be an archive comes back as :class:`Nested`; its members are
    handed on in its place (archives only). A nested archive that cannot be read is skipped with a
    note, as any other unreadable member; the top level's errors are the caller's. An archive in a
    directory (a case folder of sosreports) is an input of its own: read whole into *own_inputs*."""
    stack: list[tuple[Iterator[Member], Nested | None]] = [(members, None)]
    try:
        while stack:
            members, outer = stack[-1]
            try:
                member = next(members, None)
                collector.take_notes(source.notices)
                if member is None:
                    stack.pop()
                    if outer is not None:
                        outer.close()
                    continue
                nested = collector.add(member)
                if read_bytes is not None and member.size is not None:
                    read_bytes(member.size)
                if nested is None:
                    continue
                if own_inputs is not None and isinstance(source, DirectorySource):
                    own_inputs.append(_own_archive(nested, collector.on_bad_lines))
                    continue
                inner = source.expand(nested.member, nested.stream, nested.head) \
                    if isinstance(source, ArchiveSource) else None
                collector.take_notes(source.notices)
                if inner is None:
                    collector.read_text(nested)  # not opened as an archive: judged as text, like any file
                else:
                    stack.append((inner, nested))
            except (UnknownFormatError, InputError) as exc:
                if outer is None:
                    raise
                collector.take_notes(source.notices)
                collector.note(outer.member.path, outer.member.display, f"skipped: {exc}", "info")
                stack.pop()
                outer.close()
    finally:
        for _, outer in stack:
            if outer is not None:
                outer.close()


def _own_archive(nested: Nested, on_bad_lines: str) -> tuple[list[Parsed], list[Notice]]:
    """An archive met in a folder, read as an input of its own (its stream closed after)."""
    name = nested.member.display
    try:
        return _read_archive(nested.stream, name, on_bad_lines)
    except InputError as exc:
        level = "info" if isinstance(exc, NoDataError) else "warning"
        return [], [Notice(name, None, str(exc).removeprefix(f"{name}: "), level)]
    finally:
        nested.close()


def _read_directory(root: Path, on_bad_lines: str,
                    read_bytes: Callable[[int], None] | None = None,
                    make: type[Collector] = Collector) -> tuple[list[Parsed], list[Notice]]:
    """A directory: a copied proc tree, an extracted sosreport (or several), a folder of dumps.

    Walked without following symlinks; a symlink is resolved only to another
    file inside *root* (sosreports' ``ps -> sos_commands/process/...``)."""
    collector = make(on_bad_lines)
    source = DirectorySource(root)
    found: list[tuple[list[Parsed], list[Notice]]] = []
    try:
        _collect(collector, source, source.members(), read_bytes, found)
    except BaseException:
        collector.abandon()
        raise
    pieces, notices = collector.finish(source.naming)
    for more_pieces, more_notices in found:
        pieces.extend(more_pieces)
        notices.extend(more_notices)
    if not any(p.has_data() for p in pieces):
        if collector.sos_roots:
            raise _no_data(str(root), collector)
        raise NoDataError(f"{root}: no memory map dumps found in this directory ({EXPECTED})")
    return pieces, notices


def _read_archive(stream, name: str, on_bad_lines: str, consumed: Callable[[], int] | None = None,
                  parse_ahead: bool = True, make: type[Collector] = Collector) -> tuple[list[Parsed], list[Notice]]:
    """Every parsed piece of an archive stream, and the notices.

    *consumed* reports the compressed bytes read so far (for the bomb check); with
    *parse_ahead*, smaps batches are parsed on a worker thread while the next members are
    decompressed (False: one thread, what a Dask worker wants). A
    damaged archive keeps what was read before the damage, and says where it stopped.
    """
    collector = make(on_bad_lines, in_flight=collector_module.BATCHES_IN_FLIGHT if parse_ahead else 0)
    source = ArchiveSource(name)
    stopped = None
    try:
        _collect(collector, source, source.members(stream, consumed))
    except ArchiveError as exc:
        stopped = exc
    except Exception as exc:  # truncated or corrupt compressed data, or tar damage
        if not isinstance(exc, archive.DECOMPRESS_ERRORS) and type(exc).__name__ != "ZstdError":
            collector.abandon()
            raise
        stopped = ArchiveError(f"{name}: archive cut short or corrupt: {exc or type(exc).__name__}")
    except BaseException:  # interrupted
        collector.abandon()
        raise
    collector.take_notes(source.notices)
    collector.cut_short = stopped is not None
    pieces, notices = collector.finish(source.naming)
    found = any(p.has_data() for p in pieces)
    if stopped is not None:
        where = f"after {source.last}" if source.last else "before the first member"
        message = (f"{stopped}; stopped {where} ({collector.members} members read); "
                   "members after that point were not read")
        if not found:
            raise ArchiveError(message)
        if message.startswith(f"{name}: "):  # the notice names the archive already
            message = message[len(name) + 2:]
        notices.append(Notice(name, None, message + "; kept what was read before"))
    if not found:
        raise _no_data(name, collector)
    return pieces, notices


def _no_data(name: str, collector: Collector) -> InputError:
    """The error for a tree with nothing memmaps reads: the sos hint when it is a sosreport."""
    if collector.sos_roots:
        return NoDataError(f"{name}: this sosreport holds no memory maps and no ps output: {SMAPS_HINT}")
    lost = [item[1] for item in collector.notices if isinstance(item, tuple) and item[1].level == "warning"]
    why = f"; {lost[0].source}: {lost[0].message}" if lost else ""  # nothing read because it was refused
    if len(lost) > 1:
        why += f" (and {len(lost) - 1} more refused)"
    return NoDataError(f"{name}: no memory map dumps found ({EXPECTED}){why}")


def input_bytes(inputs) -> int:
    """The bytes :func:`load_dataset` will read from *inputs*, as stored (files, and the regular
    files under directories; standard input counts 0)."""
    total = 0
    for item in inputs:
        p = Path(item)
        if str(item) == "-":
            continue
        if _is(p, stat.S_ISDIR):
            for dirpath, _dirs, files in os.walk(p):
                for name in files:
                    try:
                        st = os.lstat(os.path.join(dirpath, name))
                    except OSError:
                        continue
                    if stat.S_ISREG(st.st_mode):
                        total += st.st_size
        elif _is(p, stat.S_ISREG):
            total += p.stat().st_size
    return total


def load_dataset(*inputs: str | Path, on_bad_lines: str = "warn",
                 progress: Callable[[str], None] | None = None,
                 read_bytes: Callable[[int], None] | None = None, parse_ahead: bool = True) -> Dataset:
    """Load every input into one :class:`~analyzer.dataset.Dataset`.

    *progress(name)* is called as each input is started; *read_bytes(n)* as
    its bytes are read (``n`` more bytes of the files as stored: compressed
    bytes for an archive), for a progress bar over :func:`input_bytes`.
    *parse_ahead*: parse an archive's smaps on a second thread while it is
    decompressed (False: one thread, for a worker process that has one core).

    >>> ds = load_dataset("sample_dumps/smaps/tree")
    >>> ds.processes.sort_values("pid")[["pid", "mappings"]].to_dict("list")
    {'pid': [1, 3, 5, 6], 'mappings': [12, 12, 0, 13]}
    >>> [(r.formats, r.processes, r.mappings) for r in ds.inputs]
    [(['smaps'], 4, 37)]
    """
    if not inputs:
        raise InputError("no input given")
    frames, processes, hosts, reports, notices = [], [], [], [], []
    tables: dict[str, list[dict]] = {name: [] for name in systables.TABLES}
    for item in inputs:
        if progress:
            progress(str(item))
        told = [0]

        def tell(n: int, told=told, read_bytes=read_bytes) -> None:
            told[0] += n
            if read_bytes is not None:
                read_bytes(n)

        try:
            pieces, found_notices = _read_path(item, on_bad_lines, tell if read_bytes else None, parse_ahead)
        except InputError:
            raise
        except Exception as exc:
            name_input(exc, item)
            raise
        if read_bytes is not None and str(item) != "-" and _is(Path(item), stat.S_ISREG):
            rest = Path(item).stat().st_size - told[0]  # a plain file; an archive's tail (xz index, padding)
            if rest > 0:
                read_bytes(rest)
        notices.extend(found_notices)
        formats: set[str] = set()
        n_proc = n_map = 0
        for parsed in pieces:
            formats |= parsed.formats
            frame = parsed.mappings
            if len(frame):
                if "source" not in frame.columns:
                    frame["source"] = parsed.processes[0]["source"] if parsed.processes else str(item)
                if "capture" not in frame.columns:  # a loose file: the file is the capture
                    frame["capture"] = frame["source"]
                elif frame["capture"].isna().any():
                    frame["capture"] = frame["capture"].fillna(frame["source"])
                frames.append(frame)
            for proc in parsed.processes:
                if proc.get("capture") is None:
                    proc["capture"] = proc.get("source", str(item))
            n_map += len(frame) - (int(frame["path"].eq("[rollup]").sum()) if "path" in frame.columns else 0)
            n_proc += len(parsed.processes)
            processes.extend(parsed.processes)
            hosts.extend(parsed.hosts)
            for name, rows in parsed.tables.items():
                tables.setdefault(name, []).extend(rows)
        reports.append(InputReport(str(item), sorted(formats), n_proc, n_map))
    mappings, contradictions = sanity.check(_assemble(frames, processes))
    notices.extend(contradictions)
    procs = schema.conform_processes(pd.DataFrame.from_records(processes) if processes else pd.DataFrame())
    host_frame = schema.conform_hosts(pd.DataFrame.from_records(hosts) if hosts else pd.DataFrame())
    notices.extend(_same_report_twice(host_frame))
    notices.extend(sysfacts.status_vs_smaps(mappings, procs))
    extra = {name: systables.conform(pd.DataFrame(rows), systables.TABLES[name]) if rows
             else systables.empty(systables.TABLES[name]) for name, rows in tables.items()}
    return Dataset(mappings, procs, host_frame, reports, fold_notices(notices), **extra)


FOLD_AT = 3


def fold_notices(notices: list[Notice]) -> list[Notice]:
    """One notice, not fifty: the same message at the same level from *FOLD_AT* or more files
    (fifty kernel threads' empty smaps) becomes one notice naming how many and the first few.

    >>> many = [Notice(f"t/proc/{p}/smaps", None, "no mappings (a kernel thread or zombie)", "info") for p in (2, 3, 4, 5)]
    >>> [str(n) for n in fold_notices(many + [Notice("x.smaps", 7, "cut short")])]
    ['t/proc/2/smaps: info: no mappings (a kernel thread or zombie) (4 files: t/proc/2/smaps, t/proc/3/smaps, t/proc/4/smaps, ...)', 'x.smaps:7: warning: cut short']
    """
    groups: dict[tuple[str, str], list[Notice]] = {}
    for n in notices:
        groups.setdefault((n.level, n.message), []).append(n)
    out = []
    for n in notices:
        group = groups[(n.level, n.message)]
        if len({g.source for g in group}) < FOLD_AT:
            out.append(n)
        elif group[0] is n:
            shown = ", ".join(g.source for g in group[:3])
            more = ", ..." if len(group) > 3 else ""
            out.append(Notice(n.source, None, f"{n.message} ({len(group)} files: {shown}{more})", n.level))
    return out


def _same_report_twice(hosts: pd.DataFrame) -> list[Notice]:
    """The same sosreport given twice (the archive and its extracted directory, say) counts
    every process twice in host and kind totals: say so."""
    keys = [c for c in ("host", "capture_time", "sos_cmdline") if c in hosts.columns]
    if len(hosts) < 2 or "host" not in keys or "capture_time" not in keys:
        return []
    known = hosts.dropna(subset=["host", "capture_time"])
    out = []
    for _, group in known.groupby(keys, dropna=False, sort=False):
        if len(group) > 1:
            sources = ", ".join(str(s) for s in group["source"])
            out.append(Notice(str(group["source"].iloc[0]), None,
                              f"the same sosreport (host {group['host'].iloc[0]}, captured "
                              f"{group['capture_time'].iloc[0]}) was given {len(group)} times ({sources}): "
                              "its processes are counted that many times in the totals"))
    return out


def _assemble(frames: list[pd.DataFrame], processes: list[dict]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return classify(schema.empty())
    # frames of the same columns and dtypes in a row (the many small files of a tree or archive) are
    # joined first and conformed once: conforming each costs ~30 ms, which 100,000 members cannot pay
    runs: list[list[pd.DataFrame]] = []
    last = None
    for f in frames:
        signature = (tuple(f.columns), tuple(map(str, f.dtypes)))
        if signature != last:
            runs.append([])
            last = signature
        runs[-1].append(f)
    parts = [schema.conform(run[0] if len(run) == 1 else pd.concat(run, ignore_index=True)) for run in runs]
    frame = schema.conform(pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0])
    return classify(frame)


def load(*inputs: str | Path, on_bad_lines: str = "warn") -> pd.DataFrame:
    """Load inputs into the mappings table (one row per mapping).

    Notices (truncation, partial data) are in ``frame.attrs["notices"]`` as
    text; use :func:`load_dataset` for process and host facts too.

    >>> frame = load("sample_dumps/smaps/multi_loop.smaps")
    >>> len(frame), sorted(frame["pid"].unique().tolist())
    (37, [1, 3, 6])
    >>> frame.loc[frame["path"] == "[heap]", ["pid", "size", "rss", "kind"]]
        pid    size    rss  kind
    6     1  139264  24576  heap
    18    3  139264   8192  heap
    30    6  139264  28672  heap
    """
    ds = load_dataset(*inputs, on_bad_lines=on_bad_lines)
    frame = ds.mappings
    if not len(frame) and len(ds.processes) and (ds.processes["source_format"] == "ps").any():
        raise NoDataError(f"{', '.join(map(str, inputs))}: no memory maps: {SMAPS_HINT}; "
                          "load_dataset() gives the ps-based process table meanwhile")
    frame.attrs["notices"] = [str(n) for n in ds.notices]
    return frame


def load_text(text: str, name: str = "<text>", on_bad_lines: str = "warn") -> pd.DataFrame:
    """Load a dump given as text - pmap output pasted into a ticket, smaps in an
    e-mail - into the mappings table, as :func:`load` does for a file.

    *name* stands for the file name in ``source`` and in messages.

    >>> frame = load_text('''00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon
    ... 7ffd5b3c1000-7ffd5b3e2000 rw-p 00000000 00:00 0          [stack]
    ... ''', name="ticket-4711")
    >>> frame[["source", "size", "perms", "path", "kind"]]
            source    size perms                  path   kind
    0  ticket-4711  335872  r-xp  /usr/bin/dbus-daemon   file
    1  ticket-4711  135168  rw-p               [stack]  stack
    """
    parsed, notices = parse_bytes(text.encode("utf-8"), name, on_bad_lines)
    frame = parsed.mappings
    if len(frame) and "source" not in frame.columns:
        frame["source"] = name
    frame, contradictions = sanity.check(_assemble([frame], parsed.processes))
    frame.attrs["notices"] = [str(n) for n in notices + contradictions]
    return frame
