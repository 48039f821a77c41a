"""Values that contradict each other or cannot be: warned about once the table is built.

The parsers refuse numbers that do not fit and addresses that run backwards;
this last look at the assembled mappings table catches what is well formed
but impossible: a resident size above the virtual size (``Rss`` > ``Size``),
a proportional share above the resident size (``Pss`` > ``Rss``), and - as a
safety net for any parser - a negative size, which becomes NA. Each rule
gives one warning per source, naming its first line and how many mappings.

>>> import pandas as pd
>>> frame = pd.DataFrame({"source": ["a.smaps"] * 2, "lineno": [1, 30], "size": [4096, 8192],
...                       "rss": [8192, 4096], "pss": [4096, 8192]}).astype({"size": "Int64"})
>>> frame, notices = check(frame)
>>> [str(n) for n in notices]  # doctest: +NORMALIZE_WHITESPACE
['a.smaps:1: warning: Rss above Size on 1 mapping (the dump contradicts itself; values kept as given)',
 'a.smaps:30: warning: Pss above Rss on 1 mapping (the dump contradicts itself; values kept as given)']
"""

from __future__ import annotations

import pandas as pd

from ..errors import Notice

# (column, column it may not exceed, the dump's own names for them)
RULES = (("rss", "size", "Rss", "Size"), ("pss", "rss", "Pss", "Rss"))
SIZES = ("size", "rss", "pss", "uss", "swap", "private_dirty", "private_clean", "shared_dirty", "shared_clean",
         "swap_pss", "dirty")


def check(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Notice]]:
    """The frame with negative sizes made NA, and a warning per contradiction and source."""
    tally = Tally()
    frame = tally.add(frame)
    return frame, tally.notices()


class Tally:
    """:func:`check` over a table given in batches (:mod:`analyzer.ingest.streamtree`): :meth:`add`
    each batch in order, then :meth:`notices` says what :func:`check` says of their concatenation."""

    def __init__(self):
        self.found: dict[str, dict[str, list]] = {}  # message -> source -> [first lineno, mappings]
        self.rank: dict[str, int] = {}  # message -> its rule's place in check's order

    def add(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The batch with negative sizes made NA; its contradictions counted."""
        if not len(frame) or "source" not in frame.columns:
            return frame
        for col in SIZES:
            if col in frame.columns and pd.api.types.is_numeric_dtype(frame[col]):
                bad = (frame[col] < 0).fillna(False).to_numpy(dtype=bool)
                if bad.any():
                    self._count(frame, bad, f"negative {col} on {{n}} (a value that cannot be): NA", SIZES.index(col))
                    frame[col] = frame[col].mask(bad)
        if "end" in frame.columns and "start" in frame.columns:
            wrapped = (frame["end"] < frame["start"]).fillna(False).to_numpy(dtype=bool)
            if wrapped.any():  # start + size past the top of a 64-bit address space
                self._count(frame, wrapped, "end address past the top of the address space on {n}: NA", len(SIZES))
                frame["end"] = frame["end"].mask(wrapped)
        col_rank = [r[0] for r in RULES].index
        for col, bound, name, bound_name in RULES:
            if col in frame.columns and bound in frame.columns:
                bad = (frame[col] > frame[bound]).fillna(False).to_numpy(dtype=bool)
                if bad.any():
                    self._count(frame, bad, f"{name} above {bound_name} on {{n}} "
                                            "(the dump contradicts itself; values kept as given)", len(SIZES) + 1 + col_rank(col))
        return frame

    def _count(self, frame: pd.DataFrame, bad, message: str, rank: int) -> None:
        self.rank[message] = rank
        hit = frame.loc[bad, [c for c in ("source", "lineno") if c in frame.columns]]
        seen = self.found.setdefault(message, {})
        for source, group in hit.groupby("source", sort=False, dropna=False):
            first = group["lineno"].iloc[0] if "lineno" in group.columns else None
            entry = seen.setdefault(str(source), [None if first is None or pd.isna(first) else int(first), 0])
            entry[1] += len(group)

    def notices(self) -> list[Notice]:
        """A warning per rule and source, rules in :func:`check`'s order, sources as first met."""
        return [Notice(source, lineno, message.format(n=f"{n} mapping{'s' if n != 1 else ''}"))
                for message, sources in sorted(self.found.items(), key=lambda kv: self.rank[kv[0]])
                for source, (lineno, n) in sources.items()]
