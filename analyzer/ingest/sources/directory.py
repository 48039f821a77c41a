"""A directory as a source: every regular file under it, as :class:`~.member.Member`
objects in a stable order (sorted names), without following symlinks.

A symlink is passed on as a link to another file inside the root (sosreports'
``ps -> sos_commands/process/...``), never followed on the local filesystem;
one pointing outside, a device file, a FIFO or a socket is noted and skipped.
What was skipped is in :attr:`DirectorySource.notices` (tree path, notice).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import IO

from ...errors import Notice
from .archive import link_target
from .member import Member, Naming, UnreadableError
from .reader import HEAD_BYTES


def _open_file(path: str) -> IO[bytes]:
    """A file found in the walk, opened; one we may not read is an input error naming it."""
    try:  # never wait on a file that blocks a reader (a live /proc/kmsg): O_NONBLOCK
        return os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb", buffering=HEAD_BYTES)
    except OSError as exc:
        raise UnreadableError(f"{path}: {exc.strerror or exc}") from None


class DirectorySource:
    """The members of the directory *root*; :attr:`notices` gathers what was skipped."""

    def __init__(self, root: Path):
        self.root = root
        self.notices: list[tuple[str, Notice]] = []
        self.naming = Naming({"": str(root)}, "/")

    def _note(self, rel: str, full: str, message: str, level: str = "warning") -> None:
        self.notices.append((rel, Notice(full, None, message, level)))

    def members(self) -> Iterator[Member]:
        root = self.root

        def unreadable(exc: OSError) -> None:  # a folder we may not list: say so, go on
            rel = Path(exc.filename).relative_to(root).as_posix() if exc.filename else ""
            self._note(rel, exc.filename or str(root), f"folder not read: {exc.strerror}; its files are skipped")

        for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
            dirnames.sort()
            here = Path(dirpath).relative_to(root).as_posix()  # once a folder, not once a file
            for fname in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
                full = os.path.join(dirpath, fname)
                rel = fname if here == "." else f"{here}/{fname}"
                try:
                    st = os.lstat(full)
                except OSError as exc:
                    self._note(rel, full, f"not read: {exc.strerror}")
                    continue
                if stat.S_ISLNK(st.st_mode):
                    target = link_target(rel, os.readlink(full))
                    if target is None:
                        self._note(rel, full, f"symlink to {os.readlink(full)!r} points outside {root}: ignored",
                                   "info")
                    else:
                        yield Member(rel, full, link=target)
                    continue
                if not stat.S_ISREG(st.st_mode):
                    self._note(rel, full, "device file, FIFO or socket: not read", "info")
                    continue
                if fname == "kmsg" and st.st_size == 0:  # /proc/kmsg: reading it takes the kernel's log away
                    self._note(rel, full, "the kernel's log pipe: not read", "info")
                    continue
                yield Member(rel, full, partial(_open_file, full), size=st.st_size, on_disk=True)
