"""What grew between two captures: ``diff(before, after, by=...)``.

Each side is one capture: a mappings frame, a :class:`~analyzer.Dataset`, or
paths that :func:`analyzer.load_dataset` reads (file, directory, archive,
pmap text; a smaps loop and a sosreport compare fine).

**Process identity** is host + PID + command. When a side names no host (a
bare smaps loop, pmap), processes are matched on PID + command; when a side
gives no command (a smaps loop), on PID alone. A PID whose command differs
is the same PID reused by another program: one ``gone`` row and one ``new``;
so is a PID whose program (the file name of its lowest file mapping, the
executable) differs, which tells a reused PID even where commands are unknown.
Commands are the same when equal after folding white space, when one is a
cut copy of the other (prefix), or when one is a bare name (``comm``, 15
characters at most) that begins the other's program name.

**Mapping identity** within a process (``by="mapping"``): regions of the two
sides that overlap in the address space are the same memory (the heap and
arenas keep their start when they grow; the stack and merged anonymous mmaps
move their start down). Overlapping regions pair one to one when they can;
when the kernel merged or split regions, they form one row whose
``mappings_before`` / ``mappings_after`` say how many regions each side had,
so a merge never reads as a leak. Regions left over pair on (path, offset,
perms) when they have a path (a region moved by mremap); the rest are
``new`` or ``gone``.

Blocks without a PID (``/proc/self`` in a ``head /proc/*/smaps`` capture: the
capturing tool, already counted under its PID) are left out of every view.

Every measure is exact bytes: ``X_before``, ``X_after``, ``X_delta`` for
``size``, ``rss``, ``pss``, ``uss``, ``swap``, ``anonymous``,
``private_dirty`` and the count of ``mappings``. NA where a side's format
does not say (pmap -x has no PSS); a process absent from a side counts 0
there when that side's format gives the measure. ``status`` is ``new``,
``gone``, ``grown``, ``shrunk`` or ``unchanged`` (the sign of the PSS delta,
else RSS, else the other measures). Rows are sorted by growth (:func:`rank_key`): PSS delta,
else RSS delta (:func:`rank_key`), largest first.

>>> import analyzer
>>> d = diff("sample_dumps/growth/proc/snapshot-1", "sample_dumps/growth/proc/snapshot-3")
>>> d[["pid", "status", "pss_delta", "rss_delta", "anonymous_delta"]]
   pid  status  pss_delta  rss_delta  anonymous_delta
0    5   grown    1027072    1048576          1048576
1    4   grown     502784     524288           524288
2    1   grown     496640     544768           544768
3    9     new     292864     851968           184320
4    6   grown     240640     262144                0
5    8  shrunk     -21504          0                0
6    7  shrunk    -545792    -524288          -524288
7    9    gone    -716800    -720896           -53248

PID 9 is ``oneshot`` in snapshot 1 and a late ``grower`` in snapshot 3 (a
reused PID); PID 8 did not change, but shares more pages with the late grower
(its PSS went down).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import MemmapsError
from .summarize import KINDS, with_uss

MEASURES = ["size", "rss", "pss", "uss", "swap", "anonymous", "private_dirty", "mappings"]
STATUSES = ("new", "gone", "grown", "shrunk", "unchanged")
BY_CHOICES = ("process", "mapping", "kind", "host")
# The order in which deltas decide a row's status and rank: PSS, else RSS, else the others.
_STATUS_ORDER = ["pss", "rss", "uss", "anonymous", "private_dirty", "swap", "size"]

# Columns a diff adds, declared once (name, dtype, unit, meaning), for the schema's readers.
DIFF_COLUMNS = [
    ("status", "string", "", "new, gone, grown, shrunk or unchanged"),
    *[(f"{m}_{side}", "Int64", "count" if m == "mappings" else "bytes",
       f"{m} {'in the earlier capture' if side == 'before' else 'in the later capture' if side == 'after' else 'after - before'}")
      for m in MEASURES for side in ("before", "after", "delta")],
]


def measure_columns(measures: Iterable[str] = MEASURES) -> list[str]:
    """``X_before, X_after, X_delta`` for each measure, in that order."""
    return [f"{m}_{side}" for m in measures for side in ("before", "after", "delta")]


# --- sides ---------------------------------------------------------------------------

def side_frame(side) -> pd.DataFrame:
    """The mappings frame of one side: a frame, a Dataset, or paths to load."""
    if isinstance(side, pd.DataFrame):
        return side
    if hasattr(side, "mappings") and isinstance(side.mappings, pd.DataFrame):
        return side.mappings
    from .ingest import load_dataset

    paths = [side] if isinstance(side, (str, Path)) else list(side)
    return load_dataset(*paths).mappings


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows a comparison counts, with ``uss`` and a count of 1 per mapping. Blocks
    without a PID are left out: ``/proc/self`` of a ``head /proc/*/smaps`` capture is
    the capturing tool, already there under its own PID (the loader says so)."""
    f = with_uss(frame[frame["pid"].notna().to_numpy()] if frame["pid"].isna().any() else frame)
    f["mappings"] = 1
    return f


def _knows(frame: pd.DataFrame) -> dict[str, bool]:
    """Whether a side's format gives each measure (every row knows it)."""
    return {m: m == "mappings" or (len(frame) > 0 and bool(frame[m].notna().all())) for m in MEASURES}


def _sums(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    grouped = frame.groupby(keys, dropna=False, sort=False, observed=True)
    out = grouped[MEASURES].sum(skipna=False, min_count=1)
    return out.astype("Int64")


# --- processes -----------------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def same_command(a, b) -> bool:
    """True when two commands name the same program run (unknown matches anything).

    >>> same_command("/usr/bin/python3  app.py", "/usr/bin/python3 app.py")
    True
    >>> same_command("sleep", "/usr/bin/sleep 100")          # comm vs cmdline
    True
    >>> same_command("/usr/bin/sleep 100", "/opt/grower bm 64")
    False
    >>> same_command(None, "anything")
    True
    """
    if a is None or b is None or a is pd.NA or b is pd.NA:
        return True
    a, b = _SPACE.sub(" ", str(a)).strip(), _SPACE.sub(" ", str(b)).strip()
    if a == b or not a or not b:
        return True
    short, long = sorted((a, b), key=len)
    if long.startswith(short) and len(short) >= 15:
        return True
    if " " not in short and "/" not in short and len(short) <= 15:
        program = long.split(" ", 1)[0].rsplit("/", 1)[-1]
        return program.startswith(short)
    return False


def _processes(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """One row per process of a side: host, pid, command, source and the sums."""
    f = frame.copy(deep=False)
    f["host"] = f["host"].fillna("")
    f["_pid"] = f["pid"].astype("Int64").fillna(-1)
    sums = _sums(f, ["host", "_pid"])
    first = f.groupby(["host", "_pid"], dropna=False, sort=False)
    info = pd.DataFrame({"command": first["command"].first(), "source": first["source"].first(),
                         "sources": first["source"].nunique(), "program": _programs(f)})
    out = sums.join(info).reset_index()
    twice = out[(out["sources"] > 1) & (out["_pid"] >= 0)]
    if len(twice):
        row = twice.iloc[0]
        srcs = sorted(f.loc[(f["host"] == row["host"]) & (f["_pid"] == row["_pid"]), "source"].dropna().unique())
        host = f" of host {row['host']}" if row["host"] else ""
        raise MemmapsError(f"{name}: PID {row['_pid']}{host} is in {len(srcs)} inputs ({', '.join(srcs[:3])}): "
                           "each side of a diff must be one capture")
    return out.drop(columns="sources")


def _programs(f: pd.DataFrame) -> pd.Series:
    """Per process, the file name of its lowest file mapping: the program it runs
    (basenames only, since pmap without -p prints no directories)."""
    files = f[f["path"].notna() & ~f["path"].fillna("[").str.startswith("[")]
    files = files.sort_values("start", kind="stable", na_position="last")
    first = files.groupby(["host", "_pid"], sort=False)["path"].first()
    return first.astype(str).str.rsplit("/", n=1).str[-1]


def _one_side(rows: pd.DataFrame, side: str, other_knows: dict[str, bool]) -> pd.DataFrame:
    """Rows present on one side only: the other side's values are 0 where its format knows them."""
    out = rows.copy()
    other = "after" if side == "before" else "before"
    for m in MEASURES:
        out[f"{m}_{other}"] = pd.array([0 if other_knows[m] else pd.NA] * len(out), dtype="Int64")
    return out


def rank_key(table: pd.DataFrame) -> pd.Series:
    """The growth a diff is sorted by: the PSS delta when every row knows it, else the
    RSS delta when every row knows it (pmap -x on a side), else per row the first
    known of PSS, RSS and size deltas. One measure for the whole table where possible,
    so rows are ranked on the same footing."""
    for m in ("pss", "rss"):
        if len(table) and table[f"{m}_delta"].notna().all():
            return table[f"{m}_delta"]
    return table["pss_delta"].fillna(table["rss_delta"]).fillna(table["size_delta"])


def _finish(out: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Deltas, status and the growth order; the columns in the documented order."""
    for m in MEASURES:
        out[f"{m}_before"] = out[f"{m}_before"].astype("Int64")
        out[f"{m}_after"] = out[f"{m}_after"].astype("Int64")
        out[f"{m}_delta"] = out[f"{m}_after"] - out[f"{m}_before"]
    status = out["status"].astype("object") if "status" in out.columns else pd.Series(None, index=out.index, dtype=object)
    sign = pd.Series(0, index=out.index, dtype="int64")
    for m in reversed(_STATUS_ORDER):  # the first known nonzero delta in _STATUS_ORDER wins
        d = out[f"{m}_delta"]
        nz = d.notna() & (d != 0)
        sign = sign.where(~nz.fillna(False).to_numpy(), np.sign(d.fillna(0).astype("int64")))
    decided = status.notna()
    status = status.where(decided, np.where(sign > 0, "grown", np.where(sign < 0, "shrunk", "unchanged")))
    out["status"] = pd.array(status, dtype="string")
    rank = rank_key(out)
    out = out.assign(_rank=rank.astype("Float64").fillna(-np.inf))
    order_keys = ["_rank"] + [k for k in ("pid", "start") if k in out.columns]
    out = out.sort_values(order_keys, ascending=[False] + [True] * (len(order_keys) - 1), kind="stable",
                          na_position="last")
    return out[keys + ["status"] + measure_columns()].reset_index(drop=True)


def _pair_processes(before: pd.DataFrame, after: pd.DataFrame):
    """Match the process rows of two sides; return (pairs, gone, new, use_host) as frames of _processes."""
    use_host = bool((before["host"] != "").any() and (after["host"] != "").any())
    b, a = before.copy(), after.copy()
    if not use_host:
        b["_host"], a["_host"] = "", ""
    else:
        b["_host"], a["_host"] = b["host"], a["host"]
    b["_i"], a["_i"] = range(len(b)), range(len(a))
    known_b, known_a = b[b["_pid"] >= 0], a[a["_pid"] >= 0]
    merged = known_b.merge(known_a, on=["_host", "_pid"], suffixes=("_b", "_a"))
    same = [same_command(cb, ca) and (pd.isna(xb) or pd.isna(xa) or xb == xa)
            for cb, ca, xb, xa in zip(merged["command_b"], merged["command_a"], merged["program_b"], merged["program_a"])]
    merged = merged[same] if len(merged) else merged
    paired_b, paired_a = set(merged["_i_b"]), set(merged["_i_a"])
    gone = b[~b["_i"].isin(paired_b)]
    new = a[~a["_i"].isin(paired_a)]
    return merged, gone, new, use_host


def by_process(before, after) -> pd.DataFrame:
    """Per process: ``host, pid, command, status`` and each measure before, after and delta.

    See the module's documentation for how processes are matched.
    """
    fb, fa = _prepared(side_frame(before)), _prepared(side_frame(after))
    pb, pa = _processes(fb, "before"), _processes(fa, "after")
    merged, gone, new, _ = _pair_processes(pb, pa)
    kb, ka = _knows(fb), _knows(fa)
    rows = []
    if len(merged):
        both = pd.DataFrame({
            "host": merged["host_a"].where(merged["host_a"] != "", merged["host_b"]),
            "pid": merged["_pid"],
            "command": merged["command_a"].fillna(merged["command_b"]) if len(merged) else None,
            **{f"{m}_before": merged[f"{m}_b"] for m in MEASURES},
            **{f"{m}_after": merged[f"{m}_a"] for m in MEASURES}})
        rows.append(both)
    for side, part, other_knows in (("before", gone, ka), ("after", new, kb)):
        if len(part):
            one = pd.DataFrame({"host": part["host"], "pid": part["_pid"], "command": part["command"],
                                **{f"{m}_{side}": part[m] for m in MEASURES}})
            one = _one_side(one, side, other_knows)
            one["status"] = "gone" if side == "before" else "new"
            rows.append(one)
    out = pd.concat(rows, ignore_index=True) if rows else _empty(["host", "pid", "command"])
    out["host"] = out["host"].replace("", pd.NA).astype("string")
    out["pid"] = out["pid"].astype("Int64").replace(-1, pd.NA)
    out["command"] = out["command"].astype("string")
    return _finish(out, ["host", "pid", "command"])


def _empty(keys: list[str]) -> pd.DataFrame:
    return pd.DataFrame({**{k: [] for k in keys}, **{c: pd.array([], dtype="Int64") for c in measure_columns()[::3]},
                         **{f"{m}_after": pd.array([], dtype="Int64") for m in MEASURES}})


# --- mappings ------------------------------------------------------------------------

_MAPPING_KEYS = ["host", "pid", "command", "start", "end", "path", "kind", "perms"]


def _intervals(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """[start, stop) of each mapping as floats (NaN where unknown); stop = end, else start + size."""
    lo = frame["start"].astype("Float64").to_numpy("float64", na_value=np.nan)
    hi = frame["end"].astype("Float64").to_numpy("float64", na_value=np.nan)
    size = frame["size"].astype("Float64").to_numpy("float64", na_value=np.nan)
    hi = np.where(np.isnan(hi), lo + size, hi)
    return lo, hi


def _keys(frame: pd.DataFrame) -> list:
    """(path, offset, perms) of each mapping, None where it has no path."""
    paths = frame["path"].astype(object).where(frame["path"].notna(), None).tolist()
    offsets = frame["offset"].astype(object).where(frame["offset"].notna(), None).tolist()
    perms = frame["perms"].astype(object).where(frame["perms"].notna(), None).tolist()
    return [None if p is None else (p, o, q) for p, o, q in zip(paths, offsets, perms)]


def by_mapping(before, after) -> pd.DataFrame:
    """Per mapping within each process: ``host, pid, command, start, end, path, kind,
    perms, status`` and each measure before, after and delta. ``start`` and ``end``
    are where the row's regions are in the later capture (in the earlier one when gone);
    ``path``, ``kind`` and ``perms`` those of its largest region there.

    Processes are matched as :func:`by_process` matches them; the mappings of a
    ``new`` or ``gone`` process are all ``new`` or ``gone``. Which mappings are
    the same is :func:`analyzer.regions.match`.
    """
    from .regions import match

    fb, fa = _prepared(side_frame(before)), _prepared(side_frame(after))
    pb, pa = _processes(fb, "before"), _processes(fa, "after")
    merged, gone, new, _ = _pair_processes(pb, pa)
    kb, ka = _knows(fb), _knows(fa)
    fb, fa = fb.reset_index(drop=True), fa.reset_index(drop=True)
    for f in (fb, fa):
        f["_host"] = f["host"].fillna("")
        f["_pid"] = f["pid"].astype("Int64").fillna(-1)
    rows_b = fb.groupby(["_host", "_pid"], sort=False).indices
    rows_a = fa.groupby(["_host", "_pid"], sort=False).indices
    lo_b, hi_b = _intervals(fb)
    lo_a, hi_a = _intervals(fa)
    key_b, key_a = _keys(fb), _keys(fa)
    gid_b = np.full(len(fb), -1, dtype=np.int64)
    gid_a = np.full(len(fa), -1, dtype=np.int64)
    owner: list[tuple] = []  # per group: host, pid, command
    preset: list = []        # per group: "new" / "gone" for a process on one side only, else None
    n = 0
    for _, m in merged.iterrows():
        ib = rows_b[(m["host_b"], m["_pid"])]
        ia = rows_a[(m["host_a"], m["_pid"])]
        gb, ga, count = match(lo_b[ib], hi_b[ib], [key_b[i] for i in ib], lo_a[ia], hi_a[ia], [key_a[i] for i in ia])
        gid_b[ib] = gb + n
        gid_a[ia] = ga + n
        command = m["command_a"] if not pd.isna(m["command_a"]) else m["command_b"]
        owner += [(m["host_a"] or m["host_b"], m["_pid"], command)] * count
        preset += [None] * count
        n += count
    for part, rows, gid, status in ((gone, rows_b, gid_b, "gone"), (new, rows_a, gid_a, "new")):
        for _, p in part.iterrows():
            idx = rows[(p["host"], p["_pid"])]
            gid[idx] = np.arange(n, n + len(idx))
            owner += [(p["host"], p["_pid"], p["command"])] * len(idx)
            preset += [status] * len(idx)
            n += len(idx)
    cols = _MAPPING_KEYS + ["status"] + [f"{m}_{side}" for m in MEASURES for side in ("before", "after")]
    if not n:
        out = pd.DataFrame({c: [] for c in cols})
    else:
        out = pd.DataFrame(owner, columns=["host", "pid", "command"])
        out["status"] = pd.array(preset, dtype=object)
        both = pd.concat([fb.assign(_g=gid_b, _side=0), fa.assign(_g=gid_a, _side=1)], ignore_index=True)
        # exact addresses (UInt64; floats served only to find overlaps): end, else start + size
        stop = both["end"].astype("UInt64").fillna(both["start"].astype("UInt64")
                                                    + both["size"].astype("Int64").astype("UInt64"))
        # a row's range is where its regions are in the later capture (the earlier one when gone)
        span = pd.DataFrame({"_g": both["_g"], "_side": both["_side"], "lo": both["start"].astype("UInt64"),
                             "hi": stop})
        span = span[span["_side"] == span.groupby("_g")["_side"].transform("max")]
        span = span.groupby("_g").agg(lo=("lo", "min"), hi=("hi", "max")).reindex(range(n))
        out["start"] = span["lo"].astype("UInt64").to_numpy()
        out["end"] = span["hi"].astype("UInt64").to_numpy()
        # what a row is called: its largest region in the later capture, else in the earlier one
        named = both.assign(_size=both["size"].fillna(-1)).sort_values(["_g", "_side", "_size"],
                                                                         ascending=[True, False, False], kind="stable")
        first = named.groupby("_g").head(1).set_index("_g").reindex(range(n))
        for col in ("path", "kind", "perms"):
            out[col] = first[col].to_numpy()
        in_b, in_a = np.bincount(gid_b, minlength=n) > 0, np.bincount(gid_a, minlength=n) > 0
        out["status"] = out["status"].where(out["status"].notna(),
                                            np.where(~in_b, "new", np.where(~in_a, "gone", None)))
        for side, f, gid, knows in (("before", fb, gid_b, kb), ("after", fa, gid_a, ka)):
            sums = f.assign(_g=gid).groupby("_g")[MEASURES].sum(skipna=False, min_count=1).reindex(range(n))
            present = pd.Series(in_b if side == "before" else in_a)
            for m in MEASURES:
                filler = 0 if knows[m] else pd.NA
                col = sums[m].astype("Int64").reset_index(drop=True)
                out[f"{m}_{side}"] = col.where(present, filler).astype("Int64")
    out = out[cols]
    out["host"] = out["host"].replace("", pd.NA).astype("string")
    out["pid"] = out["pid"].astype("Int64").replace(-1, pd.NA)
    for col in ("command", "path", "kind", "perms"):
        out[col] = out[col].astype("string")
    for col in ("start", "end"):
        out[col] = out[col].astype("UInt64")
    return _finish(out, _MAPPING_KEYS)


# --- kinds and hosts -----------------------------------------------------------------

def _grouped(before, after, key: str, order: list | None = None) -> pd.DataFrame:
    fb, fa = _prepared(side_frame(before)), _prepared(side_frame(after))
    kb, ka = _knows(fb), _knows(fa)
    if key == "host":
        use_host = bool(fb["host"].notna().any() and fa["host"].notna().any())
        names = sorted(set(fb["host"].dropna()) | set(fa["host"].dropna()))
        for f in (fb, fa):
            f["host"] = f["host"].fillna("") if use_host else (names[0] if len(names) == 1 else "")
    sb = _sums(fb, [key]) if len(fb) else None
    sa = _sums(fa, [key]) if len(fa) else None
    keys = list(dict.fromkeys([*(sb.index if sb is not None else []), *(sa.index if sa is not None else [])]))
    if order is not None:
        keys = [k for k in order if k in keys] + [k for k in keys if k not in order]
    rows = []
    for k in keys:
        row = {key: k}
        for side, s, knows in (("before", sb, kb), ("after", sa, ka)):
            for m in MEASURES:
                if s is not None and k in s.index:
                    row[f"{m}_{side}"] = s.loc[k, m]
                else:
                    row[f"{m}_{side}"] = 0 if knows[m] else pd.NA
        row["status"] = ("new" if sb is None or k not in sb.index else "gone" if sa is None or k not in sa.index
                         else None)
        rows.append(row)
    out = pd.DataFrame(rows, columns=[key, "status"] + measure_columns()[::3] + [f"{m}_after" for m in MEASURES])
    out[key] = out[key].replace("", pd.NA).astype("string")
    out = _finish(out, [key])
    if order is not None:  # kinds keep their own order: the table reads like summary --by kind
        out = out.set_index(key).loc[[k for k in order if k in set(out[key])] + [k for k in out[key] if k not in order]]
        out = out.reset_index()
    return out


def by_kind(before, after) -> pd.DataFrame:
    """Per mapping kind (in :data:`analyzer.classify.KINDS` order): each measure before, after, delta."""
    return _grouped(before, after, "kind", list(KINDS))


def by_host(before, after) -> pd.DataFrame:
    """Per host (one row when a side names no host): each measure before, after, delta."""
    return _grouped(before, after, "host")


def rank_measure(table: pd.DataFrame) -> str:
    """The measure :func:`rank_key` ranks by on this table (``pss`` or ``rss``)."""
    for m in ("pss", "rss"):
        if len(table) and table[f"{m}_delta"].notna().all():
            return m
    return "pss"


def growth_by_kind(before, after, top: int = 10, measure: str | None = None) -> tuple[pd.DataFrame, str]:
    """The *top* growing processes (rank as :func:`by_process`, growth > 0 only):
    their delta of *measure* split by kind, one column per kind; and the measure used."""
    fb, fa = side_frame(before), side_frame(after)
    procs = by_process(fb, fa)
    m = measure or rank_measure(procs)
    procs = procs[(rank_key(procs) > 0).fillna(False).to_numpy()].head(top)
    maps = by_mapping(fb, fa)
    maps = maps.assign(_key=list(zip(maps["host"].fillna(""), maps["pid"].fillna(-1), maps["command"].fillna(""))))
    rows = []
    for _, p in procs.iterrows():
        key = ("" if p["host"] is pd.NA else p["host"], -1 if p["pid"] is pd.NA else p["pid"],
               "" if p["command"] is pd.NA else p["command"])
        mine = maps[maps["_key"] == key]
        if p["status"] in ("new", "gone"):  # a reused PID: only this process's rows
            mine = mine[mine["status"] == p["status"]]
        by_kind = mine.groupby("kind")[f"{m}_delta"].sum(min_count=1)
        rows.append({"pid": p["pid"], "command": p["command"], "status": p["status"], "host": p["host"],
                     **{k: int(v) for k, v in by_kind.fillna(0).items()}, "total": p[f"{m}_delta"]})
    table = pd.DataFrame(rows, columns=["pid", "command", "status", "host", "total"]) if not rows else pd.DataFrame(rows)
    keys = ["pid", "command", "status", "host"]
    found = [c for c in table.columns if c not in keys + ["total"]]
    kinds = [k for k in KINDS if k in found] + [k for k in found if k not in KINDS]
    for k in kinds:
        table[k] = table[k].fillna(0).astype("int64")
    return table[keys + kinds + ["total"]], m


def diff(before, after, by: str = "process") -> pd.DataFrame:
    """Compare two captures: :func:`by_process` (default), :func:`by_mapping`,
    :func:`by_kind` or :func:`by_host`.

    >>> d = diff("sample_dumps/growth/loop/snapshot-1.smaps", "sample_dumps/growth/loop/snapshot-2.smaps", by="kind")
    >>> d[["kind", "status", "rss_delta", "anonymous_delta"]]
            kind     status  rss_delta  anonymous_delta
    0       heap      grown     274432           274432
    1      stack  unchanged          0                0
    2  anonymous      grown     802816           802816
    3   lib_code     shrunk          0                0
    4   lib_data     shrunk          0                0
    5       file     shrunk     131072                0
    6     kernel  unchanged          0                0
    >>> diff("a", "b", by="size")
    Traceback (most recent call last):
    ...
    ValueError: by must be one of ('process', 'mapping', 'kind', 'host')
    """
    if by not in BY_CHOICES:
        raise ValueError(f"by must be one of {BY_CHOICES}")
    return {"process": by_process, "mapping": by_mapping, "kind": by_kind, "host": by_host}[by](before, after)
