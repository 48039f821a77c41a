"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest

from analyzer.ingest.formats.smaps import native


@pytest.fixture(params=["c", "numpy"] if native.AVAILABLE else ["numpy"])
def both_readers(request, monkeypatch):
    """The test twice where the C record reader was built: with it (the default) and with the numpy
    readers alone (what an install without a C compiler runs). Used by the fast-path test modules
    (``pytestmark = pytest.mark.usefixtures("both_readers")``)."""
    monkeypatch.setattr(native, "ENABLED", request.param == "c")
    return request.param
