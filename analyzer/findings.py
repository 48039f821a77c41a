"""Findings: what is wrong in a dump and what to do, decided by an ordered table of rules.

Each rule (:data:`RULES`) has an id, the highest severity it gives, a title,
what it means, what to do, its thresholds (keyword arguments with defaults)
and a function that turns the loaded data into findings, each citing its
evidence (mapping ranges, paths, figures). :func:`findings` runs them all and
returns one row per finding (columns: :data:`COLUMNS`): one per process and
rule, or per host and capture for host-level rules (``pid`` NA).

A rule whose data is absent (no meminfo, no SysV table, no kernel log in the
input) gives nothing. The capturing tool in its own capture (sos, pmap, the
shell loop, ``cat``, ``head``, ``grep``) is never a culprit: see
:func:`is_capturing_tool`.

>>> import pandas as pd
>>> from analyzer import schema
>>> from analyzer.classify import classify
>>> MiB = 1 << 20
>>> frame = classify(schema.conform(pd.DataFrame({
...     "pid": [7, 7], "command": ["app", "app"], "perms": ["r-xp", "rw-p"],
...     "start": [0x7f0000000000, 0x7f0000100000], "end": [0x7f0000100000, 0x7f0000900000],
...     "path": ["/usr/lib/libz.so.1", None], "deleted": [True, False],
...     "rss": [MiB, 8 * MiB], "locked": [0, 8 * MiB]})))
>>> found = findings(frame)
>>> found[["rule", "severity", "pid", "bytes", "count"]]
                  rule severity  pid    bytes  count
0  deleted-mapped-file  warning    7  1048576      1
1       locked-memory     info    7  8388608      1
>>> print(found.loc[0, "evidence"])
7f0000000000-7f0000100000 r-xp /usr/lib/libz.so.1 (deleted) rss 1.0 MiB
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from . import schema, summarize
from .report.table import human_bytes
from .values import plural

MiB = 1 << 20

# severity -> rank; a finding's severity is one of these.
SEVERITIES: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}

# The findings table: (name, dtype, meaning).
COLUMNS: list[tuple[str, str, str]] = [
    ("rule", "string", "The rule's id, e.g. `malloc-arenas`."),
    ("severity", "string", "`info`, `warning` or `critical`."),
    ("host", "string", "Host name, when the dump says it."),
    ("capture", "string", "Which capture of the host (several sosreports of one host), when known."),
    ("pid", "Int64", "The process concerned; NA for host-level findings."),
    ("command", "string", "The process's command line or name, when known."),
    ("bytes", "Int64", "Bytes at stake (resident, locked, swapped, ... as the message says); NA when none."),
    ("count", "Int64", "How many things the rule counted (mappings, arenas, segments, kills)."),
    ("message", "string", "One sentence: what was found, with its figures."),
    ("evidence", "string", "What the finding rests on: mapping ranges, paths, figures; one item per line."),
]
NAMES = [name for name, _, _ in COLUMNS]

# Commands of the tools that make captures: in their own capture they are never culprits.
_TOOLS = {"sos", "sosreport", "sos-collector", "pmap", "cat", "head", "tail", "grep", "egrep", "fgrep", "ps",
          "timeout", "smemcap", "supportconfig", "tar", "gzip", "xz", "find", "xargs", "awk", "sed",
          # what sos runs while it collects (plugins process, memory, host, date, sysvipc, logs, kernel)
          "pstree", "lsof", "iotop", "free", "slabtop", "lsmem", "swapon", "uptime", "hostname", "hostnamectl",
          "hostid", "date", "hwclock", "ipcs", "sysctl", "dmesg", "journalctl", "uname", "lsmod"}
_SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "busybox"}
_INTERPRETERS = re.compile(r"^python[0-9.]*$|^platform-python$")


def is_capturing_tool(command) -> bool:
    """Whether *command* is a tool that captures memory maps (or sos, running
    in python), or a shell running a loop over ``/proc/*/smaps``.

    >>> [is_capturing_tool(c) for c in ["/usr/bin/python3 /usr/bin/sos report --batch", "pmap -X 12",
    ...  "bash -c for p in /proc/[0-9]*; do cat $p/smaps; done", "head -n 5000 /proc/1/smaps",
    ...  "/usr/libexec/platform-python -s /usr/sbin/sosreport", "/bin/bash /sbin/supportconfig -m"]]
    [True, True, True, True, True, True]
    >>> [is_capturing_tool(c) for c in ["sleep 100", "/usr/sbin/nginx -g daemon off;", "python3 app.py", None]]
    [False, False, False, False]
    """
    if not isinstance(command, str) or not command.strip():
        return False
    words = command.split()
    name = words[0].rsplit("/", 1)[-1]
    if name in _TOOLS:
        return True
    if _INTERPRETERS.match(name) or name in _SHELLS:
        args = words[1:]
        if _INTERPRETERS.match(name) and args[:2] == ["-m", "sos"]:
            return True
        script = next((w for w in args if not w.startswith("-")), "")
        if script.rsplit("/", 1)[-1] in _TOOLS:  # /usr/bin/sos, /sbin/supportconfig
            return True
        if name in _SHELLS:  # a loop over /proc/*/smaps
            return "/proc/" in command and "maps" in command
    return False


@dataclass
class Data:
    """What the rules read: the mappings table and, when the input had them, the
    process, host, SysV and OOM tables and the system accounting (each may be
    None or empty: a rule whose data is absent gives nothing)."""

    mappings: pd.DataFrame
    processes: pd.DataFrame | None = None
    hosts: pd.DataFrame | None = None
    shm: pd.DataFrame | None = None
    oom_kills: pd.DataFrame | None = None
    oom_tasks: pd.DataFrame | None = None
    system: pd.DataFrame | None = None
    _host_index: tuple | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Rule:
    """One diagnosis: *find(data, **thresholds)* yields finding dicts."""

    id: str
    severity: str          # the highest severity this rule gives
    title: str
    meaning: str
    advice: str
    thresholds: dict = field(default_factory=dict)   # name -> (default, what it means)
    find: Callable[..., list[dict]] = None
    needs: str = ""                                  # the data it reads, for "not checked" notes
    available: Callable[["Data"], bool] = lambda data: True
    levels: str = ""                                 # which severity when, for the README


def _has(frame, *cols) -> bool:
    return frame is not None and len(frame) > 0 and all(c in frame.columns for c in cols)


def _known(frame, column) -> bool:
    return _has(frame, column) and bool(frame[column].notna().any())


def _str(value):
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else str(value)


def _int(value):
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else int(value)


IDENTITY = ["host", "capture", "source", "pid", "command"]


def _with_keys(frame: pd.DataFrame, columns: list[str] | None = None) -> pd.DataFrame:
    """*frame* (only *columns* besides the identity, when given) with a ``capture``
    column (NA when the dump has none) and an integer ``_key`` that tells one
    process of one input from another (host, capture, source, pid)."""
    keep = [c for c in dict.fromkeys(IDENTITY + (columns or [])) if c in frame.columns] if columns else list(frame.columns)
    out = frame[keep].copy(deep=False) if columns else frame.copy(deep=False)
    for col in IDENTITY:
        if col not in out.columns:
            out[col] = schema.null_array(schema.STRING, len(out))
    if len(out):
        out["_key"] = out.groupby(["host", "capture", "source", "pid"], dropna=False, sort=False).ngroup()
    else:
        out["_key"] = pd.Series(dtype="int64", index=out.index)
    return out


def _culprits(frame: pd.DataFrame, columns: list[str] | None = None, mask=None) -> pd.DataFrame:
    """The rows (where *mask*, if given) of processes that may be culprits: with
    a PID, and not a capturing tool; only the identity and *columns*, keyed."""
    if columns:
        frame = frame[[c for c in dict.fromkeys(IDENTITY + columns) if c in frame.columns]]
    keep = frame["pid"].notna().to_numpy(dtype=bool, copy=True)
    if mask is not None:
        keep &= np.asarray(mask, dtype=bool)
    if "command" in frame.columns and keep.any():
        commands = frame["command"]
        tools = [c for c in commands[keep].dropna().unique() if is_capturing_tool(c)]
        if tools:
            keep &= ~commands.isin(tools).fillna(False).to_numpy(dtype=bool)
    return _with_keys(frame[keep] if not keep.all() else frame, columns)


def _finding(rule: str, severity: str, row, bytes_, count, message: str, evidence: list[str]) -> dict:
    return {"rule": rule, "severity": severity, "host": _str(row.get("host")), "capture": _str(row.get("capture")),
            "pid": _int(row.get("pid")), "command": _str(row.get("command")), "bytes": _int(bytes_),
            "count": _int(count), "message": message, "evidence": "\n".join(evidence)}


def _range(row) -> str:
    start, end = _int(row.get("start")), _int(row.get("end"))
    if start is None:
        return "?"
    if end is None and _int(row.get("size")) is not None:
        end = start + _int(row["size"])
    return f"{start:x}-{end:x}" if end is not None else f"{start:x}"


def _mapping_line(row, measure: str = "rss", label: str = "rss") -> str:
    path = _str(row.get("path")) or "[anonymous]"
    if row.get("deleted") is True:
        path += " (deleted)"
    value = _int(row.get(measure))
    figure = f" {label} {human_bytes(value)}" if value is not None else ""
    return f"{_range(row)} {_str(row.get('perms')) or '----'} {path}{figure}"


EVIDENCE = 8  # mapping lines cited per finding


def _evidence_mappings(rows: list[dict], total: int, measure: str, label: str) -> list[str]:
    """Lines citing *rows* (the first :data:`EVIDENCE` of *total* mappings)."""
    lines = [_mapping_line(r, measure, label) for r in rows[:EVIDENCE]]
    if total > len(lines):
        lines.append(f"... and {total - len(lines)} more mappings")
    return lines


def _by_process(frame: pd.DataFrame) -> dict[int, list[dict]]:
    """The rows of a keyed frame as dicts, grouped by process key (in frame order)."""
    out: dict[int, list[dict]] = {}
    for row in frame.to_dict("records"):
        out.setdefault(row["_key"], []).append(row)
    return out


def _host_value(data: Data, row, column: str):
    """A host fact (max_map_count, thp_enabled, mem_total, ...) for the host
    (and capture, when the host table tells captures apart) of *row*, or None."""
    if not _has(data.hosts, column):
        return None
    if data._host_index is None:
        hosts = data.hosts
        records = hosts.to_dict("records")
        index: dict = {}
        for rec in records:
            host, capture = _str(rec.get("host")), _str(rec.get("capture"))
            index.setdefault((host, capture), []).append(rec)
            index.setdefault((host, None), []).append(rec)
        data._host_index = (index, records)
    index, records = data._host_index
    host, capture = _str(row.get("host")), _str(row.get("capture"))
    for candidates in (index.get((host, capture), []), index.get((host, None), []) if capture is None else []):
        values = [rec[column] for rec in candidates if not pd.isna(rec.get(column, pd.NA))]
        if values and host is not None:
            return values[0]
    values = [rec[column] for rec in records if not pd.isna(rec.get(column, pd.NA))]
    return values[0] if len(values) == 1 and len(records) == 1 else None


# ---------------------------------------------------------------- rules

_NOT_FILES = re.compile(r"^/?memfd:|^/?SYSV[0-9a-fA-F]{8}$|^/dev/zero$|^/dev/shm/|^\[|^/anon_hugepage$|^/dmabuf"
                        r"|^/i915$|^/drm mm object$|^/kfd")
_LIB = re.compile(r"(?:^|/)[^/]*\.so(?:\.[0-9][0-9.]*)?$|(?:^|/)ld-linux[^/]*$")
_PACKAGE_PATHS = [re.compile(p) for p in (r"^/opt/([^/]+)/", r"^/snap/([^/]+)/", r"^/nix/store/[a-z0-9]{32}-([^/]+)/",
                                          r"^/usr/lib/jvm/([^/]+)/", r"^/var/lib/flatpak/app/([^/]+)/")]


def package_of(path: str) -> str | None:
    """The package a path belongs to, where the path itself says it (``/opt/NAME``,
    ``/snap/NAME``, ``/nix/store/HASH-NAME``, ``/usr/lib/jvm/NAME``); else None.

    >>> package_of("/opt/google/chrome/libEGL.so"), package_of("/usr/lib/libz.so.1")
    ('google', None)
    """
    for pattern in _PACKAGE_PATHS:
        m = pattern.match(path)
        if m:
            return m.group(1)
    return None


def deleted_mapped_file(data: Data) -> list[dict]:
    m = data.mappings
    if not _has(m, "deleted", "path"):
        return []
    hit = m["deleted"].fillna(False).to_numpy(dtype=bool) & m["path"].notna().to_numpy(dtype=bool)
    if not hit.any():
        return []
    if "kind" in m.columns:
        hit &= ~m["kind"].isin(["shm", "memfd", "kernel", "anonymous", "stack", "heap"]).fillna(False).to_numpy(dtype=bool)
    idx = np.flatnonzero(hit)  # only the deleted rows are looked at
    path, perms = m["path"].iloc[idx], m["perms"].iloc[idx].fillna("")
    ok = ~path.str.contains(_NOT_FILES).fillna(True).to_numpy(dtype=bool)
    code = (perms.str[2:3].eq("x") | path.str.contains(_LIB).fillna(False)).to_numpy(dtype=bool)
    shared = perms.str[3:4].eq("s").to_numpy(dtype=bool)
    # pmap prints basenames: /dev/zero arrives as "zero"; a shared deleted data file is an IPC buffer
    # (POSIX shm under another name, a compositor's buffer), not an upgraded file
    zero = path.eq("zero").fillna(False).to_numpy(dtype=bool)
    hit = np.zeros(len(m), dtype=bool)
    hit[idx[ok & (code | ~(shared | zero))]] = True
    rows = _culprits(m, ["start", "end", "size", "perms", "path", "deleted", "rss"], hit)
    out = []
    for group in _by_process(rows.sort_values(["_key", "start"], kind="stable")).values():
        code = any((r["perms"] or "")[2:3] == "x" or _LIB.search(r["path"]) for r in group)
        paths = list(dict.fromkeys(r["path"] for r in group))
        known = [r["rss"] for r in group if not pd.isna(r["rss"])]
        rss = sum(known) if len(known) == len(group) else None
        what = (("deleted executable or library", "deleted executables or libraries") if code
                else ("deleted file", "deleted files"))
        packages = sorted({p for p in map(package_of, paths) if p})
        message = (f"maps {plural(len(paths), *what)} "
                   f"({', '.join(paths[:3])}{', ...' if len(paths) > 3 else ''})"
                   + (f" of package {', '.join(packages)}" if packages else "")
                   + (": it still runs the old copy (upgraded, not restarted)" if code else
                      ": the file's space stays in use until the process unmaps it")
                   + (f"; {human_bytes(rss)} resident" if rss is not None else ""))
        out.append(_finding("deleted-mapped-file", "warning" if code else "info", group[0], rss, len(paths),
                            message, _evidence_mappings(group, len(group), "rss", "rss")))
    return out


_ARENA_NAME = "[anon: glibc: malloc arena]"


def arena_heaps(frame: pd.DataFrame) -> pd.DataFrame:
    """The mappings that are glibc malloc arena heaps (the ``rw-p`` part of each),
    with a ``heap_max`` column: HEAP_MAX_SIZE, 64 MiB on 64-bit, 1 MiB on 32-bit.

    A heap is HEAP_MAX-aligned; glibc reserves it ``---p`` and makes the used
    part ``rw-p``, so it shows as an aligned ``rw-p`` mapping followed by a
    ``---p`` one, together HEAP_MAX (or one ``rw-p`` of HEAP_MAX when full).
    glibc 2.39+ may name them ``[anon: glibc: malloc arena]``.
    """
    cols = ["start", "end", "perms", "path"]
    if not _has(frame, *cols):
        return frame.iloc[:0].assign(heap_max=pd.Series(dtype="Int64"))
    f = frame[frame["start"].notna().to_numpy(dtype=bool)]
    f = f.sort_values(["_key", "start"], kind="stable") if "_key" in f.columns else f.sort_values("start")
    key = f["_key"].to_numpy() if "_key" in f.columns else np.zeros(len(f))
    start = f["start"].astype("float64").to_numpy()  # exact below 2**53, as every user address is
    end = (f["end"].fillna(f["start"] + f["size"].astype("UInt64")) if "size" in f else f["end"])
    end = end.astype("float64").to_numpy()
    path = f["path"].astype("string")
    anon = path.isna() | path.eq(_ARENA_NAME)
    anon = anon.fillna(False).to_numpy(dtype=bool)
    perms = f["perms"].astype("string").fillna("").to_numpy()
    # 32-bit processes: every address below 4 GiB
    top = pd.Series(end).groupby(key).transform("max").to_numpy()
    heap_max = np.where(top <= 2.0 ** 32, float(MiB), 64.0 * MiB)
    aligned = np.mod(start, heap_max) == 0
    rw = perms == "rw-p"
    nxt = np.arange(1, len(f) + 1).clip(max=max(len(f) - 1, 0))
    same = (key[nxt] == key) & (np.arange(len(f)) < len(f) - 1)
    pair = (same & anon[nxt] & (perms[nxt] == "---p") & (start[nxt] == end) & (end[nxt] - start == heap_max))
    full = (end - start) == heap_max
    named = path.eq(_ARENA_NAME).fillna(False).to_numpy(dtype=bool)
    hit = rw & anon & ((aligned & (pair | full)) | named)
    return f[hit].assign(heap_max=pd.array(heap_max[hit].astype(np.int64), dtype="Int64"))


def malloc_arenas(data: Data, min_arenas: int = 8, min_arena_rss: int = 64 * MiB) -> list[dict]:
    m = data.mappings
    if not _has(m, "start", "perms", "path"):
        return []
    candidates = ((m["path"].isna() | m["path"].eq(_ARENA_NAME).fillna(False)).to_numpy(dtype=bool)
                  & m["perms"].isin(["rw-p", "---p"]).fillna(False).to_numpy(dtype=bool))
    heaps = arena_heaps(_culprits(m, ["start", "end", "size", "perms", "path", "rss"], candidates))
    out = []
    for group in _by_process(heaps).values():
        known = [r["rss"] for r in group if not pd.isna(r["rss"])]
        rss = sum(known) if known and len(known) == len(group) else None
        n = len(group)
        if n < min_arenas or rss is None or rss < min_arena_rss:
            continue
        heap_max = int(group[0]["heap_max"])
        message = (f"{n} glibc malloc arena heaps ({heap_max // MiB} MiB-aligned anonymous regions) hold "
                   f"{human_bytes(rss)} resident: per-thread arenas keep freed memory; try MALLOC_ARENA_MAX=2 "
                   "(or 4), or malloc_trim(0)")
        out.append(_finding("malloc-arenas", "warning", group[0], rss, n, message,
                            _evidence_mappings(group, n, "rss", "rss")))
    return out


def map_count(data: Data, map_warn_ratio: float = 0.4, map_critical_ratio: float = 0.8,
              default_max_map_count: int = 65530) -> list[dict]:
    m = data.mappings
    if not _has(m, "pid"):
        return []
    limits = [default_max_map_count]
    if _has(data.hosts, "max_map_count"):
        limits += [int(v) for v in data.hosts["max_map_count"].dropna()]
    keyed = _with_keys(m, ["pid"])
    counts = keyed.groupby("_key", sort=False).size()
    counts = counts[counts >= map_warn_ratio * min(limits)]
    if not len(counts):
        return []
    procs = _culprits(m, ["pid"], keyed["_key"].isin(counts.index).to_numpy(dtype=bool))
    counts = procs.groupby("_key", sort=False).size()
    firsts = procs.drop_duplicates("_key").set_index("_key")
    out = []
    for key, n in counts.items():
        row = firsts.loc[key].to_dict()
        limit = _host_value(data, row, "max_map_count")
        said = limit is not None and not pd.isna(limit)
        limit = int(limit) if said else default_max_map_count
        ratio = n / limit if limit else 0.0
        if ratio < map_warn_ratio:
            continue
        severity = "critical" if ratio >= map_critical_ratio else "warning"
        message = (f"{n:,} mappings, {ratio:.0%} of vm.max_map_count {limit:,}"
                   f" ({'from the report' if said else 'the kernel default; the report does not say'}): "
                   "mmap and thread creation fail at the limit")
        out.append(_finding("map-count", severity, row, None, n, message,
                            [f"{n:,} mappings", f"vm.max_map_count {limit:,}" + ("" if said else " (default)")]))
    return out


def _per_process(data: Data, column: str, status_column: str, min_bytes: int):
    """Per process: (identity, bytes, mappings counted, evidence rows) from smaps
    *column*, else (no evidence rows) from the process table's *status_column*."""
    m = data.mappings
    seen = set()
    if _has(m, column) and not m.index.is_unique:
        m = m.reset_index(drop=True)  # rows are fetched again by label below
    if _has(m, column):
        said = m.loc[m[column].notna().to_numpy(dtype=bool), ["host", "pid"]].drop_duplicates()
        seen = set(zip(said["host"].astype("string").fillna("\x00"), said["pid"]))  # smaps said, status is not needed
        rows = _culprits(m, [column], m[column].fillna(0).gt(0).to_numpy(dtype=bool))
        if len(rows):
            sums = rows.groupby("_key", sort=False)[column].agg(["sum", "size"])
            sums = sums[sums["sum"] >= min_bytes]
            # the evidence: each process's largest mappings, strings fetched for those rows only
            sel = rows.loc[rows["_key"].isin(sums.index).to_numpy(dtype=bool), ["_key", column]]
            order = np.lexsort((-sel[column].to_numpy(dtype="float64"), sel["_key"].to_numpy()))
            sel = sel.iloc[order]
            sel = sel[(sel.groupby("_key", sort=False).cumcount() < EVIDENCE).to_numpy(dtype=bool)]
            detail = m.loc[sel.index, [c for c in ("start", "end", "size", "perms", "path", "deleted")
                                       if c in m.columns]]
            top = pd.concat([rows.loc[sel.index, IDENTITY + [column, "_key"]], detail], axis=1)
            evidence = _by_process(top)
            for key, (total, n) in zip(sums.index, sums.itertuples(index=False)):
                yield evidence[key][0], int(total), int(n), evidence[key]
    p = data.processes
    if _has(p, status_column, "pid"):
        p = _culprits(p, [status_column], p[status_column].fillna(0).gt(0).to_numpy(dtype=bool))
        for row in p.to_dict("records"):
            host = _str(row.get("host"))
            if (host if host is not None else "\x00", row["pid"]) in seen or int(row[status_column]) < min_bytes:
                continue
            yield row, int(row[status_column]), None, None


def locked_memory(data: Data, min_locked: int = 1, locked_warn_fraction: float = 0.1) -> list[dict]:
    out = []
    for row, total, n, rows in _per_process(data, "locked", "vm_lck", min_locked):
        mem_total = _host_value(data, row, "mem_total")
        big = mem_total is not None and not pd.isna(mem_total) and total >= locked_warn_fraction * int(mem_total)
        message = (f"{human_bytes(total)} locked in memory (mlock/mlockall): it can never be swapped or reclaimed"
                   + (f", {total / int(mem_total):.0%} of MemTotal" if big else ""))
        evidence = (_evidence_mappings(rows, n, "locked", "locked") if rows is not None
                    else [f"VmLck {human_bytes(total)} (status)"])
        out.append(_finding("locked-memory", "warning" if big else "info", row, total, n, message, evidence))
    return out


def thp_usage(data: Data, min_thp: int = 64 * MiB) -> list[dict]:
    out = []
    for row, total, n, rows in _per_process(data, "anon_huge_pages", "rollup_anon_huge_pages", min_thp):
        mode = _host_value(data, row, "thp_enabled")
        mode = _str(mode)
        message = (f"{human_bytes(total)} of anonymous memory in transparent huge pages"
                   + (f" (THP mode: {mode})" if mode else "")
                   + ": a huge page is resident whole, so RSS can exceed what the program touched")
        evidence = (_evidence_mappings(rows, n, "anon_huge_pages", "AnonHugePages") if rows is not None
                    else [f"AnonHugePages {human_bytes(total)} (smaps_rollup)"])
        if mode:
            evidence.append(f"/sys/kernel/mm/transparent_hugepage/enabled: {mode}")
        out.append(_finding("thp-usage", "info", row, total, n, message, evidence))
    return out


def swap_used(data: Data, min_swap: int = MiB) -> list[dict]:
    out = []
    for row, total, n, rows in _per_process(data, "swap", "vm_swap", min_swap):
        message = f"{human_bytes(total)} swapped out: touching it again costs disk reads"
        evidence = (_evidence_mappings(rows, n, "swap", "swap") if rows is not None
                    else [f"VmSwap {human_bytes(total)} (status)"])
        out.append(_finding("swap-used", "info", row, total, n, message, evidence))
    return out


def _host_row(row) -> dict:
    return {"host": row.get("host"), "capture": row.get("capture"), "pid": None, "command": None}


def sysv_shm_orphan(data: Data, min_orphan_bytes: int = 0) -> list[dict]:
    shm = data.shm
    if not _has(shm, "nattch"):
        return []
    orphans = shm[shm["nattch"].eq(0).fillna(False).to_numpy(dtype=bool)]
    if min_orphan_bytes:
        held = orphans["rss"] if "rss" in orphans.columns else orphans["bytes"]
        orphans = orphans[held.fillna(orphans["bytes"]).ge(min_orphan_bytes).fillna(True).to_numpy(dtype=bool)]
    if "capture" not in orphans.columns:
        orphans = orphans.assign(capture=None)
    if "host" not in orphans.columns:
        orphans = orphans.assign(host=None)
    out = []
    for _, group in orphans.groupby(["host", "capture"], dropna=False, sort=False):
        size = group["bytes"].sum(min_count=1) if "bytes" in group else None
        rss = group["rss"].sum(min_count=1) if "rss" in group else None
        held = _int(rss) if _int(rss) is not None else _int(size)
        evidence = []
        for r in group.to_dict("records"):
            key = _int(r.get("key"))
            parts = [f"shmid {_int(r.get('shmid'))}",
                     "key ?" if key is None else "key IPC_PRIVATE" if key == 0 else f"key 0x{key & 0xffffffff:08x}",
                     f"size {human_bytes(_int(r.get('bytes')))}" if _int(r.get("bytes")) is not None else None,
                     f"rss {human_bytes(_int(r.get('rss')))}" if _int(r.get("rss")) is not None else None,
                     f"swap {human_bytes(_int(r.get('swap')))}" if _int(r.get("swap")) is not None else None,
                     f"owner {_str(r.get('owner'))}" if _str(r.get("owner")) else None,
                     f"perms {_str(r.get('perms'))}" if _str(r.get("perms")) else None,
                     f"creator PID {_int(r.get('cpid'))}" if _int(r.get("cpid")) is not None else None,
                     f"last PID {_int(r.get('lpid'))}" if _int(r.get("lpid")) is not None else None]
            evidence.append(", ".join(p for p in parts if p) + ", nattch 0")
        n = len(group)
        message = (f"{n} SysV shared memory segment{'s' if n > 1 else ''} with no process attached hold"
                   f"{'s' if n == 1 else ''} "
                   + (f"{human_bytes(_int(rss))} resident" if _int(rss) is not None else
                      f"{human_bytes(_int(size))}" if _int(size) is not None else "memory")
                   + (f" (size {human_bytes(_int(size))})" if _int(rss) is not None and _int(size) is not None else "")
                   + ": memory no process uses; remove with `ipcrm -m SHMID` once sure its owner is gone")
        out.append(_finding("sysv-shm-orphan", "warning", _host_row(group.iloc[0].to_dict()), held, n,
                            message, evidence))
    return out


def shmem_unmapped(data: Data, min_unmapped: int = 32 * MiB) -> list[dict]:
    hosts = data.hosts
    if not _has(hosts, "shmem"):
        return []
    m = data.mappings
    shared = None
    if _has(m, "kind"):
        # shared memory mapped: shm and memfd kinds, and files on anonymous-device filesystems
        # (tmpfs: /dev/shm, /run, a journald journal): counted generously, so the rule errs on silence
        mask = m["kind"].isin(["shm", "memfd"]).fillna(False).to_numpy(dtype=bool, copy=True)
        if _has(m, "dev", "inode"):
            mask |= (m["dev"].str.startswith("00:").fillna(False) & m["inode"].fillna(0).gt(0)
                     & m["path"].str.startswith("/").fillna(False)).to_numpy(dtype=bool)
        shared = _with_keys(m[mask], ["dev", "inode", "path", "pss", "rss"])
    out = []
    for row in hosts.to_dict("records"):
        shmem = _int(row.get("shmem"))
        if shmem is None:
            continue
        host, capture = _str(row.get("host")), _str(row.get("capture"))
        mapped = 0
        if shared is not None and len(shared):
            mine = shared
            if host is not None:
                mine = mine[mine["host"].astype("string").eq(host).fillna(False).to_numpy(dtype=bool)]
            if capture is not None:
                mine = mine[mine["capture"].astype("string").eq(capture).fillna(False).to_numpy(dtype=bool)]
            # PSS adds up to each shared page once; without PSS, the largest RSS per object
            if len(mine) and mine["pss"].notna().all():
                mapped = int(mine["pss"].sum())
            elif len(mine):
                mapped = int(mine.groupby(["dev", "inode", "path"], dropna=False)["rss"].max().fillna(0).sum())
        orphan = 0
        if _has(data.shm, "nattch"):
            s = data.shm
            if host is not None and "host" in s.columns:
                s = s[s["host"].astype("string").eq(host).fillna(False).to_numpy(dtype=bool)]
            s = s[s["nattch"].eq(0).fillna(False).to_numpy(dtype=bool)]
            if len(s):
                orphan = int((s["rss"] if "rss" in s.columns else s["bytes"]).fillna(0).sum())
        unmapped = shmem - mapped - orphan
        if unmapped < min_unmapped:
            continue
        message = (f"meminfo's Shmem is {human_bytes(shmem)}, but processes map only {human_bytes(mapped)} of shared "
                   f"memory: {human_bytes(unmapped)} is held by tmpfs or /dev/shm files that no process maps "
                   "(look at `df -h -t tmpfs` and /dev/shm)")
        evidence = [f"Shmem {human_bytes(shmem)} (meminfo)", f"shared memory mapped by processes {human_bytes(mapped)}"
                    " (PSS of shm, memfd and tmpfs file mappings)"]
        if orphan:
            evidence.append(f"SysV segments with no process attached {human_bytes(orphan)} (see sysv-shm-orphan)")
        out.append(_finding("shmem-unmapped", "warning", {"host": host, "capture": capture}, unmapped, None,
                            message, evidence))
    return out


def unexplained_memory(data: Data, unexplained_info_fraction: float = 0.05, unexplained_warn_fraction: float = 0.15) -> list[dict]:
    s = data.system
    if not _has(s, "unexplained", "mem_total"):
        return []
    s = s.reset_index() if "host" not in s.columns and s.index.name == "host" else s
    out = []
    for row in s.to_dict("records"):
        unexplained, total = _int(row.get("unexplained")), _int(row.get("mem_total"))
        if unexplained is None or not total:
            continue
        ratio = unexplained / total
        if ratio < unexplained_info_fraction:
            continue
        severity = "warning" if ratio >= unexplained_warn_fraction else "info"
        message = (f"{human_bytes(unexplained)} ({ratio:.0%} of MemTotal) is used but explained by neither "
                   "processes, page cache, shared memory nor the kernel's own accounts: look for kernel leaks "
                   "(slab, vmalloc), drivers, or processes missing from the capture")
        evidence = [f"unexplained {human_bytes(unexplained)}", f"MemTotal {human_bytes(total)}"]
        if _int(row.get("used")) is not None:
            evidence.append(f"used {human_bytes(_int(row['used']))}")
        out.append(_finding("unexplained-memory", severity, {"host": row.get("host"), "capture": row.get("capture")},
                            unexplained, None, message, evidence))
    return out


def oom_kill(data: Data, oom_biggest: int = 5) -> list[dict]:
    kills = data.oom_kills
    if not _has(kills, "pid"):
        return []
    tasks = data.oom_tasks
    out = []
    for row in kills.to_dict("records"):
        rss_parts = [_int(row.get(c)) for c in ("anon_rss", "file_rss", "shmem_rss")]
        rss = sum(v for v in rss_parts if v is not None) if any(v is not None for v in rss_parts) else None
        name = _str(row.get("name"))
        when = _str(row.get("time"))
        memcg = _str(row.get("memcg"))
        message = (f"the kernel's OOM killer killed PID {_int(row.get('pid'))} ({name or 'name unknown'})"
                   + (f" at {when}" if when else "")
                   + (f", {human_bytes(rss)} resident" if rss is not None else "")
                   + (f", constraint {_str(row.get('constraint'))}" if _str(row.get("constraint")) else "")
                   + (f" in memory cgroup {memcg}" if memcg else "")
                   + ": memory ran out; see the biggest processes at that moment")
        evidence = []
        for col in ("total_vm", "anon_rss", "file_rss", "shmem_rss"):
            if _int(row.get(col)) is not None:
                evidence.append(f"{col} {human_bytes(_int(row[col]))}")
        if _int(row.get("oom_score_adj")) is not None:
            evidence.append(f"oom_score_adj {_int(row['oom_score_adj'])}")
        if _has(tasks, "rss", "event"):
            same = tasks["event"].eq(row.get("event")).fillna(False)
            for col in ("host", "source"):
                if col in tasks.columns and row.get(col) is not None:
                    same &= tasks[col].astype("string").eq(_str(row[col])).fillna(False)
            top = tasks[same.to_numpy(dtype=bool)].sort_values("rss", ascending=False, kind="stable").head(oom_biggest)
            for t in top.to_dict("records"):
                evidence.append(f"at that moment: PID {_int(t.get('pid'))} {_str(t.get('name')) or '?'} "
                                f"rss {human_bytes(_int(t.get('rss')))}" if _int(t.get("rss")) is not None else "")
        victim = {"host": row.get("host"), "capture": row.get("capture"), "pid": row.get("pid"), "command": name}
        out.append(_finding("oom-kill", "critical", victim, rss, 1, message, [e for e in evidence if e]))
    return out


RULES: list[Rule] = [
    Rule("oom-kill", "critical", "Processes killed by the OOM killer",
         "The kernel log records an out-of-memory kill: the machine (or a memory cgroup) ran out of memory and "
         "the kernel killed the process it scored worst.",
         "Find what grew (the biggest processes at that moment are listed); raise the limit, add memory or "
         "swap, or cap the culprit. Protect critical services with oom_score_adj.",
         {"oom_biggest": (5, "how many of the biggest processes at the kill to cite")},
         oom_kill, needs="the kernel log (sosreport)",
         available=lambda d: d.oom_kills is not None,
         levels="critical, one finding per kill"),
    Rule("map-count", "critical", "Near the limit on mappings per process",
         "A process has many mappings compared with vm.max_map_count (the report's value, else the kernel "
         "default 65530); at the limit mmap, malloc and thread creation fail with ENOMEM.",
         "Raise vm.max_map_count (sysctl), or find what fragments the address space (many small mmaps, "
         "mprotect of parts of regions, a leak of mappings).",
         {"map_warn_ratio": (0.4, "warning from this fraction of the limit"),
          "map_critical_ratio": (0.8, "critical from this fraction of the limit"),
          "default_max_map_count": (65530, "the limit when the report does not say")},
         map_count, needs="memory maps",
         available=lambda d: _has(d.mappings, "pid"),
         levels="warning from `map_warn_ratio` of the limit, critical from `map_critical_ratio`"),
    Rule("deleted-mapped-file", "warning", "Deleted executables and libraries still mapped",
         "A process maps a file that was deleted after it was mapped: usually a library or program that was "
         "upgraded while the process ran, so the process still runs the old (maybe vulnerable) code. memfd, "
         "SysV, /dev/zero and POSIX shared memory (/dev/shm) look the same in smaps and are not reported, nor "
         "are deleted data files mapped shared (`rw-s`: shared-memory buffers under another name). Findings "
         "name the paths, and the package where the path says it (`/opt/NAME`, `/snap/NAME`, ...).",
         "Restart the process (needrestart or `lsof +L1` show the rest).",
         {},
         deleted_mapped_file, needs="memory maps",
         available=lambda d: _has(d.mappings, "deleted"),
         levels="warning for code (`x` permission or a `.so`), info for other files"),
    Rule("malloc-arenas", "warning", "Memory held in glibc malloc arenas",
         "glibc gives threads their own malloc arenas (up to 8 per core); each is one or more heaps: "
         "HEAP_MAX_SIZE-aligned anonymous regions (64 MiB on 64-bit, 1 MiB on 32-bit), an rw-p part "
         "followed by ---p, or named `[anon: glibc: malloc arena]` (glibc 2.39+). Freed memory stays in "
         "the arena, so RSS grows far above what the program uses.",
         "Set MALLOC_ARENA_MAX=2 (or 4) in the service's environment, call malloc_trim(0) after peaks, or "
         "use jemalloc/tcmalloc.",
         {"min_arenas": (8, "arena heaps a process must have"),
          "min_arena_rss": (64 * MiB, "bytes they must hold resident together")},
         malloc_arenas, needs="memory maps with addresses",
         available=lambda d: _has(d.mappings, "start", "perms"),
         levels="warning"),
    Rule("sysv-shm-orphan", "warning", "SysV shared memory nobody attaches",
         "A SysV shared memory segment exists with no process attached (nattch 0): its memory stays used "
         "until someone removes it.",
         "Check the creator (cpid) is gone for good, then `ipcrm -m SHMID`.",
         {"min_orphan_bytes": (0, "report only segments holding at least this many bytes")},
         sysv_shm_orphan, needs="the SysV shared memory table (sosreport with the sysvipc plugin)",
         available=lambda d: _has(d.shm, "nattch"),
         levels="warning, one per host and capture"),
    Rule("shmem-unmapped", "warning", "Shared memory that no process maps",
         "meminfo's Shmem (tmpfs, /dev/shm, SysV and shared anonymous memory) exceeds the shared memory that "
         "the processes map (PSS of their shm, memfd and tmpfs file mappings: files on a device `00:NN`) "
         "plus the SysV segments nobody attaches: "
         "files in tmpfs or /dev/shm that nobody maps hold the rest.",
         "Look for large files in /dev/shm, /run and other tmpfs mounts (`df -h -t tmpfs`) and remove the "
         "stale ones.",
         {"min_unmapped": (32 * MiB, "bytes unmapped before it is reported")},
         shmem_unmapped, needs="meminfo (sosreport)",
         available=lambda d: _has(d.hosts, "shmem"),
         levels="warning, one per host and capture"),
    Rule("unexplained-memory", "warning", "Memory the accounting cannot explain",
         "The system's used memory minus everything accounted (processes, page cache, shared memory, slab, "
         "page tables, ...) is large.",
         "Look at slab (slabtop), vmalloc and driver memory; check that the capture has every process.",
         {"unexplained_info_fraction": (0.05, "info from this fraction of MemTotal"),
          "unexplained_warn_fraction": (0.15, "warning from this fraction of MemTotal")},
         unexplained_memory, needs="meminfo and the system accounting (sosreport)",
         available=lambda d: _has(d.system, "unexplained"),
         levels="info from `unexplained_info_fraction` of MemTotal, warning from `unexplained_warn_fraction`"),
    Rule("locked-memory", "warning", "Memory locked with mlock",
         "Pages locked by mlock/mlockall (smaps Locked, status VmLck) cannot be swapped or reclaimed.",
         "Expected for databases, real-time and security software; otherwise check RLIMIT_MEMLOCK and why "
         "the program locks memory.",
         {"min_locked": (1, "bytes locked before it is reported"),
          "locked_warn_fraction": (0.1, "warning from this fraction of MemTotal (when the report has it)")},
         locked_memory, needs="smaps Locked or status VmLck",
         available=lambda d: _known(d.mappings, "locked") or _has(d.processes, "vm_lck"),
         levels="info; warning from `locked_warn_fraction` of MemTotal"),
    Rule("thp-usage", "info", "Transparent huge pages",
         "Anonymous memory backed by 2 MiB transparent huge pages (smaps AnonHugePages). A huge page is "
         "resident whole, so sparse use makes RSS far larger than the memory touched.",
         "If RSS matters more than speed, set THP to madvise or never "
         "(/sys/kernel/mm/transparent_hugepage/enabled), or stop the program's MADV_HUGEPAGE.",
         {"min_thp": (64 * MiB, "bytes in huge pages before it is reported")},
         thp_usage, needs="smaps AnonHugePages (pmap -X leaves it out)",
         available=lambda d: _known(d.mappings, "anon_huge_pages") or _has(d.processes, "rollup_anon_huge_pages"),
         levels="info"),
    Rule("swap-used", "info", "Swapped-out memory",
         "Part of the process's anonymous memory is in swap (smaps Swap, status VmSwap).",
         "Expected under memory pressure; if the process is latency-sensitive, give it more memory or lock "
         "its working set.",
         {"min_swap": (MiB, "bytes in swap before it is reported")},
         swap_used, needs="smaps Swap or status VmSwap",
         available=lambda d: _known(d.mappings, "swap") or _has(d.processes, "vm_swap"),
         levels="info"),
]
BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


def thresholds() -> dict[str, object]:
    """Every rule's thresholds and their defaults (the keyword arguments of :func:`findings`)."""
    return {name: default for r in RULES for name, (default, _) in r.thresholds.items()}


def data_of(source) -> Data:
    """The rules' view of a :class:`~analyzer.dataset.Dataset` or a mappings frame."""
    if isinstance(source, pd.DataFrame):
        return Data(mappings=source)
    system = None
    by_system = getattr(summarize, "by_system", None)  # the system accounting, where it exists
    if by_system is not None and _has(source.hosts, "mem_total"):
        system = by_system(source)
    # a Dataset always has the shm and OOM tables; empty ones count as read only when an input held
    # that kind of file (else the rule is "not checked", not "nothing found")
    formats = {f for rep in getattr(source, "inputs", []) for f in rep.formats}

    def table(name: str, fmt: str):
        frame = getattr(source, name, None)
        return frame if frame is not None and (len(frame) or fmt in formats) else None

    return Data(mappings=source.mappings, processes=source.processes, hosts=source.hosts,
                shm=table("shm", "sysvipc"), oom_kills=table("oom_kills", "kernlog"),
                oom_tasks=table("oom_tasks", "kernlog"), system=system)


def findings(source, min_severity: str = "info", rules: list[str] | None = None, **limits) -> pd.DataFrame:
    """Every finding of *source* (a Dataset or a mappings frame), most severe first.

    *limits* override rule thresholds by name (see :func:`thresholds`), e.g.
    ``findings(ds, min_arenas=4, min_thp=0)``.
    """
    if min_severity not in SEVERITIES:
        raise ValueError(f"unknown severity {min_severity!r}: choose from {', '.join(SEVERITIES)}")
    unknown = set(limits) - set(thresholds())
    if unknown:
        raise ValueError(f"unknown threshold(s): {', '.join(sorted(unknown))}")
    data = data_of(source)
    rows = []
    for order, rule in enumerate(RULES):
        if rules is not None and rule.id not in rules:
            continue
        kwargs = {name: limits[name] for name in rule.thresholds if name in limits}
        for found in rule.find(data, **kwargs):
            found["_order"] = order
            rows.append(found)
    frame = pd.DataFrame(rows, columns=NAMES + ["_order"])
    frame = frame[frame["severity"].map(SEVERITIES).ge(SEVERITIES[min_severity]).to_numpy(dtype=bool)]
    frame = frame.assign(_rank=-frame["severity"].map(SEVERITIES).astype("int64"),
                         _bytes=-pd.to_numeric(frame["bytes"], errors="coerce").fillna(-1))
    frame = frame.sort_values(["_rank", "_order", "_bytes", "host", "pid"], kind="stable", na_position="last")
    out = frame[NAMES].reset_index(drop=True)
    return out.astype({name: dtype for name, dtype, _ in COLUMNS})


def unchecked(source) -> list[tuple[str, str]]:
    """The rules that could not run on *source* for want of data: (rule id, what it needs)."""
    data = data_of(source)
    return [(r.id, r.needs) for r in RULES if not r.available(data)]


def _default(value) -> str:
    if isinstance(value, int) and value >= MiB and value % MiB == 0:
        return f"{value // MiB} MiB"
    return f"{value:g}" if isinstance(value, float) else str(value)


def markdown_table() -> str:
    """The README's table of rules, generated from :data:`RULES`."""
    lines = ["| rule | gives | what it means | what to do | thresholds (`--set NAME=VALUE`) |",
             "| --- | --- | --- | --- | --- |"]
    for r in RULES:
        limits = "; ".join(f"`{name}` = {_default(default)}: {doc}" for name, (default, doc) in r.thresholds.items())
        lines.append(f"| `{r.id}` | {r.levels} | {r.meaning} Needs {r.needs}. | {r.advice} | {limits or 'none'} |")
    return "\n".join(lines)


def worst(frame: pd.DataFrame) -> str | None:
    """The highest severity in a findings frame, or None when it is empty."""
    if not len(frame):
        return None
    return max(frame["severity"], key=SEVERITIES.__getitem__)
