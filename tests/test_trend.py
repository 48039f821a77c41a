"""``analyzer.trend`` and ``memmaps trend`` on the real growth samples: every row equals
the independent oracle's sums for that capture; captures in time order; rates per hour."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import analyzer
from analyzer.cli import cli
from analyzer.timeline import trend

from test_diff import FORMS, GROWTH, SOS  # noqa: E402  (the same real growth captures)

MEASURES = ["size", "rss", "pss", "anonymous", "uss", "swap", "private_dirty", "mappings"]


def oracle(path: Path) -> dict:
    return json.loads((GROWTH / "expected" / path.parent.name / f"{path.name}.json").read_text())


def _value(v):
    return None if v is pd.NA or v is None else int(v)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_trend_rows_equal_each_capture(form):
    paths = FORMS[form]
    t = trend(paths)
    assert len(t) == sum(len(oracle(p)["processes"]) for p in paths)
    for path in paths:
        rows = t[t["capture"] == str(path)]
        exp = oracle(path)["processes"]
        assert {str(int(p)) for p in rows["pid"]} == set(exp)
        for _, row in rows.iterrows():
            assert {m: _value(row[m]) for m in MEASURES} == {m: exp[str(int(row["pid"]))][m] for m in MEASURES}


def test_sosreports_sorted_by_capture_time_and_rates_per_hour():
    shuffled = SOS[:]
    random.Random(1).shuffle(shuffled)
    t = trend(shuffled)
    times = [oracle(p)["time"] for p in SOS]
    assert list(dict.fromkeys(t.sort_values("capture_time")["capture"])) == [str(p) for p in SOS]
    grower = t[t["pid"] == 5].reset_index(drop=True)
    assert grower["capture"].tolist() == [str(p) for p in SOS]  # a process's rows in capture order
    t0, t1 = (pd.Timestamp(x) for x in times[:2])
    hours = (t1 - t0).total_seconds() / 3600
    rss = [oracle(p)["processes"]["5"]["rss"] for p in SOS[:2]]
    assert grower.loc[0, "rss_per_hour"] is pd.NA
    assert grower.loc[1, "rss_per_hour"] == pytest.approx((rss[1] - rss[0]) / hours)


def test_without_times_the_order_given_is_kept():
    paths = list(reversed(FORMS["loop"]))
    t = trend(paths)
    assert list(dict.fromkeys(t["capture"])) == [str(p) for p in paths]
    assert t["capture_time"].isna().all() and t["rss_per_hour"].isna().all()


def test_reused_pid_is_two_processes_and_biggest_grower_first():
    t = trend(FORMS["proc"])
    nine = t[t["pid"] == 9]
    assert nine["process"].nunique() == 2
    assert nine.groupby("process")["command"].first().sort_values().tolist() == [
        "/tmp/memmaps-growth/grower bm 64", "/tmp/memmaps-growth/oneshot - 8"]
    assert t["pid"].iloc[0] == 5  # the mmap grower: largest PSS growth first to last


def test_trend_by_kind_and_host_sum_the_processes():
    t = trend(SOS)
    kinds = trend(SOS, by="kind")
    hosts = trend(SOS, by="host")
    for path in SOS:
        for m in ("size", "rss", "pss", "anonymous"):
            total = sum(p[m] for p in oracle(path)["processes"].values())
            assert kinds.loc[kinds["capture"] == str(path), m].sum() == total
            assert hosts.loc[hosts["capture"] == str(path), m].sum() == total
            assert t.loc[t["capture"] == str(path), m].sum() == total
    assert hosts["host"].unique().tolist() == ["growth-host"]


def test_a_trend_needs_two_captures():
    with pytest.raises(ValueError, match="two captures"):
        trend(FORMS["loop"][:1])


def test_trend_cli_csv_rows_and_png(tmp_path):
    png = tmp_path / "trend.png"
    result = CliRunner().invoke(cli, ["trend", *map(str, FORMS["pmap"]), "--format", "csv", "--png", str(png)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    header = lines[0].split(",")
    assert header[:4] == ["capture", "capture_time", "process", "host"]
    assert len(lines) - 1 == sum(len(oracle(p)["processes"]) for p in FORMS["pmap"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_trend_cli_text_top_and_by_kind():
    result = CliRunner().invoke(cli, ["trend", *map(str, SOS), "--top", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = result.stdout.strip().splitlines()[2:]
    assert len(rows) == 3 and all(r.split()[4] == "5" for r in rows)  # the mmap grower, in each capture
    kinds = CliRunner().invoke(cli, ["trend", *map(str, FORMS["loop"]), "--by", "kind"], catch_exceptions=False)
    assert "heap" in kinds.output and "KiB" in kinds.output


def test_trend_cli_needs_two_inputs():
    result = CliRunner().invoke(cli, ["trend", str(FORMS["loop"][0])])
    assert result.exit_code == 2 and "two captures" in result.output


def test_plot_trend_draws_a_line_per_grower():
    from analyzer.report.growth import plot_trend

    t = trend(FORMS["proc"])
    ax = plot_trend(t, top=3)
    assert len(ax.get_lines()) == 3
    first = ax.get_lines()[0]
    assert first.get_ydata().tolist() == [float(v) for v in t[t["pid"] == 5]["pss"]]
    assert analyzer.trend is trend
