"""Every notebook in notebooks/ runs top to bottom in the project's own kernel.

``make install`` registers the venv's ipykernel as kernel ``python3`` with
``--sys-prefix``; jupyter_client runs a ``python`` kernel with the Python
running these tests, so the notebooks see exactly this environment. A cell
that raises fails the test. Notebooks are stored without outputs, so what is
in git is what a new user runs, and diffs stay readable.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

pytestmark = pytest.mark.slow  # each runs a notebook in a Jupyter kernel: seconds

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
CELL_TIMEOUT = 120  # seconds; a stuck cell fails the run instead of hanging it

PROBE = "import sys as _sys; print(_sys.prefix)"


def read(path: Path):
    return nbformat.read(path, as_version=4)


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 2, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path):
    nb = read(path)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: cell {i} has stored outputs (clear them before committing)"
            assert cell.execution_count is None, f"{path.name}: cell {i} has an execution count"
    assert nb.metadata.get("kernelspec", {}).get("name") == KERNEL


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_uses_only_the_public_api(path):
    import analyzer

    for cell in read(path).cells:
        if cell.cell_type != "code":
            continue
        assert not re.search(r"from analyzer\S* import|import analyzer\.", cell.source), cell.source
        for name in re.findall(r"\banalyzer\.(\w+)", cell.source):
            assert name in analyzer.__all__, f"{path.name}: analyzer.{name} is not public API"
        assert not re.search(r"\._\w", cell.source), f"{path.name}: private name used: {cell.source}"


def test_kernel_is_this_environment():
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    assert Path(spec.resource_dir).resolve().is_relative_to(Path(sys.prefix).resolve()), spec.resource_dir
    assert spec.argv[0] in ("python", "python3", sys.executable), spec.argv


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_runs_top_to_bottom(path):
    nb = read(path)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    probe = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    assert probe.strip() == sys.prefix
    html = [o["data"]["text/html"] for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if "text/html" in o.get("data", {})]
    assert any("KiB" in h or "MiB" in h for h in html), "no summary table shown with human sizes"
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
