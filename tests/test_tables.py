"""The processes, hosts and notices tables: typed by the schema, exported whole,
exact values from real sosreports, dtypes kept through Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import analyzer
from analyzer import export as exporter, schema
from analyzer.cli import cli
from analyzer.errors import SchemaError

ROOT = Path(__file__).resolve().parent.parent
SOS = ROOT / "sample_dumps" / "sosreport"
SMALL = SOS / "sosreport-sample-host-memmaps-2026-11-25-mekvvua.tar.xz"
NOSMAPS = SOS / "sosreport-sample-host-nosmaps-2026-11-25-xhndueh.tar.xz"
SAMPLES = sorted(p for d in ("smaps", "pmap", "sosreport") for p in (ROOT / "sample_dumps" / d).iterdir()
                 if p.is_file() and not p.name.endswith((".md", ".md5", ".txt")))


def export(tmp_path, table, fmt, *inputs):
    out = tmp_path / f"{table}.{fmt}"
    result = CliRunner().invoke(cli, ["export", *map(str, inputs), "--table", table, "-o", str(out), "-q"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_every_sample_gives_schema_valid_process_and_host_tables(path):
    ds = analyzer.load_dataset(path)
    schema.validate_table(ds.processes, "processes")
    schema.validate_table(ds.hosts, "hosts")
    assert list(ds.processes.columns[:len(schema.PROCESS_COLUMNS)]) == [c.name for c in schema.PROCESS_COLUMNS]
    declared = [c.name for c in schema.HOST_COLUMNS]
    assert list(ds.hosts.columns[:len(declared)]) == declared
    for extra in ds.hosts.columns[len(declared):]:  # meminfo fields the schema does not name
        assert schema.host_column(extra).group == "meminfo" and str(ds.hosts[extra].dtype) == "Int64", extra


@pytest.mark.parametrize("table", ["mappings", "processes", "hosts", "notices"])
def test_parquet_round_trips_every_table_exactly(tmp_path, table):
    inputs = (SMALL, NOSMAPS, SOS / "smemcap-capture.tar")
    out = export(tmp_path, table, "parquet", *inputs)
    back = pd.read_parquet(out)
    want = exporter.table(analyzer.load_dataset(*inputs), table)
    assert len(want) > 0
    pd.testing.assert_frame_equal(back, want.reset_index(drop=True), check_exact=True)


def test_export_processes_of_a_real_sosreport_are_the_oracle_values(tmp_path):
    expected = json.loads((SOS / "expected" / f"{SMALL.name}.expected.json").read_text())
    out = export(tmp_path, "processes", "jsonl", SMALL)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert set(rows[0]) >= {c.name for c in schema.PROCESS_COLUMNS}
    by_pid = {r["pid"]: r for r in rows}
    assert sorted(by_pid) == sorted(int(p) for p in expected["processes"])
    for pid, proc in expected["processes"].items():
        row = by_pid[int(pid)]
        assert row["mappings"] == proc["mappings"]
        assert (row["user"], row["command"]) == (proc["user"], proc["command"])
        assert row["host"] == expected["hostname"] and row["source_format"] == "smaps"


def test_export_hosts_of_real_sosreports(tmp_path):
    out = export(tmp_path, "hosts", "csv", SMALL, NOSMAPS)
    hosts = pd.read_csv(out)
    assert hosts["host"].tolist() == ["sample-host", "sample-host"]
    assert hosts["maps_collected"].tolist() == [True, False]
    small = json.loads((SOS / "expected" / f"{SMALL.name}.expected.json").read_text())
    assert hosts.loc[0, "processes_with_maps"] == small["process_count"]
    assert pd.Timestamp(hosts.loc[0, "capture_time"]) == pd.Timestamp("2026-11-25 17:48:06", tz="UTC")
    assert hosts.loc[1, "processes_with_maps"] == 0 and hosts.loc[1, "processes_in_ps"] > 0


def test_export_ps_only_processes_keep_ps_sizes(tmp_path):
    out = export(tmp_path, "processes", "json", NOSMAPS)
    rows = json.loads(out.read_text())
    assert rows and all(r["source_format"] == "ps" and r["mappings"] is None for r in rows)
    assert all(isinstance(r["ps_rss"], int) and r["ps_rss"] % 1024 == 0 for r in rows)


def test_export_notices_names_file_and_line(tmp_path):
    out = export(tmp_path, "notices", "csv", ROOT / "sample_dumps" / "smaps" / "single_threads_thp_truncated.smaps")
    notices = pd.read_csv(out)
    assert notices[["lineno", "level"]].values.tolist() == [[776, "warning"]]


def test_process_record_refuses_an_undeclared_fact():
    with pytest.raises(SchemaError, match="vm_rsss"):
        schema.process_record(1, "x", "smaps", vm_rsss=4096)


def test_a_declared_column_flows_to_conform_and_readme_table(monkeypatch):
    col = schema.Column("vm_test", "Int64", "bytes", "A column added by a later issue.", "status")
    monkeypatch.setattr(schema, "PROCESS_COLUMNS", schema.PROCESS_COLUMNS + [col])
    monkeypatch.setitem(schema.PROCESS_BY_NAME, "vm_test", col)
    rec = schema.process_record(1, "x", "smaps", vm_test=4096)
    frame = schema.conform_processes(pd.DataFrame([rec, schema.process_record(2, "x", "smaps")]))
    assert frame["vm_test"].tolist() == [4096, pd.NA] and str(frame["vm_test"].dtype) == "Int64"
    assert "`vm_test` | Int64 | bytes" in schema.markdown_table("processes")
    assert schema.size_columns(["vm_test", "pid"]) == ["vm_test"]
