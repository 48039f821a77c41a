"""Copied ``/proc`` trees: ``DIR/proc/PID/smaps`` or ``DIR/PID/smaps``, with
``cmdline`` (NUL-separated) or ``status`` beside them giving the command.

Works on a sequence of :class:`Entry` (a relative path and a way to read
it) in any order, so a directory walk and a streamed archive share it.
Files that are not part of a proc tree are sniffed like any other input;
those that are nothing we read are skipped with a note.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..errors import InputError, UnknownFormatError
from . import smaps
from .base import Context, Parsed

PROC_FILE = re.compile(r"(?:^|.*/)(\d+)/(smaps|maps|smaps_rollup|cmdline|status|comm)$")
MAP_FILES = ("smaps", "maps", "smaps_rollup")


@dataclass
class Entry:
    """One file in a tree: its relative path and how to read its bytes."""

    path: str
    display: str
    read: Callable[[], bytes]


def command_from_cmdline(data: bytes) -> str | None:
    r"""A command line from ``/proc/PID/cmdline`` (NUL-separated arguments).

    >>> command_from_cmdline(b"/usr/bin/sleep\x00100\x00")
    '/usr/bin/sleep 100'
    >>> command_from_cmdline(b"") is None
    True
    """
    args = data.rstrip(b"\x00").split(b"\x00")
    text = " ".join(a.decode("utf-8", errors="backslashreplace") for a in args).strip()
    return text or None


def name_from_status(data: bytes) -> str | None:
    """The ``Name:`` of ``/proc/PID/status``, shown in brackets like ps does
    for a process without a command line."""
    for line in data.decode("utf-8", errors="backslashreplace").splitlines():
        if line.startswith("Name:"):
            return f"[{line[5:].strip()}]"
    return None


def load_entries(entries: Iterable[Entry], on_bad_lines: str, parse_text: Callable) -> tuple[list[Parsed], list]:
    """Read every entry; returns the parsed pieces and the notices."""
    pieces: list[tuple[str, str, Parsed]] = []  # (proc dir, file kind, parsed)
    commands: dict[str, str] = {}
    names: dict[str, str] = {}
    notices: list = []
    other: list[Parsed] = []
    for entry in entries:
        m = PROC_FILE.match(entry.path)
        if m:
            procdir = entry.path[: entry.path.rfind("/") + 1] if "/" in entry.path else ""
            kind = m.group(2)
            data = entry.read()
            if kind == "cmdline":
                cmd = command_from_cmdline(data)
                if cmd:
                    commands[procdir] = cmd
                continue
            if kind in ("status", "comm"):
                name = name_from_status(data) if kind == "status" else f"[{data.decode(errors='replace').strip()}]"
                if name and name != "[]":
                    names.setdefault(procdir, name)
                continue
            ctx = Context(entry.display, on_bad_lines)
            try:
                parsed = smaps.parse_data(data, ctx, name=entry.path)
            except UnknownFormatError as exc:
                notices.append(_note(entry.display, str(exc)))
                continue
            notices.extend(ctx.notices)
            pieces.append((procdir, kind, parsed))
            continue
        try:
            parsed, ctx_notices = parse_text(entry.read(), entry.display)
        except (UnknownFormatError, InputError) as exc:
            notices.append(_note(entry.display, f"skipped: {exc}", level="info"))
            continue
        notices.extend(ctx_notices)
        other.append(parsed)
    by_dir: dict[str, dict[str, Parsed]] = {}
    for procdir, kind, parsed in pieces:
        by_dir.setdefault(procdir, {})[kind] = parsed
    out: list[Parsed] = []
    for procdir, kinds in by_dir.items():
        command = commands.get(procdir) or names.get(procdir)
        chosen = kinds.get("smaps") or kinds.get("maps")
        if "smaps" in kinds and "maps" in kinds:
            notices.append(_note(procdir, "both smaps and maps present: maps ignored (smaps says more)", level="info"))
        rollup = kinds.get("smaps_rollup")
        if chosen is None:
            chosen = rollup
        elif rollup is not None:
            for proc in chosen.processes:
                proc.update({k: v for k, v in rollup.processes[0].items() if k.startswith("rollup_")})
        if command:
            for proc in chosen.processes:
                proc["command"] = command
            if len(chosen.mappings):
                chosen.mappings["command"] = command
        out.append(chosen)
    return out + other, notices


def _note(source: str, message: str, level: str = "warning"):
    from ..errors import Notice

    return Notice(source, None, message, level)
