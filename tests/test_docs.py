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


def test_readme_kind_table_is_the_vocabulary():
    rows = [line for line in _between("kinds").splitlines()[2:]]
    assert [re.match(r"\| `([a-z_]+)` \|", r).group(1) for r in rows] == list(KINDS)
