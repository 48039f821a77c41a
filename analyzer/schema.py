"""The tables memmaps produces, the single source of truth for their columns.

- the **mappings** table: one row per memory mapping (:data:`COLUMNS`);
- the **processes** table: one row per process block (:data:`PROCESS_COLUMNS`);
- the **hosts** table: one row per host a dump describes (:data:`HOST_COLUMNS`).

Every column the analyzer produces is declared here with its pandas dtype,
its unit and its meaning. Ingest modules build frames with these columns;
:func:`conform` (:func:`conform_processes`, :func:`conform_hosts`) casts and
orders a frame; :func:`validate` checks one. A new column is one more
:class:`Column` in the list of its table: conform, export and the README
table follow.

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


from .columns import STRING, TIME, Column  # noqa: F401  (re-exported: schema.Column, schema.STRING)
from . import systables

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
    Column("capture_time", TIME, "time", "When the dump was taken (sosreport `date --utc`, manifest); NA otherwise.", "identity"),
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

BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
KEY_TO_COLUMN: dict[str, str] = {c.key: c.name for c in _SMAPS if c.key}
UNITLESS_KEYS = frozenset(key for key, unit, _ in SMAPS_FIELDS if unit == "count")
BYTE_COLUMNS = [c.name for c in COLUMNS if c.unit == "bytes"]
# What every summary adds up per group (uss = private clean + private dirty).
MEASURES = ["size", "rss", "pss", "uss", "swap"]


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


def _mappings_markdown() -> str:
    lines = ["| column | dtype | unit | meaning |", "| --- | --- | --- | --- |"]
    for c in COLUMNS:
        key = f" (smaps `{c.key}`)" if c.key and c.key != "VmFlags" else ""
        lines.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {c.doc}{key} |")
    return "\n".join(lines)


# --- the processes and hosts tables -----------------------------------------

PROCESS_COLUMNS: list[Column] = [
    Column("host", STRING, "", "Host name, when the dump says it (sosreport); NA otherwise.", "identity"),
    Column("pid", "Int64", "", "Process ID, from the dump's header, path or ps; NA when the dump does not say.", "identity"),
    Column("command", STRING, "", "Command line (cmdline, pmap's `PID:` line, ps) or `[name]`; NA when unknown.", "identity"),
    Column("source", STRING, "", "Where the process block came from: a file, or `archive!member`.", "identity"),
    Column("source_format", STRING, "", "The format of that block: `smaps`, `maps`, `smaps_rollup`, `pmap-x`, `ps`, ...; NA for an empty block.", "identity"),
    Column("lineno", "Int64", "", "Line of the block's first line (banner or `PID:` line) in its source; NA for a whole file.", "identity"),
    Column("capture", STRING, "", "The capture of the process, as in the mappings table.", "identity"),
    Column("block", "Int64", "", "Which process of a source that names no PIDs, as in the mappings table.", "identity"),
    Column("block_name", STRING, "", "The block's own name in a concatenation (`==> NAME <==` banner, `grep -H` "
           "prefix), or the file's path inside a tree; NA for a plain file.", "identity"),
    Column("mappings", "Int64", "count", "Mappings read for this process (NA when known only from ps).", "identity"),
    Column("partial", "boolean", "", "True when some of this process's data was lost (cut record, footer disagreeing).", "identity"),
    Column("user", STRING, "", "Owner: ps `USER`, a uid from `status`, or the archive member's owner; NA otherwise.", "facts"),
    Column("ppid", "Int64", "", "Parent process ID (ps, `status` or `stat`); NA otherwise.", "facts"),
    Column("cgroup", STRING, "", "The process's cgroup as ps prints it; NA otherwise.", "facts"),
    Column("comm", STRING, "", "The short command name ps printed as `COMM`; NA otherwise.", "facts"),
    Column("zombie", "boolean", "", "True for a zombie (`stat` or ps state `Z`); NA when unknown.", "facts"),
    Column("kernel", STRING, "", "Kernel release of the host, when the dump says it; NA otherwise.", "facts"),
    Column("capture_time", TIME, "time", "When the dump was taken (sosreport); NA otherwise.", "facts"),
    Column("sos_version", STRING, "", "Version of sos that made the sosreport; NA for other dumps.", "facts"),
    Column("sosreport", STRING, "", "The sosreport the process belongs to (its archive or directory); NA otherwise.", "facts"),
    Column("ps_source", STRING, "", "The ps output the `ps_*` facts come from (a process known only from ps).", "ps"),
    Column("ps_rss", "Int64", "bytes", "ps's `RSS` (KiB x 1024).", "ps"),
    Column("ps_vsz", "Int64", "bytes", "ps's `VSZ` (KiB x 1024).", "ps"),
    Column("ps_stat", STRING, "", "ps's process state (`STAT` or `S`), e.g. `Ss`, `Z`.", "ps"),
]
# /proc/PID/status, oom_score, limits and sos's pids_to_packages.json (analyzer.systables)
PROCESS_COLUMNS += [c for c in systables.STATUS_COLUMNS if c.name not in {p.name for p in PROCESS_COLUMNS}]


@dataclass(frozen=True)
class Family:
    """Columns named ``PREFIX<name>``, one per field the dump totals: ``rollup_rss``, ``footer_size``, ..."""

    prefix: str
    dtype: str
    doc: str

    def unit(self, name: str) -> str:
        """The unit of ``PREFIX<name>``: that of the mappings column ``<name>``, else bytes."""
        base = BY_NAME.get(name[len(self.prefix):])
        return base.unit if base is not None and base.unit in ("bytes", "count") else "bytes"


PROCESS_FAMILIES: list[Family] = [
    Family("rollup_", "Int64", "A field of `smaps_rollup` for the process (`rollup_rss`, `rollup_pss`, ...; "
           "same units as the mappings column)."),
    Family("footer_", "Int64", "A total from pmap's footer (`footer_size`, `footer_rss`, `footer_dirty`, "
           "`footer_writeable_private`, ...), in bytes (a count for `footer_thp_eligible`)."),
]

HOST_COLUMNS: list[Column] = [
    Column("source", STRING, "", "The sosreport the host row comes from (its archive or directory).", "identity"),
    Column("capture", STRING, "", "The capture (sosreport name) the host record comes from.", "identity"),
    Column("host", STRING, "", "Host name (`hostname`, `hostnamectl`, else the report's name); NA if none.", "identity"),
    Column("capture_time", TIME, "time", "When sos ran (`date --utc`, ...); NA if not stated.", "identity"),
    Column("kernel", STRING, "", "Kernel release (`uname -a`, `hostnamectl`, `/proc/version`); NA if not stated.", "identity"),
    Column("sos_version", STRING, "", "Version of sos (`version.txt`, manifest); NA if not stated.", "identity"),
    Column("sos_cmdline", STRING, "", "The sos command line from the manifest; NA if none.", "sos"),
    Column("maps_collected", "boolean", "", "True when the report holds memory maps (`-k process.smaps=on`).", "sos"),
    Column("processes_with_maps", "Int64", "count", "Processes with a `proc/PID/smaps` in the report.", "sos"),
    Column("processes_in_ps", "Int64", "count", "Processes in the report's ps output.", "sos"),
    Column("ps_files", STRING, "", "The ps outputs read, comma-separated.", "sos"),
]

# every /proc/meminfo field, vm.max_map_count, the THP mode (analyzer.systables); a meminfo field
# this list does not name keeps its snake-cased name as an Int64 column (:func:`host_column`)
HOST_COLUMNS += systables.MEMINFO_COLUMNS

NOTICE_COLUMNS: list[Column] = [
    Column("source", STRING, "", "The file or `archive!member` the notice is about.", "notice"),
    Column("lineno", "Int64", "", "The line it is about (1-based); NA for the whole source.", "notice"),
    Column("level", STRING, "", "`warning` (data lost or partial) or `info` (worth knowing, nothing lost).", "notice"),
    Column("message", STRING, "", "What happened, in words.", "notice"),
]

PROCESS_BY_NAME: dict[str, Column] = {c.name: c for c in PROCESS_COLUMNS}
HOST_BY_NAME: dict[str, Column] = {c.name: c for c in HOST_COLUMNS}
_FAMILY_NAME = re.compile(r"[a-z0-9_]+")


def process_column(name: str) -> Column | None:
    """The declaration of a processes column, a family's member included (``rollup_rss``).

    >>> process_column("ps_rss").unit, process_column("rollup_thp_eligible").unit, process_column("x") is None
    ('bytes', 'count', True)
    """
    col = PROCESS_BY_NAME.get(name)
    if col is not None:
        return col
    for fam in PROCESS_FAMILIES:
        if name.startswith(fam.prefix) and _FAMILY_NAME.fullmatch(name[len(fam.prefix):]):
            return Column(name, fam.dtype, fam.unit(name), fam.doc, fam.prefix.rstrip("_"))
    return None


def process_record(pid: int | None, source: str, source_format: str | None, *, command: str | None = None,
                   lineno: int | None = None, block_name: str | None = None, block: int | None = None,
                   mappings: int | None = 0,
                   partial: bool = False, **facts: object) -> dict:
    """One row of the processes table, as a parser builds it (a dict the loader conforms).

    Every key must be a declared processes column (:data:`PROCESS_COLUMNS`,
    :data:`PROCESS_FAMILIES`): a misspelt fact fails here, not in a report.

    >>> process_record(42, "dump.smaps", "smaps", mappings=3)["mappings"]
    3
    >>> process_record(42, "dump.smaps", "smaps", rss_total=1)
    Traceback (most recent call last):
    ...
    analyzer.errors.SchemaError: rss_total is not a column of the processes table (see analyzer.schema)
    """
    rec: dict[str, object] = {"pid": pid, "command": command, "source": source, "source_format": source_format,
           "block_name": block_name, "block": block, "lineno": lineno, "mappings": mappings, "partial": partial}
    for key in facts:
        if process_column(key) is None:
            raise SchemaError(f"{key} is not a column of the processes table (see analyzer.schema)")
    rec.update(facts)
    return rec


def host_record(source: str, **facts: object) -> dict:
    """One row of the hosts table; every key must be in :data:`HOST_COLUMNS`."""
    for key in facts:
        if host_column(key) is None:
            raise SchemaError(f"{key} is not a column of the hosts table (see analyzer.schema)")
    return {"source": source, **facts}


def host_column(name: str) -> Column | None:
    """The declaration of a hosts column; a meminfo field the schema does not name
    (``active_anon``, ``direct_map2m``, ...) is an Int64 column of bytes.

    >>> host_column("mem_total").unit, host_column("direct_map2m").dtype, host_column("Bad") is None
    ('bytes', 'Int64', True)
    """
    col = HOST_BY_NAME.get(name)
    if col is None and _FAMILY_NAME.fullmatch(name) and name[0].isalpha():
        col = Column(name, "Int64", "bytes", "A /proc/meminfo field (kB x 1024).", "meminfo")
    return col


def _dtype(name: str) -> object:
    """The pandas dtype a declared dtype name stands for (cached)."""
    got = _DTYPE_OF.get(name)
    if got is None:
        got = _DTYPE_OF[name] = pd.api.types.pandas_dtype(name)
    return got


_DTYPE_OF: dict[str, object] = {}


def _cast(values: pd.Series, dtype: str) -> pd.Series:
    if values.dtype == _dtype(dtype):
        return values
    if values.dtype == object and dtype in ("Int64", "UInt64"):
        values = pd.to_numeric(values)  # ints with gaps (None) arrive as object
    if dtype.startswith("datetime64") and values.dtype == object:
        values = pd.to_datetime(values, utc=True)
    return values.astype(dtype)


def _conform_table(frame: pd.DataFrame, columns: list[Column], extra: list[Column]) -> pd.DataFrame:
    declared = columns + extra
    if (list(frame.columns[: len(declared)]) == [c.name for c in declared]
            and all(frame[c.name].dtype == _dtype(c.dtype) for c in declared)):
        return frame  # conformed already (a Dataset conforms what the loader conformed)
    n = len(frame)
    out = {}
    for col in columns + extra:
        if col.name in frame.columns:
            out[col.name] = _cast(frame[col.name], col.dtype)
        else:
            out[col.name] = pd.Series(null_array(col.dtype, n), index=frame.index)
    for name in frame.columns:
        if name not in out:  # undeclared: kept as it is (a column a newer producer added)
            out[name] = frame[name]
    result = pd.DataFrame(out, index=frame.index)
    result.attrs = dict(frame.attrs)
    return result


def conform_processes(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast *frame* to the processes table: declared columns in order (missing ones NA),
    then the family columns present (``rollup_*``, ``footer_*``) in name order, cast.

    >>> f = conform_processes(pd.DataFrame({"pid": [7, None], "ps_rss": [4096, None]}))
    >>> f["pid"].tolist(), f["ps_rss"].tolist(), str(f["command"].dtype)
    ([7, <NA>], [4096, <NA>], 'string')
    """
    names = set(PROCESS_BY_NAME)
    extra = []
    for fam in PROCESS_FAMILIES:
        extra += [c for c in (process_column(n) for n in sorted(frame.columns) if n not in names
                              and n.startswith(fam.prefix)) if c is not None and c.group == fam.prefix.rstrip("_")]
    return _conform_table(frame, PROCESS_COLUMNS, extra)


def conform_hosts(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast *frame* to the hosts table: declared columns in order, missing ones NA.

    >>> conform_hosts(pd.DataFrame()).columns[:3].tolist()
    ['source', 'capture', 'host']
    """
    extra = [c for c in (host_column(n) for n in frame.columns if n not in HOST_BY_NAME) if c is not None]
    return _conform_table(frame, HOST_COLUMNS, extra)


def conform_notices(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast *frame* to the notices table (:data:`NOTICE_COLUMNS`)."""
    return _conform_table(frame, NOTICE_COLUMNS, [])


def validate_table(frame: pd.DataFrame, table: str) -> None:
    """Raise :class:`SchemaError` unless *frame* is a conformed ``processes`` or ``hosts`` table
    with no undeclared column."""
    for name in frame.columns:
        col = process_column(name) if table == "processes" else host_column(name)
        if col is None:
            raise SchemaError(f"{table}: unexpected column {name!r}")
        if str(frame[name].dtype) != str(pd.api.types.pandas_dtype(col.dtype)):
            raise SchemaError(f"{table}: column {name}: dtype {frame[name].dtype}, expected {col.dtype}")


# Measures the summaries compute (not read from a dump): declared for their unit.
MEASURE_COLUMNS: list[Column] = [
    Column("uss", "Int64", "bytes", "Unique set size: private clean + private dirty (summaries only).", "measure"),
] + systables.VIEW_COLUMNS
MEASURE_BY_NAME: dict[str, Column] = {c.name: c for c in MEASURE_COLUMNS}
POSITIONS = frozenset({"offset"})  # unit bytes, but a place in a file, not an amount of memory


def is_size(name: object) -> bool:
    """True for a column that holds an amount of memory in bytes: declared with unit
    ``bytes`` in any table (family members included), file positions excepted. The one
    rule every display (terminal tables, Jupyter, reports) uses to show KiB, MiB, ...

    >>> [n for n in ["pid", "rss", "offset", "ps_rss", "rollup_pss", "uss", "start", "total"] if is_size(n)]
    ['rss', 'ps_rss', 'rollup_pss', 'uss']
    """
    if not isinstance(name, str) or name in POSITIONS:
        return False
    col = (BY_NAME.get(name) or MEASURE_BY_NAME.get(name) or process_column(name) or HOST_BY_NAME.get(name)
           or _SYSTEM_BY_NAME.get(name))
    return col is not None and col.unit == "bytes"


# the shm, oom_kills and oom_tasks tables' columns (analyzer.systables), for their units
_SYSTEM_BY_NAME: dict[str, Column] = {c.name: c for cols in systables.TABLES.values() for c in cols}


def size_columns(columns) -> list[str]:
    """The names among *columns* that hold sizes in bytes (:func:`is_size`).

    >>> size_columns(["pid", "rss", "offset", "ps_rss", "start"])
    ['rss', 'ps_rss']
    """
    return [name for name in columns if is_size(name)]


def markdown_table(table: str = "mappings") -> str:
    """The README's column table of *table* (``mappings``, ``processes``, ``hosts`` or ``notices``),
    generated from the schema."""
    if table == "mappings":
        return _mappings_markdown()
    lines = ["| column | dtype | unit | meaning |", "| --- | --- | --- | --- |"]
    columns = {"processes": PROCESS_COLUMNS, "hosts": HOST_COLUMNS, "notices": NOTICE_COLUMNS}[table]
    for c in columns:
        lines.append(f"| `{c.name}` | {c.dtype} | {c.unit} | {c.doc} |")
    if table == "processes":
        for fam in PROCESS_FAMILIES:
            lines.append(f"| `{fam.prefix}*` | {fam.dtype} | bytes | {fam.doc} |")
    return "\n".join(lines)
