"""Follow captures over time: ``trend(captures, by=...)``, a long table.

Each capture is a mappings frame, a :class:`~analyzer.Dataset` or a path
(anything :func:`analyzer.load_dataset` reads). Captures are put in capture
time order when every capture says when it was taken (a sosreport's
``date --utc``); otherwise they stay in the order given.

One row per capture and process (``by="process"``), kind or host:
``capture`` (the path, or ``capture N``), ``capture_time`` (NA where the dump
does not say), the keys, and the sums ``size``, ``rss``, ``pss``, ``uss``,
``swap``, ``anonymous``, ``private_dirty``, ``mappings`` in exact bytes (NA
where the format does not say). ``rss_per_hour`` and ``pss_per_hour`` are
the growth since the same process's (kind's, host's) previous capture,
divided by the hours between the two; NA where a time is unknown. A process
is followed from capture to capture as :func:`analyzer.compare.by_process`
matches them (host, PID, command, program), so a reused PID starts a new
``process`` number. Rows are grouped by process, biggest overall grower
(last minus first PSS, else RSS) first, then in capture order.

>>> t = trend(["sample_dumps/growth/proc/snapshot-1", "sample_dumps/growth/proc/snapshot-2",
...            "sample_dumps/growth/proc/snapshot-3"])
>>> t[t["pid"] == 5][["capture", "pid", "rss", "pss", "anonymous"]]
                               capture  pid      rss      pss  anonymous
0  sample_dumps/growth/proc/snapshot-1    5   720896   183296      53248
1  sample_dumps/growth/proc/snapshot-2    5  1245184   686080     577536
2  sample_dumps/growth/proc/snapshot-3    5  1769472  1210368    1101824
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import compare as _diff
from .summarize import KINDS

MEASURES = _diff.MEASURES
BY_CHOICES = ("process", "kind", "host")
RATE_MEASURES = ("rss", "pss")

# Columns a trend table has beyond its keys (name, dtype, unit, meaning).
TREND_COLUMNS = [
    ("capture", "string", "", "The capture: the path given, or `capture N`."),
    ("capture_time", "datetime64[s, UTC]", "time", "When the capture was taken (sosreport); NA otherwise."),
    ("process", "Int64", "", "by process: one number per process followed across captures."),
    *[(m, "Int64", "count" if m == "mappings" else "bytes", f"Sum of {m} in the capture") for m in MEASURES],
    ("rss_per_hour", "Float64", "bytes/h", "RSS growth since the previous capture, per hour (NA: time unknown)."),
    ("pss_per_hour", "Float64", "bytes/h", "PSS growth since the previous capture, per hour (NA: time unknown)."),
]


def _name(capture, i: int) -> str:
    if isinstance(capture, (str, Path)):
        return str(capture)
    if isinstance(capture, (list, tuple)) and all(isinstance(c, (str, Path)) for c in capture):
        return " + ".join(str(c) for c in capture)
    return f"capture {i + 1}"


def _time(frame: pd.DataFrame):
    times = frame["capture_time"].dropna() if "capture_time" in frame.columns else pd.Series([], dtype=object)
    return times.min() if len(times) else pd.NaT


def ordered(captures, names: list[str] | None = None) -> list[tuple[str, object, pd.DataFrame]]:
    """(name, capture_time, frame) of each capture, in time order when every time is known."""
    items = []
    for i, c in enumerate(captures):
        frame = _diff.side_frame(c)
        items.append(((names[i] if names else _name(c, i)), _time(frame), frame))
    if items and all(not pd.isna(t) for _, t, _ in items):
        items = sorted(items, key=lambda x: x[1])
    return items


def _rates(out: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    hours = out["capture_time"].astype("datetime64[s, UTC]")
    for m in RATE_MEASURES:
        prev = out.groupby(group, sort=False, dropna=False)[m].shift(1)
        prev_t = hours.groupby([out[g] for g in group], sort=False, dropna=False).shift(1)
        dt = (hours - prev_t).dt.total_seconds() / 3600.0
        rate = (out[m].astype("Float64") - prev.astype("Float64")) / dt.astype("Float64")
        out[f"{m}_per_hour"] = rate.where(dt.astype("Float64") > 0).astype("Float64")
    return out


def _overall_order(out: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """Groups ordered by overall growth (last minus first PSS, else RSS), biggest first."""
    firsts = out.groupby(group, sort=False, dropna=False).first()
    lasts = out.groupby(group, sort=False, dropna=False).last()
    m = "pss" if out["pss"].notna().all() else "rss"
    growth = (lasts[m] - firsts[m]).astype("Float64").fillna(-np.inf)
    rank = {k: i for i, k in enumerate(growth.sort_values(ascending=False, kind="stable").index)}
    keys = list(zip(*[out[g] for g in group])) if len(group) > 1 else list(out[group[0]])
    out = out.assign(_g=[rank[k] for k in keys], _c=out["_order"])
    return out.sort_values(["_g", "_c"], kind="stable").drop(columns=["_g", "_c"])


def by_process(captures, names: list[str] | None = None) -> pd.DataFrame:
    """The trend per process (see the module)."""
    items = ordered(captures, names)
    rows, prev, next_id = [], None, 0
    for order, (name, when, frame) in enumerate(items):
        f = _diff._prepared(frame)
        procs = _diff._processes(f, name)
        ids = pd.Series(-1, index=procs.index, dtype="int64")
        if prev is not None:
            merged, _, _, _ = _diff._pair_processes(prev, procs)
            for ib, ia in zip(merged["_i_b"], merged["_i_a"]):
                ids.iloc[ia] = prev["_id"].iloc[ib]
        for i in range(len(ids)):
            if ids.iloc[i] < 0:
                ids.iloc[i] = next_id
                next_id += 1
        procs["_id"] = ids.to_numpy()
        prev = procs
        rows.append(pd.DataFrame({"capture": name, "capture_time": when, "process": procs["_id"],
                                  "host": procs["host"], "pid": procs["_pid"], "command": procs["command"],
                                  **{m: procs[m] for m in MEASURES}, "_order": order}))
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["capture", "_order"])
    out = _typed(out)
    out["process"] = out["process"].astype("Int64")
    out["host"] = out["host"].replace("", pd.NA).astype("string")
    out["pid"] = out["pid"].astype("Int64").replace(-1, pd.NA)
    out["command"] = out["command"].astype("string")
    # a command known in one capture names the process in all of them
    out["command"] = out.groupby("process")["command"].transform(lambda s: s.ffill().bfill())
    out = _rates(out, ["process"])
    out = _overall_order(out, ["process"])
    return out.drop(columns="_order").reset_index(drop=True)


def _typed(out: pd.DataFrame) -> pd.DataFrame:
    out["capture"] = out["capture"].astype("string")
    out["capture_time"] = pd.to_datetime(out["capture_time"], utc=True).astype("datetime64[s, UTC]")
    for m in MEASURES:
        out[m] = out[m].astype("Int64")
    return out


def _grouped(captures, key: str, names: list[str] | None) -> pd.DataFrame:
    items = ordered(captures, names)
    rows = []
    for order, (name, when, frame) in enumerate(items):
        f = _diff._prepared(frame)
        if key == "host":
            f["host"] = f["host"].fillna("")
        sums = _diff._sums(f, [key]).reset_index()
        sums.insert(0, "capture", name)
        sums.insert(1, "capture_time", when)
        sums["_order"] = order
        rows.append(sums)
    out = _typed(pd.concat(rows, ignore_index=True))
    if key == "host" and (out["host"] == "").any() and (out["host"] != "").any():
        named = sorted(set(out["host"]) - {""})
        if len(named) == 1:  # one host named, other captures name none: the same machine
            out["host"] = named[0]
    out[key] = out[key].replace("", pd.NA).astype("string")
    out = _rates(out, [key])
    if key == "kind":
        rank = {k: i for i, k in enumerate(KINDS)}
        out = out.assign(_g=out["kind"].map(lambda k: rank.get(k, len(rank))))
        out = out.sort_values(["_g", "_order"], kind="stable").drop(columns="_g")
    else:
        out = _overall_order(out, [key])
    return out.drop(columns="_order").reset_index(drop=True)


def trend(captures, by: str = "process", names: list[str] | None = None) -> pd.DataFrame:
    """The long table of several captures: :func:`by_process` (default), per kind or per host.

    *names* label the captures (default: the paths given, or ``capture N``).

    >>> import glob
    >>> t = trend(sorted(glob.glob("sample_dumps/growth/sosreport/*.tar.xz")), by="host")
    >>> t[["capture_time", "host", "rss", "rss_per_hour"]]
                   capture_time         host       rss  rss_per_hour
    0 2026-12-06 03:33:20+00:00  growth-host  51916800          <NA>
    1 2026-12-06 03:33:26+00:00  growth-host  52908032   594739200.0
    2 2026-12-06 03:33:32+00:00  growth-host  53899264   594739200.0
    """
    if by not in BY_CHOICES:
        raise ValueError(f"by must be one of {BY_CHOICES}")
    captures = list(captures)
    if len(captures) < 2:
        raise ValueError("a trend needs two captures or more")
    if by == "process":
        return by_process(captures, names)
    return _grouped(captures, by, names)
