"""Real sosreports (sos 4.0, sample_dumps/sosreport/) against their independent oracle,
in every form: .tar.xz, .tar.gz, the extracted directory; ps parsing; the no-smaps hint;
several hosts at once; smemcap tarballs."""

from __future__ import annotations

import io
import json
import re
import tarfile
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analyzer import load
from analyzer.cli import cli
from analyzer.errors import NoDataError
from analyzer.ingest import load_dataset
from analyzer.ingest.formats.ps import parse_ps
from analyzer.ingest.trees.sosreport import SPECS, host_facts

SAMPLES = Path(__file__).resolve().parent.parent / "sample_dumps" / "sosreport"
EXPECTED = SAMPLES / "expected"
WITH_SMAPS = sorted(p for p in SAMPLES.glob("sosreport-*memmaps*.tar.*") if not p.name.endswith(".md5"))
NOSMAPS = next(SAMPLES.glob("sosreport-*nosmaps*.tar.xz"))
SMEMCAP = SAMPLES / "smemcap-capture.tar"
REAL = Path("/tmp/realdumps/sosreport")
FIELDS = {"Size": "size", "Rss": "rss", "Pss": "pss", "Swap": "swap", "Private_Clean": "private_clean",
          "Private_Dirty": "private_dirty", "Shared_Clean": "shared_clean", "Shared_Dirty": "shared_dirty"}


def check_against_oracle(ds, expected: dict, smemcap: bool = False) -> None:
    m = ds.mappings
    for pid, want in expected["processes"].items():
        rows = m[m["pid"] == int(pid)]
        assert len(rows) == want["mappings"], pid
        for key, col in FIELDS.items():
            assert int(rows[col].sum()) == want[key] * 1024, (pid, key)
        proc = ds.processes[ds.processes["pid"] == int(pid)].iloc[0]
        assert proc["mappings"] == want["mappings"]
        if smemcap:
            assert str(proc["user"]) == str(want["user"])
            assert proc["command"] == (want["command"] or f"[{want['comm']}]")
            continue
        assert proc["command"] == want["command"] and proc["user"] == want["user"], pid
        if len(rows):
            assert rows["command"].unique().tolist() == [want["command"]]
            assert rows["user"].unique().tolist() == [want["user"]]
            assert rows["host"].unique().tolist() == [expected["hostname"]]
    assert set(ds.processes["pid"].dropna().astype(int)) == {int(p) for p in expected["processes"]}
    for col in ("size", "rss", "pss"):
        assert int(m[col].sum()) == expected["totals"][col.capitalize()] * 1024


@pytest.mark.parametrize("archive", WITH_SMAPS, ids=lambda p: p.name.split(".", 1)[1])
def test_sample_sosreport_matches_oracle(archive):
    expected = json.loads((EXPECTED / f"{archive.name}.expected.json").read_text())
    ds = load_dataset(archive)
    check_against_oracle(ds, expected)
    assert ds.inputs[0].formats == ["meminfo", "smaps", "sosreport"]  # sos's memory plugin copies proc/meminfo


def test_extracted_directory_reads_like_the_archive(tmp_path):
    archive = WITH_SMAPS[0]
    with tarfile.open(archive) as tf:
        tf.extractall(tmp_path, filter="data")
    (top,) = tmp_path.iterdir()
    assert (top / "ps").is_symlink()
    expected = json.loads((EXPECTED / f"{archive.name}.expected.json").read_text())
    ds = load_dataset(top)
    check_against_oracle(ds, expected)
    assert ds.mappings["source"].iloc[0].startswith(str(top) + "/proc/")


def test_directory_holding_two_sosreports_gives_two_sources(tmp_path):
    for archive in WITH_SMAPS:
        with tarfile.open(archive) as tf:
            tf.extractall(tmp_path, filter="data")
    ds = load_dataset(tmp_path)
    assert len(ds.hosts) == 2 and ds.hosts["source"].nunique() == 2
    totals = [json.loads((EXPECTED / f"{a.name}.expected.json").read_text())["totals"] for a in WITH_SMAPS]
    assert ds.mappings.groupby("host").size().to_dict() == {"sample-host": sum(t["mappings"] for t in totals)}


def test_host_facts_columns_and_metadata():
    ds = load_dataset(WITH_SMAPS[0])
    m = ds.mappings
    assert m["capture_time"].unique().tolist() == [pd.Timestamp("2026-11-25 17:48:06", tz="UTC")]
    assert m["sos_version"].unique().tolist() == ["4.0"]
    assert m["kernel"].isna().all()  # the sample ran without sos's kernel plugin: no uname in it
    host = ds.hosts.iloc[0]
    assert host["host"] == "sample-host" and bool(host["maps_collected"]) is True
    assert "-k process.smaps=on" in host["sos_cmdline"]
    nobody = ds.processes[ds.processes["pid"] == 6].iloc[0]
    assert (nobody["user"], nobody["ppid"], nobody["ps_rss"]) == ("nobody", 1, 1856 * 1024)


def test_zombie_and_ps_only_pids_are_visible_in_info():
    expected = json.loads((EXPECTED / f"{WITH_SMAPS[0].name}.expected.json").read_text())
    result = CliRunner().invoke(cli, ["info", str(WITH_SMAPS[0])])
    assert result.exit_code == 0, result.output
    assert "processes with no mappings (kernel threads, zombies, exited): 1 (9)" in result.output
    assert "proc/9/smaps: info: no mappings (a kernel thread or zombie)" in result.output
    line = next(x for x in result.output.splitlines() if "processes in ps have no proc/PID/smaps" in x)
    for pid in expected["pids_only_in_ps"]:
        assert re.search(rf"\b{pid}\b", line.split(":", 3)[-1])


def naive_ps_aux(archive: Path) -> dict[int, tuple[str, int, int]]:
    """pid -> (command, RSS kB, VSZ kB) from ps_auxwww, split at most 10 times (the oracle)."""
    with tarfile.open(archive) as tf:
        member = next(m for m in tf if m.name.endswith("sos_commands/process/ps_auxwww"))
        lines = tf.extractfile(member).read().decode().splitlines()[1:]
    out = {}
    for line in lines:
        f = line.split(None, 10)
        out[int(f[1])] = (f[10], int(f[5]), int(f[4]))
    return out


def test_nosmaps_info_gives_the_hint():
    result = CliRunner().invoke(cli, ["info", str(NOSMAPS)])
    assert result.exit_code == 0
    assert "warning: no memory maps in this sosreport" in result.output
    assert "-k process.smaps=on" in result.output


def test_nosmaps_summary_by_process_comes_from_ps():
    oracle = naive_ps_aux(NOSMAPS)
    result = CliRunner().invoke(cli, ["summary", str(NOSMAPS), "--by", "process", "--format", "json", "-q"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["source_format"] for r in rows} == {"ps"}
    assert {r["pid"]: (r["command"], r["rss"], r["size"]) for r in rows} == {
        pid: (cmd, rss * 1024, vsz * 1024) for pid, (cmd, rss, vsz) in oracle.items()}
    assert all(r["pss"] is None and r["uss"] is None and r["mappings"] is None for r in rows)
    text = CliRunner().invoke(cli, ["summary", str(NOSMAPS), "--by", "process", "-q"]).output
    assert text.startswith("Rows marked `ps`: from ps (RSS, VSZ), not from memory maps")


def test_nosmaps_summary_by_kind_and_load_say_why():
    result = CliRunner().invoke(cli, ["summary", str(NOSMAPS), "-q"])
    assert result.exit_code == 1
    assert result.output.startswith("memmaps: error: no memory maps to summarize by kind")
    assert "-k process.smaps=on" in result.output and "Traceback" not in result.output
    with pytest.raises(NoDataError, match=r"process\.smaps=on"):
        load(NOSMAPS)


def test_several_sosreports_summary_by_host():
    args = ["summary", *map(str, WITH_SMAPS), str(NOSMAPS), "--by", "host", "--format", "json", "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    maps = [r for r in rows if r["source_format"] == "maps"]
    ps = next(r for r in rows if r["source_format"] == "ps")
    totals = [json.loads((EXPECTED / f"{a.name}.expected.json").read_text())["totals"] for a in WITH_SMAPS]
    # two captures of one host: a row each, never their sum
    assert [r["host"] for r in maps] == ["sample-host"] * len(WITH_SMAPS)
    assert [r["capture"] for r in maps] == [a.name.split(".tar")[0] for a in WITH_SMAPS]
    assert [r["rss"] for r in maps] == [t["Rss"] * 1024 for t in totals]
    assert ps["rss"] == sum(rss for _, rss, _ in naive_ps_aux(NOSMAPS).values()) * 1024


def test_two_hosts_one_table(tmp_path):
    """The same report under another host name (hostname member rewritten) is a second host."""
    renamed = tmp_path / "sosreport-other.tar.gz"
    with tarfile.open(WITH_SMAPS[0]) as src, tarfile.open(renamed, "w:gz") as dst:
        for m in src:
            data = src.extractfile(m).read() if m.isfile() else None
            if m.name.endswith("sos_commands/host/hostname"):
                data = b"other-host\n"
                m.size = len(data)
            dst.addfile(m, None if data is None else io.BytesIO(data))
    ds = load_dataset(WITH_SMAPS[0], renamed)
    per_host = ds.mappings.groupby("host")["rss"].sum()
    assert per_host["other-host"] == per_host["sample-host"]
    result = CliRunner().invoke(cli, ["summary", str(WITH_SMAPS[0]), str(renamed), "--by", "host", "--format", "csv"])
    assert result.output.splitlines()[0].startswith("host,")
    assert sorted(x.split(",")[0] for x in result.output.splitlines()[1:]) == ["other-host", "sample-host"]


def test_sos_collect_archive_gives_one_host_per_node_report(tmp_path):
    """`sos collect` packs each node's sosreport (.tar.xz) in one archive with a sos_logs/ of its own:
    that wrapper is not a host; each node's report is, once."""
    collected = tmp_path / "sos-collector-case1-2026-11-25-abcde.tar.xz"
    with tarfile.open(collected, "w:xz") as tf:
        log = tarfile.TarInfo("sos-collector-case1-2026-11-25-abcde/sos_logs/sos.log")
        log.size = 4
        tf.addfile(log, io.BytesIO(b"log\n"))
        for archive in (*WITH_SMAPS, NOSMAPS):
            tf.add(archive, f"sos-collector-case1-2026-11-25-abcde/{archive.name}")
    ds = load_dataset(collected)
    assert len(ds.hosts) == len(WITH_SMAPS) + 1
    assert ds.hosts["host"].tolist() == ["sample-host"] * len(ds.hosts)
    direct = load_dataset(*WITH_SMAPS)
    assert ds.mappings["rss"].sum() == direct.mappings["rss"].sum()
    assert not any("holds no memory maps and no ps" in str(n) for n in ds.notices)
    result = CliRunner().invoke(cli, ["info", str(collected)])
    assert "host unknown" not in result.output and "host nan" not in result.output


def test_smemcap_tarball_matches_oracle():
    expected = json.loads((EXPECTED / "smemcap-capture.tar.expected.json").read_text())
    ds = load_dataset(SMEMCAP)
    check_against_oracle(ds, expected, smemcap=True)
    assert ds.mappings["kernel"].unique().tolist() == ["6.18.44-fc-v657"]


REAL_ARCHIVES = sorted(p for p in REAL.glob("sosreport-*")
                       if p.with_name(p.name + ".expected.json").exists()) if REAL.exists() else []


@pytest.mark.skipif(not REAL_ARCHIVES, reason="larger real sosreports not present in /tmp/realdumps/sosreport")
@pytest.mark.parametrize("archive", REAL_ARCHIVES, ids=lambda p: p.name[-30:])
def test_larger_real_sosreports(archive):
    expected = json.loads(archive.with_name(archive.name + ".expected.json").read_text())
    check_against_oracle(load_dataset(archive), expected)


@pytest.mark.skipif(not list(REAL.glob("*.nosmaps.tar.xz")) if REAL.exists() else True, reason="not present")
def test_larger_real_sosreport_with_smaps_removed():
    ds = load_dataset(next(REAL.glob("*.nosmaps.tar.xz")))
    assert len(ds.mappings) == 0 and (ds.processes["source_format"] == "ps").all()
    assert any("process.smaps=on" in str(n) for n in ds.warnings)


# --- ps parsing: the quirks, pinned ----------------------------------------

def test_parse_ps_command_with_spaces_and_thread_rows():
    text = textwrap.dedent("""\
        USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
        root          11 70.2  0.1 855424 41412 ?        -    17:48   0:00 my daemon: worker [pool 1] 200003
        root           -  0.0    -      -     - -        Sl   17:48   0:00 -
        root           -  0.0    -      -     - -        Sl   17:48   0:00 -
        """)
    rows = parse_ps(text)
    assert list(rows) == [11]
    assert rows[11]["command"] == "my daemon: worker [pool 1] 200003"
    assert (rows[11]["ps_rss"], rows[11]["ps_vsz"]) == (41412 * 1024, 855424 * 1024)


def test_parse_ps_cgroup_after_comm_with_spaces():
    text = textwrap.dedent("""\
            PID    PPID USER     GROUP        LWP NLWP START COMMAND         CGROUP
              1       0 root     root           1    1 Nov24 systemd         0::/init.scope
            812       1 postgres postgres     812    1 17:48 Web Content     0::/system.slice/postgresql.service
              9       7 root     root           9    1 17:48 sleep           -
        """)
    rows = parse_ps(text, free_as="comm")
    assert rows[1]["cgroup"] == "0::/init.scope" and rows[1]["ppid"] == 0
    assert (rows[812]["user"], rows[812]["comm"]) == ("postgres", "Web Content")
    assert rows[812]["cgroup"] == "0::/system.slice/postgresql.service"
    assert "cgroup" not in rows[9]


def test_parse_ps_lstart_column_has_spaces():
    text = textwrap.dedent("""\
        F S   UID     PID    PPID    PGID     SID CLS PRI ADDR    SZ WCHAN                                 STARTED TT           TIME CMD
        4 S 65534       6       1       0       0  TS  19    -  2334 hrtimer_nanosleep    Wed Nov 25 17:48:04 2026 ?        00:00:00 sleep 100001
        """)
    row = parse_ps(text)[6]
    assert (row["user"], row["ppid"], row["command"]) == ("65534", 1, "sleep 100001")


def test_parse_ps_elfl_threads_fold_into_process():
    text = textwrap.dedent("""\
        F S UID          PID    PPID     LWP  C NLWP PRI  NI ADDR SZ WCHAN  STIME TTY          TIME CMD
        0 S root          11       1      11 68    2  80   0 - 213860 futex_ 17:48 ?       00:00:00 python3 -c x
        1 S root          11       1      44  0    2  80   0 - 213860 futex_ 17:48 ?       00:00:00 python3 -c x
        0 Z root           9       7       9  0    1  80   0 -     0 -      17:48 ?        00:00:00 [sleep] <defunct>
        """)
    rows = parse_ps(text)
    assert sorted(rows) == [9, 11] and rows[9]["zombie"] and rows[11]["command"] == "python3 -c x"


def test_spec_table_has_fallbacks_across_sos_versions():
    ps = next(s for s in SPECS if s.name == "ps_aux").paths
    assert ps.index("sos_commands/process/ps_auxwww") < ps.index("sos_commands/process/ps_auxwwwm") < ps.index("ps")


def test_host_facts_from_newer_sos_layout():
    files = {
        "sos_commands/host/hostname": b"hostname: Name or service not known\n",
        "sos_commands/host/hostnamectl_status": b" Static hostname: db01.example.com\n  Kernel: Linux 5.14.0-362.el9.x86_64\n",
        "sos_commands/date/timedatectl": b"  Universal time: Tue 2026-03-03 09:01:02 UTC\n",
        "sos_commands/kernel/uname_-a": b"Linux db01 5.14.0-362.8.1.el9_3.x86_64 #1 SMP x86_64 GNU/Linux\n",
        "version.txt": b"sosreport: 4.7.1\n",
    }
    facts = host_facts(files)
    assert facts["host"] == "db01.example.com"
    assert facts["kernel"] == "5.14.0-362.8.1.el9_3.x86_64"
    assert facts["capture_time"] == pd.Timestamp("2026-03-03 09:01:02", tz="UTC")
    assert facts["sos_version"] == "4.7.1"


def test_sosreport_without_ps_files_keeps_tree_commands(tmp_path):
    """A sosreport whose process plugin left no ps output (or a repacked one): maps still load."""
    import io

    smaps_bytes = (Path(__file__).resolve().parent.parent / "sample_dumps" / "smaps" / "tree" / "proc" / "6"
                   / "smaps").read_bytes()
    archive = tmp_path / "sosreport-noprocps-2026-11-25-abcdefg.tar"
    with tarfile.open(archive, "w") as tf:
        for name, data in (("sosreport-x/sos_commands/host/hostname", b"noprocps\n"),
                           ("sosreport-x/proc/6/smaps", smaps_bytes),
                           ("sosreport-x/proc/6/cmdline", b"/opt/tiny\x00256\x00")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    ds = load_dataset(archive)
    assert set(ds.mappings["host"]) == {"noprocps"}
    assert set(ds.mappings["command"]) == {"/opt/tiny 256"}
    assert len(ds.mappings) == smaps_bytes.count(b"VmFlags")


def test_same_sosreport_twice_is_a_warning(tmp_path):
    archive = WITH_SMAPS[0]
    with tarfile.open(archive) as tf:
        tf.extractall(tmp_path, filter="data")
    (top,) = tmp_path.iterdir()
    ds = load_dataset(archive, top)
    assert any("was given 2 times" in n.message and n.level == "warning" for n in ds.notices)
    assert not any("was given" in n.message for n in load_dataset(*WITH_SMAPS).notices)
