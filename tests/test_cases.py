"""Real case folders and captures (sample_dumps/cases/, see its PROVENANCE.md): what a new user hands
memmaps. The expected figures come from the dumps themselves, read here with the standard library only
(the kernel's own `Rss:` lines, sos's own ps files), never from memmaps."""

from __future__ import annotations

import json
import lzma
import re
import shutil
import tarfile
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

import analyzer
from analyzer.cli import cli

CASES = Path(__file__).resolve().parent.parent / "sample_dumps" / "cases"
SOS1 = next(CASES.glob("sosreport-case-host-case1-*.tar.xz"))
SOS2 = next(CASES.glob("sosreport-case-host-case2-*.tar.gz"))
SOS3 = next(CASES.glob("sosreport-case-host-nodate-*.tar.xz"))
NAME1, NAME2, NAME3 = (p.name.split(".tar")[0] for p in (SOS1, SOS2, SOS3))
FIELDS = ("Rss", "Pss", "Private_Clean", "Private_Dirty", "Swap", "Size")


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


def kb_sums(text: str) -> dict[str, int]:
    """Sums of the kB fields of smaps text, in bytes: the kernel's own lines."""
    out: dict[str, int] = defaultdict(int)
    for line in text.splitlines():
        m = re.match(r"(\w+):\s+(\d+) kB$", line)
        if m and m.group(1) in FIELDS:
            out[m.group(1)] += int(m.group(2)) * 1024
    return out


def sos_members(archive: Path) -> dict[str, str]:
    """Every text member of a sosreport archive, by its path inside the report."""
    with tarfile.open(archive) as tf:
        return {m.name.split("/", 1)[1]: tf.extractfile(m).read().decode("utf-8", "replace")
                for m in tf if m.isfile() and "/" in m.name}


def ps_cgroups(members: dict[str, str]) -> dict[int, tuple[str, str]]:
    """PID -> (user, cgroup) from sos's own `ps axo pid,ppid,user,...,cgroup`."""
    text = next(v for k, v in members.items() if k.startswith("sos_commands/process/ps_axo_pid_ppid_user"))
    out = {}
    for line in text.splitlines()[1:]:
        parts = line.split()
        out[int(parts[0])] = (parts[2], parts[-1])
    return out


@pytest.fixture()
def case_folder(tmp_path):
    """A case folder: two sosreport archives with their .md5, a third sosreport extracted (with
    tarfile, as `tar xf` does) beside them, and a loose smaps file."""
    case = tmp_path / "case"
    case.mkdir()
    for path in (SOS1, SOS2, CASES / "sleep.smaps", *CASES.glob("sosreport-*case[12]*.md5")):
        shutil.copy(path, case / path.name)
    with tarfile.open(SOS3) as tf:
        tf.extractall(case, filter="tar")
    return case


# --- 1. a case folder of archives ---------------------------------------------------------------

def test_case_folder_reads_every_archive_and_loose_file(case_folder):
    result = run("info", case_folder)
    assert result.exit_code == 0, result.output
    assert "no memory map dumps found" not in result.output
    ds = analyzer.load_dataset(case_folder)
    assert set(ds.mappings["capture"]) == {NAME1, NAME2, NAME3, str(case_folder / "sleep.smaps")}
    assert set(ds.hosts["capture"]) == {NAME1, NAME2, NAME3}
    for archive in (SOS1, SOS2, SOS3):
        members = sos_members(archive)
        pids = {int(k.split("/")[1]) for k in members if re.fullmatch(r"proc/\d+/smaps", k)
                and members[k].strip()}
        name = archive.name.split(".tar")[0]
        got = ds.mappings[ds.mappings["capture"] == name]
        assert set(got["pid"].dropna().astype(int)) == pids
        want = kb_sums("".join(v for k, v in members.items() if re.fullmatch(r"proc/\d+/smaps", k)))
        assert int(got["rss"].sum()) == want["Rss"] and int(got["pss"].sum()) == want["Pss"]
    loose = ds.mappings[ds.mappings["capture"] == str(case_folder / "sleep.smaps")]
    assert int(loose["rss"].sum()) == kb_sums((CASES / "sleep.smaps").read_text())["Rss"]


def test_case_folder_info_verbose_lists_archive_members(case_folder):
    out = run("info", "-v", case_folder).output
    assert f"{case_folder / SOS1.name}!{NAME1}/proc/4/smaps: smaps; 1 process, " in out
    assert f"{case_folder / SOS2.name}!{NAME2}/proc/4/smaps: smaps; 1 process, " in out
    members = [line for line in out.splitlines() if "sosreport members read besides proc/PID/smaps" in line]
    assert len(members) == 3 and all("hostname" in m and "sos_commands/process/ps_auxwww" in m for m in members)
    assert "sosreport members read" not in run("info", case_folder).output  # -v only


def test_archive_in_a_folder_that_is_not_an_archive_of_maps_is_a_note(tmp_path):
    case = tmp_path / "case"
    case.mkdir()
    shutil.copy(CASES / "sleep.smaps", case)
    with tarfile.open(case / "logs.tar.gz", "w:gz") as tf:
        tf.add(CASES / "PROVENANCE.md", arcname="logs/readme.md")
    result = run("info", "-v", case)
    assert result.exit_code == 0, result.output
    assert "logs.tar.gz: info: no memory map dumps found" in result.output


# --- 2. captures are never added up -------------------------------------------------------------

def test_archive_and_extracted_copy_are_one_capture(tmp_path):
    with tarfile.open(SOS1) as tf:
        tf.extractall(tmp_path, filter="tar")
    ds = analyzer.load_dataset(SOS1, tmp_path / NAME1)
    assert set(ds.mappings["capture"]) == {NAME1} and set(ds.hosts["capture"]) == {NAME1}
    assert any("the same sosreport" in n.message and "given 2 times" in n.message for n in ds.warnings)


def test_two_captures_of_one_host_by_host_is_a_row_each():
    result = run("summary", SOS1, SOS2, "--by", "host", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["host"], r["capture"]) for r in rows] == [("case-host", NAME1), ("case-host", NAME2)]
    for row, archive in zip(rows, (SOS1, SOS2)):
        members = sos_members(archive)
        want = kb_sums("".join(v for k, v in members.items() if re.fullmatch(r"proc/\d+/smaps", k)))
        assert row["rss"] == want["Rss"] and row["pss"] == want["Pss"]
    times = analyzer.load_dataset(SOS1, SOS2).hosts.set_index("capture")["capture_time"]
    assert times[NAME1] < times[NAME2]


@pytest.mark.parametrize("args", [("summary", "--by", "kind"), ("summary", "--by", "mapping"),
                                  ("summary", "--by", "unit")])
def test_totals_over_two_captures_of_one_host_are_refused(args):
    result = run(*args, SOS1, SOS2)
    assert result.exit_code == 1
    assert "2 captures of host case-host" in result.output
    assert "memmaps diff" in result.output and "memmaps trend" in result.output
    assert NAME1 in result.output and NAME2 in result.output


def test_one_capture_picked_with_capture_filter_adds_up():
    result = run("summary", SOS1, SOS2, "--by", "kind", "--capture", NAME2, "--format", "json")
    assert result.exit_code == 0, result.output
    members = sos_members(SOS2)
    want = kb_sums("".join(v for k, v in members.items() if re.fullmatch(r"proc/\d+/smaps", k)))
    assert sum(r["rss"] for r in json.loads(result.output)) == want["Rss"]
    bad = run("summary", SOS1, "--capture", "nope")
    assert bad.exit_code == 2 and f"captures: {NAME1}" in bad.output


def test_by_process_shows_the_capture_of_each_process():
    out = run("summary", SOS1, SOS2, "--by", "process", "--pid", "4").output
    assert NAME1 in out and NAME2 in out and len(out.strip().splitlines()) == 4


def test_info_gives_a_total_per_capture_not_their_sum():
    out = run("info", SOS1, SOS2).output
    assert "total: not added up: 2 captures of host case-host" in out
    assert re.search(rf"^  {NAME1}: \d+ mappings of 8 processes", out, re.M)


def test_same_pids_of_unnamed_hosts_are_refused_too(tmp_path):
    (tmp_path / "a.smaps").write_bytes((CASES / "sleep.smaps").read_bytes())
    (tmp_path / "b.smaps").write_bytes((CASES / "sleep.smaps").read_bytes())
    # named by PID, as copies of /proc/14/smaps from two days would be
    for name in ("a", "b"):
        d = tmp_path / name / "14"
        d.mkdir(parents=True)
        shutil.copy(tmp_path / f"{name}.smaps", d / "smaps")
    result = run("summary", tmp_path / "a", tmp_path / "b")
    assert result.exit_code == 1 and "the same PIDs of an unnamed host" in result.output


# --- 3. a plain cat of many smaps ---------------------------------------------------------------

def test_cat_of_every_smaps_is_one_process_per_restart():
    text = lzma.decompress((CASES / "all.smaps.xz").read_bytes()).decode()
    # the kernel prints a process's mappings in address order: a lower start begins another process
    blocks, prev = [[]], -1
    for line in text.splitlines():
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) ", line)
        if m:
            if int(m.group(1), 16) < prev:
                blocks.append([])
            prev = int(m.group(2), 16)
        blocks[-1].append(line)
    ds = analyzer.load_dataset(CASES / "all.smaps.xz")
    assert ds.mappings["pid"].isna().all()
    assert ds.processes["block"].tolist() == list(range(1, len(blocks) + 1))
    per = analyzer.by_process(ds.mappings).sort_values("block")
    assert per["rss"].tolist() == [kb_sums("\n".join(b))["Rss"] for b in blocks]
    infos = [n for n in ds.notices if "start again from low" in n.message]
    assert len(infos) == 1 and f"read as {len(blocks)} processes" in infos[0].message


def test_cat_of_every_smaps_report_keeps_processes_apart(tmp_path):
    from analyzer.report.document import build

    ds = analyzer.load_dataset(CASES / "all.smaps.xz")
    report = build(ds)
    labels = [d.label for d in report.details]
    assert len(set(labels)) == len(labels) == 3 and all(label.startswith("block ") for label in labels)
    names = [c.name for c in report.processes.cols]
    blocks = [row[names.index("block")] for row in report.processes.cells()]
    assert sorted(blocks, key=int) == [str(b) for b in range(1, len(ds.processes) + 1)]  # a row each
    result = run("report", CASES / "all.smaps.xz", "-o", tmp_path / "r.pdf", "--png-dir", tmp_path / "png")
    assert result.exit_code == 0, result.output


# --- 4. smaps_rollup alone ----------------------------------------------------------------------

def test_rollup_loop_gives_per_process_totals():
    text = (CASES / "rollup-loop.txt").read_text()
    records = [kb_sums(part) for part in re.split(r"^(?=[0-9a-f]+-[0-9a-f]+ .*\[rollup\]$)", text, flags=re.M)
               if part.strip()]
    result = run("summary", CASES / "rollup-loop.txt", "--by", "process", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = sorted(json.loads(result.output), key=lambda r: r["block"])
    assert [r["rss"] for r in rows] == [r["Rss"] for r in records]
    assert [r["pss"] for r in rows] == [r["Pss"] for r in records]
    assert [r["uss"] for r in rows] == [r["Private_Clean"] + r["Private_Dirty"] for r in records]
    assert all(r["mappings"] == 0 and r["size"] is None for r in rows)


def test_rollup_loop_report(tmp_path):
    result = run("report", CASES / "rollup-loop.txt", "-o", tmp_path / "r.pdf")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


# --- 5. a copy cut anywhere in its last record --------------------------------------------------

@pytest.mark.parametrize("name", ["sleep_cut_header.smaps", "sleep_cut_field.smaps"])
def test_copy_cut_in_its_last_record_drops_it_and_warns(name):
    full = analyzer.load(CASES / "sleep.smaps")
    ds = analyzer.load_dataset(CASES / name)
    assert len(ds.mappings) == len(full) - 1
    assert ds.processes["partial"].tolist() == [True]
    assert ds.mappings[["rss", "pss", "private_dirty", "swap"]].notna().all().all()
    assert any("cut short" in n.message for n in ds.warnings)
    assert run("info", "--strict", CASES / name).exit_code == 1


def test_cat_cut_in_its_last_record_drops_only_that_record(tmp_path):
    text = lzma.decompress((CASES / "all.smaps.xz").read_bytes())
    cut = tmp_path / "cut.smaps"
    cut.write_bytes(text[: text.rindex(b"Private_Dirty:") + len(b"Private_Dirty: ")])
    whole = analyzer.load_dataset(CASES / "all.smaps.xz")
    ds = analyzer.load_dataset(cut)
    assert len(ds.mappings) == len(whole.mappings) - 1  # the other processes lose nothing
    assert ds.processes["partial"].tolist() == [False] * (len(ds.processes) - 1) + [True]
    assert sum("cut short" in n.message for n in ds.warnings) == 1


# --- 11. per user, command, cgroup, unit against the dumps' own sums ------------------------------

def test_by_user_and_unit_match_the_dump():
    members = sos_members(SOS1)
    facts = ps_cgroups(members)
    want_user: dict[str, int] = defaultdict(int)
    want_unit: dict[str, int] = defaultdict(int)
    for key, text in members.items():
        m = re.fullmatch(r"proc/(\d+)/smaps", key)
        if not m or not text.strip():
            continue
        user, cgroup = facts[int(m.group(1))]
        want_user[user] += kb_sums(text)["Pss"]
        unit = re.search(r"/([^/]+\.service)$|/docker/([0-9a-f]{12})", cgroup)
        want_unit[(unit.group(1) or f"docker:{unit.group(2)}") if unit else None] += kb_sums(text)["Pss"]
    users = json.loads(run("summary", SOS1, "--by", "user", "--format", "json").output)
    assert {r["user"]: r["pss"] for r in users} == dict(want_user)
    units = json.loads(run("summary", SOS1, "--by", "unit", "--format", "json").output)
    assert {r["unit"]: r["pss"] for r in units} == dict(want_unit)
    assert {r["unit"]: r["processes"] for r in units}["web.service"] == 3


def test_by_command_puts_the_workers_of_one_program_in_one_row():
    rows = json.loads(run("summary", SOS1, "--by", "command", "--format", "json").output)
    workers = [r for r in rows if r["command"] and "bytearray(2 << 20)" in r["command"]]
    assert len(workers) == 1 and workers[0]["processes"] == 3


def test_filters_narrow_summary_export_and_report(tmp_path):
    out = tmp_path / "m.csv"
    assert run("export", SOS1, "-o", out, "--pid", "4", "--pid", "6", "--kind", "heap").exit_code == 0
    import pandas as pd

    frame = pd.read_csv(out)
    assert sorted(set(frame["pid"])) == [4, 6] and set(frame["kind"]) == {"heap"}
    rows = json.loads(run("summary", SOS1, "--by", "process", "--command", r"(bytearray)\(1 <<",
                          "--format", "json").output)
    assert [r["pid"] for r in rows] == [10]
    rows = json.loads(run("summary", SOS1, "--by", "mapping", "--path", r"libc\.so", "--sort", "rss",
                          "--format", "json").output)
    assert rows and all("libc.so" in r["mapping"] for r in rows)
    assert [r["rss"] for r in rows] == sorted((r["rss"] for r in rows), reverse=True)
    result = run("report", SOS1, "--host", "case-host", "--pid", "12", "-o", tmp_path / "r.html")
    assert result.exit_code == 0, result.output
    assert "1 processes" not in result.output
    bad = run("summary", SOS1, "--sort", "nope")
    assert bad.exit_code == 2 and "no column 'nope'" in bad.output


# --- 6. a newline in a command line -------------------------------------------------------------

def test_newline_in_command_line_never_breaks_a_table(tmp_path):
    cmdline = (CASES / "tree" / "proc" / "10" / "cmdline").read_bytes()
    assert b"\n" in cmdline  # the real python3 -c $'\nimport time...' of the namespace
    for fmt in ("text", "markdown"):
        out = run("summary", CASES / "tree", "--by", "process", "--format", fmt).output
        lines = out.strip().splitlines()
        assert len(lines) == 3 and "\\nimport time\\nx = bytearray(1 << 20)" in lines[2]
    rows = json.loads(run("summary", CASES / "tree", "--by", "process", "--format", "json").output)
    assert rows[0]["command"] == cmdline.rstrip(b"\0").replace(b"\0", b" ").decode()  # the data keeps it
    from analyzer.report.document import build

    report = build(analyzer.load_dataset(CASES / "tree"))
    assert all("\n" not in cell for row in report.processes.cells() for cell in row)
    assert "\n" not in report.details[0].label


# --- 10. capture time from the manifest ---------------------------------------------------------

def test_capture_time_from_manifest_when_date_plugin_did_not_run():
    archive = next(CASES.glob("sosreport-case-host-nodate-*.tar.xz"))
    members = sos_members(archive)
    assert "date" not in members and "sos_commands/date/date_--utc" not in members
    start = json.loads(members["sos_reports/manifest.json"])["start_time"]
    ds = analyzer.load_dataset(archive)
    assert str(ds.hosts["capture_time"].iloc[0]) == start[:19] + "+00:00"
    assert (ds.mappings["capture_time"].astype(str) == start[:19] + "+00:00").all()
    assert any("sos_reports/manifest.json" in n.message for n in ds.notices)


# --- 12. one note for many blocks of the same condition ------------------------------------------

def test_one_note_for_many_processes_without_mappings(tmp_path):
    for pid in range(100, 150):  # fifty kernel threads: their smaps are empty
        (tmp_path / "proc" / str(pid)).mkdir(parents=True)
        (tmp_path / "proc" / str(pid) / "smaps").write_bytes(b"")
    (tmp_path / "proc" / "14").mkdir()
    shutil.copy(CASES / "sleep.smaps", tmp_path / "proc" / "14" / "smaps")
    ds = analyzer.load_dataset(tmp_path)
    empty = [n for n in ds.notices if "no mappings" in n.message or "empty" in n.message]
    assert len(empty) == 1 and "50 files" in empty[0].message


# --- 8. --by mapping: a library's code and data are kinds apart -----------------------------------

def test_by_mapping_splits_a_library_by_kind():
    members = sos_members(SOS1)
    want: dict[tuple[str, str], int] = defaultdict(int)
    for key, text in members.items():
        if not re.fullmatch(r"proc/\d+/smaps", key):
            continue
        current = None
        for line in text.splitlines():
            m = re.match(r"[0-9a-f]+-[0-9a-f]+ (\S{4}) \S+ \S+ \d+\s+(.*libc\.so\.6)$", line)
            if m:
                current = (m.group(2), "lib_code" if "x" in m.group(1) else "lib_data")
            elif re.match(r"[0-9a-f]+-[0-9a-f]+ ", line):
                current = None
            elif current and line.startswith("Rss:"):
                want[current] += int(line.split()[1]) * 1024
    rows = json.loads(run("summary", SOS1, "--by", "mapping", "--path", r"libc\.so\.6$", "--format", "json").output)
    assert {(r["mapping"], r["kind"]): r["rss"] for r in rows} == dict(want)
    assert {k for _, k in want} == {"lib_code", "lib_data"}


# --- 7. reports a person can read ---------------------------------------------------------------

def test_report_cosmetics_on_a_real_sosreport():
    from analyzer.report.charts import plot_size_distribution
    from analyzer.report.address import plot_address_space
    from analyzer.report.document import build
    from analyzer.report.pages import format_row, column_widths
    from analyzer.summarize import process_mappings

    ds = analyzer.load_dataset(SOS1)
    report = build(ds)
    names = report.top_mappings.frame["mapping"].tolist()
    n_heaps = int((ds.mappings["path"] == "[heap]").sum())
    assert f"[heap], {n_heaps} processes" in names  # a per-process name summed over processes says so
    # the appendix has a user column: nobody's process is PID 10 (sos's own ps says so)
    cells = {row[0]: row for row in report.processes.cells()}
    assert [c.name for c in report.processes.cols][:3] == ["pid", "user", "command"] and cells["10"][1] == "nobody"
    # paths cut in their directories: the file name that tells rows apart stays whole
    table = report.details[0].largest
    rows = table.cells()
    widths = column_widths(table, rows)
    for row in rows:
        line = format_row(table, row, widths)
        path = row[[c.name for c in table.cols].index("path")]
        assert path.rsplit("/", 1)[-1] in line
    # page 1: the largest processes and kinds at a glance
    glance = report.extra["glance"]
    assert [t.title for t in glance] == ["Largest processes by PSS", "Largest kinds by PSS"]
    assert glance[0].frame["pid"].iloc[0] == report.processes.frame["pid"].iloc[0]
    # the address-space map says how big its largest blocks are
    top = report.details[0]
    ax = plot_address_space(process_mappings(ds.mappings, "case-host", top.pid, top.mappings["source"].iloc[0]))
    assert any(t.get_text().endswith(" heap") for t in ax.texts)
    ax = plot_size_distribution(ds.mappings)
    tallest = max(p.get_y() + p.get_height() for p in ax.patches)
    assert ax.get_ylim()[1] > tallest  # no bar cut at the top


# --- 9. one set of totals; 12. offsets in hex ------------------------------------------------------

def test_info_and_report_give_the_same_partial_totals():
    from analyzer.report.document import build
    from analyzer.report.table import human_bytes

    pmap = Path(__file__).resolve().parent.parent / "sample_dumps" / "pmap" / "pmap-x.txt"  # no PSS
    ds = analyzer.load_dataset(CASES / "sleep.smaps", pmap)
    n_smaps = len(analyzer.load(CASES / "sleep.smaps"))
    pss = int(analyzer.load(CASES / "sleep.smaps")["pss"].sum())
    out = run("info", CASES / "sleep.smaps", pmap).output
    assert f"pss {human_bytes(pss)} (over {n_smaps} of {len(ds.mappings)} mappings)" in out
    cover = dict(build(ds).totals)
    assert cover["PSS"].startswith(f"{human_bytes(pss)}  (over {n_smaps} of {len(ds.mappings)} mappings")


def test_offsets_are_shown_in_hex_like_addresses():
    from analyzer.display import to_text
    from analyzer.report.table import humanize

    frame = analyzer.load(CASES / "sleep.smaps")
    row = frame[frame["offset"] > 0].iloc[:1][["start", "offset", "path"]]
    offset = int(row["offset"].iloc[0])
    assert f"{offset:x}" in to_text(row) and str(offset) not in to_text(row)
    assert humanize(row)["offset"].tolist() == [f"{offset:x}"]


def test_copy_cut_inside_a_header_line_marks_the_process_partial(tmp_path):
    data = (CASES / "sleep.smaps").read_bytes()
    last = [m.start() for m in re.finditer(rb"(?m)^[0-9a-f]+-[0-9a-f]+ ", data)][-1]
    cut = tmp_path / "cut.smaps"
    cut.write_bytes(data[: last + 20])  # `head -c`: inside the last mapping's header line
    ds = analyzer.load_dataset(cut)
    assert len(ds.mappings) == len(analyzer.load(CASES / "sleep.smaps")) - 1
    assert ds.processes["partial"].tolist() == [True]
    assert [n.lineno for n in ds.warnings] == [data[:last].count(b"\n") + 1]
    assert run("info", "--strict", cut).exit_code == 1
