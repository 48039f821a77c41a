"""``analyzer.diff`` on the real growth samples: every delta equals the
independent oracle's sums (sample_dumps/growth/expected/, src/oracle_growth.py),
in each of the four forms and across forms (a smaps loop against a sosreport)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import analyzer
from analyzer import schema
from analyzer.classify import classify
from analyzer.compare import MEASURES, diff, same_command
from analyzer.errors import MemmapsError

ROOT = Path(__file__).resolve().parent.parent
GROWTH = ROOT / "sample_dumps" / "growth"
SOS = sorted((GROWTH / "sosreport").glob("*.tar.xz"))
FORMS = {
    "loop": [GROWTH / "loop" / f"snapshot-{n}.smaps" for n in (1, 2, 3)],
    "pmap": [GROWTH / "pmap" / f"snapshot-{n}.txt" for n in (1, 2, 3)],
    "proc": [GROWTH / "proc" / f"snapshot-{n}" for n in (1, 2, 3)],
    "sosreport": SOS,
}
CHECKED = ["size", "rss", "pss", "anonymous", "uss", "swap", "private_dirty", "mappings"]


def oracle(path: Path) -> dict:
    sub = {"loop": "loop", "pmap": "pmap", "proc": "proc", "sosreport": "sosreport"}[path.parent.name]
    return json.loads((GROWTH / "expected" / sub / f"{path.name}.json").read_text())


def programs(n: int) -> dict[str, str]:
    """PID -> command at snapshot *n*, from the proc tree's oracle (the growers do not
    change within a snapshot, so this names the process behind a PID in every form)."""
    return {pid: p["command"] for pid, p in oracle(FORMS["proc"][n - 1])["processes"].items()}


def expected(before: Path, after: Path, nb: int, na: int) -> tuple[dict, set, set]:
    """(pid -> {measure: delta}, new pids, gone pids) from the oracle's sums."""
    ob, oa = oracle(before)["processes"], oracle(after)["processes"]
    cb, ca = programs(nb), programs(na)
    deltas, new, gone = {}, set(), set()
    for pid in set(ob) | set(oa):
        same = pid in ob and pid in oa and cb.get(pid, ob[pid]["command"]) == ca.get(pid, oa[pid]["command"])
        if same:
            deltas[pid] = {m: None if ob[pid][m] is None or oa[pid][m] is None else oa[pid][m] - ob[pid][m]
                           for m in CHECKED}
        else:
            if pid in ob:
                gone.add(pid)
            if pid in oa:
                new.add(pid)
    return deltas, new, gone


def _value(v):
    return None if v is pd.NA or v is None else int(v)


def check(before: Path, after: Path, nb: int, na: int) -> pd.DataFrame:
    d = diff(before, after)
    deltas, new, gone = expected(before, after, nb, na)
    got_new = {str(int(p)) for p in d.loc[d["status"] == "new", "pid"]}
    got_gone = {str(int(p)) for p in d.loc[d["status"] == "gone", "pid"]}
    assert got_new == new
    assert got_gone == gone
    both = d[~d["status"].isin(["new", "gone"])]
    assert {str(int(p)) for p in both["pid"]} == set(deltas)
    for _, row in both.iterrows():
        exp = deltas[str(int(row["pid"]))]
        assert {m: _value(row[f"{m}_delta"]) for m in CHECKED} == exp, row["pid"]
    # biggest grower first: the rank of each row is the oracle's PSS delta, else RSS delta
    ob, oa = oracle(before)["processes"], oracle(after)["processes"]

    measure = "pss" if d["pss_delta"].notna().all() else "rss"

    def rank(pid, status):
        b = 0 if status == "new" else ob[pid][measure]
        a = 0 if status == "gone" else oa[pid][measure]
        return a - b

    ranks = [rank(str(int(p)), s) for p, s in zip(d["pid"], d["status"])]
    assert ranks == sorted(ranks, reverse=True)
    return d


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("nb,na", [(1, 2), (2, 3), (1, 3)])
def test_process_deltas_equal_the_oracle(form, nb, na):
    check(FORMS[form][nb - 1], FORMS[form][na - 1], nb, na)


@pytest.mark.parametrize("fb,fa", [("loop", "sosreport"), ("sosreport", "loop"), ("pmap", "sosreport"),
                                   ("proc", "loop"), ("loop", "pmap")])
def test_mixed_forms_compare(fb, fa):
    d = check(FORMS[fb][0], FORMS[fa][2], 1, 3)
    growers = d[~d["status"].isin(["new", "gone"])]
    assert growers.iloc[0]["pid"] == 5  # the mmap grower: +1 MiB anonymous


def test_reused_pid_is_gone_and_new_even_without_commands():
    d = diff(FORMS["loop"][0], FORMS["loop"][1])  # a smaps loop names no command: the program tells
    rows = d[d["pid"] == 9].set_index("status")
    assert sorted(rows.index) == ["gone", "new"]
    assert rows.loc["new", "size_before"] == 0 and rows.loc["gone", "size_after"] == 0
    assert rows.loc["gone", "mappings_before"] == oracle(FORMS["loop"][0])["processes"]["9"]["mappings"]


def test_pmap_has_no_pss_so_its_deltas_are_na():
    d = diff(FORMS["pmap"][0], FORMS["pmap"][2])
    assert d["pss_delta"].isna().all() and d["anonymous_before"].isna().all()
    assert d["rss_delta"].notna().all()
    new = d[d["status"] == "new"].iloc[0]
    assert new["rss_before"] == 0 and new["pss_before"] is pd.NA


def test_sides_may_be_frames_datasets_or_paths():
    ds = analyzer.load_dataset(FORMS["proc"][0])
    a = diff(ds, FORMS["proc"][2])
    b = diff(ds.mappings, [FORMS["proc"][2]])
    pd.testing.assert_frame_equal(a, b)


def test_one_capture_per_side():
    with pytest.raises(MemmapsError, match="PID 1 is in 2 inputs"):
        diff([FORMS["loop"][0], FORMS["proc"][0]], FORMS["loop"][1])


def test_by_kind_and_host_sum_to_the_process_deltas():
    before, after = FORMS["sosreport"][0], FORMS["sosreport"][2]
    procs = diff(before, after)
    kinds = diff(before, after, by="kind")
    hosts = diff(before, after, by="host")
    for m in ("size", "rss", "pss", "anonymous"):
        assert kinds[f"{m}_delta"].sum() == procs[f"{m}_delta"].sum() == hosts[f"{m}_delta"].sum()
    assert hosts["host"].tolist() == ["growth-host"]
    assert kinds.loc[kinds["kind"] == "anonymous", "status"].item() == "grown"


def test_mapping_deltas_add_up_to_the_process_deltas():
    before, after = FORMS["proc"][0], FORMS["proc"][2]
    procs = diff(before, after).set_index(["pid", "status"])
    maps = diff(before, after, by="mapping")
    for pid in (1, 4, 5, 6, 7, 8):
        rows = maps[maps["pid"] == pid]
        for m in MEASURES:
            assert rows[f"{m}_delta"].sum() == procs.loc[(pid, slice(None)), f"{m}_delta"].sum()
    # the heap of the brk grower keeps its start and grows by 2 steps of 256 KiB
    heap = maps[(maps["pid"] == 4) & (maps["kind"] == "heap")].iloc[0]
    assert (heap["status"], heap["size_delta"], heap["anonymous_delta"]) == ("grown", 2 * 262144, 2 * 262144)
    # the mmap grower's two new mmaps merged into one region: one new row, 1 MiB
    anon = maps[(maps["pid"] == 5) & (maps["status"] == "new")]
    assert anon["size_after"].tolist() == [1048576]
    assert maps.iloc[0]["pid"] == 5


def _frame(rows):
    base = {"pid": 1, "command": "app", "perms": "rw-p", "path": None, "offset": 0}
    return classify(schema.conform(pd.DataFrame([{**base, **r} for r in rows])))


def test_merge_of_adjacent_regions_is_not_a_leak():
    before = _frame([{"start": 0x1000, "end": 0x3000, "size": 0x2000, "rss": 0x2000},
                     {"start": 0x3000, "end": 0x5000, "size": 0x2000, "rss": 0x1000}])
    after = _frame([{"start": 0x1000, "end": 0x5000, "size": 0x4000, "rss": 0x3000}])
    d = diff(before, after, by="mapping")
    assert len(d) == 1
    row = d.iloc[0]
    assert (row["status"], row["size_delta"], row["rss_delta"]) == ("unchanged", 0, 0)
    assert (row["mappings_before"], row["mappings_after"]) == (2, 1)


def test_split_of_a_region_is_not_a_leak():
    before = _frame([{"start": 0x1000, "end": 0x7000, "size": 0x6000, "rss": 0x6000}])
    after = _frame([{"start": 0x1000, "end": 0x3000, "size": 0x2000, "rss": 0x2000},
                    {"start": 0x3000, "end": 0x7000, "size": 0x4000, "rss": 0x4000, "perms": "r--p"}])
    d = diff(before, after, by="mapping")
    assert d["status"].tolist() == ["unchanged"] and d["size_delta"].tolist() == [0]


def test_stack_growing_down_is_the_same_region():
    before = _frame([{"start": 0x8000, "end": 0x9000, "size": 0x1000, "rss": 0x1000, "path": "[stack]"}])
    after = _frame([{"start": 0x6000, "end": 0x9000, "size": 0x3000, "rss": 0x3000, "path": "[stack]"}])
    d = diff(before, after, by="mapping")
    assert d[["status", "start", "size_delta"]].values.tolist() == [["grown", 0x6000, 0x2000]]


def test_moved_region_pairs_on_path_offset_perms():
    before = _frame([{"start": 0x1000, "end": 0x2000, "size": 0x1000, "rss": 0x1000, "path": "/data", "offset": 0}])
    after = _frame([{"start": 0x9000, "end": 0xb000, "size": 0x2000, "rss": 0x2000, "path": "/data", "offset": 0}])
    d = diff(before, after, by="mapping")
    assert d[["status", "size_delta"]].values.tolist() == [["grown", 0x1000]]


def test_host_pid_command_identity():
    a = _frame([{"host": "h1", "start": 0, "end": 4096, "size": 4096, "rss": 4096}])
    b = _frame([{"host": "h2", "start": 0, "end": 4096, "size": 4096, "rss": 4096}])
    assert sorted(diff(a, b)["status"]) == ["gone", "new"]  # same PID, other host
    c = _frame([{"host": None, "start": 0, "end": 4096, "size": 4096, "rss": 8192}])
    assert diff(a, c)["status"].tolist() == ["grown"]  # one side names no host: PID + command
    d = _frame([{"host": "h1", "command": "other", "start": 0, "end": 4096, "size": 4096, "rss": 4096}])
    assert sorted(diff(a, d)["status"]) == ["gone", "new"]  # PID reused by another command


@pytest.mark.parametrize("a,b,same", [
    ("bash -c x", "bash  -c x", True), ("grower", "/tmp/grower b 1", True),
    ("/tmp/grower b 256", "/tmp/oneshot - 8", False), ("sleep 1", "sleep 2", False),
    ("/usr/bin/python3 /usr/bin/sos report --batch", "/usr/bin/python3 /usr/bin/sos report", True),
])
def test_same_command(a, b, same):
    assert same_command(a, b) is same


def test_blocks_without_pid_are_left_out():
    # head /proc/*/smaps: /proc/self is the head process itself, kept by the loader with PID NA
    head = ROOT / "sample_dumps" / "smaps" / "multi_head.smaps"
    frame = analyzer.load(head)
    assert frame["pid"].isna().any()
    d = diff(frame, frame)
    assert d["pid"].notna().all() and set(d["status"]) == {"unchanged"}
    assert d["rss_before"].sum() == frame.loc[frame["pid"].notna(), "rss"].sum()


ARENA = [GROWTH / "arena" / f"arena-{n}.smaps" for n in (1, 2)]


def test_thread_arena_growing_into_its_reserve_is_one_grown_region():
    """A real glibc thread arena (sample_dumps/growth/arena): its rw-p part keeps its start and
    grows by 2 steps of 256 KiB into the ---p reserve, which shrinks by as much."""
    ob, oa = (json.loads((GROWTH / "expected" / "arena" / f"{p.name}.json").read_text())["processes"] for p in ARENA)
    procs = diff(*ARENA)
    grower = procs[procs["pid"] == 4].iloc[0]
    assert grower["status"] == "grown"
    for m in ("size", "rss", "pss", "anonymous", "mappings"):
        assert grower[f"{m}_delta"] == oa["4"][m] - ob["4"][m]
    maps = diff(*ARENA, by="mapping")
    mine = maps[(maps["pid"] == 4) & (maps["status"] != "unchanged")]
    assert mine[["perms", "status", "size_delta"]].values.tolist() == [["rw-p", "grown", 2 * 262144],
                                                                         ["---p", "shrunk", -2 * 262144]]
    arena, reserve = mine.iloc[0], mine.iloc[1]
    assert arena["end"] == reserve["start"] and arena["rss_delta"] == 2 * 262144
    assert (arena["mappings_before"], arena["mappings_after"]) == (1, 1)
