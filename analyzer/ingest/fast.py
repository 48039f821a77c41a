"""Vectorised smaps parsing for large, regular dumps (to be written).

``parse(data, ctx, name)`` returns a :class:`~analyzer.ingest.base.Parsed`
identical to :func:`analyzer.ingest.smaps.parse` on the same input, or
``None`` when the input is not one it handles (the exact path then runs).
"""

from __future__ import annotations

from .base import Context, Parsed


def parse(data: bytes, ctx: Context, name: str | None = None) -> Parsed | None:
    return None
