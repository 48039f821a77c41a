"""A large smaps file read a piece at a time (analyzer/ingest/chunked.py) gives what the whole file gives.

Pieces are made small (a few hundred kB) so a 2 MB corpus makes many; each form of the file (clean,
cut, CRLF, grep -H, /proc/self, odd value, not UTF-8, two kernels, PIDs repeated in a later piece,
lines before the first banner) is loaded both ways and the mappings, processes and notices must be
equal. The proc tree's batches are joined by the same code (analyzer/ingest/joining.py): checked
against ``pd.concat``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from analyzer.errors import ParseError
from analyzer.ingest import chunked, joining, load_dataset

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import forms  # noqa: E402
import generate  # noqa: E402

PIECE = 150_000


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("chunked")
    generate.generate(out / "g", processes=12, size_mb=2, seed=23, concat=True)
    generate.generate(out / "old", processes=3, size_mb=0.3, seed=24, concat=True, layout="4.x")
    clean = (out / "g" / "all.smaps").read_bytes()
    parts = forms.blocks(clean)
    made = dict(forms.forms(clean, (out / "old" / "all.smaps").read_bytes()))
    made["repeated"] = forms.join(parts + parts[:2])  # two PIDs again, in a later piece
    # kernel threads (a banner, no lines) between blocks, and runs of blank lines: at the ends of pieces too
    made["empty-blocks"] = forms.join([q for i, part in enumerate(parts)
                                       for q in ([(b"/proc/%d/smaps" % (90000 + i), b"")] + [part])]).replace(
        b"\n==> /proc/90003", b"\n\n\n==> /proc/90003")
    first = parts[0][1]
    made["unnamed-head"] = first[: first.find(b"\n", first.find(b"\nVmFlags")) + 1] + clean  # a record before any banner
    paths = {}
    for name, data in made.items():
        paths[name] = out / f"{name}.smaps"
        paths[name].write_bytes(data)
    return paths


def _load(path, monkeypatch, pieces: bool, on_bad_lines: str = "warn"):
    calls = []
    with monkeypatch.context() as m:
        if pieces:
            m.setattr(chunked, "PIECE_BYTES", PIECE)
            real = chunked.read
            m.setattr(chunked, "read", lambda *a, **k: calls.append(1) or real(*a, **k))
        else:
            m.setattr(chunked, "read_if_large", lambda *a, **k: None)
        return load_dataset(path, on_bad_lines=on_bad_lines), bool(calls)


FORMS = ["clean", "cut", "crlf", "grep-H", "grep-H+crlf", "self", "odd-value", "not-utf8", "kernels",
         "repeated", "empty-blocks", "unnamed-head"]


@pytest.mark.parametrize("form", FORMS)
def test_pieces_give_the_whole_files_result(files, form, monkeypatch):
    whole, _ = _load(files[form], monkeypatch, pieces=False)
    parts, tried = _load(files[form], monkeypatch, pieces=True)
    assert tried == (not form.startswith("grep-H"))  # grep -H output has no banners: read whole
    pd.testing.assert_frame_equal(parts.mappings, whole.mappings)
    pd.testing.assert_frame_equal(parts.processes, whole.processes)
    assert parts.notices == whole.notices
    assert [(r.formats, r.processes, r.mappings) for r in parts.inputs] == \
        [(r.formats, r.processes, r.mappings) for r in whole.inputs]
    if form == "repeated":
        assert sum("appears again" in n.message for n in parts.notices) == 2
    if form == "odd-value":
        assert any(n.lineno and n.lineno > 10_000 for n in parts.notices)  # a file line, not a piece's


def test_pieces_are_many_and_joined_in_place(files, monkeypatch):
    seen = []
    real = joining.concat

    def spy(frames):
        seen.append(frames)
        n = len(frames)
        return real(frames), n

    monkeypatch.setattr(chunked.joining, "concat", lambda frames: (lambda r: seen.append(r[1]) or r[0])(spy(frames)))
    monkeypatch.setattr(chunked, "PIECE_BYTES", PIECE)
    load_dataset(files["clean"])
    frames, n = seen
    assert n > 5 and frames == [None] * n  # the same columns and dtypes: copied into place, each piece dropped


def test_a_bad_line_names_its_line_in_the_file(files, monkeypatch):
    with pytest.raises(ParseError) as whole:
        _load(files["odd-value"], monkeypatch, pieces=False, on_bad_lines="error")
    with pytest.raises(ParseError) as parts:
        _load(files["odd-value"], monkeypatch, pieces=True, on_bad_lines="error")
    assert str(parts.value) == str(whole.value)
    assert parts.value.lineno > 10_000


def test_join_equals_pd_concat():
    a = pd.DataFrame({"x": pd.array([1, None], dtype="Int64"), "y": pd.array([1, 2], dtype="UInt64"),
                      "n": pd.array([None, None], dtype="Int64"), "s": pd.array(["a", None], dtype="string[pyarrow]"),
                      "z": pd.array([None, None], dtype="string[pyarrow]"), "b": pd.array([True, None], dtype="boolean"),
                      "t": pd.Series([pd.NaT, pd.NaT], dtype="datetime64[ms, UTC]")})
    b = a.iloc[[1, 0]].reset_index(drop=True).copy()
    b.loc[0, "s"] = "c"
    expected = pd.concat([a, b], ignore_index=True)
    frames = [a.copy(), b.copy()]
    got = joining.concat(frames)
    pd.testing.assert_frame_equal(got, expected)
    assert frames == [None, None]
    got.loc[0, "n"] = 5  # the NA columns are the table's own: writable
    assert got["n"].tolist() == [5, pd.NA, pd.NA, pd.NA] and a["n"].isna().all()


def test_loaded_na_columns_are_the_tables_own(files, monkeypatch):
    """Batches keep their NA columns as views of shared read-only buffers; the loaded table must not."""
    monkeypatch.setattr(chunked, "PIECE_BYTES", PIECE)
    tree = files["clean"].parent / "g" / "proc"
    for path in (files["clean"], tree):
        first = load_dataset(path).mappings
        na = [c for c in ("pss_anon", "dirty", "host", "user") if first[c].isna().all()]
        assert len(na) == 4
        first.loc[0, "pss_anon"] = 4096
        first.loc[1, "dirty"] = 1
        first.loc[2, "host"] = "h"
        again = load_dataset(path).mappings
        assert again[na].isna().all().all()
        assert first["pss_anon"].notna().sum() == 1 and first["dirty"].notna().sum() == 1
