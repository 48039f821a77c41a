"""Checked numbers: a decimal or hexadecimal field of a dump as an int that fits its column.

Dumps may hold numbers no kernel prints: twenty digits, five thousand digits
(past Python's 4,300-digit conversion limit), or a kB value that overflows
only once multiplied by 1024. :func:`checked_int` turns such text into None
instead of an exception or a wrapped-around value, and the parser then
reports the line (NA with a warning, or the line refused).

>>> checked_int("123"), checked_int("4", scale=1024)
(123, 4096)
>>> checked_int("99999999999999999999") is None          # over int64
True
>>> checked_int("9007199254740993", scale=1024) is None  # over int64 only after x1024
True
>>> checked_int("9" * 5000) is None, checked_int("0" * 5000 + "7")
(True, 7)
>>> checked_int("ffffffffffffffff", base=16, limit=UINT64_MAX)
18446744073709551615
>>> checked_int("12x") is None, checked_int("") is None
(True, True)
"""

from __future__ import annotations

INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1
KB_MAX = INT64_MAX // 1024  # the largest kB value whose bytes fit an Int64 column
_MAX_DIGITS = {10: 20, 16: 17}  # more significant digits than this cannot fit 64 bits


def checked_int(text: str, base: int = 10, scale: int = 1, limit: int = INT64_MAX) -> int | None:
    """``int(text, base) * scale`` if *text* is digits and the result is at most *limit*, else None."""
    text = text.strip()
    if not text:
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS.get(base, 20):
        return None
    try:
        value = int(digits, base) * scale
    except ValueError:
        return None
    if value < 0 or value > limit or not digits.isalnum():
        return None
    return value


def too_large(text: str) -> str:
    """The message for a number that does not fit, with the number shortened.

    >>> too_large("9" * 30)
    'number too large: 99999999999999999999... (30 digits)'
    """
    text = text.strip()
    shown = text if len(text) <= 20 else f"{text[:20]}... ({len(text)} digits)"
    return f"number too large: {shown}"
