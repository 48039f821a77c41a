"""Options every command shares, as decorators, and the shared load step."""

from __future__ import annotations

import sys

import click

from ..dataset import Dataset
from ..errors import ON_BAD_LINES
from ..ingest import load_dataset


def inputs_argument(f):
    return click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")(f)


def load_options(f):
    f = click.option("--on-bad-lines", type=click.Choice(ON_BAD_LINES), default="warn", show_default=True,
                     help="What to do with a line that cannot be interpreted.")(f)
    f = click.option("--strict", is_flag=True,
                     help="Exit with status 1 if any input gave a warning (data partial or lost).")(f)
    f = click.option("-q", "--quiet", is_flag=True, help="Do not print warnings on stderr.")(f)
    return f


def load(inputs: tuple[str, ...], on_bad_lines: str, show_progress: bool = True) -> Dataset:
    """Load the inputs, with a progress bar on a terminal when there are several."""
    if show_progress and len(inputs) > 1 and sys.stderr.isatty():
        with click.progressbar(length=len(inputs), label="Reading", file=sys.stderr) as bar:
            def step(_name, bar=bar):
                bar.update(1)
            return load_dataset(*inputs, on_bad_lines=on_bad_lines, progress=step)
    return load_dataset(*inputs, on_bad_lines=on_bad_lines)


def report_notices(ds: Dataset, quiet: bool, strict: bool) -> None:
    """Print warnings to stderr; under --strict, exit 1 if there were any."""
    if not quiet:
        for notice in ds.warnings:
            click.echo(f"memmaps: {notice}", err=True)
    if strict and ds.warnings:
        click.echo(f"memmaps: error: {len(ds.warnings)} warning(s) and --strict given", err=True)
        raise click.exceptions.Exit(1)
