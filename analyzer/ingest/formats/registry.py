"""Text formats by content: each module offers ``detect(head) -> str | None``
and ``parse(data, ctx, name=None) -> Parsed`` (*data* bytes, or text). The first that recognises the
head of a text wins; the order puts the strictest recognisers first."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

from ...errors import InputError, NoDataError, Notice, UnknownFormatError
from ..base import Context, Parsed
from ..sources.reader import EXPECTED, HEAD_BYTES, as_utf8, decode
from . import pmap, smaps
from . import kernlog, meminfo, status, sysvipc

# The maps first; then the formats that hold no mappings (status, meminfo, SysV, kernel logs).
TEXT_FORMATS: list[ModuleType] = [smaps, pmap, status, meminfo, sysvipc, kernlog]

# What every format above needs somewhere in its head, searched first (one regex in C) so that
# the thousands of other files in a sosreport or a folder are turned away cheaply: an address
# (the kernel and pmap print at least 8 hex digits), an `a-b perms` range (smaps' header
# allows shorter ones), or pmap's `PID:` line. A format added above must keep this true.
_MAYBE = re.compile(r"[0-9A-Fa-f]{8}|[0-9A-Fa-f]-[0-9A-Fa-f]+[ \t]+[-rwxsp]{4}|\d:[ \t]"
                    # status, meminfo, /proc/sysvipc/shm and ipcs, kernel logs (stamps, OOM lines)
                    r"|^Name:|status:Name:|^MemTotal:|\bshmid\b|Shared Memory Segments|^\[\s*\d+\.\d+\]|kernel: "
                    r"|invoked oom-killer|Killed process|^\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ", re.M)


def detect(head: str) -> tuple[ModuleType, str] | None:
    """The module that reads a text starting with *head*, and the format it saw."""
    if not _MAYBE.search(head):
        return None
    for module in TEXT_FORMATS:
        found = module.detect(head)
        if found:
            return module, found
    return None


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


def _parse_bytes(data: bytes, name: str, on_bad_lines: str) -> tuple[Parsed, list[Notice]]:
    data, undone = as_utf8(data)
    head = decode(data[:HEAD_BYTES], name)  # sniff the head; decode the whole only if needed
    if not head.strip() and not data.strip():
        raise NoDataError(f"{name}: empty file")
    found = detect(head)
    if found is None:
        raise UnknownFormatError(f"{name}: not a recognised memory map dump ({EXPECTED})")
    module, _ = found
    ctx = Context(name, on_bad_lines)
    parsed = module.parse(data, ctx)  # smaps decodes only when its vectorised path declines
    if undone:
        ctx.info(None, undone)
    return parsed, ctx.notices
