"""Every real capture in sample_dumps/smaps/ against the independent oracle.

The expected totals were computed by ``sample_dumps/smaps/src/oracle_totals.py``
(a stdlib line script that shares no code with memmaps) from the very same
bytes; memmaps must reproduce every per-process sum exactly, in bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import analyzer
from analyzer import schema

SAMPLES = Path(__file__).resolve().parent.parent / "sample_dumps" / "smaps"
EXPECTED = sorted((SAMPLES / "expected").glob("*.totals.json"))


def _key(value) -> str:
    return "?" if value is pd.NA or value is None else str(int(value))


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.name.removesuffix(".totals.json"))
def test_sample_matches_oracle(expected_file: Path):
    expected = json.loads(expected_file.read_text())
    ds = analyzer.load_dataset(SAMPLES / expected["input"])
    frame = ds.mappings
    procs = expected["processes"]
    assert len(frame) == expected["totals"]["mappings"]
    ours = {k: g for k, g in frame.groupby(frame["pid"].map(_key))}
    numeric = {k: v for k, v in procs.items() if k.isdigit()}
    if numeric:
        # one group per PID the dump names; the rest (e.g. /proc/self) have no PID
        for pid, exp in numeric.items():
            if exp["mappings"] == 0:
                assert pid not in ours
                continue
            _compare(ours[pid], exp, f"pid {pid}")
    elif expected["totals"]["mappings"]:
        assert len(procs) == 1, "a dump without PIDs holds one process"
        (exp,) = procs.values()
        _compare(frame, exp, expected["input"])
    rollups = {k: v for k, v in procs.items() if v.get("rollup_records")}
    for pid, exp in rollups.items():
        row = ds.processes[ds.processes["pid"].map(_key) == pid].iloc[0] if pid.isdigit() else ds.processes.iloc[0]
        for key, kb in exp["rollup_kB"].items() if "rollup_kB" in exp else exp["kB"].items():
            assert row[f"rollup_{schema.field_column(key)}"] == kb * 1024, (pid, key)
    if expected.get("complete_records_only"):
        assert any("cut short" in n.message for n in ds.warnings)
    else:
        assert not ds.warnings, [str(n) for n in ds.warnings]


def _compare(group: pd.DataFrame, exp: dict, label: str):
    assert len(group) == exp["mappings"], label
    for key, kb in exp["kB"].items():
        col = schema.field_column(key)
        assert int(group[col].sum()) == kb * 1024, (label, key)
    for key, count in exp.get("unitless", {}).items():
        assert int(group[schema.field_column(key)].sum()) == count, (label, key)
    span = (group["end"].astype("object") - group["start"].astype("object")).sum()
    assert span == exp["vsize_kB_from_addresses"] * 1024, label
    for path, exp_path in exp.get("by_path", {}).items():
        raw_path = group["path"].fillna("") + group["deleted"].map({True: " (deleted)", False: ""})
        sub = group[raw_path == path]
        assert len(sub) == exp_path["mappings"], (label, path)
        if "Rss" in exp_path:
            assert int(sub["rss"].sum()) == exp_path["Rss"] * 1024, (label, path)
