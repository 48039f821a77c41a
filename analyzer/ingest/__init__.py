"""Ingest: any input a customer sends, into one :class:`~analyzer.dataset.Dataset`.

``load_dataset(*inputs)`` takes files (compressed or not), ``-`` for standard
input, directories (copied proc trees, folders of dumps) and archives, sniffs
each by content, parses it, and assembles one schema-valid mappings table.
"""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .. import schema
from ..classify import classify
from ..dataset import Dataset, InputReport
from ..errors import InputError, NoDataError, Notice, UnknownFormatError
from . import archive, registry, sanity, smaps, tree
from .base import Context, Parsed
from .reader import EXPECTED, HEAD_BYTES, as_utf8, compression_of, decode, decompressing, open_input, peek, read_all


def name_input(exc: BaseException, name: str | Path) -> None:
    """Attach the input's name to an unexpected exception (a bug), once: the CLI prints it."""
    if not any(str(n).startswith("input: ") for n in getattr(exc, "__notes__", ())):
        exc.add_note(f"input: {name}")


def parse_bytes(data: bytes, name: str, on_bad_lines: str = "warn") -> tuple[Parsed, list[Notice]]:
    """Sniff and parse one text dump given as bytes (already decompressed)."""
    try:
        return _parse_bytes(data, name, on_bad_lines)
    except InputError:
        raise
    except Exception as exc:
        name_input(exc, name)
        raise


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


def _parse_bytes(data: bytes, name: str, on_bad_lines: str) -> tuple[Parsed, list[Notice]]:
    data, undone = as_utf8(data)
    head = decode(data[:HEAD_BYTES], name)  # sniff the head; decode the whole only if needed
    if not head.strip() and not data.strip():
        raise NoDataError(f"{name}: empty file")
    found = registry.detect(head)
    if found is None:
        raise UnknownFormatError(f"{name}: not a recognised memory map dump ({EXPECTED})")
    module, _ = found
    ctx = Context(name, on_bad_lines)
    if module is smaps:
        parsed = smaps.parse_data(data, ctx)  # decodes only when the vectorised path declines
    else:
        parsed = module.parse(decode(data, name), ctx)
    if undone:
        ctx.info(None, undone)
    return parsed, ctx.notices


def _read_path(item: str | Path, on_bad_lines: str,
               read_bytes: Callable[[int], None] | None = None) -> tuple[list[Parsed], list[Notice]]:
    """Every parsed piece of one input (a file, ``-``, a directory or an archive).

    *read_bytes(n)* is told of a directory's files and an archive's compressed bytes as they are
    read (:func:`load_dataset` accounts for the rest of a file once it is done)."""
    p = Path(item)
    if str(item) != "-" and _is(p, stat.S_ISDIR):
        return _read_directory(p, on_bad_lines, read_bytes)
    name, stream = open_input(item)
    with stream:
        head = peek(stream, name, 1024)
        if archive.is_archive(head):
            if str(item) == "-" or head.startswith(b"PK"):
                return archive.read(stream, name, on_bad_lines, _parse_for_tree)
            stream.close()
            counted, counter = archive.open_counted(p, read_bytes)  # counts compressed bytes: the bomb check
            with counted:
                return archive.read(counted, name, on_bad_lines, _parse_for_tree, lambda: counter.count)
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


def _parse_for_tree(data: bytes, name: str, on_bad_lines: str = "warn"):
    """Parse a non-proc-tree file met inside a directory or archive (decompressing it)."""
    cut: list[str] = []
    if compression_of(data[:8]):
        data = read_all(decompressing(io.BytesIO(data), name), name, cut=cut)
    parsed, notices = parse_bytes(data, name, on_bad_lines)
    return parsed, [Notice(name, None, c) for c in cut] + notices


def _read_directory(root: Path, on_bad_lines: str,
                    read_bytes: Callable[[int], None] | None = None) -> tuple[list[Parsed], list[Notice]]:
    """A directory: a copied proc tree, an extracted sosreport (or several), a folder of dumps.

    Walked without following symlinks; a symlink is resolved only to another
    file inside *root* (sosreports' ``ps -> sos_commands/process/...``)."""
    def display(rel: str) -> str:
        return str(root / rel.rstrip("/")) if rel else str(root)

    collector = tree.Collector(on_bad_lines, lambda data, name: _parse_for_tree(data, name, on_bad_lines),
                               display, lambda e, s, h: None)
    try:
        _walk(root, collector, read_bytes)
    except BaseException:
        collector.abandon()
        raise
    pieces, notices = collector.finish()
    if not any(len(p.mappings) or p.processes for p in pieces):
        if collector.sos_roots:
            raise archive.no_data(str(root), collector)
        raise NoDataError(f"{root}: no memory map dumps found in this directory ({EXPECTED})")
    return pieces, notices


def _is(p: Path, kind: Callable[[int], bool]) -> bool:
    """``p.is_dir()``/``is_file()`` that says False, not PermissionError, for a path we may not look at
    (opening it then gives the clear error)."""
    try:
        return kind(p.stat().st_mode)
    except (OSError, ValueError):
        return False


def _open_member(full: str):
    """A file found in a directory walk, opened; one we may not read is an input error naming it."""
    try:  # never wait on a file that blocks a reader (a live /proc/kmsg): O_NONBLOCK
        return os.fdopen(os.open(full, os.O_RDONLY | os.O_NONBLOCK), "rb", buffering=HEAD_BYTES)
    except OSError as exc:
        raise tree.UnreadableError(f"{full}: {exc.strerror or exc}") from None


def _walk(root: Path, collector: tree.Collector, read_bytes: Callable[[int], None] | None = None) -> None:
    """Every file under *root*, handed to *collector* in a stable order."""
    def unreadable(exc: OSError) -> None:  # a folder we may not list: say so, go on
        rel = Path(exc.filename).relative_to(root).as_posix() if exc.filename else ""
        collector.note(rel, exc.filename or str(root), f"folder not read: {exc.strerror}; its files are skipped")

    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
        dirnames.sort()
        for fname in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            full = os.path.join(dirpath, fname)
            rel = Path(full).relative_to(root).as_posix()
            try:
                st = os.lstat(full)
            except OSError as exc:
                collector.note(rel, full, f"not read: {exc.strerror}")
                continue
            if stat.S_ISLNK(st.st_mode):
                target = archive.link_target(rel, os.readlink(full))
                if target is None:
                    collector.note(rel, full, f"symlink to {os.readlink(full)!r} points outside {root}: ignored",
                                   "info")
                else:
                    collector.add(tree.Entry(rel, full, link=target))
                continue
            if not stat.S_ISREG(st.st_mode):
                collector.note(rel, full, "device file, FIFO or socket: not read", "info")
                continue
            if fname == "kmsg" and st.st_size == 0:  # /proc/kmsg: reading it takes the kernel's log away
                collector.note(rel, full, "the kernel's log pipe: not read", "info")
                continue
            collector.add(tree.Entry(rel, full, lambda full=full: _open_member(full), size=st.st_size))
            if read_bytes is not None:
                read_bytes(st.st_size)


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
                 read_bytes: Callable[[int], None] | None = None) -> Dataset:
    """Load every input into one :class:`~analyzer.dataset.Dataset`.

    *progress(name)* is called as each input is started; *read_bytes(n)* as
    its bytes are read (``n`` more bytes of the files as stored: compressed
    bytes for an archive), for a progress bar over :func:`input_bytes`.

    >>> ds = load_dataset("sample_dumps/smaps/tree")
    >>> ds.processes.sort_values("pid")[["pid", "mappings"]].to_dict("list")
    {'pid': [1, 3, 5, 6], 'mappings': [12, 12, 0, 13]}
    >>> [(r.formats, r.processes, r.mappings) for r in ds.inputs]
    [(['smaps'], 4, 37)]
    """
    if not inputs:
        raise InputError("no input given")
    frames, processes, hosts, reports, notices = [], [], [], [], []
    for item in inputs:
        if progress:
            progress(str(item))
        told = [0]

        def tell(n: int, told=told) -> None:
            told[0] += n
            read_bytes(n)

        try:
            pieces, found_notices = _read_path(item, on_bad_lines, tell if read_bytes else None)
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
                frames.append(frame)
            n_map += len(frame)
            n_proc += len(parsed.processes)
            processes.extend(parsed.processes)
            hosts.extend(parsed.hosts)
        reports.append(InputReport(str(item), sorted(formats), n_proc, n_map))
    mappings, contradictions = sanity.check(_assemble(frames, processes))
    notices.extend(contradictions)
    procs = pd.DataFrame(processes) if processes else pd.DataFrame(
        columns=["host", "pid", "command", "source", "source_format", "mappings", "partial"])
    for col in ("host", "command"):
        if col not in procs.columns:
            procs[col] = pd.NA
    if len(procs):
        procs["pid"] = procs["pid"].astype("Int64")
        for col in ("ppid", "ps_rss", "ps_vsz", "mappings"):  # ints with gaps: keep them ints
            if col in procs.columns:
                procs[col] = pd.to_numeric(procs[col]).astype("Int64")
    host_frame = pd.DataFrame(hosts)
    notices.extend(_same_report_twice(host_frame))
    ds = Dataset(mappings, procs, host_frame, reports, notices)
    return ds


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
        from .sosreport import SMAPS_HINT

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
