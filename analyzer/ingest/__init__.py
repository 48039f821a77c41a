"""Ingest: any input a customer sends, into one :class:`~analyzer.dataset.Dataset`.

``load_dataset(*inputs)`` takes files (compressed or not), ``-`` for standard
input, directories (copied proc trees, folders of dumps) and archives, sniffs
each by content, parses it, and assembles one schema-valid mappings table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .. import schema
from ..classify import classify
from ..dataset import Dataset, InputReport
from ..errors import InputError, NoDataError, Notice, UnknownFormatError
from . import archive, registry, smaps, tree
from .base import Context, Parsed
from .reader import EXPECTED, HEAD_BYTES, decode, open_input, peek, read_all


def parse_bytes(data: bytes, name: str, on_bad_lines: str = "warn") -> tuple[Parsed, list[Notice]]:
    """Sniff and parse one text dump given as bytes (already decompressed)."""
    text = decode(data, name)
    if not text.strip():
        raise NoDataError(f"{name}: empty file")
    found = registry.detect(text[:HEAD_BYTES])
    if found is None:
        raise UnknownFormatError(f"{name}: not a recognised memory map dump ({EXPECTED})")
    module, _ = found
    ctx = Context(name, on_bad_lines)
    if module is smaps:
        parsed = smaps.parse_data(data, ctx)
    else:
        parsed = module.parse(text, ctx)
    return parsed, ctx.notices


def _read_path(item: str | Path, on_bad_lines: str) -> tuple[list[Parsed], list[Notice]]:
    """Every parsed piece of one input (a file, ``-``, a directory or an archive)."""
    p = Path(item)
    if str(item) != "-" and p.is_dir():
        return _read_directory(p, on_bad_lines)
    name, stream = open_input(item)
    with stream:
        head = peek(stream, name, 1024)
        if archive.is_archive(head):
            return archive.read(stream, name, on_bad_lines, _parse_for_tree)
        data = read_all(stream, name)
    parsed, notices = parse_bytes(data, name, on_bad_lines)
    return [parsed], notices


def _parse_for_tree(data: bytes, name: str, on_bad_lines: str = "warn"):
    """Parse a non-proc-tree file met inside a directory or archive (decompressing it)."""
    from .reader import compression_of, decompressing
    import io

    if compression_of(data[:8]):
        data = read_all(decompressing(io.BytesIO(data), name), name)
    return parse_bytes(data, name, on_bad_lines)


def _read_directory(root: Path, on_bad_lines: str) -> tuple[list[Parsed], list[Notice]]:
    entries = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for fname in sorted(filenames):
            full = Path(dirpath) / fname
            if full.is_symlink() or not full.is_file():
                continue
            rel = full.relative_to(root).as_posix()
            entries.append(tree.Entry(rel, str(full), full.read_bytes))
    if archive.is_sosreport([e.path for e in entries]):
        return archive.read_sosreport_entries(entries, str(root), on_bad_lines, _parse_for_tree)
    pieces, notices = tree.load_entries(entries, on_bad_lines, lambda data, name: _parse_for_tree(data, name, on_bad_lines))
    if not pieces:
        raise NoDataError(f"{root}: no memory map dumps found in this directory ({EXPECTED})")
    return pieces, notices


def load_dataset(*inputs: str | Path, on_bad_lines: str = "warn",
                 progress: Callable[[str], None] | None = None) -> Dataset:
    """Load every input into one :class:`~analyzer.dataset.Dataset`.

    >>> ds = load_dataset("sample_dumps/smaps/single.smaps")  # doctest: +SKIP
    """
    if not inputs:
        raise InputError("no input given")
    frames, processes, hosts, reports, notices = [], [], [], [], []
    for item in inputs:
        if progress:
            progress(str(item))
        pieces, found_notices = _read_path(item, on_bad_lines)
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
    mappings = _assemble(frames, processes)
    procs = pd.DataFrame(processes) if processes else pd.DataFrame(
        columns=["host", "pid", "command", "source", "source_format", "mappings", "partial"])
    for col in ("host", "command"):
        if col not in procs.columns:
            procs[col] = pd.NA
    if len(procs):
        procs["pid"] = procs["pid"].astype("Int64")
    host_frame = pd.DataFrame(hosts)
    ds = Dataset(mappings, procs, host_frame, reports, notices)
    return ds


def _assemble(frames: list[pd.DataFrame], processes: list[dict]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return classify(schema.empty())
    frame = pd.concat([schema.conform(f) for f in frames], ignore_index=True)
    frame = schema.conform(frame)
    return classify(frame)


def load(*inputs: str | Path, on_bad_lines: str = "warn") -> pd.DataFrame:
    """Load inputs into the mappings table (one row per mapping).

    Notices (truncation, partial data) are in ``frame.attrs["notices"]`` as
    text; use :func:`load_dataset` for process and host facts too.
    """
    ds = load_dataset(*inputs, on_bad_lines=on_bad_lines)
    frame = ds.mappings
    frame.attrs["notices"] = [str(n) for n in ds.notices]
    return frame
