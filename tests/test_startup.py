"""Start-up: ``memmaps --help`` and ``memmaps COMMAND --help`` import neither pandas nor matplotlib.

Each case runs in a fresh interpreter with ``-X importtime``, which lists every module imported.
"""

import subprocess
import sys

import pytest

HEAVY = ("pandas", "matplotlib", "numpy", "pyarrow")


def _imported(*args: str) -> tuple[set[str], str]:
    """The top-level modules imported by ``python -m analyzer ARGS``, and its stdout."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "analyzer", *args],
                         capture_output=True, text=True, check=True)
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names, run.stdout


@pytest.mark.parametrize("args", [["--help"], ["summary", "--help"], ["export", "--help"],
                                  ["info", "--help"], ["report", "--help"], ["--version"]])
def test_help_imports_no_pandas_or_matplotlib(args):
    names, out = _imported(*args)
    assert "click" in names  # the listing works
    assert out.strip()
    assert not names & set(HEAVY), sorted(names & set(HEAVY))


def test_a_command_still_imports_pandas_when_it_runs(tmp_path):
    """The check above can fail: a command that loads data does import pandas."""
    names, out = _imported("summary", "sample_dumps/smaps/tree")
    assert "pandas" in names
    assert "heap" in out


def test_cli_choices_equal_the_library_constants():
    from analyzer import export, summarize
    from analyzer.cli import choices
    import analyzer.summarize  # noqa: F401  (the module, see below)

    assert choices.EXPORT_FORMATS == export.FORMATS
    assert choices.BY_CHOICES == sys.modules["analyzer.summarize"].BY_CHOICES
    assert callable(summarize)  # analyzer.summarize stays the function


def test_package_names_resolve_lazily_and_keep_functions():
    code = ("import sys, analyzer; assert 'pandas' not in sys.modules; import analyzer.cli.summary;"
            "import analyzer.summarize, analyzer.select, analyzer.classify;"
            "assert callable(analyzer.summarize) and callable(analyzer.select) and callable(analyzer.classify);"
            "assert sorted(analyzer.__all__) == sorted(n for n in analyzer.__all__ if hasattr(analyzer, n));"
            "assert 'load' in dir(analyzer); print(analyzer.load('sample_dumps/smaps/tree').shape[0])")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(run.stdout) > 0
