"""Text formats by content: each module offers ``detect(head) -> str | None``
and ``parse(text, ctx, name=None) -> Parsed``. The first that recognises the
head of a text wins; the order puts the strictest recognisers first."""

from __future__ import annotations

from types import ModuleType

from . import pmap, smaps

TEXT_FORMATS: list[ModuleType] = [smaps, pmap]


def detect(head: str) -> tuple[ModuleType, str] | None:
    """The module that reads a text starting with *head*, and the format it saw."""
    for module in TEXT_FORMATS:
        found = module.detect(head)
        if found:
            return module, found
    return None
