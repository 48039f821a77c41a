"""Views of the mappings table: pure ``DataFrame -> DataFrame`` functions.

Every view has the same measures, in bytes: ``rss``, ``pss``, ``uss``
(private clean + private dirty), ``swap``, ``size`` (virtual), and counts
of ``mappings`` (and ``processes`` where that makes sense).

A sum over rows where any value is unknown is unknown: NA, never a partial
number passed off as a total (a pmap -x dump has no Pss, so its ``pss``
is NA, not 0).

>>> import pandas as pd
>>> from analyzer import schema
>>> from analyzer.classify import classify
>>> f = classify(schema.conform(pd.DataFrame({
...     "pid": [1, 1, 2], "path": ["[heap]", None, "[heap]"], "perms": ["rw-p"] * 3,
...     "size": [8192, 4096, 4096], "rss": [4096, 0, 4096], "pss": [4096, 0, None],
...     "private_clean": [0, 0, 0], "private_dirty": [4096, 0, 4096], "swap": [0, 0, 0]})))
>>> by_kind(f)[["mappings", "rss", "pss", "uss"]]
           mappings  rss   pss   uss
kind
heap              2  8192  <NA>  8192
anonymous         1     0     0     0
"""

from __future__ import annotations

import pandas as pd

from .classify import KINDS

MEASURES = ["size", "rss", "pss", "uss", "swap"]
BY_CHOICES = ("kind", "process", "mapping", "host")


def with_uss(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a ``uss`` column: private clean + private dirty (NA if either is)."""
    out = frame.copy(deep=False)
    out["uss"] = frame["private_clean"] + frame["private_dirty"]
    return out


def _measures(frame: pd.DataFrame, keys: list[str], dropna: bool = False) -> pd.DataFrame:
    f = with_uss(frame)
    grouped = f.groupby(keys, dropna=dropna, sort=False, observed=True)
    out = grouped[MEASURES].sum(skipna=False, min_count=1)
    out.insert(0, "mappings", grouped.size())
    for col in MEASURES:
        out[col] = out[col].astype("Int64")
    return out


def by_kind(frame: pd.DataFrame) -> pd.DataFrame:
    """Memory by mapping kind, in the order of :data:`analyzer.classify.KINDS`."""
    out = _measures(frame, ["kind"])
    order = [k for k in KINDS if k in out.index] + [k for k in out.index if k not in KINDS]
    out = out.loc[order]
    out.insert(1, "processes", _process_counts(frame, "kind").reindex(out.index).astype("Int64"))
    return out


def _process_key(frame: pd.DataFrame) -> pd.Series:
    """One label per process: host, source and pid (a dump without PIDs is one process per block)."""
    return (frame["host"].fillna("").astype(str) + "\x00" + frame["source"].fillna("").astype(str)
            + "\x00" + frame["pid"].astype("string").fillna("?"))


def _process_counts(frame: pd.DataFrame, by: str) -> pd.Series:
    key = _process_key(frame)
    return key.groupby(frame[by], sort=False, dropna=False).nunique()


def by_process(frame: pd.DataFrame) -> pd.DataFrame:
    """Memory per process, largest PSS (or RSS where PSS is unknown) first."""
    f = frame.copy(deep=False)
    for col in ("host", "command", "source"):
        f[col] = f[col].fillna("")
    out = _measures(f, ["host", "pid", "command", "source"], dropna=False).reset_index()
    sort_key = out["pss"].fillna(out["rss"]).fillna(-1)
    out = out.assign(_k=sort_key).sort_values(["_k", "pid"], ascending=[False, True], kind="stable").drop(columns="_k")
    for col in ("host", "command", "source"):
        out[col] = out[col].replace("", pd.NA)
    return out.reset_index(drop=True)


def mapping_name(frame: pd.DataFrame) -> pd.Series:
    """What ``by_mapping`` groups on: the path, or ``[kind]`` for anonymous memory."""
    return frame["path"].fillna("[" + frame["kind"].fillna("other") + "]")


def by_mapping(frame: pd.DataFrame) -> pd.DataFrame:
    """Memory per mapped object (library, file, kernel name), across processes,
    with how many processes map each: the spirit of Android's librank."""
    f = frame.copy(deep=False)
    f["mapping"] = mapping_name(frame)
    out = _measures(f, ["mapping"])
    out.insert(1, "processes", _process_counts(f, "mapping").reindex(out.index).astype("Int64"))
    kinds = f.groupby("mapping", sort=False)["kind"].agg(lambda s: s.mode().iloc[0] if len(s.mode()) else pd.NA)
    out.insert(0, "kind", kinds.reindex(out.index).astype("string"))
    sort_key = out["pss"].fillna(out["rss"]).fillna(-1)
    return out.assign(_k=sort_key).sort_values("_k", ascending=False, kind="stable").drop(columns="_k")


def by_host(frame: pd.DataFrame) -> pd.DataFrame:
    """Memory per host (one row, NA host, for dumps that do not name one)."""
    f = frame.copy(deep=False)
    out = _measures(f, ["host"], dropna=False)
    key = _process_key(f)
    out.insert(1, "processes", key.groupby(f["host"], dropna=False, sort=False).nunique().reindex(out.index))
    return out


def summarize(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Dispatch to ``by_<by>``."""
    if by not in BY_CHOICES:
        raise ValueError(f"by must be one of {BY_CHOICES}")
    return {"kind": by_kind, "process": by_process, "mapping": by_mapping, "host": by_host}[by](frame)


def totals(frame: pd.DataFrame) -> dict:
    """Whole-table totals: processes, mappings and each measure (NA if unknown)."""
    f = with_uss(frame)
    out = {"processes": int(_process_key(frame).nunique()) if len(frame) else 0, "mappings": len(frame)}
    for col in MEASURES:
        s = f[col]
        out[col] = pd.NA if s.isna().any() or not len(s) else int(s.sum())
    return out
