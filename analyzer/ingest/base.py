"""What every format parser shares: the parse context and the parse result.

A parser is a pure function of text: ``parse(text, ctx) -> Parsed``. It never
opens files; the reading layer (:mod:`analyzer.ingest.sources.reader`) hands it the
decoded text and a :class:`Context` naming the source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..errors import ON_BAD_LINES, Notice, ParseError


@dataclass
class Context:
    """Where the text came from, and what to do with lines that make no sense."""

    source: str
    on_bad_lines: str = "warn"
    notices: list[Notice] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.on_bad_lines not in ON_BAD_LINES:
            raise ValueError(f"on_bad_lines must be one of {ON_BAD_LINES}, not {self.on_bad_lines!r}")

    def bad_line(self, lineno: int | None, message: str) -> None:
        """A line that cannot be interpreted: raise, warn or skip, as asked."""
        if self.on_bad_lines == "error":
            raise ParseError(self.source, lineno, message)
        if self.on_bad_lines == "warn":
            self.notices.append(Notice(self.source, lineno, message))

    def warn(self, lineno: int | None, message: str) -> None:
        """Data was lost or is partial: always reported."""
        self.notices.append(Notice(self.source, lineno, message))

    def info(self, lineno: int | None, message: str) -> None:
        """Worth knowing, nothing lost."""
        self.notices.append(Notice(self.source, lineno, message, level="info"))


@dataclass
class Parsed:
    """What a parser found in one source.

    ``mappings`` holds schema columns (any subset; the loader conforms it);
    ``processes`` one dict per process block (``pid``, ``command``,
    ``source``, ``source_format``, ``mappings``, ``partial`` and any
    process-level facts such as ``rollup_rss`` or ``footer_size``);
    ``hosts`` one dict per host the source describes;
    ``tables`` rows of the other tables (``shm``, ``oom_kills``, ``oom_tasks``), by table name.
    """

    mappings: pd.DataFrame
    processes: list[dict] = field(default_factory=list)
    hosts: list[dict] = field(default_factory=list)
    formats: set[str] = field(default_factory=set)
    tables: dict[str, list[dict]] = field(default_factory=dict)

    def has_data(self) -> bool:
        """Mappings, processes, a table's rows, or a host's memory figures (meminfo): anything to show."""
        return bool(len(self.mappings) or self.processes or any(self.tables.values())
                    or any(h.get("mem_total") is not None for h in self.hosts))


def records_frame(records: list[dict]) -> pd.DataFrame:
    """A frame from row dicts; keys missing from a row become NA."""
    if not records:
        return pd.DataFrame()
    return pd.DataFrame.from_records(records)


def split_lines(text: str) -> list[str]:
    """Split on newlines only (never on the other characters ``splitlines`` takes),
    dropping a CR that ends a line (CRLF copies)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if any(line.endswith("\r") for line in lines[:50]):
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines
