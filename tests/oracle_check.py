"""Compare memmaps with an independent oracle's expected totals.

The oracle (``sample_dumps/smaps/src/oracle_totals.py``, stdlib only, no
memmaps code) writes per-process mapping counts and ``kB`` sums. This module
checks that :func:`analyzer.load_dataset` reproduces them exactly in bytes.

Usable on any folder of dumps with ``X.expected.json`` beside each ``X``
(e.g. real dumps kept outside the repository)::

    .venv/bin/python tests/oracle_check.py /tmp/realdumps/smaps
    .venv/bin/python tests/oracle_check.py /tmp/realdumps/sosreport   # sosreport oracle's schema
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

import analyzer
from analyzer import schema
from analyzer.errors import MemmapsError


def _key(value) -> str:
    return "?" if value is pd.NA or value is None else str(int(value))


def problems(input_path: Path, expected: dict) -> list[str]:
    """Every difference between memmaps and the oracle, as text (empty: agreement)."""
    out: list[str] = []
    try:
        ds = analyzer.load_dataset(input_path)
    except MemmapsError as exc:
        if expected.get("compressed_stream_truncated") or expected.get("expect_error"):
            return []
        return [f"error: {exc}"]
    if expected.get("format") == "sosreport":
        return _sosreport_problems(ds, expected)
    frame = ds.mappings
    frame = frame[frame["kind"].ne("rollup").fillna(True)]  # smaps_rollup alone: a process's totals, not a mapping
    procs = expected["processes"]
    total = expected["totals"]["mappings"]
    if len(frame) != total:
        out.append(f"mappings: {len(frame)} != {total}")
    ours = {k: g for k, g in frame.groupby(frame["pid"].map(_key))}
    numeric = _merge_repeats({k: v for k, v in procs.items() if k.split("#")[0].isdigit()})
    if numeric:
        for pid, exp in numeric.items():
            if exp["mappings"] == 0:
                if pid in ours:
                    out.append(f"pid {pid}: has mappings, oracle says none")
                continue
            if pid not in ours:
                out.append(f"pid {pid}: missing")
                continue
            out += _compare(ours[pid], exp, f"pid {pid}")
    elif len(procs) == 1 and total:
        (exp,) = procs.values()
        out += _compare(frame, exp, "the process")
    for pid, exp in procs.items():
        if not exp.get("rollup_records") or not pid.isdigit() and len(procs) > 1:
            continue
        rows = ds.processes[ds.processes["pid"].map(_key) == pid] if pid.isdigit() else ds.processes
        rows = rows[rows.get("rollup_rss", pd.Series(dtype=object)).notna()] if "rollup_rss" in rows else rows.iloc[0:0]
        if not len(rows):
            out.append(f"{pid}: rollup missing")
            continue
        row = rows.iloc[0]
        for key, kb in exp["kB"].items():
            col = f"rollup_{schema.field_column(key)}"
            if col not in row or row[col] != kb * 1024:
                out.append(f"{pid}: rollup {key}: {row.get(col)} != {kb * 1024}")
    return out


def _sosreport_problems(ds, expected: dict) -> list[str]:
    """Against ``sample_dumps/sosreport/src/oracle_totals.py``: per PID the mapping count, the kB
    sums, ps's USER and COMMAND; the host; the PIDs found in ps only."""
    out: list[str] = []
    frame, procs = ds.mappings, ds.processes
    if len(frame) != expected["totals"]["mappings"]:
        out.append(f"mappings: {len(frame)} != {expected['totals']['mappings']}")
    for pid, exp in expected["processes"].items():
        rows = frame[frame["pid"] == int(pid)]
        if len(rows) != exp["mappings"]:
            out.append(f"pid {pid}: mappings {len(rows)} != {exp['mappings']}")
        for key, kb in exp.items():
            if key in ("mappings", "user", "command") or not isinstance(kb, int):
                continue
            got = int(rows[schema.field_column(key)].sum()) if len(rows) else 0
            if got != kb * 1024:
                out.append(f"pid {pid}: {key}: {got} != {kb * 1024}")
        proc = procs[procs["pid"] == int(pid)]
        for key in ("user", "command"):
            if key in exp and (not len(proc) or proc[key].iloc[0] != exp[key]):
                out.append(f"pid {pid}: {key}: {list(proc[key]) if len(proc) else None} != {exp[key]!r}")
    hosts = set(frame["host"].dropna().unique()) if "host" in frame else set()
    if hosts != {expected["hostname"]}:
        out.append(f"host: {sorted(hosts)} != {expected['hostname']!r}")
    only_ps = sorted(int(p) for p in procs.loc[procs["source_format"] == "ps", "pid"]) if len(procs) else []
    notices = " ".join(str(n) for n in ds.notices)
    for pid in expected.get("pids_only_in_ps", []):
        if pid not in only_ps and str(pid) not in notices:
            out.append(f"pid {pid}: in ps only, but memmaps does not say so")
    return out


def _merge_repeats(procs: dict) -> dict:
    """The oracle keys a PID's second block in one file ``N#2``; memmaps keeps
    both under PID N (with a warning): add them up to compare."""
    out: dict = {}
    for key, exp in procs.items():
        pid = key.split("#")[0]
        if pid not in out:
            out[pid] = json.loads(json.dumps(exp))
            continue
        acc = out[pid]
        acc["mappings"] += exp["mappings"]
        acc["vsize_kB_from_addresses"] += exp["vsize_kB_from_addresses"]
        for field in ("kB", "unitless"):
            for k, v in exp.get(field, {}).items():
                acc.setdefault(field, {})[k] = acc.get(field, {}).get(k, 0) + v
        for path, sub in exp.get("by_path", {}).items():
            tgt = acc.setdefault("by_path", {}).setdefault(path, {k: 0 for k in sub})
            for k, v in sub.items():
                tgt[k] = tgt.get(k, 0) + v
    return out


def _compare(group: pd.DataFrame, exp: dict, label: str) -> list[str]:
    out = []
    if len(group) != exp["mappings"]:
        out.append(f"{label}: mappings {len(group)} != {exp['mappings']}")
    for key, kb in exp["kB"].items():
        col = schema.field_column(key)
        got = int(group[col].sum()) if col in group else None
        if got != kb * 1024:
            out.append(f"{label}: {key}: {got} != {kb * 1024}")
    for key, count in exp.get("unitless", {}).items():
        got = int(group[schema.field_column(key)].sum())
        if got != count:
            out.append(f"{label}: {key}: {got} != {count}")
    span = int((group["end"].astype("object") - group["start"].astype("object")).sum())
    if span != exp["vsize_kB_from_addresses"] * 1024:
        out.append(f"{label}: virtual size {span} != {exp['vsize_kB_from_addresses'] * 1024}")
    raw_path = group["path"].fillna("") + group["deleted"].map({True: " (deleted)", False: ""})
    for path, exp_path in exp.get("by_path", {}).items():
        sub = group[raw_path == path]
        if len(sub) != exp_path["mappings"]:
            out.append(f"{label}: {path!r}: mappings {len(sub)} != {exp_path['mappings']}")
        elif "Rss" in exp_path and int(sub["rss"].sum()) != exp_path["Rss"] * 1024:
            out.append(f"{label}: {path!r}: Rss {int(sub['rss'].sum())} != {exp_path['Rss'] * 1024}")
    return out


def main(folder: str) -> int:
    bad = 0
    for exp_file in sorted(Path(folder).glob("*.expected.json")):
        expected = json.loads(exp_file.read_text())
        target = exp_file.with_name(exp_file.name.removesuffix(".expected.json"))
        try:
            found = problems(target, expected)
        except Exception as exc:  # a crash is a finding, not the end of the run
            found = [f"CRASH {type(exc).__name__}: {exc}"]
        status = "ok" if not found else "MISMATCH"
        bad += bool(found)
        print(f"{status:8} {target.name}")
        for p in found[:10]:
            print(f"         {p}")
    print(f"{bad} mismatching")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
