"""Each chart's content: titles, bars, labels and values, read back from the Axes.

Oracles: the dumps' own numbers (sample_dumps/*/expected/*.json, written by
an independent checker) and analyzer.summarize, which the charts must draw
exactly.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer import load, schema
from analyzer.classify import KINDS, classify
from analyzer.report import charts
from analyzer.report.style import KIND_COLORS, binary_tick, kind_color
from analyzer.summarize import by_kind, by_mapping, by_process, size_distribution

ROOT = Path(__file__).resolve().parent.parent
MULTI = ROOT / "sample_dumps/smaps/multi_loop.smaps"
EXPECTED = json.loads((ROOT / "sample_dumps/smaps/expected/multi_loop.smaps.totals.json").read_text())
PMAP_X = ROOT / "sample_dumps/pmap/pmap-x.txt"


@pytest.fixture(scope="module")
def frame():
    return load(MULTI)


def _hex(color) -> str:
    from matplotlib.colors import to_hex

    return to_hex(color)


def _bars_by_row(ax):
    """Sum of bar widths per y row of a horizontal (stacked) bar chart."""
    rows = defaultdict(float)
    for p in ax.patches:
        rows[round(p.get_y() + p.get_height() / 2, 6)] += p.get_width()
    return [rows[k] for k in sorted(rows)]


def test_plot_kinds_bars_equal_summary_and_dump(frame):
    ax = charts.plot_kinds(frame)
    kinds = by_kind(frame)
    assert ax.get_title() == "Memory by mapping kind (PSS)"
    assert len(ax.patches) == len(kinds)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(kinds.index)
    assert [int(p.get_width()) for p in ax.patches] == [int(v) for v in kinds["pss"]]
    # the dump's own total Pss, in bytes
    assert sum(int(p.get_width()) for p in ax.patches) == EXPECTED["totals"]["kB"]["Pss"] * 1024
    assert [_hex(p.get_facecolor()) for p in ax.patches] == [KIND_COLORS[k] for k in kinds.index]
    labels = [t.get_text() for t in ax.texts]
    assert labels[0] == f"{binary_tick(int(kinds['pss'].iloc[0]))} · {int(kinds['mappings'].iloc[0])} maps"


def test_plot_kinds_axis_in_binary_units(frame):
    ax = charts.plot_kinds(frame)
    ax.figure.canvas.draw() if hasattr(ax.figure.canvas, "draw") else None
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(ax.figure).draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks[0] == "0"
    assert all(t.endswith(" KiB") or t.endswith(" MiB") for t in ticks[1:]), ticks


def test_plot_top_processes_stacks_by_kind_and_folds_other(frame):
    ax = charts.plot_top_processes(frame, top=2)
    procs = by_process(frame)
    assert ax.get_title() == f"Top processes by PSS (top 2 of {len(procs)})"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 3
    assert labels[2] == f"other ({len(procs) - 2} processes)"
    assert labels[0].split()[0] == str(procs["pid"].iloc[0])
    totals = _bars_by_row(ax)
    assert [int(v) for v in totals[:2]] == [int(v) for v in procs["pss"].iloc[:2]]
    assert int(totals[2]) == int(procs["pss"].iloc[2:].sum())
    # each process's total equals the dump's own Pss for that PID
    for pid, total in zip(procs["pid"].iloc[:2], totals[:2]):
        assert int(total) == EXPECTED["processes"][str(pid)]["kB"]["Pss"] * 1024
    # colours are the fixed kind colours, legend in KINDS order
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [k for k in KINDS if k in legend]
    assert {_hex(p.get_facecolor()) for p in ax.patches} <= {kind_color(k) for k in legend}


def test_plot_top_mappings_librank(frame):
    ax = charts.plot_top_mappings(frame, top=5)
    maps = by_mapping(frame).sort_values("pss", ascending=False, kind="stable").head(5)
    assert ax.get_title() == "Top mappings across processes by PSS"
    assert len(ax.patches) == 5
    assert [int(p.get_width()) for p in ax.patches] == [int(v) for v in maps["pss"]]
    assert [t.get_text() for t in ax.texts] == [
        f"{binary_tick(int(v))} · {int(n)} proc" for v, n in zip(maps["pss"], maps["processes"])]
    busybox = EXPECTED["totals"]
    assert "/opt/memmaps-smaps/bin/busybox" in [t.get_text() for t in ax.get_yticklabels()]
    assert busybox["processes"] >= maps["processes"].max()


def test_plot_size_distribution_counts_every_mapping(frame):
    ax = charts.plot_size_distribution(frame)
    dist = size_distribution(frame)
    assert ax.get_title() == "Distribution of mapping sizes"
    heights = defaultdict(float)
    for p in ax.patches:
        heights[round(p.get_x() + p.get_width() / 2, 6)] += p.get_height()
    assert [int(v) for _, v in sorted(heights.items())] == dist.sum(axis=1).tolist()
    assert sum(heights.values()) == EXPECTED["totals"]["mappings"]
    assert [t.get_text() for t in ax.get_xticklabels()][0] == binary_tick(int(dist.index[0]))


def _rects(collection):
    """(x, y, width, height) of each rectangle of a PolyCollection."""
    out = []
    for path in collection.get_paths():
        v = path.vertices
        out.append((v[:, 0].min(), v[:, 1].min(), v[:, 0].max() - v[:, 0].min(), v[:, 1].max() - v[:, 1].min()))
    return out


def _layers(ax):
    """The pale (mapped) and solid (resident) rectangles of an address-space map."""
    from matplotlib.collections import PolyCollection

    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    pale = [c for c in polys if c.get_alpha() is not None and c.get_alpha() < 1]
    solid = [c for c in polys if c.get_alpha() is None]
    assert len(pale) == 1 and len(solid) == 1
    return _rects(pale[0]), _rects(solid[0])


def test_plot_address_space_lays_out_every_mapping(frame):
    one = frame[frame["pid"] == 1]
    ax = charts.plot_address_space(one, title="PID 1")
    lay = charts.address_layout(one)
    assert ax.get_title() == "PID 1"
    # a small process: one block per mapping, nothing merged
    assert len(lay) == EXPECTED["processes"]["1"]["mappings"] == lay["mappings"].sum()
    # two layers (mapped, resident) of one block per mapping piece: widths add up
    pale, solid = _layers(ax)
    assert sum(w for _, _, w, _ in pale) == pytest.approx(lay["width"].sum())
    first = [t.get_text() for t in ax.texts][0]
    assert first == f"{int(one['start'].min()):x}"
    # every address label names the start of a mapping after a gap (or the first); the other labels
    # give the size (and kind) of the largest blocks, drawn inside them
    starts = {f"{int(a):x}" for a in lay["start"]}
    sizes = [t.get_text() for t in ax.texts if t.get_text() not in starts]
    assert sizes and all(re.fullmatch(r"[0-9.]+ [KMGT]?i?B(?: [a-z_]+)?", s) for s in sizes), sizes
    # resident fraction drawn = RSS / size
    assert sorted(round(h, 6) for *_, h in solid) == sorted(round(v, 6) for v in lay["resident"])
    assert ax.get_legend().get_title().get_text() == ""


def test_address_layout_collapses_gaps():
    f = pd.DataFrame({"start": [0x1000, 0x7FFF00000000], "end": [0x2000, 0x7FFF00100000],
                      "size": [4096, 1 << 20], "kind": ["heap", "stack"], "rss": [4096, 8192]})
    lay = charts.address_layout(f)
    assert lay["width"].tolist() == [1.0, 9.0]
    assert lay["x"].tolist() == [0.0, 2.5]  # a 128 TiB hole takes 1.5 units
    assert lay["resident"].tolist() == [1.0, 8192 / (1 << 20)]


def _many_mappings(n: int, seed: int = 3) -> pd.DataFrame:
    """One process with *n* mappings: runs of guard + stack + anonymous pages, some gaps."""
    rng = np.random.default_rng(seed)
    size = (2 ** rng.integers(0, 10, n)) * 4096
    gap = np.where(rng.random(n) < 0.2, 4096 * rng.integers(1, 100, n), 0)
    start = 0x400000 + np.cumsum(size + gap) - size
    kind = np.array(["reserved", "stack", "anonymous", "anonymous", "lib_code"], dtype=object)[rng.integers(0, 5, n)]
    return pd.DataFrame({"pid": 7, "start": start, "end": start + size, "size": size, "kind": kind,
                         "rss": size // rng.integers(1, 4, n)})


def test_address_layout_merges_adjacent_mappings_of_one_kind():
    # 1,000 adjacent 4 KiB anonymous pages, a gap, then 1,000 adjacent heap pages and one stack page:
    # 2,000 units one page each, too wide for the map, so each run becomes one block
    start = np.r_[np.arange(1000) * 4096, 0x10000000 + np.arange(1001) * 4096]
    f = pd.DataFrame({"start": start, "end": start + 4096, "size": 4096, "rss": np.r_[[4096, 0] * 1000, [4096]],
                      "kind": ["anonymous"] * 1000 + ["heap"] * 1000 + ["stack"]})
    lay = charts.address_layout(f)
    assert lay[["kind", "size", "mappings"]].values.tolist() == [
        ["anonymous", 1000 * 4096, 1000], ["heap", 1000 * 4096, 1000], ["stack", 4096, 1]]
    assert lay["start"].tolist() == [0, 0x10000000, 0x10000000 + 1000 * 4096]
    assert lay["gap_before"].tolist() == [0, 0x10000000 - 1000 * 4096, 0]
    assert lay["resident"].tolist() == [0.5, 0.5, 1.0]
    assert lay.attrs["grouped"] == 1


@pytest.mark.parametrize("n", [5_000, 40_000])
def test_address_space_of_tens_of_thousands_of_mappings_stays_bounded_and_exact(n):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from analyzer.report.address import MAX_ROWS, ROW_UNITS

    f = _many_mappings(n)
    lay = charts.address_layout(f)
    # nothing lost: bytes, resident bytes and mappings add up to the process's
    assert lay["mappings"].sum() == n
    assert lay["size"].sum() == f["size"].sum()
    assert (lay["resident"] * lay["size"]).sum() == pytest.approx(f["rss"].sum(), rel=1e-9)
    # bounded: fits MAX_ROWS rows, so a bounded number of rectangles
    assert (lay["x"] + lay["width"]).max() <= MAX_ROWS * ROW_UNITS
    ax = charts.plot_address_space(f, title="PID 7")
    pale, solid = _layers(ax)
    assert len(pale) == len(solid) <= len(lay) + MAX_ROWS
    assert sum(w for _, _, w, _ in pale) == pytest.approx(lay["width"].sum())
    rows = {round(y, 6) for _, y, _, _ in pale}
    assert len(rows) <= MAX_ROWS
    note = ax.get_legend().get_title().get_text()
    assert note.startswith(f"{n:,} mappings drawn as {lay['block'].nunique():,} blocks")
    # address labels never overlap and stay on the figure
    canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()
    boxes = [t.get_window_extent(canvas.get_renderer()) for t in ax.texts]
    assert boxes
    for i, a in enumerate(boxes):
        assert ax.figure.bbox.x0 - 1 <= a.x0 and a.x1 <= ax.figure.bbox.x1 + 1
        assert not any(a.overlaps(b) for b in boxes[i + 1:])


def test_pmap_x_uses_rss_and_says_so():
    f = load(PMAP_X)
    assert f["pss"].isna().all() and f["rss"].notna().all()
    ax = charts.plot_kinds(f)
    assert ax.get_title() == "Memory by mapping kind (RSS)"
    assert sum(int(p.get_width()) for p in ax.patches) == int(f["rss"].sum())
    assert charts.plot_top_processes(f).get_title() == "Top processes by RSS"


def _synthetic(n_proc: int, cmd_len: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = 4
    pid = np.repeat(np.arange(1, n_proc + 1), rows)
    paths = np.tile(np.array(["[heap]", "/usr/lib/" + "x" * 150 + "/libverylong.so.1", None, "[stack]"], dtype=object), n_proc)
    size = rng.integers(1, 5000, len(pid)) * 4096
    return classify(schema.conform(pd.DataFrame({
        "pid": pid, "command": [f"/opt/app/bin/server --config=/etc/{'y' * cmd_len} --id={p}" for p in pid],
        "source": "synthetic", "path": paths, "perms": np.tile(["rw-p", "r-xp", "rw-p", "rw-p"], n_proc),
        "start": np.tile(np.array([0x1000, 0x400000, 0x7F0000000000, 0x7FFF00000000], dtype="uint64"), n_proc),
        "size": size, "rss": size // 2, "pss": size // 4, "private_clean": 0, "private_dirty": size // 4, "swap": 0})))


@pytest.mark.slow
@pytest.mark.parametrize("n_proc", [3, 3000])
def test_text_stays_on_the_figure_with_long_names(n_proc):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    f = _synthetic(n_proc, 400)
    for ax in (charts.plot_top_processes(f), charts.plot_top_mappings(f), charts.plot_kinds(f)):
        canvas = FigureCanvasAgg(ax.figure)
        canvas.draw()
        renderer = canvas.get_renderer()
        fig_box = ax.figure.bbox
        labels = [t for t in ax.get_yticklabels() if t.get_text()]
        assert len(labels) <= 21
        assert all(len(t.get_text()) <= charts.LABEL_CHARS for t in labels)
        boxes = [t.get_window_extent(renderer) for t in labels]
        for box in boxes:
            assert fig_box.x0 - 1 <= box.x0 and box.x1 <= fig_box.x1 + 1
        # tick labels never overlap each other
        for a, b in zip(boxes, boxes[1:]):
            assert not a.overlaps(b) or a.y0 >= b.y1 or b.y0 >= a.y1
        for t in ax.texts:
            box = t.get_window_extent(renderer)
            assert box.x1 <= fig_box.x1 + 1, t.get_text()


@pytest.mark.slow
def test_charts_accept_an_axes_and_never_import_pyplot():
    code = ("import sys; from matplotlib.figure import Figure; from analyzer import load;"
            "from analyzer.report import charts; f = load(sys.argv[1]); ax = Figure().subplots();"
            "assert charts.plot_kinds(f, ax=ax) is ax; assert 'matplotlib.pyplot' not in sys.modules;"
            "import matplotlib; assert matplotlib.get_backend() or True; print('ok')")
    out = subprocess.run([sys.executable, "-c", code, str(MULTI)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_plot_top_processes_names_the_host_when_there_are_several():
    """Two sosreports of the same machine's PIDs: without the host, two bars read `5 memhog ...` alike."""
    from analyzer.report.style import ellipsize

    sos = sorted((ROOT / "sample_dumps/sosreport").glob("*-memmaps-*.tar.*z"))
    f = load(*sos).assign(host=lambda d: d["source"].str.contains(".tar.gz").map({True: "b", False: "a"}))
    ax = charts.plot_top_processes(f, top=4)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    procs = by_process(f).head(4)
    assert labels[:4] == [ellipsize(f"{h}:{p} {c}", 42) for h, p, c in zip(procs["host"], procs["pid"], procs["command"])]
    single = charts.plot_top_processes(load(sos[0]), top=4)
    assert [t.get_text() for t in single.get_yticklabels()][0].split()[0].isdigit()
