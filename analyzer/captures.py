"""Captures: every input is one (a sosreport, a file, a proc tree), and they are never added up.

Two captures of one host (two sosreports a day apart), or of the same PIDs of a host that is not
named (two copies of a proc tree), describe the same memory twice: their sum is no one's memory.
:func:`overlapping` finds them; :func:`refuse_mixed` is what commands call before printing totals.

>>> import pandas as pd
>>> f = pd.DataFrame({"host": ["web1", "web1", "db1", None, None],
...                   "capture": ["sos-a", "sos-b", "sos-c", "x.smaps", "y.smaps"],
...                   "pid": pd.array([1, 1, 1, 7, 8], dtype="Int64")})
>>> overlapping(f)
[['sos-a', 'sos-b']]
>>> overlapping(f.assign(pid=pd.array([1, 1, 1, 7, 7], dtype="Int64")))
[['sos-a', 'sos-b'], ['x.smaps', 'y.smaps']]
"""

from __future__ import annotations

import pandas as pd

from .errors import CaptureMixError

NEXT_STEPS = ("summarize one with --capture NAME (`--by host` and `--by process` show each capture apart), "
              "compare two with `memmaps diff`, or follow several over time with `memmaps trend`")


def overlapping(frame: pd.DataFrame) -> list[list[str]]:
    """Groups of two or more captures that describe one host (or the same PIDs of an unnamed host)."""
    if "capture" not in frame.columns or not len(frame) or frame["capture"].nunique() < 2:
        return []
    ids = frame[["host", "capture", "pid"]].drop_duplicates()
    out = []
    named = ids[ids["host"].notna()]
    for _, group in named.groupby("host", sort=True):
        captures = sorted(group["capture"].dropna().unique().tolist())
        if len(captures) > 1:
            out.append(captures)
    unnamed = ids[ids["host"].isna() & ids["pid"].notna()]
    shared = unnamed.groupby("pid")["capture"].nunique()
    pids = set(shared[shared > 1].index)
    if pids:
        captures = sorted(unnamed.loc[unnamed["pid"].isin(pids), "capture"].dropna().unique().tolist())
        out.append(captures)
    return out


def describe(frame: pd.DataFrame, groups: list[list[str]]) -> str:
    """One sentence naming the captures that overlap."""
    parts = []
    for captures in groups:
        hosts = frame.loc[frame["capture"].isin(captures), "host"].dropna().unique().tolist()
        who = f"host {hosts[0]}" if len(hosts) == 1 else "the same PIDs of an unnamed host"
        shown = ", ".join(captures[:4]) + (f" and {len(captures) - 4} more" if len(captures) > 4 else "")
        parts.append(f"{len(captures)} captures of {who} ({shown})")
    return "; ".join(parts)


def refuse_mixed(frame: pd.DataFrame, what: str = "totals") -> None:
    """Raise :class:`CaptureMixError` when *frame* holds several captures of one host.

    >>> f = pd.DataFrame({"host": ["h", "h"], "capture": ["a", "b"], "pid": pd.array([1, 1], dtype="Int64")})
    >>> refuse_mixed(f.iloc[:1])
    >>> refuse_mixed(f)
    Traceback (most recent call last):
    ...
    analyzer.errors.CaptureMixError: totals not added up: 2 captures of host h (a, b) would count one host's memory twice; summarize one with --capture NAME (`--by host` and `--by process` show each capture apart), compare two with `memmaps diff`, or follow several over time with `memmaps trend`
    """
    groups = overlapping(frame)
    if groups:
        raise CaptureMixError(f"{what} not added up: {describe(frame, groups)} would count one host's memory "
                              f"twice; {NEXT_STEPS}")
