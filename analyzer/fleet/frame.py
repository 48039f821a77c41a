"""A dataset's tables as Dask DataFrames, and the summaries computed out of core.

One partition per part file (an input's rows of one host), read with the dtypes it was
written with. The summaries aggregate per partition and combine the small results, so
no process holds the table; they give what :mod:`analyzer.summarize` gives for the same
rows in memory (``analyzer.by_host`` and friends dispatch here for a Dask DataFrame).
"""

from __future__ import annotations

import pandas as pd

from .. import schema
from ..classify import KINDS
from . import store as st


def _part(args) -> pd.DataFrame:
    root, rel, host, columns, names, dtypes = args
    frame = st.read_part(st.Store(root), rel, host, columns)
    for name in names:
        if name not in frame.columns:
            dtype = st.dtype_of(dtypes[name])
            frame[name] = (pd.Series(pd.NA, index=frame.index, dtype=dtype) if dtype != object
                           else pd.Series([None] * len(frame), index=frame.index, dtype=object))
    frame = frame[names]
    return frame.astype({n: st.dtype_of(dtypes[n]) for n in names if str(frame[n].dtype) != dtypes[n]})


def read(path, table: str = "mappings", columns=None):
    """The *table* of the dataset at *path* as a Dask DataFrame.

    >>> import tempfile, analyzer
    >>> out = tempfile.mkdtemp() + "/ds"
    >>> _ = analyzer.fleet.export(["sample_dumps/smaps/tree", "sample_dumps/smaps/multi_loop.smaps"], out)
    >>> frame = read(out)
    >>> frame.npartitions, len(frame)
    (2, 74)
    >>> analyzer.by_host(frame)[["mappings", "processes", "rss"]]
                                              mappings  processes      rss
    host capture
    <NA> sample_dumps/smaps/tree                    37          3  4022272
         sample_dumps/smaps/multi_loop.smaps        37          3  4018176
    """
    import dask.dataframe as dd

    store = st.Store(path)
    manifest = st.read_manifest(store)
    dtypes: dict[str, str] = {}
    parts = []
    for row in st.done_rows(manifest):
        entry = row.get("tables", {}).get(table)
        if not entry:
            continue
        cols = st.columns_of(manifest, entry)
        for name, dtype in cols:  # a column typed differently by two inputs (untyped tables): objects
            dtypes[name] = dtype if dtypes.get(name, dtype) == dtype else "object"
        for host, rel, _n in entry["files"]:
            parts.append((rel, host, cols))
    for name in dtypes:  # missing from some parts and no NA of its own (bool, int64): objects, as concat gives
        if sum(name in dict(cols) for _r, _h, cols in parts) < len(parts) and dtypes[name] != "object":
            if not isinstance(st.dtype_of(dtypes[name]), pd.api.extensions.ExtensionDtype) \
                    and not dtypes[name].startswith(("float", "datetime")):
                dtypes[name] = "object"
    if table == "mappings":
        declared = {c.name: st.dtype_name(pd.Series([], dtype=c.dtype).dtype) for c in schema.COLUMNS}
        dtypes = {**declared, **{k: v for k, v in dtypes.items() if k not in declared}}
    names = list(dtypes) if columns is None else list(columns)
    meta = pd.DataFrame({n: pd.Series([], dtype=st.dtype_of(dtypes[n])) for n in names})
    if not parts:
        return dd.from_pandas(meta, npartitions=1)
    args = [(store.root, rel, host, cols, names, {n: dtypes[n] for n in names}) for rel, host, cols in parts]
    return dd.from_map(_part, args, meta=meta, enforce_metadata=False)


def is_dask(frame) -> bool:
    """True for a Dask DataFrame (told without importing Dask)."""
    return type(frame).__module__.split(".")[0] in ("dask", "dask_expr")


def _partial(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per group of one partition: rows, the sums of each measure and how many of its values are NA."""
    f = frame.assign(uss=frame["private_clean"] + frame["private_dirty"])
    f = f.assign(**{f"{m}__na": f[m].isna().astype("int64") for m in schema.MEASURES})
    g = f.groupby(keys, dropna=False, sort=False, observed=True)
    out = g[schema.MEASURES].sum(min_count=0).astype("Int64")
    out = out.join(g[[f"{m}__na" for m in schema.MEASURES]].sum())
    out["mappings"] = g.size()
    return out


def _measures(frame, keys: list[str]) -> pd.DataFrame:
    """What :func:`analyzer.summarize._measures` gives, aggregated partition by partition."""
    import dask

    cols = keys + ["private_clean", "private_dirty", *[m for m in schema.MEASURES if m != "uss"]]
    meta = _partial(frame._meta[cols], keys)
    partial = frame[cols].map_partitions(_partial, keys, meta=meta)
    (parts,) = dask.compute(partial)
    g = parts.groupby(level=list(range(len(keys))), dropna=False, sort=False)
    summed = g.sum()
    out = pd.DataFrame({"mappings": summed["mappings"].astype("int64")}, index=summed.index)
    for m in schema.MEASURES:
        out[m] = summed[m].astype("Int64").where(summed[f"{m}__na"] == 0, pd.NA)
    return out


def _processes(frame, by: str | list[str]) -> pd.Series:
    """Distinct processes (host, source, pid, block: :func:`analyzer.summarize.process_key`) per value of *by*."""
    import dask

    by = [by] if isinstance(by, str) else by
    keys = list(dict.fromkeys([*by, "host", "source", "pid", "block"]))
    pairs = frame[keys].drop_duplicates(split_out=1)
    (pairs,) = dask.compute(pairs)
    return pairs.groupby(by if len(by) > 1 else by[0], dropna=False, sort=False).size()


def by_host(frame) -> pd.DataFrame:
    """:func:`analyzer.summarize.by_host`, out of core."""
    out = _measures(frame, ["host", "capture"])
    out.index.names = ["host", "capture"]
    out.insert(1, "processes", _processes(frame, ["host", "capture"]).reindex(out.index).astype("int64"))
    return out


def by_kind(frame) -> pd.DataFrame:
    """:func:`analyzer.summarize.by_kind`, out of core."""
    out = _measures(frame, ["kind"])
    out.index.name = "kind"
    order = [k for k in KINDS if k in out.index] + [k for k in out.index if k not in KINDS]
    out = out.loc[order]
    out.insert(1, "processes", _processes(frame, "kind").reindex(out.index).astype("Int64"))
    return out


def by_process(frame) -> pd.DataFrame:
    """:func:`analyzer.summarize.by_process`, out of core (one row per process: small)."""
    keys = ["host", "pid", "block", "command", "source", "capture"]
    out = _measures(frame, keys).reset_index()
    sort_key = out["pss"].fillna(out["rss"]).fillna(-1)
    out = out.assign(_k=sort_key).sort_values(["_k", "pid", "block"], ascending=[False, True, True],
                                              kind="stable").drop(columns="_k")
    out["block"] = out["block"].astype("Int64")
    if out["block"].isna().all():
        out = out.drop(columns="block")
    return out.reset_index(drop=True)


def totals(frame) -> dict:
    """:func:`analyzer.summarize.totals`, out of core."""
    import dask

    f = frame.assign(_all=0)
    per = _measures(f, ["_all"])
    pairs = frame[["host", "source", "pid", "block"]].drop_duplicates(split_out=1)
    (n_proc,) = dask.compute(pairs.shape[0])
    if not len(per):
        return {"processes": 0, "mappings": 0, **{m: pd.NA for m in schema.MEASURES}}
    row = per.iloc[0]
    out = {"processes": int(n_proc), "mappings": int(row["mappings"])}
    for m in schema.MEASURES:
        out[m] = pd.NA if row[m] is pd.NA else int(row[m])
    return out
