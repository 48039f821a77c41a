"""Summary views against the oracle's per-path totals of a real copied proc tree."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import analyzer
from analyzer.summarize import by_kind, by_mapping

SAMPLES = Path(__file__).resolve().parent.parent / "sample_dumps" / "smaps"
EXPECTED = json.loads((SAMPLES / "expected" / "tree.totals.json").read_text())


def _per_path():
    rss, pss, procs = defaultdict(int), defaultdict(int), defaultdict(int)
    for proc in EXPECTED["processes"].values():
        for path, v in proc.get("by_path", {}).items():
            rss[path] += v["Rss"] * 1024
            pss[path] += v["Pss"] * 1024
            procs[path] += 1
    return rss, pss, procs


def test_by_mapping_equals_the_oracle_per_path():
    frame = analyzer.load(SAMPLES / "tree")
    view = by_mapping(frame)
    rss, pss, procs = _per_path()
    for path in [p for p in rss if p]:  # "" is anonymous memory: by_mapping names it by kind
        assert int(view.loc[path, "rss"]) == rss[path], path
        assert int(view.loc[path, "pss"]) == pss[path], path
        assert int(view.loc[path, "processes"]) == procs[path], path


def test_by_mapping_kind_is_the_kind_of_the_largest_part():
    frame = analyzer.load(SAMPLES / "multi_loop.smaps")
    view = by_mapping(frame)
    for path, rows in frame.groupby("path"):
        largest = rows.sort_values(["rss", "size"], kind="stable").iloc[-1]
        assert view.loc[path, "kind"] == largest["kind"], path


def test_by_kind_heap_and_stack_equal_the_oracle():
    frame = analyzer.load(SAMPLES / "tree")
    view = by_kind(frame)
    rss, _, procs = _per_path()
    assert int(view.loc["heap", "rss"]) == rss["[heap]"]
    assert int(view.loc["stack", "rss"]) == rss["[stack]"]
    assert int(view.loc["heap", "processes"]) == procs["[heap]"]
    assert int(view["rss"].sum()) == sum(rss.values())
