"""The choices the CLI's options offer, without importing pandas (``memmaps --help`` stays quick).

They repeat constants of the library modules, which import pandas; ``tests/test_startup.py`` checks
that each equals its source.

>>> BY_CHOICES[0], EXPORT_FORMATS[0]
('kind', 'csv')
"""

from __future__ import annotations

#: :data:`analyzer.summarize.BY_CHOICES`
BY_CHOICES = ("kind", "process", "mapping", "host", "user", "command", "cgroup", "unit")
#: :data:`analyzer.export.FORMATS`
EXPORT_FORMATS = ("csv", "parquet", "json", "jsonl")
#: :data:`analyzer.export.TABLES`
EXPORT_TABLES = ("mappings", "processes", "hosts", "notices", "shm", "oom_kills", "oom_tasks")
#: :data:`analyzer.compare.BY_CHOICES`
DIFF_BY = ("process", "mapping", "kind", "host")
#: :data:`analyzer.timeline.BY_CHOICES`
TREND_BY = ("process", "kind", "host")
#: :data:`analyzer.findings.SEVERITIES`
SEVERITIES = ("info", "warning", "critical")
#: :data:`analyzer.classify.KINDS`
KINDS = ("heap", "stack", "anonymous", "lib_code", "lib_data", "file", "deleted", "shm", "memfd", "kernel",
         "reserved", "other", "rollup")
