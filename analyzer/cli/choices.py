"""The choices the CLI's options offer, without importing pandas (``memmaps --help`` stays quick).

They repeat constants of the library modules, which import pandas; ``tests/test_startup.py`` checks
that each equals its source.

>>> BY_CHOICES[0], EXPORT_FORMATS[0]
('kind', 'csv')
"""

from __future__ import annotations

#: :data:`analyzer.summarize.BY_CHOICES`
BY_CHOICES = ("kind", "process", "mapping", "host")
#: :data:`analyzer.export.FORMATS`
EXPORT_FORMATS = ("csv", "parquet", "json", "jsonl")
