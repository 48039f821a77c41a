"""Options every command shares, as decorators, and the shared load step."""

from __future__ import annotations

import sys
import time

import click

from ..dataset import Dataset
from ..errors import ON_BAD_LINES
from ..ingest import input_bytes, load_dataset


def inputs_argument(f):
    return click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")(f)


def load_options(f):
    f = click.option("--on-bad-lines", type=click.Choice(ON_BAD_LINES), default="warn", show_default=True,
                     help="What to do with a line that cannot be interpreted.")(f)
    f = click.option("--strict", is_flag=True,
                     help="Exit with status 1 if any input gave a warning (data partial or lost).")(f)
    f = click.option("-q", "--quiet", is_flag=True, help="Do not print warnings on stderr.")(f)
    return f


# The bar appears only once reading has taken this long (most inputs load well under a second).
PROGRESS_DELAY = 0.5


class _Progress:
    """A progress bar over the inputs' bytes, drawn only once reading is slow."""

    def __init__(self, total: int):
        self.total = total
        self.done = 0
        self.start = time.monotonic()
        self.bar = None

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is None:
            if time.monotonic() - self.start < PROGRESS_DELAY:
                return
            self.bar = click.progressbar(length=self.total, label="Reading", file=sys.stderr)
            self.bar.__enter__()
            self.bar.update(self.done - n)
        self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def load(inputs: tuple[str, ...], on_bad_lines: str, show_progress: bool = True) -> Dataset:
    """Load the inputs, with a progress bar (bytes read, as stored) on a terminal when it takes a while."""
    from . import redaction  # --redact (redaction.redact_options): the dataset comes back redacted

    if show_progress and sys.stderr.isatty():
        progress = _Progress(input_bytes(inputs))
        try:
            return redaction.apply(load_dataset(*inputs, on_bad_lines=on_bad_lines, read_bytes=progress.update))
        finally:
            progress.close()
    return redaction.apply(load_dataset(*inputs, on_bad_lines=on_bad_lines))


def report_notices(ds: Dataset, quiet: bool, strict: bool) -> None:
    """Print warnings to stderr; under --strict, exit 1 if there were any."""
    if not quiet:
        for notice in ds.warnings:
            click.echo(f"memmaps: {notice}", err=True)
    if strict and ds.warnings:
        click.echo(f"memmaps: error: {len(ds.warnings)} warning(s) and --strict given", err=True)
        raise click.exceptions.Exit(1)
