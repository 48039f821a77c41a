"""``grep -H '' /proc/*/smaps`` output for the vectorised path: where each process's lines are.

Every line of such output starts with its file's name and a colon (``/proc/42/smaps:Rss: ...``).
:func:`blocks` finds where each name's run of lines starts and ends by galloping and bisecting over
line starts (no Python work per line). The fast path reads each line after its prefix and proves
every line has its block's: the prefixes of a record's field lines and of its VmFlags line are part
of the field block it compares (:meth:`~analyzer.ingest.formats.smaps.fast.Template.prefixed`),
those of header and blank lines are compared as 64-bit words (:meth:`GrepBlocks.check`) (:func:`analyzer.ingest.formats.smaps.fast.scan`). No copy of the
file without its prefixes is made.

>>> data = b"/proc/1/smaps:a\\n/proc/1/smaps:b\\n/proc/22/smaps:c\\n"
>>> g = blocks(data)
>>> g.names, g.lo.tolist(), g.plen.tolist()
(['/proc/1/smaps', '/proc/22/smaps'], [0, 32], [14, 15])
"""

from __future__ import annotations

import re

import numpy as np

from .exact import GREP_PREFIX
from .fastcols import Irregular

MAX_NAME = 4096  # longest grep -H prefix read the vectorised way

_GREP_NAME = re.compile(GREP_PREFIX.pattern.rsplit(":", 1)[0].encode())


class GrepBlocks:
    """The blocks of ``grep -H`` output: first byte, prefix (name and colon), name, first line."""

    def __init__(self, los: list[int], prefixes: list[bytes]):
        self.lo = np.array(los, dtype=np.int64)
        self.plen = np.array([len(p) for p in prefixes], dtype=np.int64)
        self.names = [p[:-1].decode("utf-8") for p in prefixes]
        self.prefixes = prefixes
        self.line = np.zeros(len(los), dtype=np.int64)  # first line of each block: filled in by the scan
        if self.plen.min() < 8:
            raise Irregular("a prefix shorter than a word")
        k = int((self.plen.max() + 7) // 8)
        # each prefix as k words: at offsets 0, 8, ..., the last one overlapping so it ends at the colon
        self.offs = np.minimum(np.arange(k) * 8, (self.plen - 8)[:, None])
        self.words = np.empty((len(los), k), dtype=np.uint64)
        for i, p in enumerate(prefixes):
            self.words[i] = [int.from_bytes(p[o : o + 8], "little") for o in self.offs[i]]

    def block_of(self, starts: np.ndarray) -> np.ndarray:
        """The block of every line start (file offsets, in order)."""
        b0 = int(np.searchsorted(self.lo, starts[0], side="right")) - 1
        b1 = int(np.searchsorted(self.lo, starts[-1], side="right"))
        if b0 < 0:
            raise Irregular("a line before the first block")
        j = np.searchsorted(starts, self.lo[b0 + 1 : b1])  # where each later block starts
        if (starts[np.minimum(j, len(starts) - 1)] != self.lo[b0 + 1 : b1]).any():
            raise Irregular("a block that starts inside a line")
        marks = np.zeros(len(starts), dtype=np.int64)
        marks[j] = 1
        bid = np.cumsum(marks)
        bid += b0
        return bid

    def seen(self, starts: np.ndarray, bid: np.ndarray, line_base: int) -> None:
        """Note the line numbers of the blocks that start at one of *starts*."""
        if not len(bid):
            return
        first = np.flatnonzero(starts == self.lo[bid])
        self.line[bid[first]] = line_base + first + 1

    def check(self, words: np.ndarray, starts: np.ndarray, bid: np.ndarray) -> None:
        """Every line (its start in the buffer *words* views) starts with its block's prefix."""
        top = len(words) - 1
        for k in range(self.words.shape[1]):
            at = np.minimum(starts + self.offs[bid, k], top)
            if (words[at] != self.words[bid, k]).any():
                raise Irregular("a line without its block's grep -H prefix")

    def done(self) -> None:
        """After the scan: the first line of every block was seen."""
        if (self.line == 0).any():
            raise Irregular("a block whose first line was not seen")


def blocks(data: bytes) -> GrepBlocks | None:
    """The blocks of ``grep -H`` output, assuming each name's lines follow each other (the scan
    checks every line's prefix); ``None`` for a line without a name, or a name seen before."""
    los, prefixes, seen = [], [], set()
    pos, n = 0, len(data)
    while pos < n:
        colon = data.find(b":", pos, pos + MAX_NAME + 1)
        raw = data[pos:colon] if colon > pos else b""
        if not raw or b"\n" in raw or raw in seen or _GREP_NAME.fullmatch(raw) is None:
            return None
        seen.add(raw)
        prefix = raw + b":"
        los.append(pos)
        prefixes.append(prefix)
        pos = block_end(data, pos, prefix)
    try:
        return GrepBlocks(los, prefixes) if los else None
    except (Irregular, UnicodeDecodeError):
        return None


def block_end(data: bytes, pos: int, prefix: bytes) -> int:
    """Where the lines starting with *prefix* that begin at *pos* end (the start of the next line
    that does not), assuming they are contiguous (the caller checks)."""
    def line_start(at: int) -> int:
        nl = data.find(b"\n", at)
        return len(data) if nl < 0 else nl + 1

    good, step = pos, 4096
    while True:  # gallop: a line start known to have the prefix, and one known not to
        bad = line_start(good + step)
        if bad >= len(data):
            bad = len(data)
            break
        if not data.startswith(prefix, bad):
            break
        good, step = bad, step * 2
    while True:  # bisect between them, on line starts
        mid = line_start(good + (bad - good) // 2)
        if mid >= bad:
            mid = line_start(good + 1)
            if mid >= bad:
                return bad
        if data.startswith(prefix, mid):
            good = mid
        else:
            bad = mid
