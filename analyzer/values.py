"""How one value is shown or serialised, in one place: the NA test, sizes in
human units, and the JSON form of a cell. (Which *columns* are sizes is the
schema's to say: :func:`analyzer.schema.is_size`.)

>>> is_na(None), is_na(float("nan")), is_na(pd.NA), is_na(pd.NaT), is_na(0)
(True, True, True, True, False)
>>> human_bytes(0), human_bytes(1536), human_bytes(3 * 1024**3), human_bytes(None)
('0 B', '1.5 KiB', '3.0 GiB', '-')
>>> import numpy as np
>>> json_value(np.int64(7)), json_value(pd.NA), json_value(pd.Timestamp("2026-11-25 17:48:06", tz="UTC"))
(7, None, '2026-11-25T17:48:06+00:00')
"""

from __future__ import annotations

import pandas as pd

UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]


def is_na(value: object) -> bool:
    """True for a missing value of any kind (None, ``pd.NA``, ``NaT``, a float NaN)."""
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def human_bytes(value) -> str:
    """Bytes as a short human string (binary units); NA as ``-``."""
    if is_na(value):
        return "-"
    value = int(value)
    if abs(value) < 1024:
        return f"{value} B"
    size = float(value)
    for unit in UNITS[1:]:
        size /= 1024
        if abs(size) < 1024 or unit == UNITS[-1]:
            return f"{size:.1f} {unit}"
    return f"{value} B"


def json_value(value):
    """A cell as JSON has it: NA as None, numpy scalars as Python numbers, times in ISO 8601."""
    if is_na(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def plural(n: int, one: str, many: str | None = None) -> str:
    """``n`` and the noun, singular or plural.

    >>> plural(1, "process", "processes"), plural(3, "time")
    ('1 process', '3 times')
    """
    return f"{n} {one if n == 1 else (many or one + 's')}"
