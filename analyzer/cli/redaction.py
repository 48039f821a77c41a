"""``--redact`` and ``--redact-map FILE``: one decorator for any command that loads inputs.

A command gets both options by adding ``@redact_options``; :func:`analyzer.cli.options.load`
then returns the redacted dataset (see :mod:`analyzer.redact`) whenever ``--redact`` was
given, and writes the token table to ``--redact-map`` (a CSV: token, kind, original). A command
that loads twice (``diff``) shares one token table across both loads: the same value, the
same token. A command that does not use ``options.load`` calls :func:`apply` on its dataset.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import click

from ..errors import MemmapsError

if TYPE_CHECKING:
    from ..dataset import Dataset

_KEY = "memmaps.redact"


def redact_options(f):
    """Add ``--redact`` and ``--redact-map FILE`` to a click command (no parameters reach *f*)."""
    @functools.wraps(f)
    def wrapper(*args, redact: bool = False, redact_map: str | None = None, **kwargs):
        if redact_map and not redact:
            raise click.UsageError("--redact-map FILE needs --redact")
        if redact:
            from ..redact import Redactor

            click.get_current_context().meta[_KEY] = (Redactor(), redact_map)
        return f(*args, **kwargs)

    wrapper = click.option("--redact-map", metavar="FILE",
                           help="With --redact: write the token table (token, kind, original) to FILE, a CSV "
                                "to translate back; keep it apart from what you share.")(wrapper)
    wrapper = click.option("--redact", is_flag=True,
                           help="Replace host and user names, command-line arguments and paths outside system "
                                "folders by stable tokens (host-1, user-2, <arg-3>, <path-7>.so); numbers unchanged.")(wrapper)
    return wrapper


def redact_map_path() -> str | None:
    """The ``--redact-map`` path of the running command (for output checks), or None."""
    ctx = click.get_current_context(silent=True)
    held = ctx.meta.get(_KEY) if ctx is not None else None
    return held[1] if held else None


def active() -> bool:
    """True if the running command was given ``--redact``."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get(_KEY))


def text(value: str) -> str:
    """*value* (an input's name as given: a chart's or a table's label) with what the running command's
    redactor has tokenised replaced, under ``--redact``; else *value* itself. Call after loading."""
    ctx = click.get_current_context(silent=True)
    held = ctx.meta.get(_KEY) if ctx is not None else None
    return held[0].text(str(value)) if held else value


def apply(ds: Dataset) -> Dataset:
    """*ds* redacted if the running command was given ``--redact`` (else *ds* itself)."""
    ctx = click.get_current_context(silent=True)
    held = ctx.meta.get(_KEY) if ctx is not None else None
    if not held:
        return ds
    from ..redact import redact

    redactor, map_path = held
    ds, _ = redact(ds, redactor)
    if map_path:
        try:
            redactor.table().to_csv(map_path, index=False)
        except OSError as exc:
            raise MemmapsError(f"{map_path}: cannot write: {exc.strerror or exc}") from None
    return ds
