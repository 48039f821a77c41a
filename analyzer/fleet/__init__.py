"""Fleets: many inputs (thousands of sosreports) in one Parquet dataset, on Dask when one process is not enough.

- :func:`export` writes inputs into a dataset folder (or fsspec URL): in this process, or one
  Dask task per input (``workers=N`` on a local cluster, ``scheduler="tcp://..."``).
- :func:`load` reads a dataset back as one in-memory :class:`~analyzer.dataset.Dataset`
  (what every ``memmaps`` command does with a dataset folder).
- :func:`read` gives its mappings as a Dask DataFrame, out of core; ``analyzer.by_host``,
  ``by_kind``, ``by_process`` and ``totals`` accept one.

Importing this package does not import Dask; only the Dask paths do.

>>> import tempfile, analyzer
>>> out = tempfile.mkdtemp() + "/fleet"
>>> manifest = analyzer.fleet.export(["sample_dumps/smaps/tree", "no-such-dump.smaps"], out)
Traceback (most recent call last):
...
analyzer.errors.InputError: no-such-dump.smaps: no such file or directory
>>> manifest = analyzer.fleet.export(["sample_dumps/smaps/tree"], out)
>>> [(r["name"], r["status"], r["mappings"], r["hosts"]) for r in manifest["inputs"]]
[('sample_dumps/smaps/tree', 'done', 37, [None])]
>>> analyzer.fleet.is_dataset(out), len(analyzer.fleet.load(out).mappings)
(True, 37)
"""

from __future__ import annotations

from .run import export
from .store import MANIFEST, is_dataset, load


def read(path, table: str = "mappings", columns=None):
    """A table of the dataset at *path* as a Dask DataFrame (one partition per part file)."""
    from .frame import read as _read

    return _read(path, table, columns)


__all__ = ["MANIFEST", "export", "is_dataset", "load", "read"]
