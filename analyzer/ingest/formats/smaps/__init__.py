"""The kernel's own formats: ``/proc/PID/smaps``, ``maps`` and ``smaps_rollup``.

:func:`parse_data` chooses the path: the vectorised one (:mod:`.fast`) for a
large regular dump, else the exact general one (:mod:`.exact`); both give
the same result. :mod:`.batch` parses many proc-tree members in one pass.
"""

from .exact import NAME, block_pid, detect, parse, parse_data, split_blocks

__all__ = ["NAME", "block_pid", "detect", "parse", "parse_data", "split_blocks"]
