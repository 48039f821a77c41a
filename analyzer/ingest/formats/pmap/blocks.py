"""Find pmap output inside whatever text it came in: one :class:`Block` per process.

A block is a ``PID: command`` line (optional: it may have been cut off), an
optional header, the mapping rows, separator lines and footer lines. Text
around the blocks - a shell prompt, prose in an e-mail, supportconfig's
``#==[ Command ]==#`` banners - is skipped; text *between* two rows of one
block is reported as a bad line.

>>> text = '''[root@host ~]# pmap 42
... 42:   sleep 100
... 0000555555554000      8K r---- sleep
...  total                8K
... Thanks for looking!
... '''
>>> [(b.pid, b.command, len(b.rows), len(b.footer)) for b in scan(text.split("\\n"))]
[(42, 'sleep 100', 1, 1)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...numbers import checked_int
from .layout import ADDRESS, FOOTER_WORDS, HEADER_WORDS, MODE, PID_LINE, SEPARATOR, is_value, normalize_header

MAPPED_FOOTER = re.compile(r"[ \t]*[^\d\s][^:]*:[ \t]*\d+[ \t]?[KkК](?:\W.*)?")
SLES11_SUMMARY = re.compile(r"[ \t]*\d+K writable-private, \d+K readonly-private, \d+K shared, and \d+K referenced[ \t]*")


@dataclass
class Block:
    """One process's pmap output, as ``(lineno, text)`` pairs."""

    pid: int | None = None
    command: str | None = None
    lineno: int = 0
    pid_sep: str = ""                      # the blank(s) after "PID:" - 3 spaces procps, 1 BusyBox/toybox
    header: tuple[int, str] | None = None
    bad_pid: str | None = None             # a PID line whose number does not fit (kept as PID unknown)
    rows: list[tuple[int, str]] = field(default_factory=list)
    separators: list[int] = field(default_factory=list)
    footer: list[tuple[int, str]] = field(default_factory=list)
    inner_strays: list[tuple[int, str]] = field(default_factory=list)   # text between rows
    trailing: tuple[int, str] | None = None                             # first text after the rows
    _pending: list[tuple[int, str]] = field(default_factory=list)


def is_row(tokens: list[str]) -> bool:
    """A mapping row starts with an address and then a value or a mode/perm.

    The ``-X`` totals row is numbers then ``KB``: its first number may have eight digits or more
    (10,000,000 kB of virtual size) and look like an address; it is no row.

    >>> is_row("000055c0b1665000 r--p 00000000 fe:00 2163091 4 4 4 mapper".split())
    True
    >>> is_row("10000000 1724 443 KB".split())
    False
    """
    if tokens and tokens[-1] == "KB" and all(is_value(t) for t in tokens[:-1]):
        return False
    return (len(tokens) >= 2 and ADDRESS.fullmatch(tokens[0]) is not None
            and (is_value(tokens[1]) or MODE.fullmatch(tokens[1]) is not None))


def is_header(tokens: list[str], line: str | None = None) -> bool:
    """A column header: starts with the word for "Address" in some language."""
    if len(tokens) < 3:
        return False
    if HEADER_WORDS.get(tokens[0].casefold()) == "address":
        return True
    tokens = normalize_header(line if line is not None else " ".join(tokens)).split()
    return HEADER_WORDS.get(tokens[0].casefold()) == "address"


def is_footer(line: str, tokens: list[str]) -> bool:
    """Totals: ``total kB N N N``, `` total NK``, ``mapped: NK ...``, ``Total: NK ...``,
    the ``-X`` totals row ending ``KB``, translated words around numbers."""
    if MAPPED_FOOTER.fullmatch(line) or SLES11_SUMMARY.fullmatch(line):
        return True
    numbers = [t for t in tokens if is_value(t)]
    if not numbers:
        return False
    words = [t for t in tokens if not is_value(t)]
    if not words:
        return False
    if all(w.casefold() in FOOTER_WORDS for w in words):
        return True
    # an unknown translation of "total": a few words without digits, first, then numbers
    return (len(words) <= 3 and all(w.replace("-", "").replace(":", "").isalpha() for w in words)
            and not is_value(tokens[0]))


def scan(lines: list[str]) -> list[Block]:
    """Split *lines* into pmap blocks; lines outside blocks are skipped."""
    blocks: list[Block] = []
    cur: Block | None = None

    def new(**kw) -> Block:
        nonlocal cur
        _finish(cur)
        cur = Block(**kw)
        blocks.append(cur)
        return cur

    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        tokens = line.split()
        if is_row(tokens):
            if cur is None or cur.footer or (cur.trailing is not None and not cur.rows):
                new(lineno=lineno)
            if cur.rows and cur._pending:
                cur.inner_strays.extend(cur._pending)
            cur._pending.clear()
            cur.trailing = None
            cur.rows.append((lineno, line))
            continue
        m = PID_LINE.fullmatch(line)
        if m:
            new(pid=checked_int(m.group(1)), command=m.group(3) or None, lineno=lineno, pid_sep=m.group(2))
            if cur.pid is None:
                cur.bad_pid = m.group(1)
            continue
        if is_header(tokens, line):
            if cur is None or cur.rows or cur.footer or cur.header is not None:
                new(lineno=lineno)
            cur.header = (lineno, line)
            continue
        if cur is None:
            continue
        if SEPARATOR.fullmatch(line):
            cur.separators.append(lineno)
            continue
        if (cur.rows or cur.header or cur.separators or cur.pid is not None) and is_footer(line, tokens):
            if not cur.footer:
                cur._pending.clear()
            cur.footer.append((lineno, line))
            continue
        if (cur.pid is not None and not cur.rows and cur.header is None and not cur.footer and len(tokens) >= 3
                and not any(is_value(t) for t in tokens)):
            cur.header = (lineno, line)        # a header in a language we have no words for
            continue
        if cur.trailing is None:
            cur.trailing = (lineno, line)
        cur._pending.append((lineno, line))
    _finish(cur)
    return blocks


def _finish(block: Block | None) -> None:
    if block is not None:
        block._pending = []
