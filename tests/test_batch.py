"""Proc-tree members parsed in one batch give exactly what one parse per member gives."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pandas as pd
import pytest

from analyzer import schema
from analyzer.errors import ParseError
from analyzer.ingest.formats.smaps import batch
from analyzer.ingest.formats import smaps
from analyzer.ingest.base import Context

TREE = Path(__file__).resolve().parent.parent / "sample_dumps" / "smaps" / "tree" / "proc"
MEMBERS = sorted(TREE.glob("*/smaps"))


def _members(tmp_data: dict[str, bytes] | None = None):
    out = []
    for p in MEMBERS:
        rel = f"proc/{p.parent.name}/smaps"
        data = (tmp_data or {}).get(rel, p.read_bytes())
        out.append((data, f"tree/{rel}", rel))
    return out


def _one_by_one(members, on_bad_lines="warn"):
    frames, procs, notices = [], [], []
    for data, display, path in members:
        ctx = Context(display, on_bad_lines)
        parsed = smaps.parse_data(data, ctx, name=path)
        frames.append(parsed.mappings)
        for proc in parsed.processes:
            proc["lineno"] = None
        procs += parsed.processes
        notices += ctx.notices
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True)
    return frame, procs, notices


def test_batch_equals_one_parse_per_member():
    members = _members()
    parsed, notices = batch.parse_members(members)
    frame, procs, expected_notices = _one_by_one(members)
    pd.testing.assert_frame_equal(schema.conform(parsed.mappings), schema.conform(frame))
    # an empty member is a process without mappings in the batch (a per-member parse of b"" finds no block)
    assert [(p["pid"], p["source"], p["mappings"]) for p in parsed.processes if p["mappings"]] == \
        [(p["pid"], p["source"], p["mappings"]) for p in procs]
    # plus the note on the empty member (a kernel thread or zombie)
    assert [(n.source, n.lineno) for n in notices if "no mappings" not in n.message] == \
        [(n.source, n.lineno) for n in expected_notices]


def test_bad_line_in_one_member_is_named_by_member_and_line():
    rel = f"proc/{MEMBERS[1].parent.name}/smaps"
    text = MEMBERS[1].read_text().replace("Rss:", "Rss: x", 1)
    lineno = text.splitlines().index(next(l for l in text.splitlines() if l.startswith("Rss: x"))) + 1
    members = _members({rel: text.encode()})
    parsed, notices = batch.parse_members(members)
    (bad,) = [n for n in notices if "cannot interpret" in n.message]
    assert (bad.source, bad.lineno) == (f"tree/{rel}", lineno)
    with pytest.raises(ParseError) as err:
        batch.parse_members(members, on_bad_lines="error")
    assert (err.value.source, err.value.lineno) == (f"tree/{rel}", lineno)


def test_member_without_final_newline_parsed_alone_and_cut_record_dropped():
    rel = f"proc/{MEMBERS[0].parent.name}/smaps"
    data = MEMBERS[0].read_bytes()
    members = _members({rel: data[: len(data) - 30]})
    parsed, notices = batch.parse_members(members)
    frame, _, expected = _one_by_one(members)
    assert len(parsed.mappings) == len(frame)
    assert any(n.source == f"tree/{rel}" and "cut short" in n.message for n in notices)


def test_empty_member_is_a_process_without_mappings():
    rel = f"proc/{MEMBERS[0].parent.name}/smaps"
    parsed, _ = batch.parse_members(_members({rel: b""}))
    proc = next(p for p in parsed.processes if p["source"] == f"tree/{rel}")
    assert proc["mappings"] == 0


def test_member_holding_a_banner_line_is_parsed_alone():
    rel = f"proc/{MEMBERS[0].parent.name}/smaps"
    data = MEMBERS[0].read_bytes()
    odd = data + b"==> /proc/77/smaps <==\n" + data
    parsed, notices = batch.parse_members(_members({rel: odd}))
    frame, _, _ = _one_by_one(_members({rel: odd}))
    assert len(parsed.mappings) == len(frame)
    assert 77 in set(parsed.mappings["pid"].dropna().tolist())


def _copied_tree(tmp_path, damage: str | None = None) -> Path:
    """The sample proc tree copied; with *damage*, one member gets a bad value line."""
    root = tmp_path / "tree"
    for p in MEMBERS:
        dest = root / "proc" / p.parent.name / "smaps"
        dest.parent.mkdir(parents=True)
        text = p.read_text()
        if damage and p == MEMBERS[1]:
            text = text.replace("Rss:", damage, 1)
        dest.write_text(text)
    return root


def test_batches_parsed_on_the_worker_thread_give_the_same_dataset(tmp_path, monkeypatch):
    """Tiny batches, many in flight at once: rows, processes and notices come out in
    the same order as when each batch is parsed where it is made."""
    import threading

    from analyzer.ingest import load_dataset
    from analyzer.ingest.trees import collector as tree

    root = _copied_tree(tmp_path, damage="Rss: x")  # one warning, in the middle of the tree
    packed = tmp_path / "tree.tar.gz"  # in an archive, batches wait on the worker thread
    with tarfile.open(packed, "w:gz") as tf:
        tf.add(root, "tree")
    monkeypatch.setattr(tree, "BATCH_BYTES", 1)
    monkeypatch.setattr(tree, "BATCHES_IN_FLIGHT", 0)
    inline = load_dataset(packed)
    monkeypatch.setattr(tree, "BATCHES_IN_FLIGHT", 3)
    before = threading.active_count()
    threaded = load_dataset(packed)
    assert threading.active_count() == before  # the worker is gone
    pd.testing.assert_frame_equal(threaded.mappings, inline.mappings)
    pd.testing.assert_frame_equal(threaded.processes, inline.processes)
    assert [str(n) for n in threaded.notices] == [str(n) for n in inline.notices]
    assert any("cannot interpret" in str(n) for n in threaded.notices)


def test_error_in_a_batch_on_the_worker_is_raised_with_its_member(tmp_path, monkeypatch):
    import threading

    from analyzer.ingest import load_dataset
    from analyzer.ingest.trees import collector as tree

    root = _copied_tree(tmp_path, damage="Rss: x")
    packed = tmp_path / "tree.tar"
    with tarfile.open(packed, "w") as tf:
        tf.add(root, "tree")
    monkeypatch.setattr(tree, "BATCH_BYTES", 1)
    before = threading.active_count()
    with pytest.raises(ParseError) as err:
        load_dataset(packed, on_bad_lines="error")
    assert err.value.source == f"{packed}!tree/proc/{MEMBERS[1].parent.name}/smaps"
    assert threading.active_count() == before
