"""memmaps report end to end: real dumps in, PDF/HTML/PNG out, read back.

The PDF's text (extracted with pypdf) is compared with the numbers the
dump itself gives (sample_dumps/sosreport/expected/*.json, written by an
independent oracle); every output is generated twice and compared byte for
byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.values import human_bytes

pytestmark = pytest.mark.slow  # whole reports rendered to PDF, PNG and HTML: seconds each

pypdf = pytest.importorskip("pypdf", reason="pypdf (a dev dependency: pip install -e '.[dev]') reads the PDF text")

ROOT = Path(__file__).resolve().parent.parent
SOS = ROOT / "sample_dumps/sosreport/sosreport-sample-host-memmaps-2026-11-25-mekvvua.tar.xz"
SOS_EXPECTED = json.loads((ROOT / "sample_dumps/sosreport/expected" / (SOS.name + ".expected.json")).read_text())
PMAP_X = ROOT / "sample_dumps/pmap/pmap-x.txt"


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result


def pdf_text(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def written_pdf(tmp_path_factory, source: Path) -> Path:
    """The PDF report of *source*, written once by the real CLI."""
    out = tmp_path_factory.mktemp("report") / "report.pdf"
    result = run("report", source, "-o", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def sos_pdf(tmp_path_factory):
    return written_pdf(tmp_path_factory, SOS)


def test_report_pdf_cover_totals_match_the_dump(sos_pdf):
    pages = pdf_text(sos_pdf)
    cover = pages[0]
    procs = {pid: p for pid, p in SOS_EXPECTED["processes"].items() if p["mappings"]}
    assert "Memory report" in cover
    assert SOS_EXPECTED["hostname"] in cover
    assert f"processes {len(procs)}" in cover.replace("\n", " ")
    assert f"mappings {sum(p['mappings'] for p in procs.values())}" in cover.replace("\n", " ")
    for key, label in (("Pss", "PSS"), ("Rss", "RSS"), ("Size", "virtual")):
        total = sum(p[key] for p in procs.values()) * 1024
        assert f"{label} {human_bytes(total)}" in cover.replace("\n", " "), (label, cover)
    assert "Sizes are PSS" in cover
    assert "Warnings (" in cover


def test_report_pdf_sections_in_reading_order(sos_pdf):
    pages = pdf_text(sos_pdf)
    firsts = [p.split("\n")[1] if "\n" in p else p for p in pages]
    text = "\n".join(pages)
    assert _section(pages[1]) == "Findings"  # the second page
    order = ["Summary", "Findings", "Memory by mapping kind", "Top processes", "Top mappings across processes",
             "Address space of", "Mapping sizes", "Appendix: every process"]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)
    assert f"page {len(pages)} of {len(pages)}" in pages[-1]
    assert len(firsts) == len(pages)


def test_report_appendix_lists_every_process_with_its_pss(sos_pdf):
    appendix = "\n".join(p for p in pdf_text(sos_pdf) if "Appendix: every process" in p)
    lines = appendix.split("\n")
    for pid, p in SOS_EXPECTED["processes"].items():
        if not p["mappings"]:
            continue
        row = next((ln for ln in lines if ln.split()[:1] == [pid]), None)
        assert row is not None, pid
        assert human_bytes(p["Pss"] * 1024) in row and human_bytes(p["Rss"] * 1024) in row, row


def test_report_is_byte_identical_twice(tmp_path):
    for fmt in ("pdf", "html"):
        a, b = tmp_path / f"a.{fmt}", tmp_path / f"b.{fmt}"
        assert run("report", SOS, "-o", a, "--png-dir", tmp_path / "pa").exit_code == 0
        assert run("report", SOS, "-o", b, "--png-dir", tmp_path / "pb").exit_code == 0
        assert a.read_bytes() == b.read_bytes()
    pngs = sorted(p.name for p in (tmp_path / "pa").glob("*.png"))
    assert pngs[:1] == ["address-space-1-pid5.png"] or pngs[0].startswith("address-space-1")
    assert {"kinds.png", "top-processes.png", "top-mappings.png", "size-distribution.png"} <= set(pngs)
    for name in pngs:
        assert (tmp_path / "pa" / name).read_bytes() == (tmp_path / "pb" / name).read_bytes()
        assert b"Software" not in (tmp_path / "pa" / name).read_bytes()[:2000]
    assert b"CreationDate" not in (tmp_path / "a.pdf").read_bytes()


def test_report_html_is_self_contained(tmp_path):
    out = tmp_path / "r.html"
    assert run("report", SOS, "-o", out).exit_code == 0
    html = out.read_text()
    assert html.count('src="data:image/png;base64,') == 4 + 3 + 1  # + "Where the memory is" (proc/meminfo)
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert SOS_EXPECTED["hostname"] in html
    for pid, p in SOS_EXPECTED["processes"].items():
        if p["mappings"]:
            assert f"<td>{pid}</td>" in html


def test_report_on_pmap_x_uses_rss_and_says_so(tmp_path):
    out = tmp_path / "pmap.pdf"
    assert run("report", PMAP_X, "-o", out).exit_code == 0
    text = "\n".join(pdf_text(out)).replace("\n", " ")
    assert "has no PSS" in text and "use RSS instead" in text
    assert "Top processes by RSS" in text
    assert "PSS unknown (not in the input)" in text


def test_report_needs_an_output_and_a_known_extension(tmp_path):
    r = run("report", SOS)
    assert r.exit_code == 2 and "give -o OUT" in r.output
    r = run("report", SOS, "-o", tmp_path / "x.docx")
    assert r.exit_code == 2 and ".pdf or .html" in r.output


def test_report_bad_input_is_one_line_error(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01\x02garbage" * 10)
    r = run("report", junk, "-o", tmp_path / "r.pdf")
    assert r.exit_code == 1
    assert r.output.startswith("memmaps: error: ") and "Traceback" not in r.output
    assert not (tmp_path / "r.pdf").exists()


def test_report_help_has_example():
    r = run("report", "--help")
    assert r.exit_code == 0 and "Example:" in r.output


# --- layout: nothing overlaps or runs off the page, whatever the data -------------------------------

def _hostile_dataset(n_proc: int):
    """*n_proc* processes with 400-character command lines and 150-character paths, one of them with
    20,000 mappings (its address-space map must be condensed), and 80 long warnings."""
    import numpy as np
    import pandas as pd

    from analyzer import schema
    from analyzer.classify import classify
    from analyzer.dataset import Dataset, InputReport
    from analyzer.errors import Notice

    rng = np.random.default_rng(11)
    per = np.full(n_proc, 4)
    per[0] = 20_000
    pid = np.repeat(np.arange(100, 100 + n_proc), per)
    n = len(pid)
    paths = np.array(["[heap]", "/usr/lib/" + "x" * 150 + "/libverylong.so.1", None, "[stack]",
                      "/srv/data/" + "y" * 140 + ".db"], dtype=object)[rng.integers(0, 5, n)]
    size = (2 ** rng.integers(0, 10, n)) * 4096
    gaps = np.where(rng.random(n) < 0.2, 4096 * rng.integers(1, 64, n), 0)
    start = (0x400000 + np.cumsum(size + gaps) - size).astype("uint64")
    commands = [f"/opt/app/bin/server --config=/etc/{'z' * 400} --id={p}" for p in range(100, 100 + n_proc)]
    frame = classify(schema.conform(pd.DataFrame({
        "host": "layout-host", "pid": pid, "command": np.repeat(np.array(commands, dtype=object), per),
        "source": "hostile.smaps", "source_format": "smaps", "start": start, "end": start + size.astype("uint64"),
        "size": size, "perms": np.array(["rw-p", "r-xp", "---p"])[rng.integers(0, 3, n)], "path": paths,
        "rss": size // 2, "pss": size // 4, "private_clean": 0, "private_dirty": size // 4, "swap": 0})))
    procs = pd.DataFrame({"host": "layout-host", "pid": np.arange(100, 100 + n_proc), "command": commands,
                          "source": "hostile.smaps", "source_format": "smaps", "mappings": per, "partial": False})
    notices = [Notice("hostile.smaps", 1000 + i, f"record cut short {'w' * 150} token-{i:03d}-end") for i in range(80)]
    return Dataset(frame, procs, pd.DataFrame([{"host": "layout-host"}]),
                   [InputReport("hostile.smaps", ["smaps"], n_proc, n)], notices)


@pytest.mark.parametrize("n_proc", [3, 3000])
def test_pages_never_overlap_or_run_off_the_page(n_proc):

    from analyzer.report.document import build

    import matplotlib

    from analyzer.report.style import RC

    with matplotlib.rc_context(RC):  # as the writers draw
        _check_pages(build(_hostile_dataset(n_proc)), n_proc)


def _check_pages(report, n_proc):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    from analyzer.report import pages
    from analyzer.report.lines import TextLines

    plan = pages.plan(report)
    appendix = [p for p in plan if p.section.startswith("Appendix")]
    assert len(appendix) == -(-n_proc // pages.rows_fitting(pages.H - pages.TOP - pages.BOTTOM - 0.3))
    all_lines = []
    for number, page in enumerate(plan, 1):
        if page in appendix[1:-1]:
            continue  # appendix pages between the first and the last are laid out the same
        fig = pages.render(page, report, number, len(plan))
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        renderer = canvas.get_renderer()
        boxes = [(t.get_text()[:40], t.get_window_extent(renderer)) for t in fig.texts if t.get_text().strip()]
        for art in fig.artists:
            if isinstance(art, TextLines):
                boxes.append((art.lines[0][:40], art.get_window_extent(renderer)))
                all_lines += art.lines
                assert max(len(s) for s in art.lines) <= pages.CHARS
        boxes += [(f"axes {ax.get_title()[:30]}", ax.get_tightbbox(renderer)) for ax in fig.axes]
        page_box = fig.bbox
        left, right = pages.MARGIN * fig.dpi - 1.5, (pages.W - pages.MARGIN) * fig.dpi + 1.5
        for i, (name, box) in enumerate(boxes):
            inner = Bbox.from_extents(box.x0 + 0.5, box.y0 + 0.5, box.x1 - 0.5, box.y1 - 0.5)
            assert left <= box.x0 and box.x1 <= right, (page.section, name, box)  # within the margins
            assert page_box.y0 <= box.y0 and box.y1 <= page_box.y1, (page.section, name)
            for other, obox in boxes[i + 1:]:
                assert not inner.overlaps(obox), (page.section, name, other)
    # every warning is shown once, on the cover or the pages after it
    text = "\n".join(all_lines)
    for i in range(80):
        assert text.count(f"token-{i:03d}-end") == 1, i
    # the process with 20,000 mappings is drawn condensed, and its page says so
    detail = next(p for p in plan if "PID 100 " in p.section)
    fig = pages.render(detail, report, 1, 1)
    said = " ".join(t.get_text() for t in fig.texts)
    assert "20,000 mappings would not fit" in said


def test_table_text_is_courier_and_other_scripts_fall_back_to_the_embedded_font(tmp_path):
    """Table rows are drawn in the PDF's built-in Courier (fast: one string per line); a row
    Courier cannot show (Cyrillic, not in Windows-1252) is drawn in embedded DejaVu Sans Mono:
    both extract as the same text."""
    import pandas as pd

    from analyzer import schema
    from analyzer.classify import classify
    from analyzer.dataset import Dataset, InputReport
    from analyzer.report.document import build
    from analyzer.report.writers import write_pdf

    commands = ["/usr/sbin/café-daemon --mode=naïve", "/opt/сервер/bin/демон --порт=8080", "/bin/plain"]
    frame = classify(schema.conform(pd.DataFrame({
        "pid": [11, 22, 33], "command": commands, "source": "s.smaps", "path": ["[heap]"] * 3,
        "perms": ["rw-p"] * 3, "start": [0x1000] * 3, "end": [0x3000] * 3, "size": [8192] * 3,
        "rss": [8192, 4096, 4096], "pss": [8192, 4096, 2048], "swap": [0] * 3})))
    procs = pd.DataFrame({"pid": [11, 22, 33], "command": commands, "source": "s.smaps", "mappings": 1})
    ds = Dataset(frame, procs, pd.DataFrame(), [InputReport("s.smaps", ["smaps"], 3, 3)], [])
    out = tmp_path / "scripts.pdf"
    write_pdf(build(ds), out)
    reader = pypdf.PdfReader(out)
    last = reader.pages[-1]
    text = last.extract_text()
    assert "Appendix: every process" in text
    rows = {ln.split()[0]: ln for ln in text.split("\n") if ln.split()[:1] in (["11"], ["22"], ["33"])}
    assert "/usr/sbin/café-daemon --mode=naïve" in rows["11"] and "8.0 KiB" in rows["11"]
    assert "/opt/сервер/bin/демон --порт=8080" in rows["22"] and "4.0 KiB" in rows["22"]
    assert "/bin/plain" in rows["33"] and "2.0 KiB" in rows["33"]
    fonts = {str(f.get_object()["/BaseFont"]).split("+")[-1] for f in last["/Resources"]["/Font"].values()}
    assert {"/Courier", "/Courier-Bold"} <= {"/" + f.lstrip("/") for f in fonts}
    assert any("DejaVuSansMono" in f for f in fonts)


def test_report_on_sosreport_without_maps_lists_ps_figures_labelled_as_ps(tmp_path):
    """No smaps in the sosreport: the appendix still lists every process with ps's RSS and VSZ,
    and the cover says the figures come from ps (not 'maps files')."""
    import tarfile

    nosmaps = next((ROOT / "sample_dumps/sosreport").glob("*-nosmaps-*.tar.xz"))
    with tarfile.open(nosmaps) as tf:
        ps = next(tf.extractfile(m).read().decode() for m in tf if m.name.endswith("process/ps_auxwww"))
    rows = [line.split(None, 10) for line in ps.splitlines()[1:]]
    out = tmp_path / "ps.pdf"
    assert run("report", nosmaps, "-o", out).exit_code == 0
    pages = pdf_text(out)
    text = "\n".join(pages).replace("\n", " ")
    assert "(maps files)" not in text
    assert "from ps (RSS, VSZ), not from memory maps" in text
    appendix = "\n".join(p for p in pages if "Appendix: every process" in p).split("\n")
    for f in rows:
        row = next((ln for ln in appendix if ln.split()[:1] == [f[1]]), None)
        assert row is not None, f[1]
        assert human_bytes(int(f[5]) * 1024) in row and human_bytes(int(f[4]) * 1024) in row, row


def test_report_appendix_names_the_host_when_there_are_several():
    """Two sosreports (the sample's xz and gzip runs, renamed hosts a and b): PIDs repeat, the host tells them apart."""
    from analyzer.ingest import load_dataset
    from analyzer.report.document import build

    gz = next((ROOT / "sample_dumps/sosreport").glob("*-memmaps-*.tar.gz"))
    ds = load_dataset(SOS, gz)
    ds.mappings["host"] = ds.mappings["source"].str.contains(".tar.gz", regex=False).map({True: "b", False: "a"})
    table = build(ds).processes
    assert [c.name for c in table.cols[:4]] == ["host", "pid", "user", "command"]  # ps knows the users
    rows = table.cells()
    assert {r[0] for r in rows} == {"a", "b"}
    assert sorted(r[1] for r in rows if r[0] == "a") == sorted(p for p, e in SOS_EXPECTED["processes"].items()
                                                               if e["mappings"])
    single = build(load_dataset(SOS)).processes
    assert single.cols[0].name == "pid"


# --- sosreports without maps: the report works from ps ---------------------------------------------

NOSMAPS = next((ROOT / "sample_dumps/sosreport").glob("*-nosmaps-*.tar.xz"))


def _ps_rows(archive: Path) -> list[list[str]]:
    """ps auxwww of the archive, parsed here independently: USER PID %CPU %MEM VSZ RSS ... COMMAND."""
    import tarfile

    with tarfile.open(archive) as tf:
        text = next(tf.extractfile(m).read().decode() for m in tf if m.name.endswith("process/ps_auxwww"))
    return [line.split(None, 10) for line in text.splitlines()[1:] if line.strip()]


@pytest.fixture(scope="module")
def ps_pdf(tmp_path_factory):
    return written_pdf(tmp_path_factory, NOSMAPS)


def test_report_ps_only_cover_totals_are_ps_sums(ps_pdf):
    """Cover totals of a sosreport without maps: RSS and virtual are the sums of ps's RSS and VSZ
    columns; PSS, USS and swap are said to be unknown; no 'processes 0'."""
    rows = _ps_rows(NOSMAPS)
    cover = pdf_text(ps_pdf)[0].replace("\n", " ")
    assert f"processes {len(rows)}  (from ps)" in cover or f"processes {len(rows)} (from ps)" in cover, cover
    assert f"RSS {human_bytes(sum(int(r[5]) for r in rows) * 1024)}" in cover
    assert f"virtual {human_bytes(sum(int(r[4]) for r in rows) * 1024)}" in cover
    for label in ("PSS", "USS (private)", "swap"):
        assert f"{label} unknown (needs memory maps; ps does not say)" in cover
    assert "processes 0" not in cover and "mappings none: the input holds no memory maps" in cover
    assert "RSS summed over processes overstates" in cover  # it says the report uses RSS, and what that means


def test_report_ps_only_has_the_ps_chart_and_no_empty_pages(ps_pdf):
    pages = [p.replace("\n", " ") for p in pdf_text(ps_pdf)]
    assert [_section(p) for p in pdf_text(ps_pdf)] == ["Summary", "Findings", "Where the memory is",
                                                       "Top processes (from ps)", "Appendix: every process"]
    text = "\n".join(pages)
    assert len(pages) == 5  # cover, findings, meminfo, top processes from ps, appendix (12 rows fit on one page)
    assert "Top processes (from ps)" in pages[3] and "Top processes by RSS, from ps" in pages[3]
    assert "no split by kind is possible" in pages[3]
    assert "the input holds no memory maps" in pages[3] and "-k process.smaps=on" in pages[3]
    for empty in ("Address space of", "no processes with a known size", "no mappings with a known size",
                  "Distribution of mapping sizes", "Top mappings by"):
        assert empty not in text, empty
    assert "(maps files)" not in text


def test_plot_top_processes_ps_bars_are_ps_rss_of_the_archive():
    """The ps chart, from the real archive: one bar per process (all 12 fit in top 20), widths = ps RSS in
    bytes, largest first, one colour, labelled PID command."""
    from analyzer.ingest import load_dataset
    from analyzer.report import charts
    from analyzer.report.style import PS_COLOR
    from analyzer.summarize import ps_processes

    rows = _ps_rows(NOSMAPS)
    ax = charts.plot_top_processes_ps(ps_processes(load_dataset(NOSMAPS).processes))
    want = sorted(((int(r[5]) * 1024, int(r[1])) for r in rows), key=lambda t: (-t[0], t[1]))
    assert [float(p.get_width()) for p in ax.patches] == [float(v) for v, _ in want]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert [int(lab.split()[0]) for lab in labels] == [pid for _, pid in want]
    command = {int(r[1]): r[10] for r in rows}
    for lab in labels:
        pid, shown = lab.split(" ", 1)
        assert command[int(pid)].startswith(shown.rstrip("…")), (lab, command[int(pid)])
    assert {p.get_facecolor() for p in ax.patches} == {ax.patches[0].get_facecolor()}
    import matplotlib.colors as mcolors
    assert mcolors.to_hex(ax.patches[0].get_facecolor()) == PS_COLOR
    assert ax.get_title() == "Top processes by RSS, from ps"
    folded = charts.plot_top_processes_ps(ps_processes(load_dataset(NOSMAPS).processes), top=5)
    assert folded.get_title() == f"Top processes by RSS, from ps (top 5 of {len(rows)})"
    assert folded.get_yticklabels()[-1].get_text() == f"other ({len(rows) - 5} processes)"
    assert folded.patches[-1].get_width() == sum(v for v, _ in want[5:])


def test_report_mixed_maps_and_ps_keeps_them_apart(tmp_path):
    """One sosreport with maps and one without: the maps pages are as before (PSS from smaps), the cover
    adds ps's sums for the processes without maps, and a ps chart page follows Top processes."""
    rows = _ps_rows(NOSMAPS)
    out = tmp_path / "mix.pdf"
    assert run("report", SOS, NOSMAPS, "-o", out).exit_code == 0
    pages = pdf_text(out)
    cover = pages[0].replace("\n", " ")
    procs = {pid: p for pid, p in SOS_EXPECTED["processes"].items() if p["mappings"]}
    assert f"processes {len(procs)} with memory maps; {len(rows)} more from ps only" in cover
    assert f"PSS {human_bytes(sum(p['Pss'] for p in procs.values()) * 1024)}" in cover
    rss_maps = human_bytes(sum(p["Rss"] for p in procs.values()) * 1024)
    rss_ps = human_bytes(sum(int(r[5]) for r in rows) * 1024)
    assert f"RSS {rss_maps}  (from the maps; ps adds {rss_ps} of RSS for the {len(rows)} processes" in cover
    vsz_ps = human_bytes(sum(int(r[4]) for r in rows) * 1024)
    assert f"ps adds {vsz_ps} of VSZ" in cover
    sections = [_section(p) for p in pages]
    assert sections[:7] == ["Summary", "Findings", "Where the memory is", "Memory by mapping kind", "Top processes",
                            "Top processes by RSS, from ps", "Top mappings across processes"]
    assert sections[-2:] == ["Mapping sizes", "Appendix: every process"]
    import re

    appendix = "\n".join(p for p in pages if _section(p) == "Appendix: every process")
    assert len(re.findall(r" ps +- +\d", appendix)) == len(rows)
    assert len(re.findall(r" maps +\d+ +\d", appendix)) == len(procs)


def _section(page_text: str) -> str:
    """A page's section title: the line under the running header (the report's title)."""
    lines = page_text.split("\n")
    return lines[next(i for i, ln in enumerate(lines) if ln.startswith("Memory report")) + 1]


def test_cover_counts_only_warnings_and_lists_notes_apart(sos_pdf):
    """The sample sosreport has no warning-level notice, only info ones (a zombie, ps PIDs without smaps):
    'Warnings (0)', and the notes come after, under their own heading, not counted."""
    from analyzer.ingest import load_dataset

    ds = load_dataset(SOS)
    assert not ds.warnings and len(ds.notices) > 0
    cover = pdf_text(sos_pdf)[0]
    assert "Warnings (0)" in cover
    assert "None: every input was read completely." in cover
    assert "Notes (not warnings):" in cover
    assert f"{len(ds.notices)} informational notes from reading the inputs are not shown" in cover.replace("\n", " ")
    assert cover.index("None: every input") < cover.index("Notes (not warnings):")


@pytest.mark.parametrize("n_proc", [3, 3000])
def test_ps_only_pages_never_overlap_or_run_off_the_page(n_proc):
    """A ps-only dataset with 400-character commands and many processes: every page stays readable."""
    import numpy as np
    import pandas as pd
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    from analyzer import schema
    from analyzer.dataset import Dataset, InputReport
    from analyzer.errors import Notice
    from analyzer.report import pages
    from analyzer.report.document import build
    from analyzer.report.lines import TextLines

    import matplotlib

    from analyzer.report.style import RC

    pids = np.arange(100, 100 + n_proc)
    procs = pd.DataFrame({"host": "ps-host", "pid": pids, "command": [f"/srv/{'q' * 400} --n={p}" for p in pids],
                          "source": "s/ps_auxwww", "source_format": "ps", "mappings": pd.NA, "partial": False,
                          "ps_rss": (pids % 97 + 1) * 4096 * 100, "ps_vsz": (pids % 89 + 1) * 4096 * 1000})
    ds = Dataset(schema.conform(pd.DataFrame({"pid": pd.array([], dtype="Int64")})), procs,
                 pd.DataFrame([{"host": "ps-host"}]), [InputReport("s", ["ps", "sosreport"], n_proc, 0)],
                 [Notice("s", None, "no memory maps in this sosreport " + "w" * 300)])
    with matplotlib.rc_context(RC):
        report = build(ds)
        plan = pages.plan(report)
        assert [p.section for p in plan][:3] == ["Summary", "Findings", "Top processes (from ps)"]
        assert all(p.section.startswith(("Summary", "Findings", "Top processes", "Appendix")) for p in plan)
        for number, page in enumerate(plan[:4], 1):
            fig = pages.render(page, report, number, len(plan))
            canvas = FigureCanvasAgg(fig)
            canvas.draw()
            r = canvas.get_renderer()
            boxes = [(t.get_text()[:40], t.get_window_extent(r)) for t in fig.texts if t.get_text().strip()]
            boxes += [(a.lines[0][:40], a.get_window_extent(r)) for a in fig.artists if isinstance(a, TextLines)]
            boxes += [(f"axes {ax.get_title()}", ax.get_tightbbox(r)) for ax in fig.axes]
            assert any(name.startswith("axes Top processes by RSS, from ps") for name, _ in boxes) or number != 3
            left, right = pages.MARGIN * fig.dpi - 1.5, (pages.W - pages.MARGIN) * fig.dpi + 1.5
            for i, (name, box) in enumerate(boxes):
                inner = Bbox.from_extents(box.x0 + 0.5, box.y0 + 0.5, box.x1 - 0.5, box.y1 - 0.5)
                assert left <= box.x0 and box.x1 <= right, (page.section, name, box)
                assert fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1, (page.section, name)
                for other, obox in boxes[i + 1:]:
                    assert not inner.overlaps(obox), (page.section, name, other)


def test_report_ps_only_html_and_pngs_are_the_ps_chart_only_and_reproducible(tmp_path):
    rows = _ps_rows(NOSMAPS)
    for n in (1, 2):
        assert run("report", NOSMAPS, "-o", tmp_path / f"r{n}.html", "--png-dir", tmp_path / f"png{n}",
                   ).exit_code == 0
        assert run("report", NOSMAPS, "-o", tmp_path / f"r{n}.pdf").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "png1").iterdir()) == ["system.png", "top-processes-ps.png"]
    for name in ("r1.html", "r1.pdf", "png1/top-processes-ps.png", "png1/system.png"):
        assert (tmp_path / name).read_bytes() == (tmp_path / name.replace("1", "2")).read_bytes(), name
    html = (tmp_path / "r1.html").read_text()
    assert "<h2>Top processes by RSS, from ps</h2>" in html and "<h2>Memory by mapping kind</h2>" not in html
    assert "-k process.smaps=on" in html and "Warnings (1)" in html
    assert f"{human_bytes(sum(int(r[5]) for r in rows) * 1024)}  (from ps: RSS summed over {len(rows)}" in html
