"""Every real capture in sample_dumps/smaps/ against the independent oracle.

The expected totals were computed by ``sample_dumps/smaps/src/oracle_totals.py``
(a stdlib line script that shares no code with memmaps) from the very same
bytes; memmaps must reproduce every per-process sum exactly, in bytes
(the comparison is :func:`oracle_check.problems`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from oracle_check import problems

import analyzer

SAMPLES = Path(__file__).resolve().parent.parent / "sample_dumps" / "smaps"
EXPECTED = sorted((SAMPLES / "expected").glob("*.totals.json"))


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.name.removesuffix(".totals.json"))
def test_sample_matches_oracle(expected_file: Path):
    expected = json.loads(expected_file.read_text())
    assert problems(SAMPLES / expected["input"], expected) == []


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.name.removesuffix(".totals.json"))
def test_warnings_only_where_data_was_lost(expected_file: Path):
    expected = json.loads(expected_file.read_text())
    ds = analyzer.load_dataset(SAMPLES / expected["input"])
    if expected.get("complete_records_only"):
        assert [n for n in ds.warnings if "cut short" in n.message]
    else:
        assert not ds.warnings, [str(n) for n in ds.warnings]


def test_checker_can_fail():
    """The oracle comparison notices a single kB of difference."""
    expected = json.loads((SAMPLES / "expected" / "multi_loop.smaps.totals.json").read_text())
    pid = next(k for k, v in expected["processes"].items() if v["mappings"])
    expected["processes"][pid]["kB"]["Rss"] += 1
    assert any("Rss" in p for p in problems(SAMPLES / expected["input"], expected))
