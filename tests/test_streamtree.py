"""Batch-by-batch reading of directories and archives (analyzer/ingest/streamtree.py): sosreports
whose smaps are parsed, spilled to disk and joined to their ps facts batch by batch.

On the real samples, with batches of a few kB (every member its own batch), the batches put
together must be what load_dataset gives (rows, processes, hosts, notices, input report), and
`memmaps export` in batches must write the bytes (or Parquet rows) of the whole-table export.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.ingest import load_dataset, streamtree
from analyzer.ingest.trees import collector

ROOT = Path(__file__).resolve().parent.parent
S = ROOT / "sample_dumps"
TREES = [
    S / "sosreport" / "sosreport-sample-host-memmaps-2026-11-25-mekvvua.tar.xz",
    S / "sosreport" / "sosreport-sample-host-memmaps-2026-11-25-mpyrgwl.tar.gz",
    S / "sosreport" / "sosreport-sample-host-nosmaps-2026-11-25-xhndueh.tar.xz",
    S / "sosreport" / "smemcap-capture.tar",
    S / "cases" / "sosreport-case-host-case1-2026-12-06-zpkbcez.tar.xz",
    S / "cases" / "sosreport-case-host-nodate-2026-12-06-uxhoqrf.tar.xz",
    S / "fleet" / "sosreport-fleet-db-2-fleet-2026-12-06-rnuitah.tar.xz",
    S / "system" / "sosreport",
    S / "growth" / "proc",
    S / "findings" / "planted",
    S / "smaps" / "tree",
    S / "cases",
]


def streamed(item, parse_ahead=True):
    with streamtree.TreeStream(item, parse_ahead=parse_ahead) as tree:
        frames = list(tree.batches())
        ds = tree.dataset()
    return frames, ds


def assert_same(frames, ds, whole):
    if frames:
        pd.testing.assert_frame_equal(pd.concat(frames, ignore_index=True), whole.mappings.reset_index(drop=True))
    else:
        assert not len(whole.mappings)
    pd.testing.assert_frame_equal(ds.processes, whole.processes)
    pd.testing.assert_frame_equal(ds.hosts, whole.hosts)
    assert ds.notices == whole.notices
    assert ds.inputs == whole.inputs
    for name in ("shm", "oom_kills", "oom_tasks"):
        pd.testing.assert_frame_equal(getattr(ds, name), getattr(whole, name))


@pytest.mark.parametrize("item", TREES, ids=lambda p: p.name)
def test_batches_equal_the_whole_load(item, monkeypatch):
    monkeypatch.setattr(collector, "BATCH_BYTES", 2000)  # every smaps member a batch of its own
    whole = load_dataset(item)
    frames, ds = streamed(item)
    if len(whole.mappings) > 100:
        assert len(frames) >= 2
    assert_same(frames, ds, whole)


def test_one_thread_too(monkeypatch):
    monkeypatch.setattr(collector, "BATCH_BYTES", 2000)
    item = TREES[1]
    assert_same(*streamed(item, parse_ahead=False), load_dataset(item))


def _retar(src: Path, dst: Path, order, append_again: str | None = None) -> None:
    """*src*'s members in another order (sorted by *order*), some member appended again."""
    with tarfile.open(src) as tf:
        members = [(m, tf.extractfile(m).read() if m.isfile() else None) for m in tf]
    members.sort(key=lambda mb: order(mb[0].name))
    with tarfile.open(dst, "w") as out:
        for m, data in members:
            out.addfile(m, io.BytesIO(data) if data is not None else None)
        for m, data in members:
            if append_again and m.name.endswith(append_again):
                out.addfile(m, io.BytesIO(data))


def test_ps_after_the_smaps_and_a_member_appended_again(tmp_path, monkeypatch):
    """sos_commands/ (ps) last in the tar, and a proc/PID/smaps appended again (`tar -r`): the rows
    wait on disk for ps; the earlier copy's rows are dropped, as the whole load drops them."""
    monkeypatch.setattr(collector, "BATCH_BYTES", 2000)
    src = TREES[0]
    ps_last = tmp_path / "ps-last.tar"
    _retar(src, ps_last, lambda name: ("sos_commands" in name, name), append_again="/proc/1/smaps")
    whole = load_dataset(ps_last)
    assert any("appears twice" in n.message for n in whole.notices)
    assert whole.mappings["user"].notna().any() and whole.mappings["command"].notna().all()
    assert_same(*streamed(ps_last), whole)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_in_batches_writes_what_the_whole_export_writes(tmp_path, monkeypatch, fmt):
    item = TREES[0]
    whole = tmp_path / f"whole.{fmt}"
    result = CliRunner().invoke(cli, ["export", str(item), "-o", str(whole)])
    assert result.exit_code == 0, result.output
    assert "in batches" not in result.output
    monkeypatch.setattr(streamtree, "TREE_STREAM_BYTES", 1000)
    monkeypatch.setattr(collector, "BATCH_BYTES", 2000)
    parts = tmp_path / f"parts.{fmt}"
    result = CliRunner().invoke(cli, ["export", str(item), "-o", str(parts)])
    assert result.exit_code == 0, result.output
    assert "351 mappings of 8 processes" in result.output and "read in batches" in result.output
    if fmt == "parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(parts), pd.read_parquet(whole))
    else:
        assert parts.read_bytes() == whole.read_bytes()


def test_redact_and_datasets_keep_the_whole_table(tmp_path, monkeypatch):
    monkeypatch.setattr(streamtree, "TREE_STREAM_BYTES", 0)
    dataset = tmp_path / "ds"
    assert CliRunner().invoke(cli, ["export", str(TREES[0]), "-o", str(dataset), "--format", "parquet"]).exit_code == 0
    assert streamtree.streamed(dataset) is None
    assert streamtree.streamed(TREES[0]) is not None
    out = tmp_path / "r.csv"
    result = CliRunner().invoke(cli, ["export", str(TREES[0]), "-o", str(out), "--redact"])
    assert result.exit_code == 0, result.output
    assert "in batches" not in result.output


def test_streamable_sizes(tmp_path):
    assert not streamtree.tree_streamable(TREES[0])                     # 38 kB: the whole table
    assert streamtree.tree_streamable(TREES[0], min_bytes=4 * 38_000)     # compressed: from a quarter
    assert not streamtree.tree_streamable(TREES[3], min_bytes=4 * 206_848)  # a plain tar: its size
    assert streamtree.tree_streamable(TREES[0], min_bytes=1000)
    assert streamtree.tree_streamable(S / "smaps" / "tree", min_bytes=1000)
    assert not streamtree.tree_streamable(S / "smaps" / "multi_loop.smaps", min_bytes=0)  # not an archive


SUMMARY_INPUTS = [TREES[0], TREES[2], TREES[4], S / "system" / "sosreport", S / "cases"]


@pytest.mark.parametrize("by", ["kind", "host", "process", "user", "command", "cgroup", "unit"])
def test_summary_in_batches_prints_what_the_whole_summary_prints(monkeypatch, by):
    """Every input (a sosreport with maps, one without (ps and status rows), a case folder holding
    sosreports, pmap and cut smaps), every view that adds up: the same csv and text."""
    for item in SUMMARY_INPUTS:
        for fmt in ("csv", "text") if by in ("kind", "process") else ("csv",):
            monkeypatch.setattr(streamtree, "TREE_STREAM_BYTES", 1 << 40)
            whole = CliRunner().invoke(cli, ["summary", str(item), "--by", by, "--format", fmt])
            monkeypatch.setattr(streamtree, "TREE_STREAM_BYTES", 0)
            monkeypatch.setattr(collector, "BATCH_BYTES", 2000)
            parts = CliRunner().invoke(cli, ["summary", str(item), "--by", by, "--format", fmt])
            monkeypatch.setattr(collector, "BATCH_BYTES", 8 << 20)
            assert (parts.exit_code, parts.output) == (whole.exit_code, whole.output), (item, fmt)


def test_summary_batches_really_happen(monkeypatch):
    from analyzer import summarystream

    monkeypatch.setattr(streamtree, "TREE_STREAM_BYTES", 0)
    monkeypatch.setattr(collector, "BATCH_BYTES", 2000)
    added = []
    real = summarystream.Views.add
    monkeypatch.setattr(summarystream.Views, "add", lambda self, frame: (added.append(len(frame)), real(self, frame)))
    result = CliRunner().invoke(cli, ["summary", str(TREES[0]), "--by", "kind"])
    assert result.exit_code == 0, result.output
    assert len(added) > 2 and sum(added) == 351


def test_an_unreadable_tree_writes_nothing(tmp_path, monkeypatch):
    """A sosreport without maps or ps: the error of the whole load, and no output file."""
    monkeypatch.setattr(streamtree, "TREE_STREAM_BYTES", 0)
    bad = tmp_path / "sosreport-empty-2026-01-01-abcdefg.tar"
    with tarfile.open(bad, "w") as tf:
        data = b"empty\n"
        info = tarfile.TarInfo("sosreport-empty-2026-01-01-abcdefg/sos_commands/host/hostname")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["export", str(bad), "-o", str(out)])
    assert result.exit_code == 1 and "holds no memory maps" in result.output, result.output
    assert not out.exists()


def test_a_full_disk_is_said_plainly(tmp_path, monkeypatch):
    monkeypatch.setattr(streamtree, "TREE_STREAM_BYTES", 0)

    def full(self, path, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_pickle", full)
    result = CliRunner().invoke(cli, ["export", str(TREES[0]), "-o", str(tmp_path / "out.csv")])
    assert result.exit_code == 1, result.output
    assert "cannot write the temporary spill" in result.output and "TMPDIR" in result.output
    assert not (tmp_path / "out.csv").exists()
