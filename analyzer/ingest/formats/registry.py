"""Text formats by content: each module offers ``detect(head) -> str | None``
and ``parse(data, ctx, name=None) -> Parsed`` (*data* bytes, or text). The first that recognises the
head of a text wins; the order puts the strictest recognisers first."""

from __future__ import annotations

import re
from types import ModuleType

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
