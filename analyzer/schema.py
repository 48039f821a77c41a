"""The mappings table: one row per memory mapping, the single source of truth.

Every column the analyzer produces is declared here with its pandas dtype,
its unit and its meaning. Ingest modules build frames with these columns;
:func:`conform` casts and orders a frame; :func:`validate` checks one.

Sizes are **bytes** (the kernel's ``kB`` is KiB: multiplied by 1024 here).
``<NA>`` means *the dump did not say*; ``0`` means *the dump said 0*.

smaps field names are snake-cased from the kernel's keys:

>>> field_column("Rss"), field_column("Shared_Clean"), field_column("AnonHugePages")
('rss', 'shared_clean', 'anon_huge_pages')
>>> field_column("THPeligible"), field_column("MMUPageSize"), field_column("Pss_Dirty")
('thp_eligible', 'mmu_page_size', 'pss_dirty')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import SchemaError


@dataclass(frozen=True)
class Column:
    """One column of the mappings table."""

    name: str
    dtype: str
    unit: str
    doc: str
    group: str
    key: str | None = None  # the kernel's smaps key, for smaps fields


STRING = "string[pyarrow]"

_IDENTITY = [
    Column("host", STRING, "", "Host name, when the dump says it (sosreport, supportconfig); NA otherwise.", "identity"),
    Column("pid", "Int64", "", "Process ID, from the dump's header or path; NA when the dump does not say.", "identity"),
    Column("command", STRING, "", "Command line (cmdline, pmap's `PID:` line, ps) or name; NA when unknown.", "identity"),
    Column("source", STRING, "", "Where the row came from: a file, or `archive!member`.", "identity"),
    Column("source_format", STRING, "", "The format recognised: `smaps`, `maps`, `pmap-x`, ...", "identity"),
    Column("lineno", "Int64", "", "Line number of the mapping's header line in its source (1-based).", "identity"),
    Column("user", STRING, "", "Owner of the process (ps `USER`, or a uid), when the dump says it; NA otherwise.", "identity"),
    Column("ppid", "Int64", "", "Parent process ID (ps `PPID`), when the dump says it; NA otherwise.", "identity"),
    Column("cgroup", STRING, "", "The process's cgroup as ps prints it (`CGROUP` column); NA when ps printed `-` or nothing.", "identity"),
    Column("capture_time", "datetime64[s, UTC]", "time", "When the dump was taken (sosreport `date --utc`, manifest); NA otherwise.", "identity"),
    Column("kernel", STRING, "", "Kernel release of the host (`uname -r`), when the dump says it; NA otherwise.", "identity"),
    Column("sos_version", STRING, "", "Version of sos that made the sosreport (`version.txt`, manifest); NA for other dumps.", "identity"),
    Column("capture", STRING, "", "The capture the row belongs to: a sosreport's name (its top directory, the archive's name without suffix: an archive and its extracted copy are one capture), else the path of the file or proc tree read. Captures are never added up.", "identity"),
    Column("block", "Int64", "", "Which process of a source that names no PIDs (a `cat` of many smaps: one process per address restart): 1, 2, ...; NA when the source gives PIDs or holds one process.", "identity"),
]

_MAPPING = [
    Column("start", "UInt64", "address", "First address of the mapping.", "mapping"),
    Column("end", "UInt64", "address", "One past the last address (NA where the dump gives only start and size).", "mapping"),
    Column("size", "Int64", "bytes", "Virtual size: smaps `Size`, else end - start, else pmap's Kbytes.", "mapping"),
    Column("perms", STRING, "", "The kernel's 4-character permissions, e.g. `r-xp`, `rw-s`.", "mapping"),
    Column("offset", "UInt64", "bytes", "File offset of the mapping.", "mapping"),
    Column("dev", STRING, "", "Device `major:minor` in hex as the kernel prints it, e.g. `fe:00`, `103:02`.", "mapping"),
    Column("inode", "UInt64", "", "Inode number of the mapped file (0 for anonymous).", "mapping"),
    Column("path", STRING, "", "Path or kernel name (`[heap]`, `[anon:NAME]`), without ` (deleted)`; NA if anonymous.", "mapping"),
    Column("deleted", "boolean", "", "True when the kernel marked the path ` (deleted)`.", "mapping"),
    Column("kind", STRING, "", "Mapping kind from `analyzer.classify` (heap, stack, lib_code, ...).", "mapping"),
]

# smaps fields known today, in the kernel's print order. Unknown `kB` fields
# that future kernels add are kept as extra Int64 byte columns.
SMAPS_FIELDS = [
    ("Rss", "bytes", "Resident set size."),
    ("Pss", "bytes", "Proportional set size: resident pages divided by the number of sharers."),
    ("Pss_Dirty", "bytes", "The dirty part of Pss (6.0+)."),
    ("Pss_Anon", "bytes", "The anonymous part of Pss (smaps_rollup only)."),
    ("Pss_File", "bytes", "The file-backed part of Pss (smaps_rollup only)."),
    ("Pss_Shmem", "bytes", "The shared-memory part of Pss (smaps_rollup only)."),
    ("Shared_Clean", "bytes", "Clean pages shared with other processes."),
    ("Shared_Dirty", "bytes", "Dirty pages shared with other processes."),
    ("Private_Clean", "bytes", "Clean pages mapped only by this process."),
    ("Private_Dirty", "bytes", "Dirty pages mapped only by this process."),
    ("Referenced", "bytes", "Pages currently marked referenced or accessed."),
    ("Anonymous", "bytes", "Pages that belong to no file."),
    ("KSM", "bytes", "Pages shared by kernel same-page merging (6.x)."),
    ("LazyFree", "bytes", "Pages marked MADV_FREE."),
    ("AnonHugePages", "bytes", "Anonymous memory backed by transparent huge pages."),
    ("ShmemPmdMapped", "bytes", "Shared memory mapped with huge pages."),
    ("FilePmdMapped", "bytes", "File pages mapped with huge pages."),
    ("Shared_Hugetlb", "bytes", "hugetlbfs pages shared with others (not counted in Rss)."),
    ("Private_Hugetlb", "bytes", "hugetlbfs pages private to this process (not counted in Rss)."),
    ("Swap", "bytes", "Anonymous memory swapped out."),
    ("SwapPss", "bytes", "Proportional share of Swap."),
    ("KernelPageSize", "bytes", "Page size the kernel uses for this mapping."),
    ("MMUPageSize", "bytes", "Page size the MMU uses for this mapping."),
    ("Locked", "bytes", "Pages locked in memory (mlock)."),
    ("THPeligible", "count", "1 if the mapping may use transparent huge pages (a flag, not kB)."),
    ("ProtectionKey", "count", "Memory protection key (a number, not kB)."),
]

# pmap columns that have no smaps equivalent.
_PMAP = [
    Column("dirty", "Int64", "bytes", "pmap's `Dirty`: Shared_Dirty + Private_Dirty (procps), private dirty (BusyBox).", "pmap"),
    Column("path_is_basename", "boolean", "", "True when the tool printed only the file's basename (pmap without -p).", "pmap"),
    Column("name_lost", "boolean", "", "True when the tool collapsed the name (pmap's `[ anon ]` hides [heap], [vdso], ...).", "pmap"),
]


# Keys whose capitals do not follow CamelCase word boundaries.
_SPECIAL_KEYS = {"THPeligible": "thp_eligible"}


def field_column(key: str) -> str:
    """Snake-case a kernel smaps key into a column name."""
    if key in _SPECIAL_KEYS:
        return _SPECIAL_KEYS[key]
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", key)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"_+", "_", name).lower()


_SMAPS = [
    Column(field_column(key), "Int64", unit, doc, "smaps", key=key) for key, unit, doc in SMAPS_FIELDS
] + [Column("vmflags", STRING, "", "`VmFlags` as printed, space-separated two-letter flags.", "smaps", key="VmFlags")]

COLUMNS: list[Column] = _IDENTITY + _MAPPING + _SMAPS + _PMAP

# Columns of the process table (``Dataset.processes``: one row per process block) and the host
# table (``Dataset.hosts``) added for captures and `cat` concatenations; listed here so the typed
# process and host tables can take them over.
PROCESS_CAPTURE_COLUMNS = [
    Column("capture", STRING, "", "The capture of the process, as in the mappings table.", "identity"),
    Column("capture_time", "datetime64[s, UTC]", "time", "When its capture was taken, where known.", "identity"),
    Column("block", "Int64", "", "Which process of a source that names no PIDs, as in the mappings table.", "identity"),
    Column("block_name", STRING, "", "The block's own name in a concatenation (`==> NAME <==` banner, `grep -H` "
           "prefix), or the file's path inside a tree; NA for a plain file.", "identity"),
]
HOST_CAPTURE_COLUMNS = [
    Column("capture", STRING, "", "The capture (sosreport name) the host record comes from.", "identity"),
]
BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
KEY_TO_COLUMN: dict[str, str] = {c.key: c.name for c in _SMAPS if c.key}
UNITLESS_KEYS = frozenset(key for key, unit, _ in SMAPS_FIELDS if unit == "count")
BYTE_COLUMNS = [c.name for c in COLUMNS if c.unit == "bytes"]


_NAMES = [c.name for c in COLUMNS]
_DTYPES = {c.name: pd.api.types.pandas_dtype(c.dtype) for c in COLUMNS}
_INT64 = pd.api.types.pandas_dtype("Int64")


def is_extra_field(name: str) -> bool:
    """True for a column that a newer kernel added (kept, typed Int64 bytes)."""
    return name not in BY_NAME and re.fullmatch(r"[a-z][a-z0-9_]*", name) is not None


def empty() -> pd.DataFrame:
    """A frame with every declared column and no rows."""
    return conform(pd.DataFrame())


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast *frame* to the schema: declared columns in order, missing ones NA.

    Extra columns (fields a newer kernel added) are kept after the declared
    ones, cast to Int64.

    >>> f = conform(pd.DataFrame({"rss": [4096], "path": ["[heap]"]}))
    >>> f.loc[0, "rss"], f.loc[0, "path"], f.loc[0, "pss"] is pd.NA
    (np.int64(4096), '[heap]', True)
    """
    n = len(frame)
    names = list(frame.columns)
    if names[: len(COLUMNS)] == _NAMES and len(set(names)) == len(names):
        # Already in schema order (a parser's or an earlier conform's output):
        # cast only the columns whose dtype differs. Same result, far cheaper.
        out_frame = frame.copy(deep=False)
        out_frame.attrs = {}
        for name, dtype in zip(names, frame.dtypes):
            wanted = _DTYPES.get(name, _INT64)
            if dtype != wanted:
                out_frame[name] = frame[name].astype(wanted)
        return out_frame
    out = {}
    for col in COLUMNS:
        if col.name in frame.columns:
            out[col.name] = frame[col.name].astype(col.dtype)
        else:
            out[col.name] = pd.Series(null_array(col.dtype, n), index=frame.index)
    for name in frame.columns:
        if name not in BY_NAME:
            out[name] = frame[name].astype("Int64")
    return pd.DataFrame(out, index=frame.index)


def null_array(dtype: str, n: int) -> pd.api.extensions.ExtensionArray:
    """*n* NA values of *dtype*, built without a Python list of *n* items.

    >>> null_array("Int64", 3).tolist()
    [<NA>, <NA>, <NA>]
    """
    one = _NA_ONE.get(dtype)
    if one is None:
        one = _NA_ONE[dtype] = pd.array([pd.NA], dtype=dtype)
    return one.take(np.zeros(n, dtype=np.intp))


_NA_ONE: dict[str, pd.api.extensions.ExtensionArray] = {}


def validate(frame: pd.DataFrame) -> None:
    """Raise :class:`SchemaError` unless *frame* conforms to the schema."""
    missing = [c.name for c in COLUMNS if c.name not in frame.columns]
    if missing:
        raise SchemaError(f"missing columns: {', '.join(missing)}")
    for col in COLUMNS:
        if str(frame[col.name].dtype) != str(pd.api.types.pandas_dtype(col.dtype)):
            raise SchemaError(f"column {col.name}: dtype {frame[col.name].dtype}, expected {col.dtype}")
    for name in frame.columns:
        if name not in BY_NAME and not is_extra_field(name):
            raise SchemaError(f"unexpected column {name!r}")


def markdown_table() -> str:
    """The README's column table, generated from the schema."""
    lines = ["| column | dtype | unit | meaning |", "| --- | --- | --- | --- |"]
    for c in COLUMNS:
        key = f" (smaps `{c.key}`)" if c.key and c.key != "VmFlags" else ""
        lines.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {c.doc}{key} |")
    return "\n".join(lines)
