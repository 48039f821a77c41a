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
from analyzer.report.table import human_bytes

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


@pytest.fixture(scope="module")
def sos_pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("r") / "report.pdf"
    result = run("report", SOS, "-o", out)
    assert result.exit_code == 0, result.output
    return out


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
    order = ["Summary", "Memory by mapping kind", "Top processes", "Top mappings across processes",
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
    assert html.count('src="data:image/png;base64,') == 4 + 3
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
