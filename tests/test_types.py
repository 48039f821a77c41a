"""The typed core type-checks: mypy on the files ``[tool.mypy] files`` names in
pyproject.toml (schema, errors, the dataset, and ingest's stage interfaces)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_mypy_is_clean_on_the_typed_core():
    mypy = Path(sys.executable).parent / "mypy"
    result = subprocess.run([str(mypy), "--no-incremental"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout


def test_package_is_marked_typed():
    assert (ROOT / "analyzer" / "py.typed").is_file()
