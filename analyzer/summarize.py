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
from . import schema
from .schema import conform_processes
from .values import is_na

MEASURES = schema.MEASURES
BY_CHOICES = ("kind", "process", "mapping", "host", "user", "command", "cgroup", "unit")
# --by choices that group processes by one of their facts (unit: from the cgroup path)
BY_PROCESS_FACT = ("user", "command", "cgroup", "unit")


def _out_of_core(frame):
    """The out-of-core versions (:mod:`analyzer.fleet.frame`) for a Dask DataFrame, else None."""
    if type(frame).__module__.split(".")[0] in ("dask", "dask_expr"):
        from .fleet import frame as ooc

        return ooc
    return None


def with_uss(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a ``uss`` column: private clean + private dirty (NA if either is)."""
    out = frame.copy(deep=False)
    out["uss"] = frame["private_clean"] + frame["private_dirty"]
    return out


def _measures(frame: pd.DataFrame, keys: list[str], dropna: bool = False) -> pd.DataFrame:
    f = with_uss(frame)
    grouped = f.groupby(keys, dropna=dropna, sort=False, observed=True)
    out = grouped[MEASURES].sum(skipna=False, min_count=1)
    # a [rollup] row (smaps_rollup alone) is a whole process, not a mapping
    out.insert(0, "mappings", f["kind"].ne("rollup").fillna(True).astype("int64").groupby(
        [f[k] for k in keys], dropna=dropna, sort=False, observed=True).sum() if "kind" in f.columns else grouped.size())
    for col in MEASURES:
        out[col] = out[col].astype("Int64")
    return out


def by_kind(frame: pd.DataFrame) -> pd.DataFrame:
    """Memory by mapping kind, in the order of :data:`analyzer.classify.KINDS`.

    >>> import analyzer
    >>> frame = analyzer.load("sample_dumps/smaps/tree")
    >>> by_kind(frame)[["mappings", "processes", "rss", "pss", "uss"]]
               mappings  processes      rss      pss      uss
    kind
    heap              3          3    61440    61440    61440
    stack             3          3    36864    36864    36864
    anonymous         4          3   159744   159744   159744
    file             15          3  3751936  2392064  1040384
    kernel           12          3    12288        0        0
    """
    if (ooc := _out_of_core(frame)) is not None:  # a Dask DataFrame (analyzer.fleet.read): out of core
        return ooc.by_kind(frame)
    out = _measures(frame, ["kind"])
    order = [k for k in KINDS if k in out.index] + [k for k in out.index if k not in KINDS]
    out = out.loc[order]
    out.insert(1, "processes", _process_counts(frame, "kind").reindex(out.index).astype("Int64"))
    return out


def process_key(frame: pd.DataFrame) -> pd.Series:
    """One label per process, as :func:`by_process` groups them: host, source, pid and block
    (a ``cat`` of many smaps names no PIDs: its processes are told apart by their block)."""
    key = (frame["host"].fillna("").astype(str) + "\x00" + frame["source"].fillna("").astype(str)
           + "\x00" + frame["pid"].astype("string").fillna("?"))
    if "block" in frame.columns and frame["block"].notna().any():
        key = key + "\x00" + frame["block"].astype("string").fillna("")
    return key


def _process_counts(frame: pd.DataFrame, by: str) -> pd.Series:
    key = process_key(frame)
    return key.groupby(frame[by], sort=False, dropna=False).nunique()


def by_process(frame: pd.DataFrame) -> pd.DataFrame:
    """Memory per process, largest PSS (or RSS where PSS is unknown) first.

    >>> import analyzer
    >>> frame = analyzer.load("sample_dumps/smaps/tree")
    >>> by_process(frame)[["pid", "mappings", "rss", "pss", "uss"]]
       pid  mappings      rss      pss     uss
    0    1        12  1744896  1060864  385024
    1    6        13   864256   860160  860160
    2    3        12  1413120   729088   53248
    """
    if (ooc := _out_of_core(frame)) is not None:  # a Dask DataFrame (analyzer.fleet.read): out of core
        return ooc.by_process(frame)
    f = frame.copy(deep=False)
    keys = ["host", "pid", "block", "command", "source", "capture"]
    for col in keys:
        if col not in f.columns:
            f[col] = pd.NA
    for col in ("host", "command", "source", "capture"):
        f[col] = f[col].astype("string").fillna("")
    out = _measures(f, keys, dropna=False).reset_index()
    sort_key = out["pss"].fillna(out["rss"]).fillna(-1)
    out = out.assign(_k=sort_key).sort_values(["_k", "pid", "block"], ascending=[False, True, True],
                                              kind="stable").drop(columns="_k")
    for col in ("host", "command", "source", "capture"):
        out[col] = out[col].replace("", pd.NA)
    out["block"] = out["block"].astype("Int64")
    if out["block"].isna().all():
        out = out.drop(columns="block")
    return out.reset_index(drop=True)


def mapping_name(frame: pd.DataFrame) -> pd.Series:
    """What ``by_mapping`` groups on: the path, or ``[kind]`` for anonymous memory."""
    return frame["path"].fillna("[" + frame["kind"].fillna("other") + "]")


def by_mapping(frame: pd.DataFrame) -> pd.DataFrame:
    """Memory per mapped object (library, file, kernel name) and kind, across processes,
    with how many processes map each: the spirit of Android's librank. An object whose
    mappings are of several kinds (a library's code and its data) has a row per kind,
    so its code is never counted as data (the index repeats: the object's name).

    >>> import analyzer
    >>> frame = analyzer.load("sample_dumps/smaps/tree")
    >>> by_mapping(frame)[["kind", "mappings", "processes", "pss"]].head(3)
                                         kind  mappings  processes      pss
    mapping
    /opt/memmaps-smaps/bin/busybox       file        10          2  1708032
    /opt/memmaps-smaps/bin/tiny          file         5          1   684032
    [anonymous]                     anonymous         4          3   159744
    """
    f = frame.copy(deep=False)
    f["mapping"] = mapping_name(frame)
    f["kind"] = f["kind"].fillna("other")
    out = _measures(f, ["mapping", "kind"])
    counts = process_key(f).groupby([f["mapping"], f["kind"]], sort=False).nunique()
    out.insert(1, "processes", counts.reindex(out.index).astype("Int64"))
    out = out.reset_index(level="kind")
    out["kind"] = out["kind"].astype("string")
    sort_key = out["pss"].fillna(out["rss"]).fillna(-1)
    return out.assign(_k=sort_key).sort_values("_k", ascending=False, kind="stable").drop(columns="_k")


def by_host(frame: pd.DataFrame) -> pd.DataFrame:
    """Memory per host and capture: one row per capture, so two sosreports of one host are
    never added up (one row, NA host, for dumps that do not name one).

    >>> import analyzer
    >>> frame = analyzer.load("sample_dumps/smaps/tree")
    >>> by_host(frame)[["mappings", "processes", "rss", "pss"]]
                                  mappings  processes      rss      pss
    host capture
    <NA> sample_dumps/smaps/tree        37          3  4022272  2650112
    """
    if (ooc := _out_of_core(frame)) is not None:  # a Dask DataFrame (analyzer.fleet.read): out of core
        return ooc.by_host(frame)
    f = frame.copy(deep=False)
    if "capture" not in f.columns:
        f["capture"] = pd.NA
    keys = ["host", "capture"]
    out = _measures(f, keys, dropna=False)
    key = process_key(f)
    counts = key.groupby([f["host"], f["capture"]], dropna=False, sort=False).nunique()
    out.insert(1, "processes", counts.reindex(out.index))
    return out


def by_fact(frame: pd.DataFrame, fact: str) -> pd.DataFrame:
    """Memory per process fact: ``user``, ``command`` (every worker of one program in one
    row), ``cgroup``, or ``unit`` (the systemd unit or container from the cgroup path, see
    :mod:`analyzer.cgroups`); with how many processes each holds; largest PSS (else RSS) first.
    Processes the dump says nothing of are one NA row.

    >>> import analyzer
    >>> frame = analyzer.load("sample_dumps/smaps/tree")
    >>> by_fact(frame, "command")[["processes", "rss"]].reset_index().values.tolist()
    [['/opt/memmaps-smaps/bin/busybox sh /var/tmp/memmaps-smaps-data/multi.sh', 1, 1744896], ['/opt/memmaps-smaps/bin/tiny 256', 1, 864256], ['/opt/memmaps-smaps/bin/busybox sleep 100000', 1, 1413120]]
    """
    if fact not in BY_PROCESS_FACT:
        raise ValueError(f"fact must be one of {BY_PROCESS_FACT}")
    f = frame.copy(deep=False)
    if fact == "unit":
        from .cgroups import units

        f["unit"] = units(f["cgroup"])
    out = _measures(f, [fact], dropna=False)
    key = process_key(f)
    out.insert(1, "processes", key.groupby(f[fact], dropna=False, sort=False).nunique().reindex(out.index))
    sort_key = out["pss"].fillna(out["rss"]).fillna(-1)
    return out.assign(_k=sort_key).sort_values("_k", ascending=False, kind="stable").drop(columns="_k")


PS_NOTE = ("from ps (RSS, VSZ), not from memory maps: the sosreport holds no smaps "
           "(sos collects them only with `-k process.smaps=on`); PSS, USS and swap unknown")


def ps_processes(processes: pd.DataFrame) -> pd.DataFrame:
    """The process rows that come only from ps (``source_format == "ps"``): a sosreport without maps.

    *processes* is cast to the processes table first (:func:`analyzer.schema.conform_processes`):
    every declared column is there, typed."""
    processes = conform_processes(processes)
    return processes[(processes["source_format"] == "ps").fillna(False)]


def by_process_ps(processes: pd.DataFrame) -> pd.DataFrame:
    """Memory per process from ps's RSS and VSZ (bytes), largest RSS first.

    The columns of :func:`by_process` plus ``source_format`` (``ps`` on every
    row); ``pss``, ``uss``, ``swap`` and ``mappings`` are NA: ps does not say.

    >>> procs = conform_processes(pd.DataFrame({"host": ["h", "h"], "pid": [1, 2], "command": ["init", "db"],
    ...     "source": ["ps_auxwww"] * 2, "source_format": ["ps"] * 2,
    ...     "ps_rss": [4096, 8192], "ps_vsz": [10240, 20480]}))
    >>> by_process_ps(procs)[["pid", "source_format", "rss", "size", "pss"]]
       pid source_format   rss   size   pss
    0    2            ps  8192  20480  <NA>
    1    1            ps  4096  10240  <NA>
    """
    p = ps_processes(processes)
    na = pd.array([pd.NA] * len(p), dtype="Int64")
    out = pd.DataFrame({
        "host": p["host"].astype("string") if "host" in p.columns else pd.array([pd.NA] * len(p), dtype="string"),
        "pid": p["pid"].astype("Int64"), "command": p["command"].astype("string"),
        "source": p["source"].astype("string"),
        "capture": (p["capture"] if "capture" in p.columns else p["source"]).astype("string"),
        "source_format": "ps", "mappings": na,
        "size": pd.to_numeric(p.get("ps_vsz", pd.Series(na, index=p.index))).astype("Int64"),
        "rss": pd.to_numeric(p.get("ps_rss", pd.Series(na, index=p.index))).astype("Int64"),
        "pss": na, "uss": na, "swap": na})
    out = out.assign(_k=out["rss"].fillna(-1)).sort_values(["_k", "pid"], ascending=[False, True], kind="stable")
    return out.drop(columns="_k").reset_index(drop=True)


def by_host_ps(processes: pd.DataFrame) -> pd.DataFrame:
    """Per host, the sums of ps's RSS and VSZ over its processes (shared pages counted
    once per process, as ps does), for sosreports without maps; ``source_format`` ``ps``."""
    p = by_process_ps(processes)
    grouped = p.groupby(["host", "capture"], dropna=False, sort=False)
    out = grouped[["size", "rss"]].sum(min_count=1).astype("Int64")
    out.insert(0, "processes", grouped.size().astype("Int64"))
    out.insert(0, "mappings", pd.array([pd.NA] * len(out), dtype="Int64"))
    for col in ("pss", "uss", "swap"):
        out[col] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["source_format"] = "ps"
    return out[["mappings", "processes", "size", "rss", "pss", "uss", "swap", "source_format"]]


def ps_totals(processes: pd.DataFrame) -> dict:
    """Sums of ps's RSS and VSZ (``rss``, ``size``, bytes) over the processes known only
    from ps, and how many they are; NA where ps gave no figure for any of them.

    >>> procs = conform_processes(pd.DataFrame({"host": ["h", "h", "g"], "pid": [1, 2, 3],
    ...     "command": ["init", "db", "x"], "source": ["ps_auxwww"] * 2 + ["a.smaps"],
    ...     "source_format": ["ps", "ps", "smaps"], "ps_rss": [4096, 8192, None], "ps_vsz": [10240, 20480, None]}))
    >>> ps_totals(procs)
    {'processes': 2, 'rss': 12288, 'size': 30720}
    """
    p = by_process_ps(processes)
    out = {"processes": len(p)}
    for col in ("rss", "size"):
        out[col] = int(p[col].sum()) if p[col].notna().any() else pd.NA
    return out


def by_process_ps_top(processes: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """ps's RSS per process in the shape of :func:`by_process_kind`: one value
    column ``ps`` (ps gives one number per process, no split by kind) and
    ``total``; largest first; with *top*, the rest folded into ``other (N processes)``.

    >>> procs = conform_processes(pd.DataFrame({"host": ["h"] * 3, "pid": [1, 2, 3], "command": ["init", "db", "sh"],
    ...     "source": ["ps_auxwww"] * 3, "source_format": ["ps"] * 3,
    ...     "ps_rss": [4096, 8192, 1024], "ps_vsz": [10240, 20480, 2048]}))
    >>> by_process_ps_top(procs, top=1)[["pid", "command", "ps", "total"]]
        pid              command    ps  total
    0     2                   db  8192   8192
    1  <NA>  other (2 processes)  5120   5120
    """
    p = by_process_ps(processes)
    p = p[p["rss"].notna()]
    table = pd.DataFrame({"host": p["host"], "pid": p["pid"], "command": p["command"], "source": p["source"],
                          "ps": p["rss"].astype("int64"), "total": p["rss"].astype("int64")}).reset_index(drop=True)
    if top is not None and len(table) > top:
        rest = table.iloc[top:]
        other = pd.DataFrame({"host": pd.array([pd.NA], dtype="string"), "pid": pd.array([pd.NA], dtype="Int64"),
                              "command": [f"other ({len(rest)} processes)"], "source": pd.array([pd.NA], dtype="string"),
                              "ps": [int(rest["ps"].sum())], "total": [int(rest["total"].sum())]})
        table = pd.concat([table.iloc[:top], other], ignore_index=True)
    table["pid"] = table["pid"].astype("Int64")
    return table


def with_ps(frame: pd.DataFrame, processes: pd.DataFrame, by: str, maps: pd.DataFrame | None = None) -> pd.DataFrame:
    """``by_process`` or ``by_host`` of the maps, plus rows from ps for the sosreports
    that hold no maps; a ``source_format`` column says which is which (``maps``/``ps``).
    *maps*: that view of the maps, computed already (batch by batch: :mod:`analyzer.summarystream`)."""
    if by == "process":
        maps, ps = by_process(frame) if maps is None else maps, by_process_ps(processes)
        if len(maps):
            maps.insert(maps.columns.get_loc("source") + 1, "source_format", "maps")
        return pd.concat([maps, ps], ignore_index=True) if len(maps) else ps
    maps, ps = by_host(frame) if maps is None else maps, by_host_ps(processes)
    if len(maps):
        maps["source_format"] = "maps"
        return pd.concat([maps, ps])
    return ps


def summarize(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Dispatch to ``by_<by>``: what ``memmaps summary --by BY`` prints.

    >>> import analyzer
    >>> frame = analyzer.load("sample_dumps/smaps/tree")
    >>> summarize(frame, "kind").equals(by_kind(frame))
    True
    >>> summarize(frame, "kinds")
    Traceback (most recent call last):
    ...
    ValueError: by must be one of ('kind', 'process', 'mapping', 'host', 'user', 'command', 'cgroup', 'unit')
    """
    if by not in BY_CHOICES:
        raise ValueError(f"by must be one of {BY_CHOICES}")
    if by in BY_PROCESS_FACT:
        return by_fact(frame, by)
    return {"kind": by_kind, "process": by_process, "mapping": by_mapping, "host": by_host}[by](frame)


def totals(frame: pd.DataFrame) -> dict:
    """Whole-table totals: processes, mappings and each measure (NA if unknown).

    >>> import analyzer
    >>> totals(analyzer.load("sample_dumps/smaps/tree"))
    {'processes': 3, 'mappings': 37, 'size': 5931008, 'rss': 4022272, 'pss': 2650112, 'uss': 1298432, 'swap': 0}
    >>> totals(analyzer.load("sample_dumps/pmap/pmap-x.txt"))["pss"]  # pmap -x has no PSS
    <NA>
    """
    if (ooc := _out_of_core(frame)) is not None:  # a Dask DataFrame (analyzer.fleet.read): out of core
        return ooc.totals(frame)
    f = with_uss(frame)
    rollups = int(frame["kind"].eq("rollup").sum()) if "kind" in frame.columns else 0  # process totals, not mappings
    out = {"processes": int(process_key(frame).nunique()) if len(frame) else 0, "mappings": len(frame) - rollups}
    for col in MEASURES:
        s = f[col]
        out[col] = pd.NA if s.isna().any() or not len(s) else int(s.sum())
    return out


def known_totals(frame: pd.DataFrame) -> dict:
    """Each measure summed over the mappings that give it, with how many do: ``{measure: (sum, n)}``;
    the sum is NA when none does. ``info`` and the report print the same figures from this
    ("rss 1.2 MiB over 30 of 40 mappings" where some inputs lack a field).

    >>> import analyzer
    >>> frame = analyzer.load("sample_dumps/smaps/tree", "sample_dumps/pmap/pmap-x.txt")
    >>> t = known_totals(frame)
    >>> t["pss"][1], len(frame), t["rss"][1]
    (37, 74, 74)
    """
    out = {}
    for col in MEASURES:
        part = measured(frame, col) if len(frame) else frame
        value = totals(part)[col] if len(part) else pd.NA
        out[col] = (value, len(part))
    return out


# --- views for reports (charts and pages call these; no analysis in report/) ---

def report_measure(frame: pd.DataFrame) -> str:
    """The size a report ranks by: ``pss`` when every mapping with a known RSS
    also has a PSS, else ``rss`` (pmap -x, old kernels), else ``size``
    (``maps`` files: virtual size only).

    >>> import pandas as pd
    >>> report_measure(pd.DataFrame({"rss": [1, 2], "pss": [1, 1]}))
    'pss'
    >>> report_measure(pd.DataFrame({"rss": [1, 2], "pss": [1, None]}))
    'rss'
    >>> report_measure(pd.DataFrame({"rss": [None], "pss": [None]}))
    'size'
    """
    rss_known = frame["rss"].notna()
    if not rss_known.any():
        return "size"
    if frame["pss"][rss_known].notna().all():
        return "pss"
    return "rss"


def measured(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The rows whose *measure* is known (a ``maps`` file has no RSS: left out).

    >>> import pandas as pd
    >>> len(measured(pd.DataFrame({"rss": [1, None, 0]}), "rss"))
    2
    """
    if measure == "uss":
        known = frame["private_clean"].notna() & frame["private_dirty"].notna()
    else:
        known = frame[measure].notna()
    return frame if known.all() else frame[known]


def by_process_kind(frame: pd.DataFrame, measure: str = "pss", top: int | None = None) -> pd.DataFrame:
    """Per process (``host``, ``pid``, ``command``, ``source``): *measure* split
    by kind, one column per kind in :data:`KINDS` order, plus ``total``;
    largest first. With *top*, the rest are folded into one row whose
    ``command`` is ``other (N processes)`` and ``pid`` NA.

    >>> import pandas as pd
    >>> from analyzer import schema
    >>> from analyzer.classify import classify
    >>> f = classify(schema.conform(pd.DataFrame({
    ...     "pid": [1, 1, 2, 3], "command": ["a", "a", "b", "c"],
    ...     "path": ["[heap]", "/lib/libc.so.6", "[heap]", "[heap]"], "perms": ["rw-p", "r-xp", "rw-p", "rw-p"],
    ...     "pss": [100, 50, 70, 10], "rss": [100, 60, 70, 10]})))
    >>> by_process_kind(f, "pss", top=1)[["pid", "command", "heap", "lib_code", "total"]]
       pid              command  heap  lib_code  total
    0    1                    a   100        50    150
    1 <NA>  other (2 processes)    80         0     80
    """
    f = with_uss(frame) if measure == "uss" else frame
    f = f.copy(deep=False)
    for col in ("host", "command", "source"):
        f[col] = f[col].fillna("")
    keys = ["host", "pid", "command", "source"]
    if "block" in f.columns and f["block"].notna().any():  # a `cat` of many smaps: a bar per process
        keys.insert(2, "block")
    table = (f.groupby(keys + ["kind"], dropna=False, sort=False, observed=True)[measure]
             .sum(min_count=1).astype("Int64").unstack("kind"))
    kinds = [k for k in KINDS if k in table.columns] + [k for k in table.columns if k not in KINDS]
    table = table.reindex(columns=kinds).fillna(0).astype("int64")
    table.columns = [str(c) for c in table.columns]
    table["total"] = table.sum(axis=1)
    table = table.reset_index()
    table = table.sort_values(["total", "pid"], ascending=[False, True], kind="stable").reset_index(drop=True)
    if top is not None and len(table) > top:
        rest = table.iloc[top:]
        other = {c: int(rest[c].sum()) for c in kinds + ["total"]}
        other.update(host="", pid=pd.NA, command=f"other ({len(rest)} processes)", source="")
        if "block" in table.columns:
            other["block"] = pd.NA
        table = pd.concat([table.iloc[:top], pd.DataFrame([other])], ignore_index=True)
    table["pid"] = table["pid"].astype("Int64")
    for col in ("host", "command", "source"):
        table[col] = table[col].replace("", pd.NA)
    return table


def size_distribution(frame: pd.DataFrame) -> pd.DataFrame:
    """How many mappings there are of each virtual size, in power-of-two
    buckets (index: the bucket's lower bound in bytes; a 12 KiB mapping is
    in the 8 KiB bucket), one column per kind.

    >>> import pandas as pd
    >>> from analyzer import schema
    >>> from analyzer.classify import classify
    >>> f = classify(schema.conform(pd.DataFrame({
    ...     "path": ["[heap]", None, None], "perms": ["rw-p", "rw-p", "---p"],
    ...     "size": [4096, 12288, 8192]})))
    >>> size_distribution(f)
             heap  anonymous  reserved
    size
    4096        1          0         0
    8192        0          1         1
    """
    import numpy as np

    known = frame[frame["size"].notna() & (frame["size"] > 0)]
    if not len(known):
        return pd.DataFrame(index=pd.Index([], name="size", dtype="int64"))
    sizes = known["size"].to_numpy(dtype="int64")
    bucket = np.left_shift(np.int64(1), np.floor(np.log2(sizes)).astype("int64"))
    # log2 of huge sizes may round up: keep the bucket at or below the size
    bucket = np.where(bucket > sizes, bucket >> 1, bucket)
    counts = pd.crosstab(pd.Series(bucket, index=known.index, name="size"), known["kind"])
    kinds = [k for k in KINDS if k in counts.columns] + [k for k in counts.columns if k not in KINDS]
    counts = counts.reindex(columns=kinds).sort_index()
    counts.columns = [str(c) for c in counts.columns]
    counts.columns.name = None
    return counts.astype("int64")


def largest_mappings(frame: pd.DataFrame, measure: str = "pss", n: int = 15) -> pd.DataFrame:
    """The *n* largest mappings by *measure* (ties: lower address first), with
    their address, size, perms, kind, path and each measure.

    >>> import pandas as pd
    >>> from analyzer import schema
    >>> from analyzer.classify import classify
    >>> f = classify(schema.conform(pd.DataFrame({"start": [0, 4096], "end": [4096, 12288],
    ...     "size": [4096, 8192], "path": ["[heap]", None], "perms": ["rw-p"] * 2, "rss": [4096, 8192]})))
    >>> largest_mappings(f, "rss", 1)[["start", "kind", "rss"]]
       start       kind   rss
    0   4096  anonymous  8192
    """
    f = with_uss(frame)
    cols = ["start", "end", "perms", "kind", "path", "deleted", "size", "rss", "pss", "uss", "swap"]
    key = f[measure].fillna(-1)
    order = f.assign(_k=key).sort_values(["_k", "start"], ascending=[False, True], kind="stable")
    return order[cols].head(n).reset_index(drop=True)


def process_mappings(frame: pd.DataFrame, host=None, pid=None, source=None, block=None) -> pd.DataFrame:
    """The mappings of one process, named as a :func:`by_process` row names it
    (``host``, ``pid``, ``source``, and ``block`` for a source without PIDs; NA matches NA).

    >>> import pandas as pd
    >>> f = pd.DataFrame({"host": [None] * 3, "pid": pd.array([1, 2, 1], dtype="Int64"),
    ...                   "source": ["a", "a", "b"], "size": [1, 2, 3]})
    >>> process_mappings(f, None, 1, "a")["size"].tolist()
    [1]
    """
    mask = pd.Series(True, index=frame.index)
    checks = [("host", host), ("pid", pid), ("source", source)]
    if not is_na(block) and "block" in frame.columns:
        checks.append(("block", block))
    for col, value in checks:
        if is_na(value):
            mask &= frame[col].isna()
        else:
            mask &= frame[col].eq(value).fillna(False)
    return frame[mask]


# --- status, meminfo and OOM views (no maps needed) ---

STATUS_NOTE = ("from /proc/PID/status, not from memory maps: RSS split into anonymous, file and shmem, and swap "
               "(the kernel's counters); PSS and USS need smaps (`sos report -k process.smaps=on`)")
SYSTEM_PARTS = ["anonymous", "page_cache", "shmem", "swap_cached", "slab_reclaimable", "slab_unreclaimable",
                "kernel_stack", "page_tables", "hugetlb", "percpu"]
SYSTEM_COLUMNS = ["host", "capture_time", "source", "mem_total", "mem_free", "mem_available", "used",
                  *SYSTEM_PARTS, "unexplained", "vmalloc", "processes_pss", "processes_rss", "processes_source"]


def status_processes(processes: pd.DataFrame) -> pd.DataFrame:
    """Process rows with status figures (``vm_rss``) and no maps: source ``status``."""
    if not len(processes) or "vm_rss" not in processes.columns:
        return processes.iloc[0:0]
    no_maps = processes["mappings"].isna() if "mappings" in processes.columns else True
    return processes[processes["vm_rss"].notna() & no_maps & (processes["source_format"] == "status").fillna(False)]


def by_process_status(processes: pd.DataFrame) -> pd.DataFrame:
    """Memory per process from status: ``rss`` (VmRSS) split into ``anon``, ``file`` and
    ``shmem`` (RssAnon, RssFile, RssShmem), ``swap`` (VmSwap), ``size`` (VmSize); largest RSS first.

    >>> procs = pd.DataFrame({"host": ["h", "h"], "pid": [1, 2], "command": ["init", "db"], "mappings": [None, None],
    ...     "source": ["proc/1/status", "proc/2/status"], "source_format": ["status"] * 2,
    ...     "vm_rss": [4096, 12288], "rss_anon": [0, 8192], "rss_file": [4096, 0], "rss_shmem": [0, 4096],
    ...     "vm_swap": [0, 0], "vm_size": [10240, 20480]})
    >>> by_process_status(procs)[["pid", "source_format", "rss", "anon", "file", "shmem", "pss"]]
       pid source_format    rss  anon  file  shmem   pss
    0    2        status  12288  8192     0   4096  <NA>
    1    1        status   4096     0  4096      0  <NA>
    """
    p = status_processes(processes)
    na = pd.array([pd.NA] * len(p), dtype="Int64")

    def col(name: str):
        return pd.to_numeric(p[name]).astype("Int64") if name in p.columns else na

    out = pd.DataFrame({
        "host": p["host"].astype("string") if "host" in p.columns else pd.array([pd.NA] * len(p), dtype="string"),
        "pid": p["pid"].astype("Int64"), "command": p["command"].astype("string"),
        "source": p["source"].astype("string"), "source_format": "status", "mappings": na,
        "size": col("vm_size"), "rss": col("vm_rss"), "anon": col("rss_anon"), "file": col("rss_file"),
        "shmem": col("rss_shmem"), "pss": na, "uss": na, "swap": col("vm_swap")})
    out = out.assign(_k=out["rss"].fillna(-1)).sort_values(["_k", "pid"], ascending=[False, True], kind="stable")
    return out.drop(columns="_k").reset_index(drop=True)


def by_host_status(processes: pd.DataFrame) -> pd.DataFrame:
    """Per host, sums of the status figures of :func:`by_process_status` (shared pages counted once per process)."""
    p = by_process_status(processes)
    grouped = p.groupby("host", dropna=False, sort=False)
    out = grouped[["size", "rss", "anon", "file", "shmem", "swap"]].sum(min_count=1).astype("Int64")
    out.insert(0, "processes", grouped.size().astype("Int64"))
    out.insert(0, "mappings", pd.array([pd.NA] * len(out), dtype="Int64"))
    for col in ("pss", "uss"):
        out[col] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["source_format"] = "status"
    return out[["mappings", "processes", "size", "rss", "anon", "file", "shmem", "pss", "uss", "swap", "source_format"]]


def by_kind_status(processes: pd.DataFrame) -> pd.DataFrame:
    """The coarse split status gives, summed over processes: ``anonymous`` (RssAnon),
    ``file`` (RssFile), ``shm`` (RssShmem), each with its process count; ``swap`` is
    VmSwap (anonymous memory swapped out). Labelled ``source_format`` ``status``.

    >>> procs = pd.DataFrame({"host": ["h"], "pid": [1], "command": ["db"], "mappings": [None],
    ...     "source": ["s"], "source_format": ["status"], "vm_rss": [12288], "rss_anon": [8192],
    ...     "rss_file": [0], "rss_shmem": [4096], "vm_swap": [4096], "vm_size": [20480]})
    >>> by_kind_status(procs)[["processes", "rss", "swap"]]
               processes    rss  swap
    kind
    anonymous          1   8192  4096
    file               1      0     0
    shm                1   4096     0
    """
    p = by_process_status(processes)
    rows = []
    for kind, col in (("anonymous", "anon"), ("file", "file"), ("shm", "shmem")):
        values = p[col]
        rows.append({"kind": kind, "processes": int(values.notna().sum()),
                     "rss": values.sum(min_count=1) if values.notna().any() else pd.NA,
                     "swap": (p["swap"].sum(min_count=1) if p["swap"].notna().any() else pd.NA) if kind == "anonymous"
                     else 0, "source_format": "status"})
    out = pd.DataFrame(rows).set_index("kind")
    for col in ("processes", "rss", "swap"):
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    return out


def _num(row: pd.Series, name: str):
    value = row.get(name) if name in row.index else pd.NA
    return pd.NA if value is None or pd.isna(value) else int(value)


def by_system(dataset) -> pd.DataFrame:
    """Where a host's memory is, from ``/proc/meminfo``: one row per host (and capture), bytes.

    ``used`` = MemTotal - MemFree = the parts + ``unexplained``. The parts:
    ``anonymous`` (AnonPages), ``page_cache`` (Buffers + Cached - Shmem), ``shmem``,
    ``swap_cached``, ``slab_reclaimable`` (SReclaimable), ``slab_unreclaimable``
    (SUnreclaim), ``kernel_stack``, ``page_tables``, ``hugetlb`` (``Hugetlb``, or
    HugePages_Total x Hugepagesize), ``percpu``. A part the kernel did not print is NA
    and is left inside ``unexplained`` (memory no field names). Beside them, not parts:
    ``vmalloc`` (VmallocUsed: it overlaps ``kernel_stack`` where stacks are vmapped and
    ``percpu`` where its chunks are vmalloc'd; adding it would count them twice), and,
    since it overlaps anonymous, shmem and page cache, ``processes_pss`` (sum of the host's PSS from smaps) or ``processes_rss`` (VmRSS from
    status, else ps's RSS), with ``processes_source`` saying which.

    >>> import analyzer
    >>> ds = analyzer.load_dataset("sample_dumps/system/meminfo")
    >>> row = by_system(ds).iloc[0]
    >>> int(row["used"]) == int(row["mem_total"]) - int(row["mem_free"])
    True
    >>> int(row["used"]) == sum(int(row[p]) for p in SYSTEM_PARTS) + int(row["unexplained"])
    True
    """
    hosts = dataset.hosts
    if not len(hosts) or "mem_total" not in hosts.columns:
        return pd.DataFrame(columns=SYSTEM_COLUMNS)
    rows = []
    for _, h in hosts[hosts["mem_total"].notna()].iterrows():
        total, free = _num(h, "mem_total"), _num(h, "mem_free")
        used = total - free if free is not pd.NA else pd.NA
        cache = pd.NA
        if all(_num(h, k) is not pd.NA for k in ("buffers", "cached", "shmem")):
            cache = _num(h, "buffers") + _num(h, "cached") - _num(h, "shmem")
        hugetlb = _num(h, "hugetlb")
        if hugetlb is pd.NA and _num(h, "hugepages_total") is not pd.NA and _num(h, "hugepagesize") is not pd.NA:
            hugetlb = _num(h, "hugepages_total") * _num(h, "hugepagesize")
        parts = {"anonymous": _num(h, "anon_pages"), "page_cache": cache, "shmem": _num(h, "shmem"),
                 "swap_cached": _num(h, "swap_cached"), "slab_reclaimable": _num(h, "s_reclaimable"),
                 "slab_unreclaimable": _num(h, "s_unreclaim"), "kernel_stack": _num(h, "kernel_stack"),
                 "page_tables": _num(h, "page_tables"), "hugetlb": hugetlb, "percpu": _num(h, "percpu")}
        known = sum(v for v in parts.values() if v is not pd.NA)
        row = {"host": h.get("host"), "capture_time": h.get("capture_time"), "source": h.get("source"),
               "mem_total": total, "mem_free": free, "mem_available": _num(h, "mem_available"), "used": used,
               **parts, "unexplained": used - known if used is not pd.NA else pd.NA,
               "vmalloc": _num(h, "vmalloc_used")}
        row.update(_process_sums(dataset, h))
        rows.append(row)
    out = pd.DataFrame(rows, columns=SYSTEM_COLUMNS)
    for col in SYSTEM_COLUMNS:
        if col not in ("host", "capture_time", "source", "processes_source"):
            out[col] = pd.to_numeric(out[col]).astype("Int64")
    return out


def _same_host(frame: pd.DataFrame, h: pd.Series) -> pd.Series:
    """Rows of *frame* that belong to host record *h* (its sosreport, or its host name and capture)."""
    if "sosreport" in frame.columns and h.get("source") is not None and frame["sosreport"].notna().any():
        return (frame["sosreport"] == h.get("source")).fillna(False)
    host = h.get("host")
    if host is None or pd.isna(host) or "host" not in frame.columns:
        return pd.Series(False, index=frame.index)
    mask = (frame["host"] == host).fillna(False)
    cap = h.get("capture_time")
    if "capture_time" in frame.columns and cap is not None and not pd.isna(cap):
        mask &= (frame["capture_time"] == cap).fillna(False)
    return mask


def _process_sums(dataset, h: pd.Series) -> dict:
    out = {"processes_pss": pd.NA, "processes_rss": pd.NA, "processes_source": None}
    maps = dataset.mappings
    if len(maps):
        mine = maps[_same_host(maps, h)]
        if len(mine) and mine["pss"].notna().all():
            out.update(processes_pss=int(mine["pss"].sum()), processes_source="smaps")
            return out
    procs = dataset.processes
    if len(procs):
        mine = procs[_same_host(procs, h)]
        for col, label in (("vm_rss", "status"), ("ps_rss", "ps")):
            if col in mine.columns and mine[col].notna().any():
                out.update(processes_rss=int(pd.to_numeric(mine[col]).sum()), processes_source=label)
                break
    return out


def by_oom(dataset) -> pd.DataFrame:
    """One row per OOM kill: the victim, why (scope, constraint, cgroup), and its task table's
    size (``tasks``, and ``tasks_rss``: the sum of the listed processes' RSS at that moment).

    >>> import analyzer
    >>> by_oom(analyzer.load_dataset("sample_dumps/system/dmesg.txt"))[["event", "pid", "name", "anon_rss", "tasks"]]
       event    pid    name  anon_rss  tasks
    0      1  21973  memhog  28835840      3
    1      2  21984  memhog  28835840      3
    """
    kills, tasks = dataset.oom_kills, dataset.oom_tasks
    cols = ["host", "source", "event", "time", "uptime", "pid", "name", "uid", "anon_rss", "file_rss", "shmem_rss", "total_vm",
            "oom_score_adj", "scope", "constraint", "memcg"]
    if not len(kills):
        return pd.DataFrame(columns=cols + ["tasks", "tasks_rss"])
    out = kills[cols].copy()
    if len(tasks):
        g = tasks.groupby(["source", "event"], dropna=False)
        counts = g.size().rename("tasks")
        rss = g["rss"].sum(min_count=1).rename("tasks_rss")
        out = out.join(counts, on=["source", "event"]).join(rss, on=["source", "event"])
    else:
        out["tasks"], out["tasks_rss"] = 0, pd.NA
    out["tasks"] = out["tasks"].fillna(0).astype("Int64")
    out["tasks_rss"] = pd.to_numeric(out["tasks_rss"]).astype("Int64")
    return out.reset_index(drop=True)
