"""Slices of the mappings table: pure ``DataFrame -> DataFrame`` filters.

What an engineer narrows a case down to: some processes (by PID or a
command pattern), some kinds of mapping, some files (a path pattern), and
the largest mappings. Every function returns rows of the mappings table
unchanged (same columns, same dtypes, original index), so the result can be
summarized, plotted or filtered again.

Patterns are regular expressions searched anywhere in the text (like
``grep -E``), case-sensitive; anonymous mappings have no path and never
match a path pattern.

>>> import pandas as pd
>>> from analyzer import schema
>>> from analyzer.classify import classify
>>> f = classify(schema.conform(pd.DataFrame({
...     "pid": [1, 1, 2, 2], "command": ["nginx: master", "nginx: master", "bash", "bash"],
...     "path": ["/usr/lib/libc.so.6", None, "/usr/lib/libc.so.6", "[heap]"],
...     "perms": ["r-xp", "rw-p", "r-xp", "rw-p"],
...     "size": [4096, 8192, 4096, 12288], "rss": [4096, 8192, 0, 12288]})))
>>> select(f, command="^nginx")[["pid", "kind", "rss"]]
   pid       kind   rss
0    1   lib_code  4096
1    1  anonymous  8192
>>> select(f, path=r"libc\\.so", pid=2)[["pid", "path"]]
   pid                path
2    2  /usr/lib/libc.so.6
>>> top(f, 2, by="rss")[["pid", "kind", "rss"]]
   pid       kind    rss
3    2       heap  12288
1    1  anonymous   8192
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd


def _as_list(value) -> list:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _search(series: pd.Series, pattern: str | re.Pattern) -> pd.Series:
    """Rows whose text matches *pattern* anywhere; NA never matches.

    Searched once per distinct text (commands and paths repeat on every mapping), with
    ``re.search``: a pattern with groups is fine (``str.contains`` warns of "match groups").

    >>> _search(pd.Series(["nginx: worker", None, "bash"]), r"(nginx|httpd): w").tolist()
    [True, False, False]
    """
    regex = pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)
    codes, uniques = pd.factorize(series.astype("string"), use_na_sentinel=True)
    hits = [regex.search(str(u)) is not None for u in uniques] + [False]
    return pd.Series(pd.array(hits, dtype=bool).take(codes), index=series.index)


def select(frame: pd.DataFrame, *, pid=None, command: str | re.Pattern | None = None,
           kind: str | Iterable[str] | None = None, path: str | re.Pattern | None = None,
           host: str | Iterable[str] | None = None, capture: str | Iterable[str] | None = None) -> pd.DataFrame:
    """The rows matching every criterion given (criteria left at None are ignored).

    ``pid``: one PID or several; ``command`` and ``path``: regular expressions
    searched in the command line and mapped path; ``kind``: one kind or several
    (see :data:`analyzer.classify.KINDS`); ``host``: one host name or several; ``capture``: one
    capture (a sosreport's name, a file's path) or several.
    An unknown kind is an error, not an empty result, so a typo does not pass
    for "no such memory".

    >>> import analyzer
    >>> frame = analyzer.load("sample_dumps/smaps/tree")
    >>> select(frame, command="sleep", kind=["heap", "stack"])[["pid", "path", "size", "rss"]]
        pid     path    size    rss
    18    3   [heap]  139264   8192
    22    3  [stack]  135168  12288
    """
    keep = pd.Series(True, index=frame.index)
    if pid is not None:
        keep &= frame["pid"].isin([int(p) for p in _as_list(pid)]).fillna(False).astype(bool)
    if command is not None:
        keep &= _search(frame["command"], command)
    if kind is not None:
        from .classify import KINDS

        kinds = _as_list(kind)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise ValueError(f"unknown kind {unknown[0]!r}; kinds are: {', '.join(KINDS)}")
        keep &= frame["kind"].isin(kinds).fillna(False).astype(bool)
    if path is not None:
        keep &= _search(frame["path"], path)
    if host is not None:
        keep &= frame["host"].isin(_as_list(host)).fillna(False).astype(bool)
    if capture is not None:
        keep &= frame["capture"].isin(_as_list(capture)).fillna(False).astype(bool)
    return frame[keep.to_numpy()]


def top(frame: pd.DataFrame, n: int = 10, by: str | None = None) -> pd.DataFrame:
    """The *n* largest mappings by the column *by*, largest first.

    By default, PSS where the dump gives it and RSS where it does not (pmap -x
    has no PSS), the order :func:`analyzer.by_process` uses. Rows where the
    measure is unknown come last; ties keep the table's order.

    >>> import analyzer
    >>> frame = analyzer.load("sample_dumps/smaps/tree")
    >>> top(frame, 3)[["pid", "path", "rss", "pss"]]
        pid                            path      rss     pss
    1     1  /opt/memmaps-smaps/bin/busybox  1294336  804864
    25    6     /opt/memmaps-smaps/bin/tiny   491520  491520
    13    3  /opt/memmaps-smaps/bin/busybox   978944  489472
    """
    if by is None:
        key = frame["pss"].fillna(frame["rss"])
    else:
        if by not in frame.columns:
            raise ValueError(f"no column {by!r} in the mappings table")
        key = frame[by]
        if key.dtype == object or isinstance(key.dtype, pd.StringDtype):
            raise ValueError(f"column {by!r} is not a number")
    ranked = frame.assign(_key=key).sort_values("_key", ascending=False, kind="stable", na_position="last")
    return ranked.drop(columns="_key").head(n)
