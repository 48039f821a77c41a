"""Batch-by-batch reading and export of big smaps files (analyzer/ingest/stream.py, analyzer/exportstream.py).

The batches, put together, must be what load_dataset gives for the whole file (rows, processes,
notices), and `memmaps export` in batches must write the same bytes (CSV, JSON Lines, JSON) or rows
(Parquet) as the export of the whole table. Batches are made small so a few MB make many of them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.ingest import load_dataset, stream

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import forms  # noqa: E402
import generate  # noqa: E402


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("stream")
    generate.generate(out / "g", processes=12, size_mb=2, seed=21, concat=True)
    clean = (out / "g" / "all.smaps").read_bytes()
    parts = forms.blocks(clean)
    made = {
        "clean": clean,
        "odd-value": forms.odd_value(clean),
        "repeated": forms.join(parts + parts[:2]),      # two PIDs again, in a later batch
        "cut": forms.cut(clean),
        "crlf": forms.crlf(clean),
    }
    paths = {}
    for name, data in made.items():
        paths[name] = out / f"{name}.smaps"
        paths[name].write_bytes(data)
    return paths


@pytest.mark.parametrize("form", ["clean", "odd-value", "repeated", "cut", "crlf"])
def test_batches_equal_the_whole_load(files, form):
    path = files[form]
    batches = list(stream.smaps_batches(path, batch_bytes=150_000))
    assert len(batches) > 5
    frame = pd.concat([b.mappings for b in batches if len(b.mappings)], ignore_index=True)
    ds = load_dataset(path)
    pd.testing.assert_frame_equal(frame, ds.mappings.reset_index(drop=True))
    procs = [p for b in batches for p in b.processes]
    assert [(p["pid"], p["lineno"], p["mappings"]) for p in procs] == \
        list(zip(ds.processes["pid"], ds.processes["lineno"], ds.processes["mappings"]))
    assert [n for b in batches for n in b.notices] == ds.notices


def test_streamable_only_for_big_single_smaps(files, tmp_path):
    assert stream.streamable(files["clean"], min_bytes=1000)
    assert not stream.streamable(files["clean"])                       # below 512 MB: the whole table
    pmap = tmp_path / "p.txt"
    pmap.write_text("42:   sleep 100\n0000555555554000      8K r---- sleep\n total                8K\n")
    assert not stream.streamable(pmap, min_bytes=0)
    assert not stream.streamable(ROOT / "sample_dumps" / "smaps" / "tree", min_bytes=0)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json", "parquet"])
def test_export_in_batches_writes_what_the_whole_export_writes(files, tmp_path, monkeypatch, fmt):
    path = files["repeated"]
    whole = tmp_path / f"whole.{fmt}"
    result = CliRunner().invoke(cli, ["export", str(path), "-o", str(whole)])
    assert result.exit_code == 0, result.output
    assert "in batches" not in result.output
    monkeypatch.setattr(stream, "STREAM_BYTES", 1000)
    monkeypatch.setattr(stream, "BATCH_BYTES", 200_000)
    parts = tmp_path / f"parts.{fmt}"
    result = CliRunner().invoke(cli, ["export", str(path), "-o", str(parts)])
    assert result.exit_code == 0, result.output
    assert "read in batches" in result.output
    assert "appears again" in result.output
    if fmt == "parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(parts), pd.read_parquet(whole))
    else:
        assert parts.read_bytes() == whole.read_bytes()


def test_compressed_files_stream_from_an_eighth(files, tmp_path):
    import gzip

    data = files["clean"].read_bytes()
    packed = tmp_path / "clean.smaps.gz"
    packed.write_bytes(gzip.compress(data, 1))
    size = packed.stat().st_size
    assert stream.streamable(packed, min_bytes=8 * size)
    assert not stream.streamable(packed, min_bytes=8 * size + 8)
    assert not stream.streamable(files["clean"], min_bytes=len(data) + 1)  # plain: its own size
