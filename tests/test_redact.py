"""``--redact`` on a real sosreport whose command line holds a password, a user name and an internal
host name (tests/fixtures/redact/PROVENANCE.md): none of them in the PDF, HTML, CSV or JSON; the same
numbers as without redaction; the map file holds the originals."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pypdf
import pytest
from click.testing import CliRunner

import analyzer
from analyzer.cli import cli
from analyzer.redact import Redactor, redact

ROOT = Path(__file__).resolve().parent.parent
SOS = ROOT / "tests" / "fixtures" / "redact" / "sosreport-billing-db7-redact-2026-12-06-brevess.tar.xz"
SECRETS = ["Hunter2Secret", "alice.smith", "pg-primary", "corp.internal", "billing-db7", "acme-billing",
           "libbilling", ".pyenv"]
NUMBERS = ["size", "rss", "pss", "uss", "swap", "mappings"]


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s.lower() in text.lower()]


def test_the_fixture_holds_the_secrets():
    """Without --redact every secret is there (else the tests below could not fail)."""
    ds = analyzer.load_dataset(SOS)
    text = " ".join(ds.processes["command"].dropna()) + " ".join(ds.mappings["path"].dropna()) + \
        " ".join(ds.mappings["source"].dropna()) + " ".join(ds.hosts["host"].dropna())
    assert leaks(text) == SECRETS


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("redacted")
    plain = tmp_path_factory.mktemp("plain")
    run("export", SOS, "-o", out / "m.csv", "--redact", "--redact-map", out / "map.csv", "-q")
    run("export", SOS, "-o", out / "m.json", "--redact", "-q")
    run("report", SOS, "-o", out / "r.pdf", "--redact", "-q")
    run("report", SOS, "-o", out / "r.html", "--redact", "-q")
    run("export", SOS, "-o", plain / "m.csv", "-q")
    (out / "by-process.json").write_text(run("summary", SOS, "--by", "process", "--format", "json", "--redact").output)
    (plain / "by-process.json").write_text(run("summary", SOS, "--by", "process", "--format", "json").output)
    (out / "by-mapping.csv").write_text(run("summary", SOS, "--by", "mapping", "--format", "csv", "--redact").output)
    return out, plain


@pytest.mark.parametrize("name", ["m.csv", "m.json", "r.html", "by-process.json", "by-mapping.csv"])
def test_no_secret_in_text_outputs(outputs, name):
    out, _ = outputs
    assert leaks((out / name).read_text()) == []


def test_no_secret_in_the_pdf(outputs):
    out, _ = outputs
    text = "".join(page.extract_text() for page in pypdf.PdfReader(out / "r.pdf").pages)
    assert "host-1" in text and "python3" in text  # tokens and program base names are there
    assert leaks(text) == []


def test_same_numbers_as_without_redaction(outputs):
    out, plain = outputs
    a, b = pd.read_csv(out / "m.csv"), pd.read_csv(plain / "m.csv")
    assert len(a) == len(b)
    for col in ("pid", "start", "end", "size", "rss", "pss", "swap", "private_dirty", "inode", "kind", "perms"):
        assert a[col].fillna(-1).tolist() == b[col].fillna(-1).tolist(), col
    ja = json.loads((out / "by-process.json").read_text())
    jb = json.loads((plain / "by-process.json").read_text())
    assert [[row[k] for k in NUMBERS if k in row] for row in ja] == [[row[k] for k in NUMBERS if k in row] for row in jb]


def test_map_file_holds_the_originals(outputs):
    out, _ = outputs
    table = pd.read_csv(out / "map.csv")
    assert list(table.columns) == ["token", "kind", "original"]
    originals = " ".join(table["original"].astype(str))
    assert leaks(originals) == SECRETS
    assert table["token"].is_unique
    assert table.loc[table["original"] == "billing-db7.corp.internal", "token"].tolist() == ["host-1"]
    secret = table.loc[table["original"] == "--password=Hunter2Secret", "token"].item()
    assert secret.startswith("<arg-") and secret in (out / "m.csv").read_text()


def test_tokens_are_stable_and_programs_keep_their_names(outputs):
    out, _ = outputs
    frame = pd.read_csv(out / "m.csv")
    commands = set(frame["command"].dropna())
    assert any(c.startswith("<path-") and c.split()[0].endswith("/python3") for c in commands)
    assert any(c.split()[0].endswith("/billing-agent") for c in commands)
    assert "sleep <arg-" in " ".join(commands)
    table = pd.read_csv(out / "map.csv")
    lib = table.loc[table["original"] == "/opt/acme-billing/lib/libbilling.so", "token"].item()
    assert lib.startswith("<path-") and lib.endswith(">.so")
    assert (frame["path"] == lib).sum() >= 4  # every mapping of the library, one token
    assert set(frame["host"]) == {"host-1"}
    assert frame["source"].str.contains("/sosreport-host-1-redact-2026-12-06-brevess.tar.xz!sosreport-host-1-redact-",
                                        regex=False).all()
    assert (frame.loc[frame["path"].astype(str).str.startswith("/usr/"), "path"].str.len() > 5).all()  # kept


def test_redact_is_a_pure_function_of_the_dataset():
    ds = analyzer.load_dataset(SOS)
    before = ds.mappings.copy()
    red, r1 = redact(ds)
    again, r2 = redact(ds)
    pd.testing.assert_frame_equal(ds.mappings, before)  # the input is untouched
    pd.testing.assert_frame_equal(red.mappings, again.mappings)  # deterministic
    assert r1.table().equals(r2.table())
    assert (red.mappings["kind"] == ds.mappings["kind"]).all()


def test_one_redactor_across_two_loads_gives_the_same_tokens():
    """What `diff --redact` relies on: both sides share the token table."""
    r = Redactor()
    a, _ = redact(analyzer.load_dataset(SOS), r)
    b, _ = redact(analyzer.load_dataset(SOS), r)
    assert a.mappings["command"].tolist() == b.mappings["command"].tolist()


def test_redact_map_needs_redact_and_never_an_input(tmp_path):
    result = CliRunner().invoke(cli, ["summary", str(SOS), "--redact-map", str(tmp_path / "map.csv")])
    assert result.exit_code == 2 and "--redact-map FILE needs --redact" in result.output
    result = CliRunner().invoke(cli, ["export", str(SOS), "-o", str(tmp_path / "x.csv"), "--redact",
                                      "--redact-map", str(SOS)])
    assert result.exit_code == 1 and "--redact-map names an input" in result.output


def test_findings_diff_and_trend_redact_too(tmp_path):
    """The commands added since (findings, diff, trend) take --redact as well; diff and trend share one
    token table across their captures (the same host is host-1 on both sides), names of inputs included."""
    findings = run("findings", SOS, "--format", "json", "--redact", "-q").output
    assert leaks(findings) == []
    diff = run("diff", SOS, SOS, "--format", "csv", "--redact", "-o", tmp_path / "d.html", "-q").output
    assert leaks(diff) == [] and leaks((tmp_path / "d.html").read_text()) == []
    assert "host-1" in diff and "host-2" not in diff
    trend = run("trend", SOS, SOS, "--format", "csv", "--redact", "--redact-map", tmp_path / "map.csv").output
    assert leaks(trend) == [] and "host-1" in trend and "host-2" not in trend
    assert "billing-db7.corp.internal" in (tmp_path / "map.csv").read_text()
    for command in (["findings", SOS], ["diff", SOS, SOS], ["trend", SOS, SOS]):
        result = CliRunner().invoke(cli, [str(a) for a in command] + ["--redact-map", str(tmp_path / "m.csv")])
        assert result.exit_code == 2 and "--redact-map FILE needs --redact" in result.output


def test_redacted_dataset_keeps_the_system_tables():
    ds = analyzer.load_dataset(SOS)
    redacted, _ = redact(ds)
    for name in ("shm", "oom_kills", "oom_tasks"):
        assert list(getattr(redacted, name).columns) == list(getattr(ds, name).columns)
        assert len(getattr(redacted, name)) == len(getattr(ds, name))
