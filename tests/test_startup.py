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
                                  ["info", "--help"], ["report", "--help"], ["findings", "--help"],
                                  ["diff", "--help"], ["trend", "--help"], ["--version"]])
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
    from analyzer import classify, compare, export, findings, summarize, timeline
    from analyzer.cli import choices

    assert choices.EXPORT_FORMATS == export.FORMATS
    assert choices.EXPORT_TABLES == export.TABLES
    assert choices.BY_CHOICES == summarize.BY_CHOICES
    assert choices.DIFF_BY == compare.BY_CHOICES
    assert choices.TREND_BY == timeline.BY_CHOICES
    assert choices.SEVERITIES == tuple(findings.SEVERITIES)
    assert choices.KINDS == tuple(classify.KINDS)


def test_package_names_resolve_lazily():
    code = ("import sys, types, analyzer; assert 'pandas' not in sys.modules; import analyzer.cli.summary;"
            "assert 'pandas' not in sys.modules;"
            "assert all(isinstance(getattr(analyzer, m), types.ModuleType) for m in ('summarize', 'select', 'classify'));"
            "assert callable(analyzer.by_kind) and callable(analyzer.diff) and callable(analyzer.trend);"
            "assert sorted(analyzer.__all__) == sorted(n for n in analyzer.__all__ if hasattr(analyzer, n));"
            "assert 'load' in dir(analyzer); print(analyzer.load('sample_dumps/smaps/tree').shape[0])")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(run.stdout) > 0
