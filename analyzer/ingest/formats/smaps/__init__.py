"""The kernel's own formats: ``/proc/PID/smaps``, ``maps`` and ``smaps_rollup``.

The format's contract is :func:`detect` and :func:`parse`. Given bytes,
:func:`parse` chooses the path: the vectorised one (:mod:`.fast`, block by block in :mod:`.fastblocks`) for a large
regular dump, else the exact general one (:mod:`.exact`); both give the same
result. Given text, it runs the exact path. :mod:`.batch` parses many
proc-tree members in one pass.

>>> from analyzer.ingest.base import Context
>>> data = b"00400000-00401000 r-xp 00000000 08:02 1234   /usr/bin/true\\nRss:  4 kB\\n"
>>> int(parse(data, Context("x"), name="proc/42/smaps").mappings.loc[0, "pid"])
42
"""

from __future__ import annotations

from ...base import Context, Parsed
from ...sources.reader import decode
from . import fastblocks
from .exact import NAME, block_pid, detect, split_blocks
from .exact import parse as parse_text

__all__ = ["NAME", "block_pid", "detect", "parse", "parse_data", "parse_text", "split_blocks"]


def parse(data: bytes | str, ctx: Context, name: str | None = None) -> Parsed:
    """Parse smaps, maps or smaps_rollup, concatenated or not: the vectorised path
    when it applies (bytes only), else the exact one. Both give the same result.

    *name* is the file's own path when it says the PID (``proc/42/smaps``)."""
    if isinstance(data, str):
        return parse_text(data, ctx, name)
    parsed = fastblocks.parse(data, ctx, name)  # regular blocks vectorised, irregular ones exact
    if parsed is not None:
        return parsed
    return parse_text(decode(data, ctx.source), ctx, name)


parse_data = parse  # the name the proc-tree code and batch use for bytes
