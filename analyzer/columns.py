"""What every table's declaration is made of: :class:`Column`, the dtypes used for
strings and times, and :func:`snake`, the kernel key -> column name rule of the
status and meminfo columns. The base of :mod:`analyzer.schema` and
:mod:`analyzer.systables` (it imports neither)."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of a table: name, pandas dtype, unit (``bytes``, ``count``,
    ``address``, ``time`` or empty), meaning."""

    name: str
    dtype: str
    unit: str
    doc: str
    group: str
    key: str | None = None  # the kernel's smaps key, for smaps fields


STRING = "string[pyarrow]"
TIME = "datetime64[ms, UTC]"  # Parquet stores milliseconds: the dtype round-trips exactly


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPECIAL = {"PPid": "ppid", "TracerPid": "tracer_pid", "NStgid": "ns_tgid", "NSpid": "ns_pid",
            "NSpgid": "ns_pgid", "NSsid": "ns_sid"}


def snake(key: str) -> str:
    """A kernel key in snake case, as the columns are named.

    >>> [snake(k) for k in ("VmRSS", "RssAnon", "VmHWM", "PPid", "SReclaimable", "HugePages_Total")]
    ['vm_rss', 'rss_anon', 'vm_hwm', 'ppid', 's_reclaimable', 'hugepages_total']
    >>> [snake(k) for k in ("Active(anon)", "DirectMap2M", "Committed_AS", "Hugepagesize", "NFS_Unstable")]
    ['active_anon', 'direct_map2m', 'committed_as', 'hugepagesize', 'nfs_unstable']
    """
    if key in _SPECIAL:
        return _SPECIAL[key]
    key = key.replace("HugePages_", "Hugepages_").replace("(", "_").replace(")", "")
    return "_".join(p for p in _CAMEL.sub("_", key).lower().split("_") if p)
