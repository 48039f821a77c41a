"""What every source yields: a :class:`Member` - one file of a directory or an
archive, its tree-relative path, how it is shown, and how to open it (once) -
and the :class:`Naming` that turns a tree path back into a display name.

>>> Naming({"": "case.zip", "sos.tar.xz/": "case.zip!sos.tar.xz"}, "!").display("sos.tar.xz/sosreport-h/")
'case.zip!sos.tar.xz!sosreport-h'
>>> Naming({"": "cases"}, "/").display("sosreport-h/")
'cases/sosreport-h'
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from ...errors import InputError, UnknownFormatError
from .reader import HEAD_BYTES, looks_binary

# A single member larger than this is refused (one process has at most ~65,530 mappings: ~70 MB of smaps).
MAX_MEMBER_BYTES = 1024**3


class UnreadableError(InputError):
    """A file of a tree that cannot be opened (no permission): skipped with a warning naming it."""


@dataclass
class Member:
    """One file in a tree: its relative path, a display name, and how to open it.

    ``open()`` returns a buffered binary stream and may be called once (an
    archive member streams past only once). ``link`` is set instead for a
    symlink or hard link: the tree-relative path it points to. ``again`` is
    set by the source when the same path came before (``tar -r``/``-u``
    appends): this later copy replaces the earlier one, as tar extracts it.
    """

    path: str
    display: str
    open: Callable[[], IO[bytes]] | None = None
    link: str | None = None
    owner: str | None = None
    size: int | None = None
    again: bool = False
    on_disk: bool = False  # a plain file in a folder: its bytes are its size (no decompression to guard)

    def read(self, limit: int = MAX_MEMBER_BYTES, text: bool = False) -> bytes:
        """All of the file's bytes (at most *limit*; more is an error).

        With *text*, a file whose head is binary is refused before the rest is read
        (a compressed bomb of zeros under the size cap costs its head, not its size); a file
        *on_disk* of known size is read at once (its size is what reading it costs) and refused after."""
        if self.size is not None and self.size > limit:
            raise InputError(f"{self.display}: declares {self.size >> 20} MiB, over the {limit >> 20} MiB cap; "
                             "refused, not read")
        assert self.open is not None, "a link has no data"
        with self.open() as f:
            if self.on_disk and self.size is not None:  # a file in a folder: one read, no joining of parts
                data = f.read(self.size + 1)
                if len(data) > self.size:  # it grew since it was listed
                    data += f.read(limit + 1 - len(data))
                if text and looks_binary(data[:HEAD_BYTES]):
                    raise UnknownFormatError(f"{self.display}: binary data, not a text dump")
            elif text:
                head = f.read(HEAD_BYTES)
                if looks_binary(head):
                    raise UnknownFormatError(f"{self.display}: binary data, not a text dump")
                data = head + f.read(limit + 1 - len(head)) if len(head) == HEAD_BYTES else head
            else:
                data = f.read(limit + 1)
        if len(data) > limit:
            raise InputError(f"{self.display}: larger than {limit >> 20} MiB; refused")
        return data



@dataclass
class Naming:
    """How a tree path is shown: the display name of each container's path prefix
    (``""`` is the input itself; a nested archive adds its own), joined with *sep*
    (``!`` inside archives, ``/`` in a directory)."""

    prefixes: dict[str, str]
    sep: str = "!"

    def display(self, root: str) -> str:
        best = max((p for p in self.prefixes if root.startswith(p)), key=len)
        rest = root[len(best):].rstrip("/")
        if not rest:
            return self.prefixes[best]
        if self.sep == "/":
            return posixpath.join(self.prefixes[best], rest) if self.prefixes[best] != "." else rest
        return f"{self.prefixes[best]}{self.sep}{rest}"
