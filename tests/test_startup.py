"""Start-up: ``memmaps --help`` and ``memmaps COMMAND --help`` import neither pandas nor matplotlib.

Each case runs in a fresh interpreter with ``-X importtime``, which lists every module imported.
"""

import os
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


# standard output block-buffered, as for a user's pipe (the test runner's environment may say otherwise)
BUFFERED = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def _memmaps(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "analyzer", *args], capture_output=True, env=BUFFERED, **kw)


def test_command_output_is_complete_after_the_fast_exit():
    """``main()`` leaves with ``os._exit`` (no interpreter teardown): what was written to stdout
    must all be there, byte for byte what the command writes in-process."""
    from click.testing import CliRunner

    from analyzer.cli import cli

    args = ["export", "sample_dumps/pmap", "-o", "-", "--format", "jsonl"]
    run = _memmaps(*args)
    assert run.returncode == 0, run.stderr
    inproc = CliRunner().invoke(cli, args)
    assert inproc.exit_code == 0
    assert len(run.stdout) > 200_000  # more than any stdout buffer or pipe holds
    assert run.stdout.decode() == inproc.stdout
    assert run.stdout.endswith(b"}\n")


@pytest.mark.parametrize("args, status", [(["summary", "sample_dumps/smaps/multi_loop.smaps"], 0),
                                          (["summary", "no/such/file"], 1),
                                          (["summary", "--no-such-option"], 2),
                                          (["summary", "sample_dumps/smaps/PROVENANCE.md"], 1)])
def test_exit_status_survives_the_fast_exit(args, status):
    run = _memmaps(*args, text=True)
    assert run.returncode == status, run.stderr
    assert "Traceback" not in run.stderr
    assert bool(run.stdout.strip()) == (status == 0)


def test_fast_exit_runs_exit_handlers_and_keeps_a_message_exit():
    code = ("import atexit, sys\n"
            "from analyzer.cli import _leave\n"
            "atexit.register(lambda: print('handler ran'))\n"
            "print('buffered', end='')\n"
            "_leave(sys.argv[1] if sys.argv[1] == 'msg' else int(sys.argv[1]))\n")
    for arg, status in (("3", 3), ("0", 0), ("msg", 1)):
        run = subprocess.run([sys.executable, "-c", code, arg], capture_output=True, text=True, env=BUFFERED)
        assert run.returncode == status
        assert run.stdout == "bufferedhandler ran\n"
        assert run.stderr == ("msg\n" if arg == "msg" else "")


def test_a_closed_pipe_is_no_traceback():
    """``memmaps export ... -o - | head -1``: the reader goes away; one line, no traceback."""
    proc = subprocess.Popen([sys.executable, "-m", "analyzer", "export", "sample_dumps/smaps/tree", "-o", "-",
                             "--format", "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=BUFFERED)
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait() != 0 or err == ""
    assert "Traceback" not in err and "Exception ignored" not in err, err
