"""Findings on real captures with planted problems (sample_dumps/findings), on
benign look-alikes, and, for the rules fed by tables other inputs give
(meminfo, SysV segments, OOM kills, status), on small Datasets built here."""

from __future__ import annotations

import json
import lzma
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import analyzer
from analyzer import findings as F
from analyzer import schema
from analyzer.classify import classify
from analyzer.cli import cli
from analyzer.dataset import Dataset

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_dumps" / "findings"
PLANTED = SAMPLES / "planted"
CLEAN = SAMPLES / "clean"
MiB = 1 << 20

PLANTED_INPUTS = [PLANTED / "smaps-loop.txt.xz", PLANTED / "pmap-X.txt.xz", next(PLANTED.glob("sosreport-*.tar.xz"))]
CLEAN_INPUTS = [CLEAN / "smaps-loop.txt", CLEAN / "pmap-X.txt", next(CLEAN.glob("sosreport-*.tar.xz"))]
# the planted processes (sample_dumps/findings/PROVENANCE.md)
PID_LIBDEL, PID_ARENAS, PID_MAPS, PID_MLOCK, PID_THP, PID_BENIGN = 15, 19, 31, 35, 39, 7


def oracle(path: Path) -> dict[int, dict]:
    """Per PID, straight from the smaps loop text (stdlib only, no memmaps code):
    mappings, Locked and AnonHugePages in bytes, deleted paths, and the rss of
    each 64 MiB-aligned rw-p anonymous mapping followed by a ---p one ending
    64 MiB after it."""
    text = lzma.open(path, "rt").read() if path.suffix == ".xz" else path.read_text()
    procs: dict[int, dict] = {}
    header = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \S+ ?(.*)$")
    for line in text.splitlines():
        if line.startswith("==> "):
            pid = int(line.split("/")[2])
            cur = procs.setdefault(pid, {"maps": [], "locked": 0, "ahp": 0})
            continue
        m = header.match(line)
        if m:
            cur["maps"].append({"start": int(m[1], 16), "end": int(m[2], 16), "perms": m[3], "path": m[4].strip()})
            continue
        key, _, value = line.partition(":")
        if value.strip().endswith(" kB"):
            kb = int(value.split()[0]) * 1024
            cur["maps"][-1][key] = kb
            if key == "Locked":
                cur["locked"] += kb
            elif key == "AnonHugePages":
                cur["ahp"] += kb
    for p in procs.values():
        maps = p["maps"]
        p["deleted"] = sorted({m["path"][:-len(" (deleted)")] for m in maps if m["path"].endswith(" (deleted)")})
        p["arenas"] = [a["Rss"] for a, b in zip(maps, maps[1:])
                       if a["start"] % (64 * MiB) == 0 and a["perms"] == "rw-p" and not a["path"]
                       and b["perms"] == "---p" and not b["path"] and b["start"] == a["end"]
                       and b["end"] - a["start"] == 64 * MiB]
    return procs


@pytest.fixture(scope="module")
def truth():
    return oracle(PLANTED / "smaps-loop.txt.xz")


@pytest.fixture(scope="module", params=PLANTED_INPUTS, ids=lambda p: p.name.split("-2026")[0])
def planted(request):
    ds = analyzer.load_dataset(str(request.param))
    return ds, F.findings(ds)


def one(found: pd.DataFrame, rule: str) -> pd.Series:
    rows = found[found["rule"] == rule]
    assert len(rows) == 1, found[["rule", "pid"]]
    return rows.iloc[0]


@pytest.mark.parametrize("path", PLANTED_INPUTS[::2] + CLEAN_INPUTS[::2], ids=lambda p: f"{p.parent.name}-{p.name[:10]}")
def test_samples_load_as_the_oracles_say(path):
    """memmaps reads the new samples exactly as the folders' independent oracles do."""
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from oracle_check import problems

    expected = json.loads((SAMPLES / "expected" / f"{path.name}.expected.json").read_text())
    assert problems(path, expected) == []


def test_oracle_sees_what_was_planted(truth):
    """The sample holds the problems PROVENANCE.md says (so the tests below can fail)."""
    assert len(truth[PID_MAPS]["maps"]) == 27022
    assert truth[PID_MLOCK]["locked"] == 8 * MiB
    assert truth[PID_THP]["ahp"] == 80 * MiB
    assert truth[PID_LIBDEL]["deleted"] == ["/tmp/findings-lib/libz-copy.so.1"]
    assert len(truth[PID_ARENAS]["arenas"]) == 8 and sum(truth[PID_ARENAS]["arenas"]) >= 64 * MiB
    assert len(truth[PID_BENIGN]["arenas"]) == 2


def test_planted_map_count(planted, truth):
    _, found = planted
    row = one(found, "map-count")
    assert (row["pid"], row["severity"], row["count"]) == (PID_MAPS, "warning", len(truth[PID_MAPS]["maps"]))
    assert "41% of vm.max_map_count 65,530" in row["message"]


def test_planted_deleted_library(planted, truth):
    _, found = planted
    row = one(found, "deleted-mapped-file")
    assert (row["pid"], row["severity"]) == (PID_LIBDEL, "warning")
    lib = truth[PID_LIBDEL]
    assert row["bytes"] == sum(m["Rss"] for m in lib["maps"] if m["path"].endswith(" (deleted)"))
    assert "libz-copy.so.1" in row["message"] and row["evidence"].count("(deleted)") == 5


def test_planted_malloc_arenas(planted, truth):
    _, found = planted
    row = one(found, "malloc-arenas")
    assert (row["pid"], row["severity"], row["count"]) == (PID_ARENAS, "warning", 8)
    assert row["bytes"] == sum(truth[PID_ARENAS]["arenas"])
    assert "MALLOC_ARENA_MAX" in row["message"]


def test_planted_locked(planted, truth):
    _, found = planted
    row = one(found, "locked-memory")
    assert (row["pid"], row["bytes"]) == (PID_MLOCK, truth[PID_MLOCK]["locked"])


def test_planted_thp(planted, truth):
    ds, found = planted
    rows = found[found["rule"] == "thp-usage"]
    if ds.mappings["anon_huge_pages"].isna().all():  # pmap -X prints no AnonHugePages
        assert rows.empty and ("thp-usage", F.BY_ID["thp-usage"].needs) in F.unchecked(ds)
        return
    row = one(found, "thp-usage")
    assert (row["pid"], row["severity"], row["bytes"]) == (PID_THP, "info", truth[PID_THP]["ahp"])


def test_planted_nothing_else(planted):
    """Exactly the planted processes, one finding per process and rule; never the benign one."""
    _, found = planted
    assert PID_BENIGN not in set(found["pid"].dropna())
    assert not found.duplicated(["rule", "pid"]).any()
    assert set(found["pid"].dropna()) <= {PID_LIBDEL, PID_ARENAS, PID_MAPS, PID_MLOCK, PID_THP}


@pytest.mark.parametrize("path", CLEAN_INPUTS, ids=lambda p: p.name.split("-2026")[0])
def test_clean_control_has_no_findings(path):
    found = F.findings(analyzer.load_dataset(str(path)))
    assert found.empty, found[["rule", "pid", "message"]]


def test_benign_lookalikes_in_clean_control_are_real():
    """The clean control does hold the look-alikes: an attached SysV segment and a memfd
    mapped ` (deleted)`, two thread arenas, thread stacks (so the test above means something)."""
    frame = analyzer.load(str(CLEAN / "smaps-loop.txt"))
    benign = frame[frame["pid"] == PID_BENIGN]
    deleted = set(benign.loc[benign["deleted"].fillna(False), "path"])
    assert deleted == {"/SYSV6d656d02", "/memfd:planted-memfd"}
    assert len(F.arena_heaps(F._with_keys(benign))) == 2
    guards = benign[(benign["perms"] == "---p") & (benign["size"] == 4096)]
    assert len(guards) == 2  # the two thread stacks' guard pages


@pytest.mark.parametrize("path", [PLANTED_INPUTS[2], CLEAN_INPUTS[2]], ids=["planted", "clean"])
def test_sos_itself_is_never_a_culprit(path):
    """Even with every threshold at its lowest, sos's own process (which has
    several malloc arenas of its own threads) is never named."""
    ds = analyzer.load_dataset(str(path))
    sos = ds.processes[ds.processes["command"].fillna("").str.contains("bin/sos report")]
    assert len(sos) == 1
    sos_pid = int(sos["pid"].iloc[0])
    low = dict(min_arenas=1, min_arena_rss=0, min_thp=0, min_swap=0, map_warn_ratio=0.0)
    found = F.findings(ds, **low)
    assert sos_pid not in set(found["pid"].dropna())
    # and the rules would fire on it if it were not the capturing tool
    heaps = F.arena_heaps(F._with_keys(ds.mappings[ds.mappings["pid"] == sos_pid]))
    assert len(heaps) >= 2


def test_capturing_tools_recognised():
    assert F.is_capturing_tool("/usr/bin/python3 /usr/bin/sos report --batch")
    assert F.is_capturing_tool("python3 /usr/sbin/sosreport")
    assert F.is_capturing_tool("/bin/sh -c for p in /proc/*; do cat $p/smaps; done")
    for tool in ("pmap -X 1", "head -n 9999 /proc/1/smaps", "grep -H . /proc/1/smaps", "cat /proc/1/smaps"):
        assert F.is_capturing_tool(tool)
    for other in ("sleep 100", "/usr/bin/python3 app.py", "bash /srv/start.sh", "/usr/lib/postgresql/15/bin/postgres"):
        assert not F.is_capturing_tool(other)


# ---------------------------------------------------------------- small frames


def frame_of(rows: list[dict]) -> pd.DataFrame:
    return classify(schema.conform(pd.DataFrame(rows)))


def arena_rows(pid: int, n: int, rss: int, base: int = 0x7F0000000000, heap_max: int = 64 * MiB,
               name=None) -> list[dict]:
    rows = []
    for i in range(n):
        start = base + i * heap_max
        rows.append({"pid": pid, "start": start, "end": start + rss, "perms": "rw-p", "path": name, "rss": rss})
        rows.append({"pid": pid, "start": start + rss, "end": start + heap_max, "perms": "---p", "path": name,
                     "rss": 0})
    return rows


def test_arenas_thresholds():
    seven = frame_of(arena_rows(1, 7, 16 * MiB))
    assert F.findings(seven).empty  # 7 arenas, 112 MiB: below the count
    small = frame_of(arena_rows(1, 9, 4 * MiB))
    assert F.findings(small).empty  # 9 arenas, 36 MiB: below the bytes
    assert one(F.findings(small, min_arena_rss=32 * MiB), "malloc-arenas")["bytes"] == 36 * MiB


def test_arenas_named_by_glibc_239():
    rows = arena_rows(1, 8, 8 * MiB, name="[anon: glibc: malloc arena]")
    assert one(F.findings(frame_of(rows)), "malloc-arenas")["count"] == 8


def test_arenas_32bit_heap_max_is_1mib():
    rows = arena_rows(1, 10, 512 * 1024, base=0xB0000000, heap_max=MiB)
    row = one(F.findings(frame_of(rows), min_arena_rss=4 * MiB), "malloc-arenas")
    assert (row["count"], row["bytes"]) == (10, 5 * MiB)


def test_misaligned_or_wrong_size_pairs_are_not_arenas():
    rows = arena_rows(1, 8, 16 * MiB, base=0x7F0000001000)  # not 64 MiB-aligned (a thread stack, say)
    assert F.findings(frame_of(rows)).empty
    rows = arena_rows(1, 8, 16 * MiB)
    for r in rows[1::2]:
        r["end"] -= 4096  # pair no longer adds up to 64 MiB
    assert F.findings(frame_of(rows)).empty


def test_deleted_lookalikes_are_not_reported():
    rows = [{"pid": 3, "start": 0x1000 * (i + 1), "end": 0x1000 * (i + 2), "perms": perms, "path": path,
             "deleted": True, "rss": 4096}
            for i, (path, perms) in enumerate([("/memfd:jit", "r-xp"), ("/SYSV0000abcd", "rw-s"),
                                                ("/dev/zero", "rw-s"), ("/dev/shm/pulse-shm-1", "rw-s"),
                                                ("memfd:x", "rw-s"), ("SYSV00001234", "rw-s"),
                                                ("zero", "rw-s"),  # pmap's basename of /dev/zero
                                                ("/run/user/1000/wayland-buffer", "rw-s")])]
    assert F.findings(frame_of(rows)).empty
    rows.append({"pid": 3, "start": 0x20000, "end": 0x21000, "perms": "r--p", "path": "/var/log/old.db",
                 "deleted": True, "rss": 4096})
    row = one(F.findings(frame_of(rows)), "deleted-mapped-file")
    assert (row["severity"], row["bytes"]) == ("info", 4096)  # a data file: info, not warning


def test_deleted_package_from_path():
    rows = [{"pid": 3, "start": 0x1000, "end": 0x2000, "perms": "r-xp", "path": "/opt/acme/lib/libacme.so.2",
             "deleted": True, "rss": 4096}]
    assert "of package acme" in one(F.findings(frame_of(rows)), "deleted-mapped-file")["message"]


def dataset(mappings=None, processes=None, hosts=None, **extra) -> Dataset:
    ds = Dataset(mappings=mappings if mappings is not None else schema.empty(),
                 processes=processes if processes is not None else pd.DataFrame(),
                 hosts=hosts if hosts is not None else pd.DataFrame())
    for name, value in extra.items():
        setattr(ds, name, value)
    return ds


def test_map_count_uses_the_reports_limit():
    rows = [{"host": "h", "pid": 9, "start": 0x1000 * i, "end": 0x1000 * (i + 1), "perms": "r--p"}
            for i in range(1, 901)]
    frame = frame_of(rows)
    assert F.findings(frame).empty  # 900 of the default 65530
    ds = dataset(frame, hosts=pd.DataFrame({"host": ["h"], "max_map_count": [1000]}))
    row = one(F.findings(ds), "map-count")
    assert (row["severity"], row["count"]) == ("critical", 900) and "from the report" in row["message"]
    ds = dataset(frame, hosts=pd.DataFrame({"host": ["h"], "max_map_count": [2000]}))
    assert one(F.findings(ds), "map-count")["severity"] == "warning"


# The rules below read tables that the meminfo/status/SysV/OOM parsing gives
# (process status columns vm_lck/vm_swap, host columns mem_total/shmem/
# thp_enabled/max_map_count, Dataset.shm/oom_kills/oom_tasks, the system
# accounting): tested on small Datasets with those columns.

SHM = pd.DataFrame({"host": ["h", "h"], "source": ["sysvipc/shm"] * 2, "key": pd.array([0x6D656D01, 0x6D656D02], "Int64"),
                    "shmid": [1, 0], "owner": ["root", "root"], "perms": ["600", "600"],
                    "bytes": [16 * MiB, 4 * MiB], "nattch": [0, 1], "cpid": [43, 7], "lpid": [43, 7],
                    "rss": [16 * MiB, 4 * MiB], "swap": [0, 0]})


def test_sysv_orphan_only_unattached():
    row = one(F.findings(dataset(shm=SHM)), "sysv-shm-orphan")
    assert (row["host"], row["pid"] is pd.NA, row["bytes"], row["count"]) == ("h", True, 16 * MiB, 1)
    assert "key 0x6d656d01" in row["evidence"] and "creator PID 43" in row["evidence"]
    attached = SHM[SHM["nattch"] > 0]
    assert F.findings(dataset(shm=attached)).empty
    assert F.findings(dataset(shm=SHM), min_orphan_bytes=17 * MiB).empty  # per segment, not per host
    two = pd.concat([SHM, SHM.assign(shmid=[2, 3], key=pd.array([0, 5], "Int64"), nattch=[0, 1])], ignore_index=True)
    row = one(F.findings(dataset(shm=two)), "sysv-shm-orphan")
    assert (row["count"], row["bytes"]) == (2, 32 * MiB) and "key IPC_PRIVATE" in row["evidence"]


def test_shmem_unmapped():
    shared = frame_of([{"host": "h", "pid": 7, "start": 0x10000, "end": 0x10000 + 4 * MiB, "perms": "rw-s",
                        "path": "/SYSV6d656d02", "deleted": True, "rss": 4 * MiB, "pss": 4 * MiB},
                       {"host": "h", "pid": 7, "start": 0x800000, "end": 0x800000 + 4 * MiB, "perms": "rw-s",
                        "path": "/memfd:planted-memfd", "deleted": True, "rss": 4 * MiB, "pss": 4 * MiB}])
    hosts = pd.DataFrame({"host": ["h"], "mem_total": [24 * 1024 * MiB], "shmem": [82 * MiB]})
    row = one(F.findings(dataset(shared, hosts=hosts, shm=SHM)), "shmem-unmapped")
    assert row["bytes"] == 82 * MiB - 8 * MiB - 16 * MiB and row["pid"] is pd.NA  # mapped and orphan SysV left out
    hosts["shmem"] = [18 * MiB]
    assert F.findings(dataset(shared, hosts=hosts)).empty  # 10 MiB unmapped: under 32 MiB
    # a journal on tmpfs (device 00:NN) mapped by journald is mapped shared memory too
    journal = frame_of([{"host": "h", "pid": 300, "start": 0x4000000, "end": 0x4000000 + 40 * MiB, "perms": "r--s",
                         "dev": "00:1a", "inode": 55, "path": "/run/log/journal/abc/system.journal",
                         "rss": 40 * MiB, "pss": 40 * MiB}])
    hosts["shmem"] = [58 * MiB]
    both = pd.concat([shared, journal], ignore_index=True)
    assert F.findings(dataset(both, hosts=hosts)).empty  # 58 - 8 - 40 = 10 MiB
    assert one(F.findings(dataset(shared, hosts=hosts)), "shmem-unmapped")["bytes"] == 50 * MiB


def test_locked_and_swap_from_status_when_no_smaps():
    procs = pd.DataFrame({"host": ["h", "h", "h"], "pid": [1, 2, 3], "command": ["db", "sleep", "sos report"],
                          "vm_lck": [64 * MiB, 0, 0], "vm_swap": [0, 3 * MiB, 0]})
    hosts = pd.DataFrame({"host": ["h"], "mem_total": [512 * MiB]})
    found = F.findings(dataset(processes=procs, hosts=hosts))
    locked = one(found, "locked-memory")
    assert (locked["pid"], locked["bytes"], locked["severity"]) == (1, 64 * MiB, "warning")  # 12.5% of MemTotal
    swap = one(found, "swap-used")
    assert (swap["pid"], swap["bytes"]) == (2, 3 * MiB)
    # where smaps says (Locked 0 kB), the status figure taken at another moment is not used
    maps = frame_of([{"host": "h", "pid": 1, "start": 0x1000, "end": 0x2000, "perms": "rw-p", "locked": 0}])
    assert one(F.findings(dataset(maps, processes=procs, hosts=hosts)), "swap-used")["pid"] == 2
    assert (F.findings(dataset(maps, processes=procs, hosts=hosts))["rule"] == "locked-memory").sum() == 0


def test_thp_mode_cited():
    rows = [{"host": "h", "pid": 4, "start": 0x40000000, "end": 0x46000000, "perms": "rw-p",
             "anon_huge_pages": 96 * MiB, "rss": 96 * MiB}]
    hosts = pd.DataFrame({"host": ["h"], "thp_enabled": ["always"]})
    row = one(F.findings(dataset(frame_of(rows), hosts=hosts)), "thp-usage")
    assert "THP mode: always" in row["message"] and row["bytes"] == 96 * MiB


def test_unexplained_memory_levels():
    system = pd.DataFrame({"host": ["a", "b", "c"], "used": [9, 9, 9], "unexplained": [4, 6, 20],
                           "mem_total": [100, 100, 100]})
    found = F.unexplained_memory(F.Data(mappings=schema.empty(), system=system))
    assert [(f["host"], f["severity"]) for f in found] == [("b", "info"), ("c", "warning")]


def test_oom_kill_names_victim_and_biggest():
    kills = pd.DataFrame({"host": ["h"], "source": ["dmesg"], "time": ["12.5"], "pid": [77], "name": ["memhog"],
                          "uid": [0], "total_vm": [300 * MiB], "anon_rss": [200 * MiB], "file_rss": [MiB],
                          "shmem_rss": [0], "oom_score_adj": [0], "constraint": ["CONSTRAINT_MEMCG"],
                          "memcg": ["/oomtest"], "event": [1]})
    tasks = pd.DataFrame({"host": ["h"] * 3, "source": ["dmesg"] * 3, "event": [1, 1, 1], "pid": [77, 5, 6],
                          "name": ["memhog", "bash", "sleep"], "rss": [201 * MiB, 2 * MiB, MiB]})
    row = one(F.findings(dataset(oom_kills=kills, oom_tasks=tasks)), "oom-kill")
    assert (row["severity"], row["pid"], row["command"], row["bytes"]) == ("critical", 77, "memhog", 201 * MiB)
    assert row["evidence"].index("PID 77 memhog") < row["evidence"].index("PID 5 bash")


def test_capture_column_used_when_present():
    rows = [{"pid": 5, "start": 0x1000, "end": 0x2000, "perms": "rw-p", "locked": 4096}]
    frame = frame_of(rows + rows)
    frame["capture"] = ["monday", "tuesday"]
    found = F.findings(frame)
    assert sorted(found["capture"]) == ["monday", "tuesday"]


def test_absent_data_gives_nothing_and_is_listed():
    ds = dataset()
    assert F.findings(ds).empty
    ids = [rule for rule, _ in F.unchecked(ds)]
    assert "sysv-shm-orphan" in ids and "oom-kill" in ids and "shmem-unmapped" in ids


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown threshold"):
        F.findings(schema.empty(), min_arena=3)
    with pytest.raises(ValueError, match="unknown severity"):
        F.findings(schema.empty(), min_severity="fatal")


def test_rules_are_documented_in_readme():
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- findings:start -->\n(.*?)\n<!-- findings:end -->", readme, re.S)
    assert table and table.group(1) == F.markdown_table()
    for rule in F.RULES:
        assert f"`{rule.id}`" in readme
        for name in rule.thresholds:
            assert f"`{name}`" in readme, name


# ---------------------------------------------------------------- CLI


def run(*args):
    return CliRunner().invoke(cli, ["findings", *map(str, args)])


def test_cli_text_json_csv():
    path = PLANTED_INPUTS[0]
    text = run(path)
    assert text.exit_code == 0, text.output
    assert "WARNING  malloc-arenas" in text.output and "What to do:" in text.output
    assert "5 findings (3 warning, 2 info)." in text.output
    data = json.loads(run(path, "--format", "json").output)
    assert [set(d) for d in data] == [set(F.NAMES)] * 5
    assert {d["rule"]: d["pid"] for d in data}["malloc-arenas"] == PID_ARENAS
    csv = run(path, "--format", "csv", "--min-severity", "warning").output
    assert csv.splitlines()[0] == ",".join(F.NAMES)
    assert pd.read_csv(__import__("io").StringIO(csv))["severity"].eq("warning").sum() == 3


def test_cli_fail_on():
    assert run(PLANTED_INPUTS[0], "--fail-on", "warning").exit_code == 3
    assert run(PLANTED_INPUTS[0], "--fail-on", "critical").exit_code == 0
    assert run(CLEAN_INPUTS[0], "--fail-on", "info").exit_code == 0


def test_cli_set_threshold():
    result = run(CLEAN_INPUTS[0], "--set", "min_arenas=2", "--set", "min_arena_rss=1M")
    assert "malloc-arenas" in result.output and f"PID {PID_BENIGN}" in result.output
    bad = run(CLEAN_INPUTS[0], "--set", "nonsense=1")
    assert bad.exit_code == 2 and "expected NAME=VALUE" in bad.output
    bad = run(CLEAN_INPUTS[0], "--set", "map_warn_ratio=5M")
    assert bad.exit_code == 2 and "is not a fraction" in bad.output
    assert "map-count" in run(CLEAN_INPUTS[0], "--set", "map_warn_ratio=0.01%").output


# ---------------------------------------------------------------- report


def test_report_second_page_is_findings(tmp_path):
    import pypdf

    from analyzer.report.document import build
    from analyzer.report.writers import write_html, write_pdf

    report = build(analyzer.load_dataset(str(PLANTED_INPUTS[2])), details=0)
    write_pdf(report, tmp_path / "r.pdf")
    second = pypdf.PdfReader(tmp_path / "r.pdf").pages[1].extract_text()
    assert "Findings: 5 warning, 2 info." in second  # with SysV and meminfo read: sysv-shm-orphan, shmem-unmapped
    for rule, pid in [("map-count", PID_MAPS), ("deleted-mapped-file", PID_LIBDEL), ("malloc-arenas", PID_ARENAS),
                      ("locked-memory", PID_MLOCK), ("thp-usage", PID_THP)]:
        assert f"{rule}: PID {pid} " in second, rule
    write_html(report, tmp_path / "r.html")
    text = (tmp_path / "r.html").read_text()
    assert text.index("<h2>Warnings") < text.index("<h2>Findings (5 warning, 2 info)</h2>") \
        < text.index("<h2>Memory by mapping kind")
    assert "WARNING malloc-arenas: PID 19 " in text


def _many_locked(n: int = 24):
    """*n* processes that each lock memory (one locked-memory finding each), with long commands and paths."""
    rows = []
    for pid in range(100, 100 + n):
        for i in range(3):
            start = 0x7F0000000000 + pid * 0x100000 + i * 0x1000
            rows.append({"pid": pid, "command": f"/srv/{'x' * 300} --id={pid}", "start": start, "end": start + 0x1000,
                         "perms": "rw-p", "path": f"/data/{'y' * 200}/{pid}-{i}", "rss": 4096, "pss": 4096,
                         "private_clean": 0, "private_dirty": 4096, "swap": 0, "size": 4096, "locked": 4096})
    return dataset(frame_of(rows), processes=pd.DataFrame({"pid": range(100, 100 + n), "mappings": 3}))


def test_report_findings_pages_fit_and_show_every_finding(monkeypatch):
    """24 findings with long commands and evidence, all shown (the per-rule cap raised): blocks are
    never split across pages, every line stays within the margins, and every finding is shown once."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from analyzer.report import document, pages
    from analyzer.report.document import build
    from analyzer.report.lines import TextLines

    monkeypatch.setattr(document, "FINDINGS_PER_RULE", 100)
    report = build(_many_locked(), details=0)
    assert len(report.findings) == 24
    plan = pages.plan(report)
    found_pages = [p for p in plan if p.section.startswith("Findings")]
    assert plan[1] is found_pages[0] and len(found_pages) > 1
    seen = []
    for number, page in enumerate(found_pages, 2):
        fig = pages.render(page, report, number, len(plan))
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        lines = [a for a in fig.artists if isinstance(a, TextLines)]
        right = (pages.W - pages.MARGIN) * fig.dpi + 1.5
        for art in lines:
            box = art.get_window_extent(renderer)
            assert box.x1 <= right and box.y0 >= 0.5 * fig.dpi, art.lines[0][:40]
        text = [ln for a in lines for ln in a.lines]
        heads = [ln for ln in text if ln.startswith("INFO     locked-memory: PID ")]
        seen += heads
        assert text[-1] == "" or text[-1].startswith(("Not checked", "  ")), text[-1]  # ends on a whole block
    assert len(seen) == 24 and len(set(seen)) == 24


def test_report_shows_the_largest_findings_of_a_rule_and_counts_the_rest(tmp_path):
    """A rule that fires for 24 processes: the PDF and HTML show the first FINDINGS_PER_RULE (the
    largest locked memory first) and say how many more there are; the summary line counts all 24."""
    from analyzer.report import document, pages
    from analyzer.report.document import build
    from analyzer.report.writers import write_html

    ds = _many_locked()
    ds.mappings.loc[ds.mappings["pid"] == 117, "locked"] = 3 * 4096  # the largest: shown first
    report = build(ds, details=0)
    shown = document.FINDINGS_PER_RULE
    assert len(report.findings) == 24 and shown < 24
    text = [ln for block in pages.finding_lines(report) for ln, _ in block]
    heads = [ln for ln in text if ln.startswith("INFO     locked-memory: PID ")]
    assert len(heads) == shown and heads[0].startswith("INFO     locked-memory: PID 117 ")
    assert f"... and {24 - shown} more info locked-memory findings not shown (memmaps findings lists every one)" in text
    write_html(report, tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text()
    assert "<h2>Findings (24 info)</h2>" in html and html.count("INFO locked-memory: PID ") == shown
    assert f"... and {24 - shown} more info locked-memory findings not shown" in html


# ---------------------------------------------------------------- real meminfo and SysV tables


def sos_tables(archive: Path):
    """The host and SysV tables the meminfo/SysV parsing gives, read here (stdlib only)
    from the sosreport's own proc/meminfo, proc/sysvipc/shm and THP mode."""
    import tarfile

    with tarfile.open(archive) as tf:
        def member(tail):
            m = next(m for m in tf.getmembers() if m.name.endswith(tail))
            return tf.extractfile(m).read().decode()

        meminfo = {k: int(v.split()[0]) * 1024 for k, v in
                   (line.split(":", 1) for line in member("/proc/meminfo").splitlines())}
        thp = re.search(r"\[(\w+)\]", member("/sys/kernel/mm/transparent_hugepage/enabled")).group(1)
        lines = member("/proc/sysvipc/shm").splitlines()
    head = lines[0].split()
    segs = [dict(zip(head, map(int, line.split()))) for line in lines[1:]]
    shm = pd.DataFrame({"host": "findings-planted" if "planted" in archive.name else "findings-clean",
                        "source": "proc/sysvipc/shm", "key": pd.array([s["key"] for s in segs], "Int64"),
                        "shmid": [s["shmid"] for s in segs], "owner": [str(s["uid"]) for s in segs],
                        "perms": [str(s["perms"]) for s in segs], "bytes": [s["size"] for s in segs],
                        "nattch": [s["nattch"] for s in segs], "cpid": [s["cpid"] for s in segs],
                        "lpid": [s["lpid"] for s in segs], "rss": [s["rss"] for s in segs],
                        "swap": [s["swap"] for s in segs]})
    hosts = {"mem_total": meminfo["MemTotal"], "shmem": meminfo["Shmem"], "thp_enabled": thp}
    return hosts, shm


@pytest.mark.parametrize("archive", [PLANTED_INPUTS[2], CLEAN_INPUTS[2]], ids=["planted", "clean"])
def test_sysv_and_shmem_rules_on_the_real_tables(archive):
    hosts, shm = sos_tables(archive)
    ds = analyzer.load_dataset(str(archive))
    ds.hosts = ds.hosts.assign(**hosts)
    ds.shm = shm
    found = F.findings(ds)
    shared = ds.mappings[ds.mappings["kind"].isin(["shm", "memfd"])]
    mapped = int(shared["pss"].sum())
    assert mapped == 8 * MiB  # the benign process's attached SysV segment and memfd, 4 MiB each
    if "clean" in archive.name:
        assert found.empty, found[["rule", "message"]]
        assert len(shm) == 1 and shm["nattch"].iloc[0] == 1  # the attached segment: no finding
        return
    orphan = one(found, "sysv-shm-orphan")
    assert (orphan["pid"] is pd.NA, orphan["count"], orphan["bytes"]) == (True, 1, 16 * MiB)
    assert "shmid 1, key 0x6d656d01" in orphan["evidence"]
    unmapped = one(found, "shmem-unmapped")
    assert unmapped["bytes"] == hosts["shmem"] - mapped - 16 * MiB
    assert unmapped["bytes"] >= 48 * MiB  # the /dev/shm file nobody maps
    assert "THP mode: madvise" in one(found, "thp-usage")["message"]


def test_accessor_findings_is_the_library_function():
    frame = analyzer.load(str(PLANTED_INPUTS[0]))
    analyzer.register_accessor()
    assert frame.memmaps.findings(min_severity="warning").equals(F.findings(frame, min_severity="warning"))
    assert len(frame.memmaps.findings(min_arenas=100)) == 4


def test_host_facts_follow_the_capture():
    rows = [{"host": "h", "pid": 9, "start": 0x1000 * i, "end": 0x1000 * (i + 1), "perms": "r--p"}
            for i in range(1, 601)]
    frame = pd.concat([frame_of(rows).assign(capture="mon"), frame_of(rows).assign(capture="tue")], ignore_index=True)
    hosts = pd.DataFrame({"host": ["h", "h"], "capture": ["mon", "tue"], "max_map_count": [1000, 65530]})
    found = F.findings(dataset(frame, hosts=hosts))
    assert found[["rule", "capture", "severity"]].values.tolist() == [["map-count", "mon", "warning"]]


def test_evidence_is_the_largest_mappings_even_with_a_repeated_index():
    rows = [{"pid": 5, "start": 0x1000 * (i + 1), "end": 0x1000 * (i + 2), "perms": "rw-p", "swap": (i % 13) * MiB}
            for i in range(40)]
    frame = frame_of(rows)
    frame.index = [0] * len(frame)  # as pd.concat of frames can leave it
    row = one(F.findings(frame), "swap-used")
    assert row["count"] == sum(1 for r in rows if r["swap"])
    assert row["bytes"] == sum(r["swap"] for r in rows)
    lines = row["evidence"].splitlines()
    assert [ln.split(" swap ")[1] for ln in lines[:3]] == ["12.0 MiB"] * 3 and lines[-1].startswith("... and 28 more")


def update_readme() -> bool:
    """Rewrite the README's rule table from the code; returns whether it changed.
    Run: ``.venv/bin/python tests/test_findings.py --update``."""
    path = ROOT / "README.md"
    text = path.read_text()
    new = re.sub(r"(<!-- findings:start -->\n).*?(\n<!-- findings:end -->)",
                 lambda m: m.group(1) + F.markdown_table() + m.group(2), text, flags=re.S)
    path.write_text(new)
    return new != text


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--update"]:
        print("README rule table " + ("updated" if update_readme() else "unchanged"))
