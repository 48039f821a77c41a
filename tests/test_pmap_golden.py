"""Golden tests: every pmap sample (real captures and historic/foreign fixtures)
against the totals that sample_dumps/pmap/src/oracle_totals.py - an independent
stdlib-only checker - wrote to sample_dumps/pmap/expected/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.ingest import load_dataset
from analyzer.schema import field_column

PMAP = Path(__file__).resolve().parent.parent / "sample_dumps" / "pmap"
EXPECTED = sorted((PMAP / "expected").rglob("*.json"))
CASES = [(PMAP, p) for p in EXPECTED]  # committed samples only: a test reads nothing outside the repository

# the oracle's column names -> ours; pmap's "Dirty" is private dirty only in BusyBox and toybox
COLUMNS = {"Kbytes": "size", "RSS": "rss", "PSS": "pss", "Swap": "swap", "Anon": "anonymous", "Locked": "locked",
           "Size": "size"}


def dirty_column(dialect: str) -> str:
    return "private_dirty" if dialect.startswith(("busybox", "toybox")) else "dirty"


def test_expected_files_exist():
    assert len(EXPECTED) >= 30


@pytest.mark.parametrize("root,expected", CASES,
                         ids=[str(p.relative_to(r / "expected")) for r, p in CASES])
def test_sample_matches_oracle(root, expected):
    exp = json.loads(expected.read_text())
    path = root / exp["file"]
    ds = load_dataset(path)
    frame = ds.mappings
    procs = ds.processes
    for want in exp["pids"]:
        pid = want["pid"]
        if pid is None:
            rows, proc = frame[frame["pid"].isna()], procs[procs["pid"].isna()]
        else:
            rows, proc = frame[frame["pid"] == pid], procs[procs["pid"] == pid]
        assert len(proc) == 1, pid
        proc = proc.iloc[0]
        if want.get("cmdline") is not None:
            assert proc["command"] == want["cmdline"]
        overflowed = len(rows) > 0 and rows["size"].isna().all()
        if not overflowed:
            # there every row reads "ffffffff 0 ..." and the oracle merges identical rows; we keep
            # all 38, which is what the process's smaps has (tests/test_pmap.py checks that)
            assert len(rows) == want["mapping_count"]
        sums = dict(want["column_sums"])
        for key, total in sums.items():
            if key == "Dirty":
                col = dirty_column(exp["dialect"])
            else:
                col = COLUMNS.get(key) or field_column(key)
            values = rows[col]
            if total is None:
                assert values.isna().all(), key
                continue
            if overflowed and col == "size":
                assert values.isna().all()                    # overflowed: NA, with a warning
                continue
            unit = 1 if key in ("THPeligible", "ProtectionKey") else 1024
            assert int(values.sum()) == total * unit, (key, int(values.sum()) // unit, total)
        for key in ("pss_sum", "swap_sum"):
            if want.get(key) is None and exp["dialect"] not in ("procps-X", "procps-XX", "procps-c"):
                assert rows[key[:-4]].isna().all(), key
        matches = want.get("footer_matches_rows")
        notes = [n.message for n in ds.notices if f"PID {pid}" in n.message]
        if matches is False and any("running totals" in m or "PSS moved" in m for m in notes):
            # procps-ng 4.0.2's -X footer after the 1st PID holds running totals over the PIDs so far;
            # or PSS moved between -X's two reads of smaps
            assert not bool(proc["partial"])
        elif matches is True:
            assert not bool(proc["partial"]), pid
        elif matches is None and any("(pmap -q)" in m for m in notes):
            assert not bool(proc["partial"]), pid  # -q: no footer by request, nothing lost
        elif matches is False or matches is None and len(rows):
            assert bool(proc["partial"]), pid
            where = f"PID {pid}" if pid is not None else "unknown PID"
            assert any(where in n.message and n.level == "warning" for n in ds.notices)


def test_historic_names_are_faithful():
    sol = load_dataset(PMAP / "historic" / "solaris-pmap-x.txt").mappings
    assert "[heap]" in set(sol["path"]) and "[stack]" in set(sol["path"])
    ism = sol[sol["path"].fillna("").str.contains("shmid")]
    assert ism["kind"].tolist() == ["shm"] and ism["perms"].tolist() == ["rwxs"]
    assert sol["anonymous"].isna().any() and sol["anonymous"].notna().any()    # "-" is NA, not 0
    sles = load_dataset(PMAP / "historic" / "sles11-3.2.7-d.txt")
    f = sles.mappings
    assert set(f["source_format"]) == {"pmap-suse-sles11-d"}
    sysv = f[f["path"] == "/SYSV00000000"]
    assert sysv["deleted"].all() and sysv["kind"].tolist() == ["shm"] and sysv["dev"].tolist() == ["00:04"]
    proc = sles.processes.iloc[0]
    assert proc["footer_writeable_private"] == 2052 * 1024 and proc["footer_referenced"] == 2764 * 1024
    toy = load_dataset(PMAP / "historic" / "toybox-pmap-x.txt").mappings
    assert toy["private_dirty"].notna().all() and toy["dirty"].isna().all() and toy["rss"].isna().all()
    dashes = load_dataset(PMAP / "historic" / "procps-3.2.7-x-dashes-64.txt").mappings
    assert dashes["rss"].isna().all() and dashes["anonymous"].isna().all() and dashes["locked"].isna().all()
    assert set(dashes["source_format"]) == {"pmap-x-3.2"}
