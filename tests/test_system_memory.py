"""Status, meminfo, SysV and OOM kills against the real samples of sample_dumps/system/.

Each expected value comes from a small oracle written here (plain string
handling of the very file the archive or the capture holds), not from the
parsers under test.
"""

from __future__ import annotations

import json
import re
import tarfile
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import analyzer
from analyzer.cli import cli
from analyzer.ingest.base import Context
from analyzer.ingest.formats import kernlog, status
from analyzer.summarize import SYSTEM_PARTS, by_oom, by_system

SYSTEM = Path(__file__).resolve().parent.parent / "sample_dumps" / "system"
SOS = sorted((SYSTEM / "sosreport").glob("sosreport-*.tar.xz"))
SOS412 = next(p for p in SOS if "-sos412-" in p.name)
SOS412_SMAPS = next(p for p in SOS if "-sos412smaps-" in p.name)
LOGS = ["dmesg.txt", "dmesg_-T.txt", "dmesg_-t.txt", "dmesg_iso.txt", "kern.log", "messages"]
KEYS = {"VmRSS": "vm_rss", "RssAnon": "rss_anon", "RssFile": "rss_file", "RssShmem": "rss_shmem", "VmSwap": "vm_swap",
        "VmHWM": "vm_hwm", "VmPeak": "vm_peak", "VmSize": "vm_size", "VmLck": "vm_lck", "VmPin": "vm_pin",
        "VmPTE": "vm_pte", "VmData": "vm_data", "VmStk": "vm_stk", "VmExe": "vm_exe", "VmLib": "vm_lib"}


# --- oracles ---------------------------------------------------------------

_loaded: dict = {}


def load(path):
    """load_dataset once per sample (the tests only read the result)."""
    if path not in _loaded:
        _loaded[path] = analyzer.load_dataset(path)
    return _loaded[path]


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def oracle_status(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(":\t")
        value = value.strip()
        if key in KEYS:
            number, unit = value.split()
            assert unit == "kB"
            out[KEYS[key]] = int(number) * 1024
        elif key in ("Threads", "PPid"):
            out[key.lower()] = int(value)
        elif key == "Uid":
            out["uid"] = int(value.split("\t")[0])
        elif key == "State":
            out["state"] = value[0]
    return out


def oracle_meminfo(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        key, value = line.split(":")
        parts = value.split()
        out[key] = int(parts[0]) * (1024 if parts[1:] == ["kB"] else 1)
    return out


def oracle_kills(text: str) -> list[dict]:
    kills = []
    for line in text.splitlines():
        if "Killed process" not in line:
            continue
        tail = line[line.index("Killed process"):]
        pid = int(tail.split()[2])
        fields = {k: int(v) * 1024 for k, v in re.findall(r"([a-z-]+):(\d+)kB", tail)}
        kills.append({"pid": pid, "total_vm": fields["total-vm"], "anon_rss": fields["anon-rss"],
                      "file_rss": fields["file-rss"], "shmem_rss": fields["shmem-rss"]})
    return kills


def oracle_tasks(text: str) -> list[dict]:
    rows, header = [], None
    for line in text.splitlines():
        if "[  pid  ]" in line:
            header = line[line.index("]", line.index("[  pid  ]")) + 1:].split()
            continue
        m = re.search(r"\[\s*(\d+)\]\s+(\d.*)$", line)
        if header and m and "total_vm" in header:
            values = m.group(2).split()
            row = dict(zip(header, values))
            rows.append({"pid": int(m.group(1)), "rss": int(row["rss"]) * 4096, "rss_anon": int(row["rss_anon"]) * 4096,
                         "total_vm": int(row["total_vm"]) * 4096, "pgtables_bytes": int(row["pgtables_bytes"]),
                         "oom_score_adj": int(row["oom_score_adj"]), "name": row["name"]})
        elif header and not m:
            header = None
    return rows


# --- per-process status ----------------------------------------------------

@pytest.mark.parametrize("archive", [SOS412, SOS412_SMAPS], ids=["sos412", "sos412smaps"])
def test_every_status_field_per_pid_equals_the_archive(archive):
    files = members(archive)
    expected = {int(p.split("/")[1]): oracle_status(data.decode()) for p, data in files.items()
                if re.fullmatch(r"proc/\d+/status", p)}
    procs = load(archive).processes.set_index("pid")
    assert expected and set(expected) <= set(procs.index)
    for pid, fields in expected.items():
        for col, value in fields.items():
            assert procs.loc[pid, col] == value, (pid, col)


def test_oom_score_limits_and_package_from_the_archive():
    files = members(SOS412)
    procs = load(SOS412).processes.set_index("pid")
    packages = json.loads(files["sos_commands/process/pids_to_packages.json"])
    for path, data in files.items():
        m = re.fullmatch(r"proc/(\d+)/(oom_score|oom_score_adj|limits)", path)
        if not m:
            continue
        pid = int(m.group(1))
        if m.group(2) == "limits":
            line = next(x for x in data.decode().splitlines() if x.startswith("Max locked memory"))
            assert procs.loc[pid, "limit_memlock"] == int(line.split()[3])
            assert pd.isna(procs.loc[pid, "limit_as"])  # `unlimited` is NA
        else:
            assert procs.loc[pid, m.group(2)] == int(data)
    for pid, entry in packages.items():
        if int(pid) in procs.index:
            assert procs.loc[int(pid), "package"] == entry["package"]


def oracle_blocks(name: str) -> dict[int, str]:
    """PID -> status text of a capture: a copied tree, `head` banners or `grep -H` prefixes."""
    if name == "proc":
        return {int(p.parent.name): p.read_text() for p in (SYSTEM / "proc").glob("*/status")}
    text = (SYSTEM / name).read_text()
    blocks: dict[int, list[str]] = {}
    if name == "status_head.txt":
        for chunk in text.split("==> /proc/")[1:]:
            head, _, body = chunk.partition(" <==\n")
            blocks[int(head.split("/")[0])] = body.splitlines()
    else:
        for line in text.splitlines():
            path, _, rest = line.partition("/status:")
            blocks.setdefault(int(path.split("/")[2]), []).append(rest)
    return {pid: "\n".join(lines) for pid, lines in blocks.items()}


@pytest.mark.parametrize("name", ["status_head.txt", "status_grep.txt", "proc"])
def test_status_concatenations_and_tree_equal_each_file(name):
    procs = load(SYSTEM / name).processes.set_index("pid")
    blocks = oracle_blocks(name)
    assert len(procs) == len(blocks) == 9
    for pid, text in blocks.items():
        for col, value in oracle_status(text).items():
            assert procs.loc[pid, col] == value, (name, pid, col)


def test_status_alone_loads_without_mappings_and_summarises():
    result = CliRunner().invoke(cli, ["summary", str(SYSTEM / "status_head.txt"), "--by", "kind", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["kind"]: r for r in json.loads(result.output[result.output.index("["):])}
    tree = [oracle_status(t) for t in oracle_blocks("status_head.txt").values()]
    assert rows["anonymous"]["rss"] == sum(t["rss_anon"] for t in tree)
    assert rows["shm"]["rss"] == sum(t["rss_shmem"] for t in tree)
    assert {r["source_format"] for r in rows.values()} == {"status"}


def test_status_self_block_is_kept_with_pid_na():
    text = "==> /proc/self/status <==\nName:\thead\nState:\tR (running)\nPid:\t99\nVmRSS:\t 8 kB\n"
    ctx = Context("x")
    parsed = status.parse(text, ctx)
    assert parsed.processes[0]["pid"] is None and parsed.processes[0]["vm_rss"] == 8192
    assert any("capturing command" in n.message for n in ctx.notices)


# --- meminfo and --by system -----------------------------------------------

@pytest.mark.parametrize("archive", SOS, ids=lambda p: p.name.split("-")[3])
def test_meminfo_fields_equal_and_by_system_adds_up(archive):
    expected = oracle_meminfo(members(archive)["proc/meminfo"].decode())
    ds = load(archive)
    host = ds.hosts.iloc[0]
    assert host["mem_total"] == expected["MemTotal"] and host["s_reclaimable"] == expected["SReclaimable"]
    assert host["active_anon"] == expected["Active(anon)"] and host["hugepages_total"] == expected["HugePages_Total"]
    assert host["hugepagesize"] == expected["Hugepagesize"] and host["direct_map2m"] == expected["DirectMap2M"]
    row = by_system(ds).iloc[0]
    assert row["used"] == expected["MemTotal"] - expected["MemFree"]
    assert row["used"] == sum(int(row[p]) for p in SYSTEM_PARTS) + row["unexplained"]
    assert row["page_cache"] == expected["Buffers"] + expected["Cached"] - expected["Shmem"]
    assert row["anonymous"] == expected["AnonPages"] and row["slab_unreclaimable"] == expected["SUnreclaim"]


def test_by_system_processes_beside_the_parts():
    smaps = by_system(load(SOS412_SMAPS)).iloc[0]
    assert smaps["processes_source"] == "smaps"
    assert smaps["processes_pss"] == analyzer.load(SOS412_SMAPS)["pss"].sum()
    status_row = by_system(load(SOS412)).iloc[0]
    files = members(SOS412)
    rss = sum(oracle_status(d.decode())["vm_rss"] for p, d in files.items() if re.fullmatch(r"proc/\d+/status", p))
    assert status_row["processes_source"] == "status" and status_row["processes_rss"] == rss


def test_thp_mode_and_max_map_count_from_the_archive():
    files = members(SOS412)
    host = load(SOS412).hosts.iloc[0]
    thp = files["sys/kernel/mm/transparent_hugepage/enabled"].decode()
    assert host["thp_enabled"] == thp[thp.index("[") + 1:thp.index("]")]
    line = next(x for x in files["sos_commands/kernel/sysctl_-a"].decode().splitlines()
                if x.startswith("vm.max_map_count"))
    assert host["max_map_count"] == int(line.split("=")[1])


def test_meminfo_fields_a_kernel_lacks_are_na_not_zero():
    ds = load(SYSTEM / "meminfo")
    old = textwrap.dedent("""\
        MemTotal:        1000 kB
        MemFree:          200 kB
        Buffers:           10 kB
        Cached:           100 kB
        AnonPages:        300 kB
        Shmem:             20 kB
        Slab:              50 kB
        SReclaimable:      30 kB
        SUnreclaim:        20 kB
        PageTables:        10 kB
        """)
    path = Path(ds.hosts["source"].iloc[0]).parent  # unused: keep the real file for the first half
    assert path.exists()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "meminfo"
        f.write_text(old)
        row = by_system(analyzer.load_dataset(f)).iloc[0]
    assert pd.isna(row["percpu"]) and pd.isna(row["mem_available"]) and pd.isna(row["hugetlb"])
    assert row["used"] == 800 * 1024
    assert row["unexplained"] == (800 - 300 - 90 - 20 - 30 - 20 - 10) * 1024


# --- SysV --------------------------------------------------------------------

@pytest.mark.parametrize("archive", SOS, ids=lambda p: p.name.split("-")[3])
def test_sysv_table_equals_ipcs(archive):
    files = members(archive)
    text = files["sos_commands/sysvipc/ipcs"].decode()
    section = text[text.index("Shared Memory Segments"):].split("\n\n")[0].splitlines()[2:]
    expected = {int(r.split()[1]): (int(r.split()[0], 16), r.split()[2], int(r.split()[4]), int(r.split()[5]))
                for r in section if r.strip()}
    shm = load(archive).shm.set_index("shmid")
    assert len(expected) == 2 and set(shm.index) == set(expected)
    for shmid, (key, owner, size, nattch) in expected.items():
        assert (shm.loc[shmid, "key"], shm.loc[shmid, "owner"], shm.loc[shmid, "bytes"],
                shm.loc[shmid, "nattch"]) == (key, owner, size, nattch)
    proc = files["proc/sysvipc/shm"].decode().splitlines()
    head = proc[0].split()
    for line in proc[1:]:
        row = dict(zip(head, line.split()))
        assert shm.loc[int(row["shmid"]), "rss"] == int(row["rss"])


def test_sysv_segment_joined_to_the_process_that_maps_it():
    shm = load(SOS412_SMAPS).shm.set_index("key")
    frame = analyzer.load(SOS412_SMAPS)
    pids = sorted(frame.loc[frame["path"].astype(str).str.startswith("/SYSV6d6d0001"), "pid"].unique())
    assert pids and shm.loc[0x6D6D0001, "mapped_by"] == ", ".join(map(str, pids))
    assert pd.isna(shm.loc[0x6D6D0002, "mapped_by"])  # detached: nattch 0


@pytest.mark.parametrize("name", ["sysvipc_shm", "ipcs_-m", "ipcs"])
def test_sysv_files_alone(name):
    shm = load(SYSTEM / name).shm
    assert sorted(shm["bytes"]) == [1048576, 2097152] and sorted(shm["nattch"]) == [0, 1]


# --- OOM kills -----------------------------------------------------------------

@pytest.mark.parametrize("name", LOGS)
def test_each_oom_victim_and_task_table_equal_the_log(name):
    text = (SYSTEM / name).read_text()
    ds = load(SYSTEM / name)
    kills = oracle_kills(text)
    assert len(kills) == 2 and len(ds.oom_kills) == 2
    for want, (_, got) in zip(kills, ds.oom_kills.iterrows()):
        for col, value in want.items():
            assert got[col] == value, col
        assert got["constraint"] == "CONSTRAINT_MEMCG" and got["scope"] == "memcg"
    tasks = oracle_tasks(text)
    assert len(tasks) == len(ds.oom_tasks) == 6
    for want, (_, got) in zip(tasks, ds.oom_tasks.iterrows()):
        for col, value in want.items():
            assert got[col] == value, col
    assert list(ds.oom_kills["oom_score_adj"]) == [0, 300]


def test_sosreport_kernel_logs_give_each_event_once():
    ds = load(SOS412)
    assert len(ds.oom_kills) == 2  # dmesg, kern.log and messages all hold both
    assert set(ds.oom_kills["host"]) == {"sample-host"}
    assert ds.oom_kills["source"].str.endswith("sos_commands/kernel/dmesg").all()


def test_by_oom_counts_each_task_table():
    table = by_oom(load(SYSTEM / "kern.log"))
    tasks = oracle_tasks((SYSTEM / "kern.log").read_text())
    assert list(table["tasks"]) == [3, 3]
    assert table["tasks_rss"].iloc[0] == sum(t["rss"] for t in tasks[:3])


OLD_KERNEL = """\
[ 1234.567890] java invoked oom-killer: gfp_mask=0x201da, order=0, oom_score_adj=0
[ 1234.567999] CPU: 1 PID: 4242 Comm: java Not tainted 3.10.0-1160.el7.x86_64 #1
[ 1234.570000] [ pid ]   uid  tgid total_vm      rss nr_ptes swapents oom_score_adj name
[ 1234.570001] [  501]     0   501    12000      300      25        0             0 systemd-journal
[ 1234.570002] [ 4242]  1000  4242  2000000   900000    1900      10             0 java
[ 1234.570100] Out of memory: Kill process 4242 (java) score 912 or sacrifice child
[ 1234.570200] Killed process 4242 (java) total-vm:8000000kB, anon-rss:3600000kB, file-rss:0kB, shmem-rss:0kB
"""

OLDEST_KERNEL = """\
Jan  3 10:00:00 db1 kernel: mysqld invoked oom-killer: gfp_mask=0x280da, order=0, oom_adj=0, oom_score_adj=0
Jan  3 10:00:00 db1 kernel: [ pid ]   uid  tgid total_vm      rss cpu oom_adj oom_score_adj name
Jan  3 10:00:00 db1 kernel: [ 2345]    27  2345   500000   250000   1       0             0 mysqld
Jan  3 10:00:00 db1 crond[99]: (root) CMD (run-parts /etc/cron.hourly)
Jan  3 10:00:00 db1 kernel: Out of memory: Kill process 2345 (mysqld) score 950 or sacrifice child
Jan  3 10:00:00 db1 kernel: Killed process 2345, UID 27, (mysqld) total-vm:2000000kB, anon-rss:999000kB, file-rss:1000kB
"""


def test_kernel_3x_task_table_nr_ptes_and_intent_line():
    parsed = kernlog.parse(OLD_KERNEL, Context("old"))
    kill = parsed.tables["oom_kills"][0]
    assert (kill["pid"], kill["score"], kill["scope"], kill["anon_rss"]) == (4242, 912, "system", 3600000 * 1024)
    java = parsed.tables["oom_tasks"][1]
    assert java["nr_ptes"] == 1900 and java["rss"] == 900000 * 4096 and "pgtables_bytes" not in java
    assert kill["page_size"] == 4096  # 8000000 kB / 2000000 pages


def test_kernel_2_6_syslog_with_other_programs_lines():
    parsed = kernlog.parse(OLDEST_KERNEL, Context("messages"))
    kill = parsed.tables["oom_kills"][0]
    assert (kill["pid"], kill["uid"], kill["host"], kill["file_rss"]) == (2345, 27, "db1", 1000 * 1024)
    assert parsed.tables["oom_tasks"][0]["cpu"] == 1 and parsed.tables["oom_tasks"][0]["name"] == "mysqld"


def test_journalctl_stamps():
    # journalctl -k (short, short-precise, short-iso, short-monotonic) stamps put in front of real
    # dmesg -t lines of sample_dumps/system/dmesg_-t.txt (this machine has no journal)
    lines = (SYSTEM / "dmesg_-t.txt").read_text().splitlines()
    for stamp in ("Dec 06 03:37:22 sample-host kernel: ", "Dec 06 03:37:22.019671 sample-host kernel: ",
                  "2026-12-06T03:37:22+0000 sample-host kernel: ", "[  691.410222] sample-host kernel: "):
        parsed = kernlog.parse("\n".join(stamp + x for x in lines), Context("journal"))
        assert [k["pid"] for k in parsed.tables["oom_kills"]] == [21973, 21984], stamp
        assert len(parsed.tables["oom_tasks"]) == 6


def test_cut_log_keeps_the_event_and_warns():
    text = "\n".join((SYSTEM / "dmesg.txt").read_text().splitlines()[:60])
    ctx = Context("cut")
    parsed = kernlog.parse(text, ctx)
    assert len(parsed.tables["oom_kills"]) == 1 and "pid" not in parsed.tables["oom_kills"][0]
    assert any("no `Killed process` line" in n.message for n in ctx.notices)


# --- CLI -------------------------------------------------------------------------

def test_cli_summary_by_system_and_oom_and_export_tables(tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["summary", str(SOS412), "--by", "system", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(pd.io.common.StringIO(result.output))
    assert rows["used"].iloc[0] == rows["mem_total"].iloc[0] - rows["mem_free"].iloc[0]
    result = runner.invoke(cli, ["summary", str(SYSTEM / "messages"), "--by", "oom"])
    assert result.exit_code == 0 and "21973" in result.output and "memhog" in result.output
    for table, n in (("shm", 2), ("oom_kills", 2), ("oom_tasks", 6)):
        out = tmp_path / f"{table}.csv"
        result = runner.invoke(cli, ["export", str(SOS412), "--table", table, "-o", str(out), "-q"])
        assert result.exit_code == 0, result.output
        assert len(pd.read_csv(out)) == n


def test_cli_summary_by_process_from_status_says_so():
    result = CliRunner().invoke(cli, ["summary", str(SOS412), "--by", "process", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = pd.read_csv(pd.io.common.StringIO(result.output))
    files = members(SOS412)
    status_rows = rows[rows["source_format"] == "status"].set_index("pid")
    for path, data in files.items():
        if re.fullmatch(r"proc/\d+/status", path):
            want = oracle_status(data.decode())
            pid = int(path.split("/")[1])
            assert status_rows.loc[pid, "rss"] == want["vm_rss"] and status_rows.loc[pid, "anon"] == want["rss_anon"]


def test_cli_info_lines_per_oom_event():
    result = CliRunner().invoke(cli, ["info", str(SYSTEM / "dmesg_-T.txt")])
    assert result.exit_code == 0
    lines = [x for x in result.output.splitlines() if "OOM kill" in x]
    first = next(x for x in (SYSTEM / "dmesg_-T.txt").read_text().splitlines() if "invoked oom-killer" in x)
    assert len(lines) == 2 and "pid 21973 (memhog)" in lines[0] and first[1:first.index("]")] in lines[0]


# --- README --------------------------------------------------------------------

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


@pytest.mark.parametrize("name", ["meminfo", "shm", "oom_kills", "oom_tasks"])
def test_readme_tables_are_the_declared_columns(name):
    from analyzer import systables

    m = re.search(rf"<!-- systables:{name}:start -->\n(.*?)\n<!-- systables:{name}:end -->", README, re.S)
    assert m and m.group(1) == systables.markdown_table(systables.README_TABLES[name])


def test_readme_lists_the_status_columns_once_in_the_processes_table():
    from analyzer import systables

    from analyzer import schema

    processes = schema.markdown_table("processes")
    assert processes in README and "systables:status" not in README
    for col in systables.STATUS_COLUMNS:
        assert f"| `{col.name}` |" in processes, col.name


def test_readme_oom_example_is_real(monkeypatch):
    monkeypatch.chdir(SYSTEM.parent.parent)
    block = re.search(r"```text\n\$ (memmaps summary sample_dumps/system/kern.log [^\n]*)\n(.*?)\n```", README, re.S)
    result = CliRunner().invoke(cli, block.group(1).split()[1:])  # drop `memmaps`
    assert result.exit_code == 0 and result.output.rstrip("\n") == block.group(2)


# --- bad input, cross-check, hints ---------------------------------------------

def test_bad_lines_name_file_and_line_and_keep_the_rest(tmp_path):
    status_text = (SYSTEM / "status").read_text().replace("VmLck:", "this is not a status line\nVmLck:", 1)
    meminfo_text = (SYSTEM / "meminfo").read_text().replace("Buffers:", "Buffers: lots\nCached2:", 1)
    shm_text = (SYSTEM / "sysvipc_shm").read_text() + "garbage row\n"
    for name, text, check in (("status", status_text, lambda ds: ds.processes["vm_rss"].iloc[0] > 0),
                              ("meminfo", meminfo_text, lambda ds: ds.hosts["mem_total"].iloc[0] > 0),
                              ("sysvipc_shm", shm_text, lambda ds: len(ds.shm) == 2)):
        f = tmp_path / name
        f.write_text(text)
        ds = analyzer.load_dataset(f)
        assert check(ds), name
        lines = [n for n in ds.warnings if n.source == str(f) and n.lineno]
        assert lines, name
        bad = text.splitlines()[lines[0].lineno - 1]
        assert "not" in lines[0].message and bad[:20] in lines[0].message, name
        result = CliRunner().invoke(cli, ["info", str(f), "--on-bad-lines", "error"])
        assert result.exit_code != 0 and f"{f}:{lines[0].lineno}" in result.output and "Traceback" not in result.output


def test_status_and_smaps_disagreeing_beyond_skew_is_a_warning():
    from analyzer.ingest.trees.sysfacts import status_vs_smaps

    ds = load(SOS412_SMAPS)
    assert status_vs_smaps(ds.mappings, ds.processes) == []  # sos read them moments apart: within skew
    procs = ds.processes.copy()
    victim = procs.index[procs["pid"] == 24][0]
    procs.loc[victim, "vm_rss"] += 8 << 20
    notices = status_vs_smaps(ds.mappings, procs)
    assert len(notices) == 1 and "24 (status" in notices[0].message and notices[0].level == "warning"


@pytest.mark.parametrize("name,hint", [("meminfo", "--by system"), ("dmesg.txt", "--by oom"),
                                       ("ipcs", "--table shm"), ("status", "--by process")])
def test_summary_of_a_mapless_input_says_what_it_holds(name, hint):
    result = CliRunner().invoke(cli, ["summary", str(SYSTEM / name), "--by", "mapping"])
    assert result.exit_code == 1 and hint in result.output and "Traceback" not in result.output


def test_sos40_without_smaps_has_no_status_and_says_ps_only():
    sos40 = next(p for p in SOS if "-sos40-" in p.name)
    ds = load(sos40)
    assert (ds.processes["source_format"] == "ps").all()  # sos 4.0 does not copy proc/PID/status
    assert any("available from ps only" in n.message for n in ds.warnings)
    sos412 = load(SOS412)
    assert not any("from ps only" in n.message for n in sos412.notices)
    assert any("from proc/PID/status" in n.message for n in sos412.notices)


def test_free_is_the_fallback_when_meminfo_is_missing():
    from analyzer.ingest.trees import sosreport, sysfacts

    files = members(SOS412)
    meminfo_total = oracle_meminfo(files["proc/meminfo"].decode())["MemTotal"]
    without = {k: v for k, v in files.items() if k != "proc/meminfo"}
    host, notices = sysfacts.host_memory(without, {}, sosreport.SPEC_BY_NAME)
    free_row = next(x.split() for x in files["sos_commands/memory/free"].decode().splitlines() if x.startswith("Mem:"))
    assert host["mem_total"] == int(free_row[1]) * 1024 == meminfo_total  # free prints KiB: MemTotal exactly
    assert host["meminfo_source"] == "sos_commands/memory/free" and "no proc/meminfo" in notices[0].message
    assert "s_reclaimable" not in host  # free has no split of the kernel's memory: NA, not 0


def test_copied_tree_with_meminfo_sysvipc_and_kern_log(tmp_path):
    """A copied tree that is no sosreport: its proc/meminfo, proc/sysvipc/shm and var/log/kern.log are read."""
    import shutil

    (tmp_path / "proc" / "sysvipc").mkdir(parents=True)
    (tmp_path / "var" / "log").mkdir(parents=True)
    shutil.copytree(SYSTEM / "proc" / "16", tmp_path / "proc" / "16")
    shutil.copy(SYSTEM / "meminfo", tmp_path / "proc" / "meminfo")
    shutil.copy(SYSTEM / "sysvipc_shm", tmp_path / "proc" / "sysvipc" / "shm")
    shutil.copy(SYSTEM / "kern.log", tmp_path / "var" / "log" / "kern.log")
    ds = analyzer.load_dataset(tmp_path)
    assert ds.hosts["mem_total"].iloc[0] == oracle_meminfo((SYSTEM / "meminfo").read_text())["MemTotal"]
    assert len(ds.shm) == 2 and len(ds.oom_kills) == 2
    assert ds.processes.set_index("pid").loc[16, "rss_shmem"] == oracle_status((SYSTEM / "proc/16/status").read_text())["rss_shmem"]
    only = tmp_path / "only"
    (only / "proc").mkdir(parents=True)
    shutil.copy(SYSTEM / "meminfo", only / "proc" / "meminfo")
    assert len(by_system(analyzer.load_dataset(only))) == 1  # a folder of meminfo alone is no error


def test_report_cover_totals_from_status_when_there_are_no_maps():
    from analyzer.report.document import build
    from analyzer.report.table import human_bytes

    files = members(SOS412)
    rss = sum(oracle_status(d.decode())["vm_rss"] for p, d in files.items() if re.fullmatch(r"proc/\d+/status", p))
    report = build(load(SOS412))
    totals = dict(report.totals)
    assert totals["RSS"].startswith(f"{human_bytes(rss)}  (from /proc/PID/status")
    assert report.extra["system"]["mem_total"].iloc[0] == oracle_meminfo(files["proc/meminfo"].decode())["MemTotal"]
