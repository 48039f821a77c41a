"""Mapping identity between two captures of one process: which regions are the same memory.

:func:`match` labels every region of the earlier (``b``) and later (``a``)
capture with a group number; regions with the same number are one row of
``memmaps diff --by mapping``. Plain numbers in, numbers out (no pandas).

Rules, in order:

1. Regions of the two sides whose address ranges overlap are the same memory
   (the heap and arenas keep their start when they grow; the stack and merged
   anonymous mmaps move their start down). A set of regions connected by
   overlaps is a *component*.
2. A component with as many regions on each side that pair off in address
   order, each pair overlapping, is that many one-to-one rows (an arena's
   ``rw-p`` part growing into its ``---p`` reserve). Any other component with
   both sides is ONE row: the kernel merged or split regions, which is not a
   leak; the row counts the regions of each side.
3. Regions left over (no overlap on the other side) pair on equal keys - the
   caller passes (path, offset, perms), or None for regions without a path -
   first come first served, in address order: a region moved by mremap.
4. The rest are groups of their own: ``gone`` (before only) or ``new``.

>>> gb, ga, n = match([0x1000, 0x3000], [0x3000, 0x5000], [None, None],   # two regions merged into one
...                   [0x1000], [0x5000], [None])
>>> gb.tolist(), ga.tolist(), n
([0, 0], [0], 1)
>>> gb, ga, n = match([0x8000], [0x9000], ["stack"], [0x6000, 0x20000], [0x9000, 0x21000], ["stack", None])
>>> gb.tolist(), ga.tolist(), n     # the stack grew down; a new region elsewhere
([0], [0, 1], 2)
"""

from __future__ import annotations

import numpy as np


def _components(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Overlap components of intervals [lo, hi) (NaN or empty intervals: alone)."""
    order = np.argsort(lo, kind="stable")
    label = np.full(len(lo), -1, dtype=np.int64)
    current, reach = -1, -np.inf
    for i in order:
        x, y = lo[i], hi[i]
        if not (y > x):  # NaN or empty: a component of its own
            current += 1
            label[i] = current
            continue
        if x >= reach:
            current += 1
            reach = y
        elif y > reach:
            reach = y
        label[i] = current
    return label


def match(b_lo, b_hi, b_key, a_lo, a_hi, a_key) -> tuple[np.ndarray, np.ndarray, int]:
    """Group numbers of the before regions, of the after regions, and how many groups."""
    b_lo, b_hi = np.asarray(b_lo, dtype="float64"), np.asarray(b_hi, dtype="float64")
    a_lo, a_hi = np.asarray(a_lo, dtype="float64"), np.asarray(a_hi, dtype="float64")
    nb, na = len(b_lo), len(a_lo)
    comp = _components(np.concatenate([b_lo, a_lo]), np.concatenate([b_hi, a_hi]))
    gb = np.full(nb, -1, dtype=np.int64)
    ga = np.full(na, -1, dtype=np.int64)
    members: dict[int, tuple[list, list]] = {}
    for i, c in enumerate(comp):
        members.setdefault(int(c), ([], []))[0 if i < nb else 1].append(i if i < nb else i - nb)
    groups = 0
    left_b, left_a = [], []
    for c in sorted(members):
        bs, as_ = members[c]
        if not bs or not as_:
            left_b += bs
            left_a += as_
            continue
        bs = sorted(bs, key=lambda i: b_lo[i])
        as_ = sorted(as_, key=lambda i: a_lo[i])
        if len(bs) == len(as_) and all(b_lo[i] < a_hi[j] and a_lo[j] < b_hi[i] for i, j in zip(bs, as_)):
            for i, j in zip(bs, as_):
                gb[i] = ga[j] = groups
                groups += 1
        else:
            gb[bs] = groups
            ga[as_] = groups
            groups += 1
    waiting: dict = {}
    for j in sorted(left_a, key=lambda j: (np.nan_to_num(a_lo[j], nan=np.inf), j)):
        if a_key[j] is not None:
            waiting.setdefault(a_key[j], []).append(j)
    for i in sorted(left_b, key=lambda i: (np.nan_to_num(b_lo[i], nan=np.inf), i)):
        queue = waiting.get(b_key[i]) if b_key[i] is not None else None
        if queue:
            j = queue.pop(0)
            gb[i] = ga[j] = groups
        else:
            gb[i] = groups
        groups += 1
    for j in left_a:
        if ga[j] < 0:
            ga[j] = groups
            groups += 1
    return gb, ga, groups
