"""Cross-checks: pmap's own totals against the sum of the rows we parsed.

The footer's numbers become process facts (``footer_size``, ``footer_rss``,
... in bytes). A footer that disagrees with the rows, or no footer at all
(a copy cut short, or ``pmap -q``), marks the process ``partial`` with a
warning naming the PID (the notice names the file and line).
"""

from __future__ import annotations

from ...base import Context
from .blocks import Block

LABELS = {"size": "size (Kbytes)", "writeable_private": "writeable/private", "readonly_private": "readonly/private"}


def who(block: Block) -> str:
    """How a warning names the process of *block*."""
    if block.pid is not None:
        return f"PID {block.pid}"
    return f"process of unknown PID (pmap output at line {block.lineno})"


def _default_row(line: str) -> bool:
    """A row of pmap's default layout (``ADDRESS  SIZEK MODE MAPPING``), which has no header line.

    >>> _default_row("000055c0b1665000      4K r---- mapper"), _default_row("000055c0b1665000  4  4  4 r---- m")
    (True, False)
    """
    tokens = line.split()
    return len(tokens) > 1 and tokens[1][-1:] in ("K", "k")


def add_running(cumulative: dict[str, int], sums: dict[str, int], totals: dict[str, int | None] | None,
                reread: frozenset[str] = frozenset()) -> None:
    """Add a -X block's *sums* (kB) to *cumulative*: the running totals pmap -X printed as its
    footers before procps-ng 4.0.4 (the sums over this and every earlier PID of the same run).

    A footer that equals the block's own sums (outside *reread*) starts them again: it is the
    first block of another pmap run (``xargs pmap -X``: procps-ng 4.0.2 refuses more than 255
    PIDs a run, so thousands come as several runs, one after the other), or pmap gave per-block
    totals anyway (4.0.4 and later).
    """
    if totals is not None:
        compared = [(k, v) for k, v in sums.items() if k not in reread and totals.get(k) is not None]
        if compared and all(totals[k] == v for k, v in compared):
            cumulative.clear()
    for k, v in sums.items():
        cumulative[k] = cumulative.get(k, 0) + v


def check_footer(block: Block, totals: dict[str, int | None] | None, sums: dict[str, int | None],
                 ctx: Context, proc: dict, cumulative: dict[str, int] | None = None,
                 reread: frozenset[str] = frozenset()) -> None:
    """Store footer facts on *proc* and compare them with *sums* (both in kB).

    *cumulative*, when given, holds the sums over this and every earlier block of
    the same layout: pmap -X before procps-ng 4.0.4 printed running totals.
    *reread* names columns that may move between pmap -X's two reads of smaps
    (totals from the first, rows from the second): PSS, when other processes map
    or unmap shared pages meanwhile. A difference only there is a note, not a loss.
    """
    if totals is None:
        if block.rows and block.header is None and not _default_row(block.rows[0][1]):
            # -x/-X rows with neither header nor footer: pmap -q left both out, by request (the default
            # layout never has a header, so there a missing footer may be a cut: warned below)
            ctx.info(block.rows[-1][0], f"{who(block)}: no header and no footer (pmap -q): rows kept; there are "
                                         "no totals to check them against")
        elif block.rows:
            proc["partial"] = True
            ctx.warn(block.rows[-1][0], f"{who(block)}: no footer with totals (output cut short): "
                                         "rows kept, but they cannot be checked and may be incomplete")
        return
    lineno = block.footer[0][0]
    bad = []
    running = False
    for key, total in totals.items():
        if total is None:
            continue
        proc[f"footer_{key}"] = total * 1024
        have = sums.get(key)
        if have is None or have == total:
            continue
        if cumulative is not None and cumulative.get(key) == total:
            running = True
            continue
        bad.append(f"{LABELS.get(key, key)} {total} kB in the footer, {have} kB in the rows")
    moved = [b for b in bad if b.split()[0] in reread]
    if moved and len(moved) == len(bad):
        ctx.info(lineno, f"{who(block)}: {'; '.join(moved)}: pmap -X reads smaps twice (totals first, rows "
                         "second) and PSS moved in between as other processes mapped or unmapped shared pages")
        bad = []
    if running and not bad:
        ctx.info(lineno, f"{who(block)}: the -X footer holds running totals over the PIDs so far in its pmap run "
                         "(procps-ng before 4.0.4); rows agree with them")
    if bad:
        proc["partial"] = True
        ctx.warn(lineno, f"{who(block)}: footer disagrees with the rows ({'; '.join(bad)}): data partial")
