"""Columns beside the mappings table: per-process status facts, per-host meminfo,
SysV segments and OOM kills - each declared once (name, dtype, unit, meaning).

Sizes are bytes (the kernel's ``kB`` are KiB; pages of the OOM killer's task
table are multiplied by the page size); NA means the input did not say.

- :data:`STATUS_COLUMNS` join the process table (``Dataset.processes``);
- :data:`MEMINFO_COLUMNS` join the host table (``Dataset.hosts``): every
  ``/proc/meminfo`` field, snake-cased (fields not listed keep their
  snake-cased name: :func:`meminfo_column`);
- :data:`SHM_COLUMNS`, :data:`OOM_KILL_COLUMNS`, :data:`OOM_TASK_COLUMNS`
  are ``Dataset.shm``, ``Dataset.oom_kills`` and ``Dataset.oom_tasks``.

>>> [c.name for c in STATUS_COLUMNS][:4]
['vm_rss', 'rss_anon', 'rss_file', 'rss_shmem']
>>> conform(pd.DataFrame({"pid": [3], "bytes": [4096]}), SHM_COLUMNS).dtypes["bytes"]
Int64Dtype()
"""

from __future__ import annotations

import pandas as pd

from .columns import STRING, Column, snake


def _c(name: str, dtype: str, unit: str, doc: str, key: str | None = None) -> Column:
    return Column(name, dtype, unit, doc, "system", key)


_B = "bytes"
STATUS_COLUMNS: list[Column] = [
    _c("vm_rss", "Int64", _B, "Resident set size (status `VmRSS`) = rss_anon + rss_file + rss_shmem.", "VmRSS"),
    _c("rss_anon", "Int64", _B, "Resident anonymous memory (`RssAnon`, kernel 4.5+).", "RssAnon"),
    _c("rss_file", "Int64", _B, "Resident file mappings (`RssFile`, 4.5+).", "RssFile"),
    _c("rss_shmem", "Int64", _B, "Resident shmem: SysV, shared anonymous, tmpfs (`RssShmem`, 4.5+).", "RssShmem"),
    _c("vm_swap", "Int64", _B, "Anonymous memory swapped out (`VmSwap`; shmem swap not included).", "VmSwap"),
    _c("vm_hwm", "Int64", _B, "Peak resident set size (`VmHWM`).", "VmHWM"),
    _c("vm_peak", "Int64", _B, "Peak virtual size (`VmPeak`).", "VmPeak"),
    _c("vm_size", "Int64", _B, "Virtual size (`VmSize`).", "VmSize"),
    _c("vm_lck", "Int64", _B, "Locked memory (`VmLck`, mlock).", "VmLck"),
    _c("vm_pin", "Int64", _B, "Pinned memory (`VmPin`).", "VmPin"),
    _c("vm_pte", "Int64", _B, "Page tables (`VmPTE`).", "VmPTE"),
    _c("vm_data", "Int64", _B, "Data + heap + private anonymous virtual size (`VmData`).", "VmData"),
    _c("vm_stk", "Int64", _B, "Main stack virtual size (`VmStk`).", "VmStk"),
    _c("vm_exe", "Int64", _B, "Executable text virtual size (`VmExe`).", "VmExe"),
    _c("vm_lib", "Int64", _B, "Shared library code virtual size (`VmLib`).", "VmLib"),
    _c("hugetlb_pages", "Int64", _B, "hugetlbfs pages mapped (`HugetlbPages`, 4.4+; not in VmRSS).", "HugetlbPages"),
    _c("threads", "Int64", "count", "Threads (`Threads`).", "Threads"),
    _c("tgid", "Int64", "", "Thread group ID (`Tgid`: the PID of the process).", "Tgid"),
    _c("uid", "Int64", "", "Real user ID (first field of `Uid`).", "Uid"),
    _c("ppid", "Int64", "", "Parent process ID (`PPid`).", "PPid"),
    _c("name", STRING, "", "The process's name (status `Name`: the kernel's comm, at most 15 bytes).", "Name"),
    _c("state", STRING, "", "State letter (`State`: R, S, D, Z, T, I, ...).", "State"),
    _c("oom_score", "Int64", "", "The OOM killer's badness score (`/proc/PID/oom_score`, 0-2000).", "oom_score"),
    _c("oom_score_adj", "Int64", "", "Adjustment of the badness score (`/proc/PID/oom_score_adj`, -1000..1000).",
       "oom_score_adj"),
    _c("limit_as", "Int64", _B, "Soft limit of address space (`limits`: Max address space); NA = unlimited.",
       "Max address space"),
    _c("limit_memlock", "Int64", _B, "Soft limit of locked memory (`limits`: Max locked memory); NA = unlimited.",
       "Max locked memory"),
    _c("package", STRING, "", "Package owning the executable (sos `pids_to_packages.json`).", None),
    _c("status_source", STRING, "", "The status file the status columns came from.", None),
]

MEMINFO_COLUMNS: list[Column] = [
    _c("mem_total", "Int64", _B, "Usable RAM (`MemTotal`).", "MemTotal"),
    _c("mem_free", "Int64", _B, "Unused RAM (`MemFree`).", "MemFree"),
    _c("mem_available", "Int64", _B, "Estimate of RAM available without swapping (`MemAvailable`, 3.14+).",
       "MemAvailable"),
    _c("buffers", "Int64", _B, "Block device buffers (`Buffers`).", "Buffers"),
    _c("cached", "Int64", _B, "Page cache incl. shmem, excl. swap cache (`Cached`).", "Cached"),
    _c("swap_cached", "Int64", _B, "Swapped-in pages still in swap (`SwapCached`).", "SwapCached"),
    _c("anon_pages", "Int64", _B, "Anonymous pages mapped into user page tables (`AnonPages`).", "AnonPages"),
    _c("shmem", "Int64", _B, "Shared memory: tmpfs, SysV, shared anonymous (`Shmem`).", "Shmem"),
    _c("s_reclaimable", "Int64", _B, "Reclaimable slab (`SReclaimable`).", "SReclaimable"),
    _c("s_unreclaim", "Int64", _B, "Unreclaimable slab (`SUnreclaim`).", "SUnreclaim"),
    _c("kernel_stack", "Int64", _B, "Kernel stacks (`KernelStack`).", "KernelStack"),
    _c("page_tables", "Int64", _B, "Page tables (`PageTables`).", "PageTables"),
    _c("hugepages_total", "Int64", "count", "Huge pages in the pool (`HugePages_Total`).", "HugePages_Total"),
    _c("hugepagesize", "Int64", _B, "Default huge page size (`Hugepagesize`).", "Hugepagesize"),
    _c("hugetlb", "Int64", _B, "All huge pages of every size (`Hugetlb`, 4.17+).", "Hugetlb"),
    _c("percpu", "Int64", _B, "Per-CPU allocator (`Percpu`, 4.16+).", "Percpu"),
    _c("vmalloc_used", "Int64", _B, "vmalloc area in use (`VmallocUsed`; 0 on 3.x-4.x kernels that stopped counting).",
       "VmallocUsed"),
    _c("swap_total", "Int64", _B, "Swap space (`SwapTotal`).", "SwapTotal"),
    _c("swap_free", "Int64", _B, "Unused swap (`SwapFree`).", "SwapFree"),
    _c("meminfo_source", STRING, "", "The meminfo (or free) file the memory columns came from.", None),
    _c("max_map_count", "Int64", "count", "vm.max_map_count (`proc/sys/vm/max_map_count`).", None),
    _c("thp_enabled", STRING, "", "Transparent huge pages mode: the bracketed word of "
       "`sys/kernel/mm/transparent_hugepage/enabled` (always, madvise, never).", None),
]

SHM_COLUMNS: list[Column] = [
    _c("host", STRING, "", "Host name, when known.", None),
    _c("source", STRING, "", "The file the row came from.", None),
    _c("key", "Int64", "", "Segment key as an unsigned 32-bit value (ipcs prints it in hex; 0 = IPC_PRIVATE).", "key"),
    _c("shmid", "Int64", "", "Segment identifier.", "shmid"),
    _c("owner", STRING, "", "Owner's user name (ipcs); NA from /proc/sysvipc/shm alone.", "owner"),
    _c("perms", STRING, "", "Permissions, octal as printed.", "perms"),
    _c("bytes", "Int64", _B, "Segment size (`size` in /proc, `bytes` in ipcs).", "size"),
    _c("nattch", "Int64", "count", "Attached processes.", "nattch"),
    _c("cpid", "Int64", "", "Creator's PID (/proc only).", "cpid"),
    _c("lpid", "Int64", "", "PID of the last shmat/shmdt (/proc only).", "lpid"),
    _c("uid", "Int64", "", "Owner's uid (/proc only).", "uid"),
    _c("rss", "Int64", _B, "Resident bytes (/proc, kernel 2.6.32+ only).", "rss"),
    _c("swap", "Int64", _B, "Swapped bytes (/proc, kernel 2.6.32+ only).", "swap"),
    _c("mapped_by", STRING, "", "PIDs whose maps hold `/SYSV<key>` (smaps), comma-separated; NA without maps.", None),
]

OOM_KILL_COLUMNS: list[Column] = [
    _c("host", STRING, "", "Host name (sosreport, or the syslog line).", None),
    _c("source", STRING, "", "The log the event came from.", None),
    _c("event", "Int64", "", "Number of the OOM event in its log (1, 2, ...).", None),
    _c("time", STRING, "", "The log's own time stamp of the event's first line, as printed.", None),
    _c("uptime", "Float64", "seconds", "Seconds since boot of the event's first line (`[ s.us]` stamp).", None),
    _c("pid", "Int64", "", "The victim's PID (as the kernel knows it: initial PID namespace).", "Killed process"),
    _c("name", STRING, "", "The victim's name (comm).", None),
    _c("uid", "Int64", "", "The victim's uid (`UID:`, kernel 4.19+).", "UID"),
    _c("total_vm", "Int64", _B, "The victim's virtual size (`total-vm`).", "total-vm"),
    _c("anon_rss", "Int64", _B, "The victim's resident anonymous memory (`anon-rss`).", "anon-rss"),
    _c("file_rss", "Int64", _B, "The victim's resident file pages (`file-rss`).", "file-rss"),
    _c("shmem_rss", "Int64", _B, "The victim's resident shmem (`shmem-rss`, 4.9+).", "shmem-rss"),
    _c("pgtables", "Int64", _B, "The victim's page tables (`pgtables`, 5.x+).", "pgtables"),
    _c("oom_score_adj", "Int64", "", "The victim's oom_score_adj.", "oom_score_adj"),
    _c("score", "Int64", "", "The victim's badness score (`Kill process N (x) score S`, kernels before 4.19).", None),
    _c("scope", STRING, "", "`memcg` (a memory cgroup's limit) or `system` (the whole machine).", None),
    _c("constraint", STRING, "", "`oom-kill:constraint=` (CONSTRAINT_NONE, _MEMCG, _CPUSET, _MEMORY_POLICY).", None),
    _c("memcg", STRING, "", "The cgroup whose limit was hit (`oom_memcg=`, or `limit of` on older kernels).", None),
    _c("task_memcg", STRING, "", "The victim's cgroup (`task_memcg=`).", None),
    _c("trigger", STRING, "", "The task that invoked the OOM killer (`X invoked oom-killer`).", None),
    _c("trigger_pid", "Int64", "", "Its PID (the `CPU: ... PID:` line).", None),
    _c("gfp_mask", STRING, "", "The allocation's gfp_mask.", None),
    _c("order", "Int64", "", "The allocation's order (2^order pages).", None),
    _c("page_size", "Int64", _B, "Page size used for the task table (from the victim's row; 4096 otherwise).", None),
    _c("lineno", "Int64", "", "Line of the event's first line in its source.", None),
]

OOM_TASK_COLUMNS: list[Column] = [
    _c("host", STRING, "", "Host name.", None),
    _c("source", STRING, "", "The log.", None),
    _c("event", "Int64", "", "The OOM event (see oom_kills).", None),
    _c("pid", "Int64", "", "PID.", "pid"),
    _c("uid", "Int64", "", "uid.", "uid"),
    _c("tgid", "Int64", "", "Thread group (process) ID.", "tgid"),
    _c("total_vm", "Int64", _B, "Virtual size (pages x page size).", "total_vm"),
    _c("rss", "Int64", _B, "Resident set (pages x page size).", "rss"),
    _c("rss_anon", "Int64", _B, "Resident anonymous (6.2+).", "rss_anon"),
    _c("rss_file", "Int64", _B, "Resident file pages (6.2+).", "rss_file"),
    _c("rss_shmem", "Int64", _B, "Resident shmem (6.2+).", "rss_shmem"),
    _c("pgtables_bytes", "Int64", _B, "Page tables (4.15+).", "pgtables_bytes"),
    _c("nr_ptes", "Int64", "count", "Page-table pages (3.x-4.14).", "nr_ptes"),
    _c("nr_pmds", "Int64", "count", "PMD pages (4.x-4.14).", "nr_pmds"),
    _c("swapents", "Int64", _B, "Swapped-out memory (swap entries x page size).", "swapents"),
    _c("oom_score_adj", "Int64", "", "oom_score_adj.", "oom_score_adj"),
    _c("name", STRING, "", "Name (comm).", "name"),
    _c("lineno", "Int64", "", "Line of the row in its source.", None),
]

# Figures the system summaries compute (``summary --by system``, ``--by oom``, the status views):
# declared for their unit, so every display shows them as sizes.
VIEW_COLUMNS: list[Column] = [
    _c(name, "Int64", _B, doc) for name, doc in [
        ("used", "MemTotal - MemFree."), ("anonymous", "AnonPages."), ("page_cache", "Buffers + Cached - Shmem."),
        ("slab_reclaimable", "SReclaimable."), ("slab_unreclaimable", "SUnreclaim."),
        ("vmalloc", "VmallocUsed (beside the parts: it overlaps them)."),
        ("unexplained", "used minus the parts: kernel memory no meminfo field names."),
        ("processes_pss", "Sum of the processes' PSS (smaps)."), ("processes_rss", "Sum of the processes' RSS (status or ps)."),
        ("anon", "Resident anonymous memory (status RssAnon)."), ("file", "Resident file pages (status RssFile)."),
        ("tasks_rss", "Sum of the RSS of the OOM killer's task table."),
    ]
]

TABLES = {"shm": SHM_COLUMNS, "oom_kills": OOM_KILL_COLUMNS, "oom_tasks": OOM_TASK_COLUMNS}


def meminfo_column(key: str) -> str:
    """The host column of a meminfo key (any key, listed above or not).

    >>> meminfo_column("SReclaimable"), meminfo_column("Active(file)")
    ('s_reclaimable', 'active_file')
    """
    return snake(key)


def conform(frame: pd.DataFrame, columns: list[Column], keep_extra: bool = True) -> pd.DataFrame:
    """*frame* with every declared column (NA where missing), cast, in declared order;
    other columns kept after them (or dropped)."""
    if _conformed(frame, columns, keep_extra):
        return frame  # already the table (a Dataset conforms what the loader conformed)
    out = frame.copy()
    for col in columns:
        if col.name not in out.columns:
            out[col.name] = pd.Series(pd.NA, index=out.index, dtype=object)
        if col.dtype in ("Int64", "Float64"):
            out[col.name] = pd.to_numeric(out[col.name], errors="coerce").astype(col.dtype)
        else:
            out[col.name] = out[col.name].astype(object).where(out[col.name].notna(), None).astype(col.dtype)
    names = [c.name for c in columns]
    rest = [c for c in out.columns if c not in names] if keep_extra else []
    for name in rest:  # undeclared whole-number columns (ipcs's gid, atime, ...) stay whole numbers
        values = out[name].dropna()
        if len(values) and all(isinstance(v, (int, float)) and float(v).is_integer() for v in values):
            out[name] = pd.to_numeric(out[name]).astype("Int64")
    return out[names + rest].reset_index(drop=True)


def _conformed(frame: pd.DataFrame, columns: list[Column], keep_extra: bool) -> bool:
    """Whether *frame* is already what :func:`conform` makes of it."""
    names = [c.name for c in columns]
    have = list(frame.columns)
    if have[: len(names)] != names or (not keep_extra and len(have) != len(names)):
        return False
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 or frame.index.step != 1:
        return False
    if len(have) > len(names):
        return False  # undeclared columns: let conform decide their dtype
    return all(str(frame[c.name].dtype) == str(pd.api.types.pandas_dtype(c.dtype)) for c in columns)


def empty(columns: list[Column]) -> pd.DataFrame:
    """An empty table of *columns*.

    >>> t = empty(SHM_COLUMNS)
    >>> len(t), list(t.columns) == [c.name for c in SHM_COLUMNS], str(t["host"].dtype), str(t["key"].dtype)
    (0, True, 'string', 'Int64')
    """
    return pd.DataFrame({c.name: pd.array([], dtype=c.dtype) for c in columns}, index=pd.RangeIndex(0))


def markdown_table(columns: list[Column]) -> str:
    """The README table of *columns* (tests/test_system_memory.py checks the README against it)."""
    lines = ["| column | dtype | unit | meaning |", "| --- | --- | --- | --- |"]
    for c in columns:
        dtype = "string" if c.dtype == STRING else c.dtype
        lines.append(f"| `{c.name}` | {dtype} | {c.unit} | {c.doc} |")
    return "\n".join(lines)


README_TABLES = {"meminfo": MEMINFO_COLUMNS, "shm": SHM_COLUMNS,
                 "oom_kills": OOM_KILL_COLUMNS, "oom_tasks": OOM_TASK_COLUMNS}
