"""Fleet datasets: export to Hive-partitioned Parquet, in process and on real Dask clusters.

The inputs are real sosreports (sos 4.0, one namespace per host name, see
sample_dumps/fleet/PROVENANCE.md) and their oracle's totals; the corrupt input is a real
one cut short. The Dask clusters are real: a LocalCluster, and a `dask scheduler` plus two
`dask worker` processes on 127.0.0.1 started and stopped here.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import analyzer
import analyzer.fleet as fleet
from analyzer.cli import cli
from analyzer.fleet import store

ROOT = Path(__file__).resolve().parent.parent
FLEET = ROOT / "sample_dumps" / "fleet"
HOSTS = sorted(FLEET.glob("sosreport-*.tar.xz"))
SOS = ROOT / "sample_dumps" / "sosreport"
SAMPLE_XZ = next(SOS.glob("sosreport-*-memmaps-*.tar.xz"))
SAMPLE_GZ = next(SOS.glob("sosreport-*-memmaps-*.tar.gz"))
NOSMAPS = next(SOS.glob("sosreport-*-nosmaps-*.tar.xz"))
TREE = ROOT / "sample_dumps" / "smaps" / "tree"
BIN = Path(sys.executable).parent


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def inputs(tmp_path):
    """The real fleet sosreports, the other real samples, and one corrupt sosreport (a real one cut short)."""
    corrupt = tmp_path / "sosreport-broken-host-2026-12-06-aaaaaaa.tar.xz"
    corrupt.write_bytes(HOSTS[0].read_bytes()[:600])
    return [*HOSTS, SAMPLE_XZ, corrupt, SAMPLE_GZ, NOSMAPS, TREE]


def _oracle_by_host() -> dict:
    """Per host: the oracle's mapping count and kB sums (of the reports' own smaps), in bytes."""
    out: dict = {}
    for path in [*HOSTS, SAMPLE_XZ, SAMPLE_GZ]:
        folder = FLEET if path.parent == FLEET else SOS
        exp = json.loads((folder / "expected" / f"{path.name}.expected.json").read_text())
        t = out.setdefault(exp["hostname"], {"mappings": 0, "rss": 0, "pss": 0, "swap": 0, "size": 0,
                                             "processes": 0})
        for proc in exp["processes"].values():
            if not proc["mappings"]:
                continue
            t["processes"] += 1
            t["mappings"] += proc["mappings"]
            for key in ("Rss", "Pss", "Swap", "Size"):
                t[key.lower()] += proc[key] * 1024
    return out


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("source", "pid", "lineno", "start") if c in frame.columns]
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def test_export_round_trips_every_table_with_its_dtypes(tmp_path):
    direct = analyzer.load_dataset(SAMPLE_XZ)
    res = run("export", SAMPLE_XZ, "-o", tmp_path / "ds", "--format", "parquet")
    assert res.exit_code == 0, res.output
    back = fleet.load(tmp_path / "ds")
    for name in ("mappings", "processes", "hosts"):
        pd.testing.assert_frame_equal(_sorted(getattr(back, name)), _sorted(getattr(direct, name)))
    wanted = {"string[pyarrow]", "Int64", "UInt64", "boolean", "datetime64[ms, UTC]"}
    assert wanted <= {str(t) if str(t) != "string" else f"string[{t.storage}]" for t in back.mappings.dtypes}
    assert list(back.mappings.dtypes) == list(direct.mappings.dtypes)
    assert back.notices == direct.notices
    assert [(r.name, r.formats, r.processes, r.mappings) for r in back.inputs] == \
        [(str(SAMPLE_XZ), direct.inputs[0].formats, direct.inputs[0].processes, direct.inputs[0].mappings)]


def test_any_table_of_a_dataset_is_written_and_read_back(tmp_path):
    """Every DataFrame attribute of a Dataset lands (tables other issues add: shm, oom_kills, ...),
    partitioned by host when it has a host column, with its dtypes."""
    ds = analyzer.load_dataset(SAMPLE_XZ)
    frames = store.tables(ds)
    assert {"mappings", "processes", "hosts", "notices"} <= set(frames)
    frames["shm"] = pd.DataFrame({"host": pd.array(["sample-host", None], dtype="string[pyarrow]"),
                                  "key": pd.array([1, None], dtype="UInt64"),
                                  "nattch": pd.array([True, None], dtype="boolean"),
                                  "when": pd.to_datetime([0, 1], unit="s", utc=True).astype("datetime64[s, UTC]")})
    s = store.Store(tmp_path / "ds")
    manifest = {**store.new_manifest(),
                "inputs": [{"id": "abc", "input": "x", "status": "done", "tables": store.write_tables(s, frames, "abc")}]}
    store.hoist_schemas(manifest, manifest["inputs"][0])
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(_sorted(store.read_table(s, manifest, name)), _sorted(frame))
    assert sorted(p.name for p in (tmp_path / "ds" / "shm").iterdir()) == [
        "host=__HIVE_DEFAULT_PARTITION__", "host=sample-host"]
    assert [p.name for p in (tmp_path / "ds" / "notices").iterdir()] == ["part-abc.parquet"]


def test_hive_layout_reads_with_pyarrow_dataset(tmp_path):
    import pyarrow.dataset as pads

    fleet.export(HOSTS, tmp_path / "ds")
    assert sorted(p.name for p in (tmp_path / "ds" / "mappings").iterdir()) == [
        "host=fleet-cache-3", "host=fleet-db-2", "host=fleet-web-1"]
    table = pads.dataset(tmp_path / "ds" / "mappings", partitioning="hive").to_table(columns=["host", "rss"])
    got = table.to_pandas().groupby("host", observed=True)["rss"].sum().to_dict()
    oracle = _oracle_by_host()
    assert got == {h: oracle[h]["rss"] for h in got} and len(got) == 3


def test_per_host_totals_equal_the_reports_own_smaps_and_the_corrupt_one_is_recorded(tmp_path, inputs):
    out = tmp_path / "ds"
    res = run("export", *inputs, "-o", out, "--format", "parquet")
    assert res.exit_code == 1
    assert "archive cut short or corrupt" in res.output and "1 of 8 inputs could not be read" in res.output
    manifest = json.loads((out / "memmaps-dataset.json").read_text())
    status = {Path(r["name"]).name: r["status"] for r in manifest["inputs"]}
    assert status.pop(inputs[4].name) == "failed" and set(status.values()) == {"done"} and len(status) == 7
    failed = next(r for r in manifest["inputs"] if r["status"] == "failed")
    assert "archive cut short or corrupt" in failed["error"] and str(inputs[4]) in failed["error"]
    by_host = analyzer.by_host(fleet.load(out).mappings)
    for host, want in _oracle_by_host().items():
        row = by_host.xs(host, level="host").sum()  # the oracle adds up both sample-host reports
        assert {k: int(row[k]) for k in want} == want, host
    # out of core, the same
    pd.testing.assert_frame_equal(analyzer.by_host(fleet.read(out)), by_host)


def test_summary_of_a_dataset_equals_the_direct_one(tmp_path, inputs):
    good = [i for i in inputs if "broken" not in i.name and i != SAMPLE_GZ]  # one capture per host: totals add up
    fleet.export(good, tmp_path / "ds")
    for by in ("host", "kind", "process", "mapping"):
        for fmt in ("text", "csv"):
            direct = run("summary", *good, "--by", by, "--format", fmt, "-q")
            dataset = run("summary", tmp_path / "ds", "--by", by, "--format", fmt, "-q")
            assert direct.exit_code == dataset.exit_code == 0
            assert dataset.output == direct.output, (by, fmt)
    info = run("info", tmp_path / "ds")
    assert info.exit_code == 0 and f"{HOSTS[1]}: meminfo, smaps, sosreport" in info.output
    assert "memmaps-dataset.json" not in info.output  # read as a dataset, not walked as a folder
    report = run("report", tmp_path / "ds", "-o", tmp_path / "r.html", "-q")
    assert report.exit_code == 0 and "fleet-db-2" in (tmp_path / "r.html").read_text()


def test_summary_of_a_large_dataset_is_computed_out_of_core(tmp_path, inputs, monkeypatch):
    from analyzer.cli import summary

    good = [i for i in inputs if "broken" not in i.name and i != SAMPLE_GZ]  # one capture per host
    fleet.export(good, tmp_path / "ds")
    monkeypatch.setattr(summary, "OUT_OF_CORE_ROWS", 0)
    assert summary._load_out_of_core((str(tmp_path / "ds"),), "host").mappings.__class__.__module__.startswith("dask")
    for by in ("host", "kind", "process"):
        direct = run("summary", *good, "--by", by, "--format", "csv", "-q")
        dataset = run("summary", tmp_path / "ds", tmp_path / "ds", "--by", by, "--format", "csv", "-q")
        twice = run("summary", *good, *good, "--by", by, "--format", "csv", "-q")
        assert dataset.output == twice.output and direct.output != twice.output, by


def test_resume_adds_nothing_and_skips_what_is_in(tmp_path, inputs):
    out = tmp_path / "ds"
    run("export", *inputs, "-o", out, "--format", "parquet")
    files = {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")}
    before = store.read_manifest(store.Store(out))
    res = run("export", *[i for i in inputs if "broken" not in i.name], "-o", out, "--resume")
    assert res.exit_code == 0, res.output
    assert "wrote 0 inputs" in res.output and "7 skipped" in res.output
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.parquet")} == files
    assert store.read_manifest(store.Store(out)) == before
    # the corrupt input again, with --resume: it was not in, so it is tried (and fails) again
    res = run("export", inputs[4], "-o", out, "--resume")
    assert res.exit_code == 1 and "1 of 1 inputs could not be read" in res.output


def test_export_refuses_a_folder_that_is_not_a_dataset(tmp_path):
    (tmp_path / "case").mkdir()
    (tmp_path / "case" / "notes.txt").write_text("x")
    res = run("export", TREE, "-o", tmp_path / "case", "--format", "parquet")
    assert res.exit_code == 1 and "is not a memmaps dataset" in res.output
    res = run("export", TREE, "-o", tmp_path / "x.csv", "--workers", "2")
    assert res.exit_code == 2 and "write a dataset" in res.output
    res = run("export", TREE, "-o", tmp_path / "noext")
    assert res.exit_code == 2 and "--format parquet for a dataset folder" in res.output
    assert (tmp_path / "case" / "notes.txt").read_text() == "x"


def test_a_single_parquet_file_stays_a_file(tmp_path):
    res = run("export", TREE, "-o", tmp_path / "m.parquet")
    assert res.exit_code == 0 and (tmp_path / "m.parquet").is_file()


def test_interrupted_export_is_pending_and_resume_finishes_it(tmp_path):
    out = tmp_path / "ds"
    fleet.export([TREE], out)
    manifest = store.read_manifest(store.Store(out))
    manifest["inputs"].append({"id": store.part_id(str(HOSTS[0])), "input": str(HOSTS[0]), "name": str(HOSTS[0]),
                               "status": "pending"})
    store.write_manifest(store.Store(out), manifest)
    ds = fleet.load(out)
    assert any("did not finish" in n.message for n in ds.warnings) and len(ds.inputs) == 1
    fleet.export([TREE, HOSTS[0]], out, resume=True)
    assert [r["status"] for r in store.read_manifest(store.Store(out))["inputs"]] == ["done", "done"]


def test_workers_1_never_imports_dask(tmp_path):
    code = ("import sys; from analyzer.cli import cli\n"
            f"try: cli(['export', {str(SAMPLE_XZ)!r}, {str(TREE)!r}, '-o', {str(tmp_path / 'ds')!r}, "
            "'--format', 'parquet', '-q'])\n"
            "except SystemExit as e: assert e.code in (0, None), e.code\n"
            f"cli(['summary', {str(tmp_path / 'ds')!r}, '--by', 'host'], standalone_mode=False)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "ds" / "memmaps-dataset.json").is_file()


def test_parse_ahead_off_gives_the_same_dataset():
    on = analyzer.load_dataset(SAMPLE_XZ, *HOSTS)
    off = analyzer.load_dataset(SAMPLE_XZ, *HOSTS, parse_ahead=False)
    pd.testing.assert_frame_equal(on.mappings, off.mappings)
    pd.testing.assert_frame_equal(on.processes, off.processes)
    assert on.notices == off.notices


def test_parse_ahead_off_starts_no_thread(monkeypatch):
    import threading

    from analyzer.ingest.trees import collector as tree

    monkeypatch.setattr(tree, "BATCH_BYTES", 1)  # a batch per member: the thread would be used at once
    seen = set()
    real = tree.ThreadPoolExecutor

    def spy(*a, **k):
        seen.add(threading.current_thread().name)
        return real(*a, **k)

    monkeypatch.setattr(tree, "ThreadPoolExecutor", spy)
    analyzer.load_dataset(HOSTS[0], parse_ahead=False)
    assert not seen
    analyzer.load_dataset(HOSTS[0])
    assert seen


def _compare_datasets(a: Path, b: Path) -> None:
    ra, rb = fleet.load(a), fleet.load(b)
    for name in ("mappings", "processes", "hosts"):
        pd.testing.assert_frame_equal(getattr(ra, name), getattr(rb, name))
    assert [(n.source, n.message.replace(str(a), "DS")) for n in ra.notices] == \
        [(n.source, n.message.replace(str(b), "DS")) for n in rb.notices]


@pytest.mark.slow
def test_local_cluster_export_equals_in_process(tmp_path, inputs):
    res = run("export", *inputs, "-o", tmp_path / "two", "--format", "parquet", "--workers", "2")
    assert res.exit_code == 1 and "1 of 8 inputs could not be read" in res.output
    fleet.export(inputs, tmp_path / "one")
    _compare_datasets(tmp_path / "one", tmp_path / "two")
    pids = {r["worker_pid"] for r in store.read_manifest(store.Store(tmp_path / "two"))["inputs"]}
    assert os.getpid() not in pids and len(pids) >= 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_real_scheduler_and_two_workers(tmp_path, inputs):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = []
    logs = []
    try:
        def start(*args):
            log = open(tmp_path / f"dask-{len(procs)}.log", "w")
            logs.append(log)
            procs.append(subprocess.Popen([str(BIN / "dask"), *args], stdout=log, stderr=subprocess.STDOUT,
                                          cwd=tmp_path))
        start("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")
        for _ in range(2):
            start("worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1",
                  "--no-dashboard", "--no-nanny")
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                    workers = client.scheduler_info()["workers"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        assert len(workers) == 2
        out = tmp_path / "remote"
        res = run("export", *inputs, "-o", out, "--format", "parquet", "--scheduler", address)
        assert res.exit_code == 1 and "1 of 8 inputs could not be read" in res.output
        manifest = store.read_manifest(store.Store(out))
        worker_pids = {p.pid for p in procs[1:]}
        assert {r["worker_pid"] for r in manifest["inputs"] if "worker_pid" in r} <= worker_pids
        fleet.export(inputs, tmp_path / "local")
        _compare_datasets(tmp_path / "local", out)
        res = run("export", *inputs, "-o", out, "--resume", "--scheduler", address)
        assert "wrote 0 inputs" in res.output  # only the corrupt one tried again
        assert store.read_manifest(store.Store(out))["inputs"][:3] == manifest["inputs"][:3]
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for log in logs:
            log.close()


def test_dataset_next_to_plain_inputs(tmp_path):
    fleet.export([HOSTS[0]], tmp_path / "ds")
    res = run("summary", tmp_path / "ds", HOSTS[1], "--by", "host", "--format", "csv")
    direct = run("summary", HOSTS[0], HOSTS[1], "--by", "host", "--format", "csv")
    assert res.output == direct.output


def test_dask_frame_summaries_equal_the_in_memory_ones(tmp_path, inputs):
    good = [i for i in inputs if "broken" not in i.name]
    fleet.export(good, tmp_path / "ds")
    frame = fleet.read(tmp_path / "ds")
    mem = fleet.load(tmp_path / "ds").mappings
    assert frame.npartitions == sum(len(r["tables"]["mappings"]["files"])
                                    for r in store.read_manifest(store.Store(tmp_path / "ds"))["inputs"]
                                    if "mappings" in r.get("tables", {}))
    for fn in (analyzer.by_host, analyzer.by_kind, analyzer.by_process):
        pd.testing.assert_frame_equal(fn(frame), fn(mem))
    assert analyzer.totals(frame) == analyzer.totals(mem)
    pd.testing.assert_frame_equal(_sorted(frame.compute()), _sorted(mem))
    procs = fleet.read(tmp_path / "ds", "processes").compute()  # an untyped table: read all the same
    assert len(procs) == len(fleet.load(tmp_path / "ds").processes)


def test_a_dataset_exported_again_is_read_as_its_rows(tmp_path):
    fleet.export([HOSTS[0], HOSTS[1]], tmp_path / "a")
    res = run("export", tmp_path / "a", HOSTS[2], "-o", tmp_path / "b", "--format", "parquet")
    assert res.exit_code == 0, res.output
    csv = run("export", tmp_path / "b", "-o", tmp_path / "b.csv")
    assert csv.exit_code == 0
    direct = analyzer.load_dataset(*HOSTS)
    back = fleet.load(tmp_path / "b")
    pd.testing.assert_frame_equal(analyzer.by_host(back.mappings).sort_index(),
                                  analyzer.by_host(direct.mappings).sort_index())
    assert len(pd.read_csv(tmp_path / "b.csv")) == len(direct.mappings)



def test_export_shows_progress_over_inputs_on_a_terminal(tmp_path, monkeypatch):
    import io

    from analyzer.cli import export as export_cli

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    err = Terminal()
    monkeypatch.setattr(export_cli.sys, "stderr", err)
    export_cli._export_dataset((str(HOSTS[0]), str(TREE)), str(tmp_path / "ds"), 1, None, False, "warn", False, False)
    text = err.getvalue()
    assert "Inputs" in text and "1/2" in text and "2/2" in text
