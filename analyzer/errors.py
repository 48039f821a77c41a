"""One error hierarchy; the CLI turns these into a message and exit status 1.

``InputError`` is about what the user gave us; its subclasses say why:

- :class:`UnknownFormatError` - recognised as nothing we read;
- :class:`ParseError` - recognised, but a line cannot be interpreted (bad data);
- :class:`NoDataError` - recognised, but holds no memory maps (no data), with a hint;
- :class:`ArchiveError` - an archive that is corrupt, truncated or hostile.

Warnings that do not stop a load are :class:`Notice` records, collected on
the dataset and printed by ``memmaps info``.

>>> import analyzer
>>> try:
...     analyzer.load("README.md")
... except analyzer.InputError as exc:  # any problem with an input
...     print(type(exc).__name__, "-", exc)
UnknownFormatError - README.md: not a recognised memory map dump (expected one of: /proc/PID/smaps, ...)
>>> str(ParseError("dump.smaps", 12, "cannot read the size"))
'dump.smaps:12: cannot read the size'
>>> issubclass(NoDataError, InputError) and issubclass(InputError, MemmapsError)
True
"""

from __future__ import annotations

from dataclasses import dataclass


class MemmapsError(Exception):
    """Base class of every error memmaps raises on purpose."""


class SchemaError(MemmapsError):
    """A frame does not conform to the mappings schema (a bug, not bad input)."""


class InputError(MemmapsError):
    """Something wrong with an input."""


class UnknownFormatError(InputError):
    """The input is not in any format memmaps reads."""


class ParseError(InputError):
    """A recognised input has a line that cannot be interpreted."""

    def __init__(self, source: str, lineno: int | None, message: str):
        self.source, self.lineno, self.message = source, lineno, message
        where = f"{source}:{lineno}" if lineno else source
        super().__init__(f"{where}: {message}")


class NoDataError(InputError):
    """A recognised input with no memory maps in it."""


class ArchiveError(InputError):
    """An archive that cannot be read safely or completely."""


@dataclass(frozen=True)
class Notice:
    """A warning about an input that did not stop the load."""

    source: str
    lineno: int | None
    message: str
    level: str = "warning"  # "warning" (data lost or partial) or "info"

    def __str__(self) -> str:
        where = f"{self.source}:{self.lineno}" if self.lineno else self.source
        return f"{where}: {self.level}: {self.message}"


ON_BAD_LINES = ("error", "warn", "skip")


class CaptureMixError(MemmapsError):
    """Totals asked over several captures of one host: they would add one host's memory up twice."""
