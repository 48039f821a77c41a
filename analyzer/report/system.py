"""Report pages of system memory: "Where the memory is" (meminfo per host), the OOM kills
found in kernel logs, SysV shared memory segments, and the top processes from
``/proc/PID/status`` when there are no maps. Numbers come from
:mod:`analyzer.summarize` (``by_system``, ``by_oom``, ``by_process_status``);
this module only draws them. Its charts are ``draw_*``, not ``plot_*``: they take these
dataset-level tables, not the mappings frame the ``.memmaps`` accessor's ``plot_*`` methods take.

>>> import analyzer
>>> from analyzer.summarize import by_system
>>> ax = draw_system(by_system(analyzer.load_dataset("sample_dumps/system/meminfo")))
>>> stacked = [p for p in ax.patches if abs(p.get_height() - 0.5) < 1e-9]  # the processes' bar is thinner
>>> int(sum(p.get_width() for p in stacked)) == int(by_system(analyzer.load_dataset("sample_dumps/system/meminfo"))["mem_total"].iloc[0])
True
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..summarize import SYSTEM_PARTS, by_process_status
from .document import Col, Table
from .style import binary_tick, bytes_axis, ellipsize

SEGMENTS = SYSTEM_PARTS + ["unexplained", "mem_free"]
COLORS = {"anonymous": "#d62728", "page_cache": "#1f77b4", "shmem": "#9467bd", "swap_cached": "#8c564b",
          "slab_reclaimable": "#bcbd22", "slab_unreclaimable": "#7f7f00", "kernel_stack": "#ff7f0e",
          "page_tables": "#e377c2", "hugetlb": "#17becf", "percpu": "#2ca02c", "unexplained": "#7f7f7f",
          "mem_free": "#eeeeee"}
LABELS = {"mem_free": "free", "page_cache": "page cache", "slab_reclaimable": "slab (reclaimable)",
          "slab_unreclaimable": "slab (unreclaimable)", "kernel_stack": "kernel stacks", "page_tables": "page tables",
          "swap_cached": "swap cache", "unexplained": "unexplained"}
STATUS_PARTS = {"anon": ("anonymous", "#d62728"), "file": ("file", "#1f77b4"), "shmem": ("shmem", "#9467bd")}

SYSTEM_CAPTION = ("One bar per host: MemTotal split into what /proc/meminfo names - anonymous (AnonPages), page cache "
                  "(Buffers + Cached - Shmem), shmem, slab, kernel stacks, page tables, huge pages, per-CPU - plus "
                  "`unexplained` (MemTotal - MemFree minus those parts: kernel memory no field names) and free. "
                  "The thin bar under it is the processes' PSS from smaps (or RSS from status or ps): it overlaps "
                  "anonymous, shmem and page cache, so it is drawn beside the parts, not among them.")


def _host_label(row) -> str:
    host = row["host"] if not pd.isna(row["host"]) else "host unknown"
    cap = row.get("capture_time")
    return f"{host}" + (f" {str(cap)[:19]}" if cap is not None and not pd.isna(cap) else "")


def draw_system(frame: pd.DataFrame, ax=None):
    """A stacked horizontal bar per host of ``by_system`` rows (adding up to MemTotal), and a thin
    bar below each for the processes' PSS (or RSS)."""
    if ax is None:
        ax = Figure(figsize=(8, max(2.2, 1.0 * len(frame) + 1.4)), layout="constrained").subplots()
    ys = np.arange(len(frame))
    for i, (_, row) in enumerate(frame.iterrows()):
        left = 0
        for seg in SEGMENTS:
            value = row[seg]
            if pd.isna(value) or int(value) <= 0:
                continue
            ax.barh(i, int(value), left=left, height=0.5, color=COLORS[seg], edgecolor="white", linewidth=0.3,
                    label=LABELS.get(seg, seg.replace("_", " ")) if i == 0 else None)
            left += int(value)
        procs = row["processes_pss"] if not pd.isna(row["processes_pss"]) else row["processes_rss"]
        if not pd.isna(procs):
            ax.barh(i + 0.38, int(procs), height=0.16, color="#333333", label="processes" if i == 0 else None)
            ax.text(int(procs), i + 0.38, f"  processes {'PSS' if not pd.isna(row['processes_pss']) else 'RSS'} "
                    f"{binary_tick(int(procs))}", va="center", fontsize=6.5)
    ax.set_yticks(ys, [ellipsize(_host_label(r), 28) for _, r in frame.iterrows()], fontsize=7.5)
    ax.invert_yaxis()
    bytes_axis(ax.xaxis)
    ax.set_title("Where the memory is (/proc/meminfo)", fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, fontsize=6.5, ncol=5, loc="upper center", bbox_to_anchor=(0.5, -0.18),
                  frameon=False)
    return ax


def draw_top_processes_status(processes: pd.DataFrame, ax=None, top: int = 20):
    """The *top* processes by VmRSS from status, each bar split into anonymous, file and shmem."""
    data = by_process_status(processes).head(top)
    if ax is None:
        ax = Figure(figsize=(8, max(2.5, 0.26 * len(data) + 1.6)), layout="constrained").subplots()
    ys = np.arange(len(data))
    left = np.zeros(len(data))
    for col, (label, color) in STATUS_PARTS.items():
        values = data[col].fillna(0).astype("int64").to_numpy()
        ax.barh(ys, values, left=left, color=color, height=0.72, label=label)
        left += values
    ax.set_yticks(ys, [ellipsize(f"{p} {c}", 42) for p, c in zip(data["pid"], data["command"].fillna(""))],
                  fontfamily="DejaVu Sans Mono", fontsize=7)
    ax.invert_yaxis()
    bytes_axis(ax.xaxis)
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title(f"Top processes by RSS, from /proc/PID/status (top {len(data)})", fontsize=10)
    return ax


def tables(system: pd.DataFrame, oom: pd.DataFrame, shm: pd.DataFrame) -> dict[str, Table]:
    """The tables of the system pages (empty frames give no table)."""
    out = {}
    if len(system):
        labels = [_host_label(r) for _, r in system.iterrows()]
        labels = [f"{lab} ({i + 1})" if labels.count(lab) > 1 else lab for i, lab in enumerate(labels)]
        long = system.set_index(pd.Index(labels))[
            ["mem_total", "mem_free", "mem_available", "used", *SYSTEM_PARTS, "unexplained", "vmalloc",
             "processes_pss", "processes_rss"]].T
        long = long.reset_index().rename(columns={"index": "figure"})
        cols = [Col("figure", "meminfo figure")] + [Col(c, ellipsize(str(c), 24), "bytes") for c in long.columns[1:]]
        out["system"] = Table("Where the memory is", long, cols,
                              note="used = MemTotal - MemFree = the parts (anonymous ... percpu) + unexplained; "
                                   "vmalloc and the processes' PSS/RSS are shown beside, not added.")
    if len(oom):
        when = [t if not pd.isna(t) else (f"{u:.3f} s after boot" if not pd.isna(u) else "-")
                for t, u in zip(oom["time"], oom.get("uptime", pd.Series(pd.NA, index=oom.index)))]
        out["oom"] = Table("OOM kills", oom.assign(when=when), [
            Col("event", "#", "int"), Col("when", "time"), Col("pid", "PID", "text"), Col("name", "name"),
            Col("anon_rss", "anon-rss", "bytes"), Col("file_rss", "file-rss", "bytes"),
            Col("shmem_rss", "shmem-rss", "bytes"), Col("total_vm", "total-vm", "bytes"),
            Col("oom_score_adj", "adj", "text"), Col("scope", "scope"), Col("memcg", "cgroup", flex=True),
            Col("tasks", "tasks", "int")],
            note="From the kernel logs (dmesg, journal, syslog); PIDs as the kernel knows them.")
    if len(shm):
        out["shm"] = Table("SysV shared memory segments", shm.assign(key_hex=[f"0x{int(k):08x}" if not pd.isna(k)
                                                                              else "-" for k in shm["key"]]), [
            Col("key_hex", "key"), Col("shmid", "shmid", "text"), Col("owner", "owner"), Col("perms", "perms"),
            Col("bytes", "bytes", "bytes"), Col("nattch", "nattch", "int"), Col("rss", "RSS", "bytes"),
            Col("swap", "swap", "bytes"), Col("cpid", "cpid", "text"), Col("mapped_by", "mapped by (PIDs)", flex=True)],
            note="A segment with nattch 0 is mapped by no process but still holds its memory (shmem).")
    return out


def legend_handles() -> list[Patch]:
    """Legend patches of the system bar, in stacking order."""
    return [Patch(color=COLORS[s], label=LABELS.get(s, s)) for s in SEGMENTS]
