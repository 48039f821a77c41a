"""The Jupyter face: the ``.memmaps`` accessor, its filters, charts and display.

The accessor must agree with the CLI to the byte (compared with real
``memmaps summary`` runs), and its filters with the dumps' own numbers
(the independent oracles under ``sample_dumps/*/expected/``).
"""

from __future__ import annotations

import inspect
import io
import json
import math
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import analyzer
from analyzer import display
from analyzer.accessor import MemmapsAccessor, register_accessor
from analyzer.cli import cli
from analyzer.summarize import BY_CHOICES

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_dumps"
SOS = SAMPLES / "sosreport"
SOS_XZ = next(SOS.glob("sosreport-*-memmaps-*.tar.xz"))
TREE = SAMPLES / "smaps" / "tree"
MULTI = SAMPLES / "smaps" / "multi_loop.smaps"
KIB = 1024

# Real inputs of several forms: sosreports (xz, gzip), smemcap's tarball, a copied proc tree, a concatenated smaps file,
# pmap -x of several PIDs (no PSS: NA must come through as NA/null on both sides).
SOS_GZ = next(SOS.glob("sosreport-*-memmaps-*.tar.gz"))
PMAP = SAMPLES / "pmap" / "pmap-x-multi.txt"
INPUTS = [SOS_XZ, SOS_GZ, SOS / "smemcap-capture.tar", TREE, MULTI, PMAP]

register_accessor()


@pytest.fixture(scope="module")
def frames():
    return {path: analyzer.load(path) for path in INPUTS}


def cli_out(*args) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def plain(value):
    """A cell as JSON would carry it: NA -> None, numpy scalars -> Python."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def records(frame: pd.DataFrame) -> list[dict]:
    flat = frame.reset_index() if any(n is not None for n in frame.index.names) else frame
    return [{str(k): plain(v) for k, v in row.items()} for row in flat.to_dict(orient="records")]


# --- registration ---------------------------------------------------------------------------

@pytest.mark.slow
def test_import_registers_nothing():
    code = ("import pandas as pd, analyzer, analyzer.accessor, analyzer.display; "
            "print(hasattr(pd.DataFrame, 'memmaps')); analyzer.register_accessor(); "
            "print(hasattr(pd.DataFrame, 'memmaps'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def test_register_twice_returns_the_same_class_without_warning(recwarn):
    assert register_accessor() is register_accessor() is MemmapsAccessor
    assert not [w for w in recwarn if "accessor" in str(w.message)]


def test_register_refuses_to_shadow_a_dataframe_method():
    with pytest.raises(ValueError, match="'sum'"):
        register_accessor("sum")
    assert callable(pd.DataFrame({"a": [1]}).sum)


def test_every_method_is_a_one_line_delegation():
    for name, func in inspect.getmembers(MemmapsAccessor, inspect.isfunction):
        if name.startswith("_"):
            continue
        body = [line for line in inspect.getsource(func).splitlines()[1:]
                if line.strip() and not line.strip().startswith(('"""', "#")) and '"""' not in line]
        assert len(body) == 1 and body[0].strip().startswith("return "), name


# --- summaries equal the CLI ----------------------------------------------------------------

@pytest.mark.parametrize("by", BY_CHOICES)
@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_summary_equals_cli_json(frames, path, by):
    cli_records = json.loads(cli_out("summary", path, "--by", by, "--format", "json", "-q"))
    ours = getattr(frames[path].memmaps, f"by_{by}")()
    assert records(ours) == cli_records
    assert records(frames[path].memmaps.summary(by)) == cli_records


@pytest.mark.parametrize("by", BY_CHOICES)
@pytest.mark.parametrize("path", [SOS_XZ, TREE], ids=lambda p: p.name)
def test_summary_equals_cli_csv(frames, path, by):
    text = cli_out("summary", path, "--by", by, "--format", "csv", "-q")
    # text columns stay text (a user named by uid, "0", is not the number 0)
    cli_frame = pd.read_csv(io.StringIO(text), dtype={c: str for c in ("user", "cgroup", "unit", "command")})
    ours = pd.DataFrame(records(getattr(frames[path].memmaps, f"by_{by}")()))
    assert list(cli_frame.columns) == list(ours.columns)
    for col in ours.columns:
        assert [plain(v) for v in cli_frame[col]] == [plain(v) for v in ours[col]], col


def test_top_processes_is_the_cli_top(frames):
    cli_records = json.loads(cli_out("summary", SOS_XZ, "--by", "process", "--top", "3", "--format", "json", "-q"))
    assert records(frames[SOS_XZ].memmaps.by_process().head(3)) == cli_records
    assert len(cli_records) == 3


# --- filters against the dumps' own numbers -------------------------------------------------

def test_select_pid_gives_each_process_of_the_sosreport(frames):
    expected = json.loads((SOS / "expected" / f"{SOS_XZ.name}.expected.json").read_text())["processes"]
    frame = frames[SOS_XZ]
    for pid, proc in expected.items():
        rows = frame.memmaps.select(pid=int(pid))
        assert len(rows) == proc["mappings"], pid
        if not proc["mappings"]:
            continue
        tot = rows.memmaps.totals()
        assert tot["processes"] == 1
        assert tot["size"] == proc["Size"] * KIB
        assert tot["rss"] == proc["Rss"] * KIB
        assert tot["pss"] == proc["Pss"] * KIB
        assert tot["uss"] == (proc["Private_Clean"] + proc["Private_Dirty"]) * KIB


def test_select_several_pids_is_their_union(frames):
    frame = frames[SOS_XZ]
    both = frame.memmaps.select(pid=[5, 10])
    assert sorted(both["pid"].unique().tolist()) == [5, 10]
    assert len(both) == len(frame.memmaps.select(pid=5)) + len(frame.memmaps.select(pid=10))


def test_select_path_pattern_matches_the_oracle_by_path(frames):
    oracle = json.loads((SAMPLES / "smaps" / "expected" / "tree.totals.json").read_text())["processes"]
    frame = frames[TREE]
    rows = frame.memmaps.select(path=r"/bin/busybox$")
    want_maps = sum(p["by_path"].get("/opt/memmaps-smaps/bin/busybox", {}).get("mappings", 0) for p in oracle.values())
    want_rss = sum(p["by_path"].get("/opt/memmaps-smaps/bin/busybox", {}).get("Rss", 0) for p in oracle.values())
    assert want_maps > 0
    assert len(rows) == want_maps
    assert int(rows["rss"].sum()) == want_rss * KIB


def test_select_path_never_matches_anonymous_memory(frames):
    frame = frames[TREE]
    assert frame["path"].isna().any()
    assert frame.memmaps.select(path=".*")["path"].notna().all()
    assert len(frame.memmaps.select(path=".*")) == int(frame["path"].notna().sum())


def test_select_command_regex(frames):
    frame = frames[TREE]
    rows = frame.memmaps.select(command=r"busybox sleep")
    assert rows["pid"].unique().tolist() == [3]
    oracle = json.loads((SAMPLES / "smaps" / "expected" / "tree.totals.json").read_text())["processes"]
    assert len(rows) == oracle["3"]["mappings"]
    assert int(rows["pss"].sum()) == oracle["3"]["kB"]["Pss"] * KIB


def test_select_kind_and_combined_criteria(frames):
    frame = frames[SOS_XZ]
    heap = frame.memmaps.select(kind="heap")
    assert set(heap["kind"]) == {"heap"}
    assert len(heap) == int((frame["kind"] == "heap").sum()) > 0
    both = frame.memmaps.select(kind=["heap", "stack"], pid=1)
    assert set(both["kind"]) == {"heap", "stack"}
    assert set(both["pid"]) == {1}


def test_select_keeps_columns_dtypes_and_index(frames):
    frame = frames[SOS_XZ]
    rows = frame.memmaps.select(pid=5)
    assert rows.dtypes.equals(frame.dtypes)
    assert rows.index.isin(frame.index).all()
    assert rows.equals(frame.loc[rows.index])


def test_select_unknown_kind_is_an_error_naming_the_kinds(frames):
    with pytest.raises(ValueError, match="unknown kind 'heaps'.*heap, stack"):
        frames[TREE].memmaps.select(kind="heaps")


def test_top_mappings_are_the_largest(frames):
    frame = frames[SOS_XZ]
    top = frame.memmaps.top(5, by="rss")
    assert top["rss"].tolist() == sorted(frame["rss"].tolist(), reverse=True)[:5]
    default = frame.memmaps.top(3)
    assert default["pss"].tolist() == sorted(frame["pss"].tolist(), reverse=True)[:3]


def test_top_falls_back_to_rss_where_pss_is_unknown():
    frame = analyzer.load(MULTI).head(6).copy()
    frame["pss"] = pd.array([None] * len(frame), dtype="Int64")
    assert frame.memmaps.top(2)["rss"].tolist() == sorted(frame["rss"].tolist(), reverse=True)[:2]


def test_top_by_a_text_column_is_an_error(frames):
    with pytest.raises(ValueError, match="not a number"):
        frames[TREE].memmaps.top(3, by="path")
    with pytest.raises(ValueError, match="no column 'nope'"):
        frames[TREE].memmaps.top(3, by="nope")


# --- charts ---------------------------------------------------------------------------------

def chart_functions() -> dict:
    """Every public ``plot_*`` function defined anywhere under analyzer.report."""
    import importlib
    import pkgutil

    import analyzer.report as report

    found = {}
    for info in pkgutil.iter_modules(report.__path__, "analyzer.report."):
        if info.name == "analyzer.report.growth":  # charts of change take two captures or a trend table:
            continue                                # tests/test_diff_cli.py, tests/test_trend.py
        module = importlib.import_module(info.name)
        found.update({name: f for name, f in inspect.getmembers(module, inspect.isfunction)
                      if name.startswith("plot_") and f.__module__ == info.name})
    return found


def test_every_chart_has_an_accessor_method():
    names = chart_functions()
    assert names, "analyzer.report has no plot_* functions"
    missing = [n for n in names if not callable(getattr(MemmapsAccessor, n, None))]
    assert not missing


def _has_content(ax) -> bool:
    return bool(ax.patches or ax.lines or ax.collections or ax.images or ax.texts or ax.containers)


@pytest.mark.parametrize("name", sorted(chart_functions()))
def test_each_chart_method_draws_on_the_given_axes(frames, name):
    from matplotlib.figure import Figure

    frame = frames[SOS_XZ]
    if name == "plot_address_space":
        frame = frame.memmaps.select(pid=5)
    ax = Figure().subplots()
    got = getattr(frame.memmaps, name)(ax=ax)
    assert got is ax
    assert _has_content(ax)
    assert ax.get_title()


@pytest.mark.parametrize("name", sorted(chart_functions()))
def test_each_chart_method_makes_its_own_figure(frames, name):
    frame = frames[SOS_XZ]
    if name == "plot_address_space":
        frame = frame.memmaps.select(pid=5)
    ax = getattr(frame.memmaps, name)()
    assert ax.figure is not None
    assert _has_content(ax)


def test_kinds_chart_shows_the_same_numbers_as_by_kind(frames):
    frame = frames[SOS_XZ]
    ax = frame.memmaps.plot_kinds()
    labels = {t.get_text() for t in ax.get_yticklabels()} | {t.get_text() for t in ax.get_xticklabels()}
    kinds = frame.memmaps.by_kind()
    shown = kinds[kinds["pss"] > 0].index.tolist()
    assert set(shown) <= labels


# --- display --------------------------------------------------------------------------------

def test_text_display_is_human_and_data_stay_bytes(frames):
    kinds = frames[SOS_XZ].memmaps.by_kind()
    before = kinds.copy()
    text = display.to_text(kinds)
    heap = int(kinds.loc["heap", "rss"])
    assert "heap" in text and analyzer_human(heap) in text
    assert str(heap) not in text
    assert kinds.equals(before)
    assert kinds["rss"].dtype == "Int64"


def analyzer_human(value: int) -> str:
    from analyzer.values import human_bytes

    return human_bytes(value)


def test_html_display_shows_na_as_dash_and_addresses_in_hex(frames):
    rows = frames[SOS_XZ].memmaps.top(3)[["pid", "start", "path", "rss", "pss_anon"]].copy()
    rows["pss_anon"] = pd.array([None] * 3, dtype="Int64")
    html = display.to_html(rows)
    assert "<td>-</td>" in html.replace(" ", "")
    assert f"{int(rows['start'].iloc[0]):x}" in html
    assert "&lt;NA&gt;" not in html


def test_display_truncates_like_pandas(frames):
    frame = frames[SOS_XZ]
    with pd.option_context("display.max_rows", 20, "display.min_rows", 6, "display.show_dimensions", True):
        text = display.to_text(frame[["pid", "size", "rss"]])
    body = [line for line in text.splitlines()[1:] if line.strip() and "..." not in line and "rows" not in line]
    assert len(body) == 6
    assert f"[{len(frame)} rows x 3 columns]" in text


def test_ipython_formatter_applies_only_to_frames_with_sizes(frames):
    from IPython.core.formatters import DisplayFormatter

    shell = types.SimpleNamespace(display_formatter=DisplayFormatter())
    assert display.install_formatter(shell)
    kinds = frames[SOS_XZ].memmaps.by_kind()
    data, _ = shell.display_formatter.format(kinds)
    assert "KiB" in data["text/html"] and "KiB" in data["text/plain"]
    other = pd.DataFrame({"a": [123456789]})
    data, _ = shell.display_formatter.format(other)
    assert data["text/html"] == other._repr_html_()
    assert "123456789" in data["text/plain"]
    display.uninstall_formatter(shell)
    data, _ = shell.display_formatter.format(kinds)
    assert data["text/html"] == kinds._repr_html_()


def test_install_formatter_outside_ipython_does_nothing():
    assert display.install_formatter() is False


def test_ipython_formatter_shows_a_returned_chart_as_png(frames):
    from IPython.core.formatters import DisplayFormatter

    shell = types.SimpleNamespace(display_formatter=DisplayFormatter())
    display.install_formatter(shell)
    ax = frames[SOS_XZ].memmaps.plot_kinds()
    data, _ = shell.display_formatter.format(ax)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    data, _ = shell.display_formatter.format(ax.figure)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    display.uninstall_formatter(shell)
    data, _ = shell.display_formatter.format(ax)
    assert "image/png" not in data


def test_display_of_side_by_side_frames_uses_each_level_name():
    a = pd.DataFrame({"rss": pd.array([2048, None], dtype="Int64"), "path": ["a", None]})
    both = pd.concat({"pmap -x": a, "smaps": a}, axis=1)
    text = display.to_text(both)
    assert text.count("2.0 KiB") == 2 and "2048" not in text
    assert both[("smaps", "rss")].tolist()[0] == 2048


# --- pasted text ----------------------------------------------------------------------------

def test_load_text_reads_pasted_pmap_like_the_file():
    text = PMAP.read_text()
    pasted = analyzer.load_text(f"$ pmap -x 6 13\n{text}\nthanks\n", name="ticket")
    from_file = analyzer.load(PMAP)
    assert set(pasted["source"]) == {"ticket"}
    cols = ["pid", "start", "size", "rss", "dirty", "perms", "path", "kind"]
    assert pasted[cols].equals(from_file[cols])
    assert pasted["pss"].isna().all()


# --- the public API documents itself --------------------------------------------------------

@pytest.mark.parametrize("name", sorted(analyzer.__all__))
def test_public_api_has_a_doctest_example(name):
    obj = getattr(analyzer, name)
    if isinstance(obj, types.ModuleType):  # analyzer.classify, .select, .summarize: the modules
        doc = obj.__doc__
    elif isinstance(obj, type) and issubclass(obj, Exception):
        doc = sys.modules[obj.__module__].__doc__  # the hierarchy is shown once, in analyzer.errors
    elif callable(obj) or isinstance(obj, types.ModuleType):  # analyzer.fleet: a package of functions
        doc = obj.__doc__
    else:
        doc = sys.modules["analyzer.classify"].__doc__ if name == "KINDS" else None
    assert doc and ">>> " in doc, f"analyzer.{name} has no example in its docstring"
