"""``memmaps summary`` of an input read batch by batch (:mod:`analyzer.ingest.streamtree`).

The views by kind, host, process, user, command, cgroup and unit are sums per group and counts of
distinct processes per group: :class:`Views` keeps, per batch, each group's sums, how many of its
values were unknown and how many mappings it has, and the distinct (group, process) pairs; at the
end they are combined and finished as :mod:`analyzer.summarize` finishes the in-memory view. The
result equals :func:`analyzer.summarize.summarize` of the whole table (``tests/test_streamtree.py``);
memory holds one batch and one row per group and process. ``mapping`` (a row per mapped object)
is not batched.

>>> import analyzer
>>> from analyzer.summarize import summarize
>>> frame = analyzer.load("sample_dumps/smaps/tree")
>>> views = Views("kind")
>>> for start in range(0, len(frame), 10):
...     views.add(frame.iloc[start:start + 10])
>>> views.result().equals(summarize(frame, "kind"))
True
"""

from __future__ import annotations

import pandas as pd

from . import schema
from .classify import KINDS
from .summarize import BY_PROCESS_FACT, process_key, with_uss

BATCHED = ("kind", "host", "process", *BY_PROCESS_FACT)
MEASURES = schema.MEASURES
_PROCESS_KEYS = ["host", "pid", "block", "command", "source", "capture"]
_TEXT_KEYS = ("host", "command", "source", "capture")


class Views:
    """One view (*by*, one of :data:`BATCHED`) of mappings given in batches: :meth:`add` each, then
    :meth:`result`. The (host, capture, pid) triples seen are kept too (:attr:`ids`)."""

    def __init__(self, by: str):
        if by not in BATCHED:
            raise ValueError(f"by must be one of {BATCHED}")
        self.by = by
        self.parts: list[pd.DataFrame] = []
        self.pairs: list[pd.DataFrame] = []
        self.id_parts: list[pd.DataFrame] = []
        self.rows = 0

    def _keyed(self, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        """The frame as the in-memory view groups it, and the group keys."""
        by = self.by
        if by == "kind":
            return frame, ["kind"]
        f = frame.copy(deep=False)
        if by == "host":
            if "capture" not in f.columns:
                f["capture"] = pd.NA
            return f, ["host", "capture"]
        if by == "process":
            for col in _PROCESS_KEYS:
                if col not in f.columns:
                    f[col] = pd.NA
            for col in _TEXT_KEYS:
                f[col] = f[col].astype("string").fillna("")
            return f, list(_PROCESS_KEYS)
        if by == "unit":
            from .cgroups import units

            f["unit"] = units(f["cgroup"])
        return f, [by]

    def add(self, frame: pd.DataFrame) -> None:
        """Count one batch of the mappings table."""
        if not len(frame):
            return
        self.rows += len(frame)
        self.id_parts.append(frame[["host", "capture", "pid"]].drop_duplicates())
        f, keys = self._keyed(frame)
        f = with_uss(f)
        groups = [f[k] for k in keys]
        grouped = f.groupby(groups, dropna=False, sort=False, observed=True)
        part = grouped[MEASURES].sum(min_count=0)
        na = f[MEASURES].isna().astype("int64").groupby(groups, dropna=False, sort=False, observed=True).sum()
        part = part.join(na.add_suffix("__na"))
        part["mappings"] = (f["kind"].ne("rollup").fillna(True).astype("int64").groupby(
            groups, dropna=False, sort=False, observed=True).sum() if "kind" in f.columns else grouped.size())
        self.parts.append(part)
        pairs = pd.DataFrame({k: f[k] for k in keys})
        # process_key adds the block only when some row of the table has one: a batch cannot know,
        # so the pair keeps it apart (distinct (key, block) pairs count what the whole table counts)
        pairs["__process"] = process_key(f.drop(columns="block", errors="ignore")).to_numpy()
        pairs["__block"] = f["block"].astype("Int64").to_numpy() if "block" in f.columns else pd.NA
        self.pairs.append(pairs.drop_duplicates())

    @property
    def ids(self) -> pd.DataFrame:
        """The distinct (host, capture, pid) of the rows added (what ``refuse_mixed`` looks at)."""
        if not self.id_parts:
            return pd.DataFrame({"host": pd.Series(dtype="string"), "capture": pd.Series(dtype="string"),
                                 "pid": pd.Series(dtype="Int64")})
        return pd.concat(self.id_parts, ignore_index=True).drop_duplicates()

    def _measures(self, keys: list[str]) -> pd.DataFrame:
        parts = pd.concat(self.parts)
        summed = parts.groupby(level=list(range(len(keys))), dropna=False, sort=False).sum()
        out = pd.DataFrame({"mappings": summed["mappings"].astype("int64")}, index=summed.index)
        for m in MEASURES:
            out[m] = summed[m].astype("Int64").where(summed[f"{m}__na"] == 0, pd.NA)
        out.index.names = keys
        return out[["mappings", *MEASURES]]

    def _processes(self, keys: list[str]) -> pd.Series:
        pairs = pd.concat(self.pairs, ignore_index=True).drop_duplicates()
        return pairs.groupby(keys if len(keys) > 1 else keys[0], dropna=False, sort=False).size()

    def result(self) -> pd.DataFrame:
        """The view, as :func:`analyzer.summarize.summarize` gives it for the whole table."""
        from .summarize import summarize

        if not self.parts:
            return summarize(_empty_classified(), self.by)
        by = self.by
        keys = {"kind": ["kind"], "host": ["host", "capture"], "process": list(_PROCESS_KEYS)}.get(by, [by])
        out = self._measures(keys)
        if by == "kind":
            order = [k for k in KINDS if k in out.index] + [k for k in out.index if k not in KINDS]
            out = out.loc[order]
            out.insert(1, "processes", self._processes(keys).reindex(out.index).astype("Int64"))
            return out
        if by == "host":
            out.insert(1, "processes", self._processes(keys).reindex(out.index))
            return out
        if by == "process":
            out = out.reset_index()
            sort_key = out["pss"].fillna(out["rss"]).fillna(-1)
            out = out.assign(_k=sort_key).sort_values(["_k", "pid", "block"], ascending=[False, True, True],
                                                      kind="stable").drop(columns="_k")
            for col in _TEXT_KEYS:
                out[col] = out[col].replace("", pd.NA)
            out["block"] = out["block"].astype("Int64")
            if out["block"].isna().all():
                out = out.drop(columns="block")
            return out.reset_index(drop=True)
        out.insert(1, "processes", self._processes(keys).reindex(out.index))
        sort_key = out["pss"].fillna(out["rss"]).fillna(-1)
        return out.assign(_k=sort_key).sort_values("_k", ascending=False, kind="stable").drop(columns="_k")


def _empty_classified() -> pd.DataFrame:
    from .classify import classify

    return classify(schema.empty())
