"""Writers for the tables of a dataset: CSV, Parquet, JSON and JSON Lines.

Any of the four tables - ``mappings``, ``processes``, ``hosts``, ``notices``
(:data:`TABLES`, columns in :mod:`analyzer.schema`) - is written whole.
Values are exact: sizes in bytes, addresses as unsigned integers, NA as an
empty CSV field or JSON ``null``; Parquet keeps every dtype.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from . import schema, systables
from .dataset import Dataset
from .values import json_value

FORMATS = ("csv", "parquet", "json", "jsonl")
TABLES = ("mappings", "processes", "hosts", "notices", *systables.TABLES)


def format_for(path: str | Path, fmt: str | None = None) -> str:
    """The export format: *fmt* if given, else from the file extension.

    >>> format_for("out.parquet"), format_for("x.JSONL"), format_for("x.dat", "csv")
    ('parquet', 'jsonl', 'csv')
    """
    if fmt:
        return fmt
    suffix = Path(str(path)).suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise ValueError(f"cannot tell the format of {path}: use .csv, .parquet, .json or .jsonl, or --format")


def table(ds: Dataset, name: str) -> pd.DataFrame:
    """The table *name* of *ds* (one of :data:`TABLES`), conformed to its schema.

    >>> import analyzer
    >>> ds = analyzer.load_dataset("sample_dumps/smaps/single_threads_thp_truncated.smaps")
    >>> table(ds, "notices")[["lineno", "level"]].to_dict("records")
    [{'lineno': 776, 'level': 'warning'}]
    """
    if name == "mappings":
        return ds.mappings
    if name == "processes":
        return schema.conform_processes(ds.processes)
    if name == "hosts":
        return schema.conform_hosts(ds.hosts)
    if name == "notices":
        rows = [{"source": n.source, "lineno": n.lineno, "level": n.level, "message": n.message} for n in ds.notices]
        return schema.conform_notices(pd.DataFrame.from_records(rows) if rows else pd.DataFrame())
    if name in systables.TABLES:  # shm, oom_kills, oom_tasks
        return systables.conform(getattr(ds, name), systables.TABLES[name])
    raise ValueError(f"unknown table {name!r}: one of {', '.join(TABLES)}")


def _records(frame: pd.DataFrame):
    cols = list(frame.columns)
    for row in frame.itertuples(index=False, name=None):
        yield {c: json_value(v) for c, v in zip(cols, row)}


def write(frame: pd.DataFrame, path: str | Path, fmt: str | None = None) -> str:
    """Write *frame* to *path* (``-`` for standard output, text formats only)."""
    fmt = format_for(path, fmt)
    if fmt == "parquet":
        if str(path) == "-":
            raise ValueError("Parquet cannot be written to standard output: give a file name")
        frame.to_parquet(path, index=False)
        return fmt
    if fmt == "csv":
        text = frame.to_csv(index=False)
    elif fmt == "json":
        text = json.dumps(list(_records(frame)), indent=1) + "\n"
    else:
        text = "".join(json.dumps(r) + "\n" for r in _records(frame))
    if str(path) == "-":
        import sys

        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")
    return fmt
