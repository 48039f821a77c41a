"""``memmaps diff`` end to end: the real CLI on the real growth samples, every
output format, the options, and the diff report (PDF, HTML, PNG) read back."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import cli

ROOT = Path(__file__).resolve().parent.parent
GROWTH = ROOT / "sample_dumps" / "growth"
SOS = sorted((GROWTH / "sosreport").glob("*.tar.xz"))
LOOP = [GROWTH / "loop" / f"snapshot-{n}.smaps" for n in (1, 2, 3)]
PMAP = [GROWTH / "pmap" / f"snapshot-{n}.txt" for n in (1, 2, 3)]
PROC = [GROWTH / "proc" / f"snapshot-{n}" for n in (1, 2, 3)]


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result


def oracle(path: Path) -> dict:
    return json.loads((GROWTH / "expected" / path.parent.name / f"{path.name}.json").read_text())


def test_json_deltas_of_a_loop_against_a_sosreport_equal_the_oracle():
    result = run("diff", LOOP[0], SOS[2], "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    ob, oa = oracle(LOOP[0])["processes"], oracle(SOS[2])["processes"]
    grown = {str(r["pid"]): r for r in rows if r["status"] not in ("new", "gone")}
    assert set(grown) == {"1", "4", "5", "6", "7", "8"}
    for pid, r in grown.items():
        for m in ("size", "rss", "pss", "anonymous"):
            assert r[f"{m}_delta"] == oa[pid][m] - ob[pid][m]
            assert (r[f"{m}_before"], r[f"{m}_after"]) == (ob[pid][m], oa[pid][m])
    assert rows[0]["status"] == "new" and rows[0]["pid"] not in map(int, ob)  # sos itself: the biggest new
    assert [r["status"] for r in rows if r["pid"] == 9] == ["new", "gone"]


def test_csv_has_every_column_in_exact_bytes():
    result = run("diff", PMAP[0], PMAP[2], "--format", "csv")
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(table[0])[:4] == ["host", "pid", "command", "status"]
    assert "private_dirty_delta" in table[0] and "mappings_after" in table[0]
    five = next(r for r in table if r["pid"] == "5")
    assert five["rss_delta"] == str(oracle(PMAP[2])["processes"]["5"]["rss"] - oracle(PMAP[0])["processes"]["5"]["rss"])
    assert five["pss_delta"] == ""  # pmap -x has no PSS


def test_text_shows_signed_human_sizes():
    result = run("diff", PROC[0], PROC[2])
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["pid", "command", "status", "pss_before"]
    assert "+1003.0 KiB" in lines[2] and "grower m 512" in lines[2]
    assert any("-533.0 KiB" in line and "shrunk" in line for line in lines)


def test_markdown_top_min_delta_and_filters():
    result = run("diff", PROC[0], PROC[2], "--format", "markdown", "--top", "2")
    assert result.stdout.count("\n| ") == 3  # separator + 2 rows after the header
    big = run("diff", PROC[0], PROC[2], "--format", "json", "--min-delta", "400K")
    assert {r["pid"] for r in json.loads(big.stdout)} == {5, 4, 1, 7, 9}
    assert all(abs(r["pss_delta"]) >= 400 * 1024 for r in json.loads(big.stdout))
    heap = json.loads(run("diff", PROC[0], PROC[2], "--format", "json", "--kind", "heap", "--command", "grower b ").stdout)
    assert [(r["pid"], r["size_delta"]) for r in heap] == [(4, 524288)]


@pytest.mark.parametrize("by,first", [("mapping", "pid"), ("kind", "kind"), ("host", "host")])
def test_by_choices(by, first):
    result = run("diff", SOS[0], SOS[2], "--by", by, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.split(",")[0] == ("host" if by == "mapping" else first)


def test_bad_options_are_usage_errors():
    assert run("diff", PROC[0], PROC[2], "--min-delta", "lots").exit_code == 2
    assert "unknown kind" in run("diff", PROC[0], PROC[2], "--kind", "heapz").output
    assert run("diff", PROC[0], PROC[2], "-o", "x.docx").exit_code == 2


def test_a_sosreport_without_maps_is_a_clear_error():
    nosmaps = next((ROOT / "sample_dumps" / "sosreport").glob("*-nosmaps-*.tar.xz"))
    for command in ("diff", "trend"):
        result = run(command, nosmaps, SOS[0])
        assert result.exit_code == 1
        assert f"memmaps: error: {nosmaps}: no memory maps to compare" in result.output
        assert "process.smaps=on" in result.output


def test_a_capture_against_itself_is_unchanged():
    rows = json.loads(run("diff", SOS[1], SOS[1], "--format", "json", "--by", "mapping").stdout)
    assert {r["status"] for r in rows} == {"unchanged"}
    assert all(r[f"{m}_delta"] == 0 for r in rows for m in ("size", "rss", "pss", "anonymous", "mappings"))
    assert len(rows) == sum(p["mappings"] for p in oracle(SOS[1])["processes"].values())


def test_missing_input_is_one_line_error(tmp_path):
    result = run("diff", tmp_path / "nope.smaps", PROC[0])
    assert result.exit_code == 1 and "memmaps: error:" in result.output and "Traceback" not in result.output


pypdf = pytest.importorskip("pypdf", reason="pypdf (a dev dependency) reads the PDF text")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("diff")
    result = run("diff", LOOP[0], SOS[2], "-o", out / "diff.pdf", "--png-dir", out / "png")
    assert result.exit_code == 0, result.output
    again = run("diff", LOOP[0], SOS[2], "-o", out / "again.pdf", "-q")
    assert again.exit_code == 0
    html = run("diff", LOOP[0], SOS[2], "-o", out / "diff.html", "-q")
    assert html.exit_code == 0
    return out


def test_diff_pdf_pages_say_what_grew(report):
    pages = [p.extract_text() for p in pypdf.PdfReader(report / "diff.pdf").pages]
    sections = ["Summary", "What grew", "Memory by kind, before and after", "Mappings that appeared or grew",
                "Address space of the top grower (PID 5)", "What appeared and what went"]
    assert len(pages) == len(sections)
    for page, section in zip(pages, sections):
        assert section in page
    flat = [" ".join(p.split()) for p in pages]
    assert "growth-host" in flat[0] and "4 grown, 2 shrunk" in flat[0]
    assert "+1003.0 KiB" in flat[1]  # PID 5's PSS growth, as the oracle's sums give it
    assert "oneshot" not in flat[-1] and "/tmp/memmaps-growth/grower bm 64" in flat[-1]


def test_diff_outputs_are_reproducible_and_complete(report):
    assert (report / "diff.pdf").read_bytes() == (report / "again.pdf").read_bytes()
    pngs = sorted(p.name for p in (report / "png").iterdir())
    assert pngs == ["diff-address-space-after.png", "diff-address-space-before.png", "diff-growth.png",
                    "diff-kinds.png"]
    html = (report / "diff.html").read_text()
    assert html.count("<img ") == 4 and "What appeared and what went" in html


def test_accessor_diff_and_growth_chart():
    import analyzer
    from matplotlib.figure import Figure

    analyzer.register_accessor()
    before, after = analyzer.load(PROC[0]), analyzer.load(PROC[2])
    assert before.memmaps.diff(after, by="kind").equals(analyzer.diff(before, after, by="kind"))
    ax = Figure().subplots()
    assert before.memmaps.plot_growth(after, ax=ax, top=3) is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "5 /tmp/memmaps-growth/grower m 512" and len(labels) == 3
    # each bar's parts add up to the process's growth: PID 5 grew +1 MiB anonymous, less shared file PSS
    widths = sum(p.get_width() for p in ax.patches if abs(p.get_y() + p.get_height() / 2) < 0.01)
    assert widths == analyzer.diff(before, after).set_index("pid").loc[5, "pss_delta"]
    trend = analyzer.trend(PROC)
    assert trend.memmaps.plot_trend(top=2).get_title() == "Top growers over time (PSS)"
