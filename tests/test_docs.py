"""The documentation cannot drift: every command has help with an example and
is in the README; the README's column and kind tables equal the code's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer import schema
from analyzer.classify import KINDS
from analyzer.cli import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
COMMANDS = sorted(cli.commands)


def _between(marker: str) -> str:
    m = re.search(rf"<!-- {marker}:start -->\n(.*?)\n<!-- {marker}:end -->", README, re.S)
    assert m, f"README lacks the {marker} markers"
    return m.group(1)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_has_example(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"memmaps {name}" in result.output.split("Example:")[1]


@pytest.mark.parametrize("name", COMMANDS)
def test_command_in_readme(name):
    assert f"memmaps {name}" in README


def test_readme_column_table_is_the_schema():
    assert _between("columns") == schema.markdown_table()


@pytest.mark.parametrize("marker, table", [("process-columns", "processes"), ("host-columns", "hosts"),
                                           ("notice-columns", "notices")])
def test_readme_other_tables_are_the_schema(marker, table):
    assert _between(marker) == schema.markdown_table(table)


def test_readme_kind_table_is_the_vocabulary():
    rows = [line for line in _between("kinds").splitlines()[2:]]
    assert [re.match(r"\| `([a-z_]+)` \|", r).group(1) for r in rows] == list(KINDS)


def _readme_examples():
    """Every ``$ memmaps ...`` block of the README whose inputs are real paths: (command, shown output)."""
    import shlex

    out = []
    for block in re.findall(r"^```\n(.*?)^```$", README, re.S | re.M):
        lines = block.splitlines()
        if not lines or not lines[0].startswith("$ memmaps "):
            continue
        cmd = lines[0][2:].split("  #")[0].strip()
        args = shlex.split(cmd)[1:]
        if not all(Path(a).exists() for a in args[1:] if not a.startswith("-") and "/" in a):
            continue
        shown = []
        for line in lines[1:]:
            if line.startswith("$ "):
                break
            shown.append(line)
        out.append((args, "\n".join(shown)))
    return out


@pytest.mark.parametrize("args,shown", _readme_examples(), ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_readme_example_output_is_real(args, shown, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    result = CliRunner().invoke(cli, args)
    assert result.output.rstrip("\n") == shown.rstrip("\n")


def update_readme() -> int:
    """Rewrite every runnable README example with the command's current output;
    returns how many blocks changed. Run: ``.venv/bin/python tests/test_docs.py --update``."""
    import shlex

    path = Path(__file__).resolve().parent.parent / "README.md"
    text = path.read_text()
    changed = 0

    def fix(m: re.Match) -> str:
        nonlocal changed
        lines = m.group(1).splitlines()
        if not lines or not lines[0].startswith("$ memmaps "):
            return m.group(0)
        args = shlex.split(lines[0][2:].split("  #")[0].strip())[1:]
        if not all(Path(a).exists() for a in args[1:] if not a.startswith("-") and "/" in a):
            return m.group(0)
        rest = next((lines[i:] for i in range(1, len(lines)) if lines[i].startswith("$ ")), [])
        out = CliRunner().invoke(cli, args).output.rstrip("\n")
        new = "```\n" + "\n".join([lines[0], out] + rest) + "\n```"
        changed += new != m.group(0)
        return new

    path.write_text(re.sub(r"^```\n(.*?)^```$", fix, text, flags=re.S | re.M))
    return changed


if __name__ == "__main__":
    import os
    import sys

    os.chdir(Path(__file__).resolve().parent.parent)
    if sys.argv[1:] == ["--update"]:
        print(f"{update_readme()} README example(s) updated")
