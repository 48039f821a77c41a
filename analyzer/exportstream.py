"""Write the mappings table batch by batch: ``memmaps export`` of inputs too big to hold as one table.

Each writer takes frames one after the other and writes the same bytes :func:`analyzer.export.write`
writes for their concatenation (CSV, JSON Lines, JSON), or the same rows (Parquet, one row group per
batch). The columns are fixed by the first batch: every schema column, and the extra fields (of a
newer kernel) seen in it; an extra field first seen in a later batch is left out, and
:meth:`Writer.close` says which.

>>> import io, pandas as pd
>>> out = io.StringIO()
>>> w = Writer(out, "csv")
>>> w.write(pd.DataFrame({"pid": [1], "rss": [4096]})); w.write(pd.DataFrame({"pid": [2], "rss": [0]}))
>>> w.close(), out.getvalue()
([], 'pid,rss\\n1,4096\\n2,0\\n')
"""

from __future__ import annotations

import json

import pandas as pd

from .export import _records


class Writer:
    """Append frames to an open text *handle* (csv, json, jsonl) or a Parquet file *path*."""

    def __init__(self, target, fmt: str):
        self.target, self.fmt = target, fmt
        self.columns: list[str] | None = None
        self.dropped: set[str] = set()
        self.rows = 0
        self._parquet = None
        self._first: pd.DataFrame | None = None

    def write(self, frame: pd.DataFrame) -> None:
        if self.columns is None:
            self.columns = list(frame.columns)
            self._first = frame.iloc[:0]
            self._start(frame)
        else:
            self.dropped |= set(frame.columns) - set(self.columns)
            missing = [c for c in self.columns if c not in frame.columns]
            if missing:
                frame = frame.assign(**{c: pd.array([pd.NA] * len(frame), dtype="Int64") for c in missing})
            frame = frame[self.columns]
        if not len(frame):
            return
        if self.fmt == "csv":
            self.target.write(frame.to_csv(index=False, header=False))
        elif self.fmt == "jsonl":
            self.target.write("".join(json.dumps(r) + "\n" for r in _records(frame)))
        elif self.fmt == "json":
            for r in _records(frame):
                text = json.dumps([r], indent=1)[2:-2]  # " {...}" as json.dumps(list, indent=1) lays it out
                self.target.write(("[\n" if not self.rows else ",\n") + text)
                self.rows += 1
            return
        else:
            import pyarrow as pa

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                import pyarrow.parquet as pq

                self._schema = table.schema
                self._parquet = pq.ParquetWriter(self.target, self._schema)
            self._parquet.write_table(table.cast(self._schema))
        self.rows += len(frame)

    def _start(self, frame: pd.DataFrame) -> None:
        if self.fmt == "csv":
            self.target.write(frame.iloc[:0].to_csv(index=False))

    def close(self) -> list[str]:
        """Finish the file; the extra columns left out (first seen after the first batch)."""
        if self.fmt == "json":
            self.target.write("[]\n" if not self.rows else "\n]\n")
        elif self.fmt == "parquet":
            if self._parquet is None and self._first is not None:
                self._first.to_parquet(self.target, index=False)  # no rows: the columns alone
            if self._parquet is not None:
                self._parquet.close()
        return sorted(self.dropped)
