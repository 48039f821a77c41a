"""Format detection: the cheap pre-filters in front of the detectors never change
their answer, on every real sample and fixture of this repository, and on the
other text files of a real sosreport."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import pytest

from analyzer.ingest.formats import pmap, registry
from analyzer.ingest.sources.reader import decompressing, looks_binary

ROOT = Path(__file__).resolve().parent.parent
SOS = next((ROOT / "sample_dumps" / "sosreport").glob("sosreport-*memmaps*.tar.xz"))


def _heads():
    """(name, head text) of every sample and fixture file, and of every sosreport member."""
    for path in sorted([*(ROOT / "sample_dumps").rglob("*"), *(ROOT / "tests" / "fixtures").rglob("*")]):
        if path.is_file() and path.suffix not in (".json", ".md", ".py", ".sh", ".c"):
            with open(path, "rb") as f:
                data = decompressing(f, str(path)).read(64 * 1024)
            if not looks_binary(data):
                yield str(path.relative_to(ROOT)), data.decode("utf-8", "replace")
    with tarfile.open(SOS) as tf:
        for m in tf:
            if m.isfile():
                data = tf.extractfile(m).read(64 * 1024)
                if not looks_binary(data):
                    yield m.name, data.decode("utf-8", "replace")


HEADS = list(_heads())


def _unfiltered(head: str):
    for module in registry.TEXT_FORMATS:
        found = module.detect(head)
        if found:
            return module, found
    return None


def test_enough_inputs_to_mean_something():
    assert len(HEADS) > 150
    assert sum(_unfiltered(h) is not None for _, h in HEADS) > 60


def test_registry_prefilter_changes_no_answer(monkeypatch):
    expected = {name: registry.detect(head) for name, head in HEADS}
    monkeypatch.setattr(registry, "_MAYBE", re.compile(""))  # matches everything: the filter is off
    assert {name: registry.detect(head) for name, head in HEADS} == expected


def test_pmap_prefilter_changes_no_answer(monkeypatch):
    expected = {name: pmap.detect(head) for name, head in HEADS}
    monkeypatch.setattr(pmap, "_MAYBE", re.compile(""))
    assert {name: pmap.detect(head) for name, head in HEADS} == expected


@pytest.mark.parametrize("text", ["", "hello\n", "12:30 lunch\n", "uid=0(root)\n", "deadbee\n"])
def test_prefilter_turns_away_plain_text(text):
    assert registry._MAYBE.search(text) is None
    assert registry.detect(text) is None
