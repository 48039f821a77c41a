"""System memory facts of a sosreport or a copied proc tree, beside its maps.

- per process: ``proc/PID/status`` (:mod:`.formats.status`), ``oom_score``,
  ``oom_score_adj``, ``limits`` (address space, locked memory), and sos's
  ``pids_to_packages.json``;
- per host: ``proc/meminfo`` (``free`` as a fallback), ``vm.max_map_count``,
  the transparent huge page mode;
- tables: SysV segments (``proc/sysvipc/shm`` joined with ``ipcs``) and OOM
  kills in the kernel logs sos copies (dmesg, ``var/log/messages``,
  ``kern.log``, journal exports) - an event found in several logs is kept once.

Pure functions of member bytes; :mod:`analyzer.ingest.trees.collector` calls them.
"""

from __future__ import annotations

import json
import re

from ...errors import Notice
from ..base import Context
from ..formats import kernlog, meminfo, status, sysvipc

# What a process directory's small files say (tree.py reads them as `proc/PID/<name>`).
PROC_FACT_FILES = ("oom_score", "oom_score_adj", "limits")
_LIMITS = {"Max address space": "limit_as", "Max locked memory": "limit_memlock"}

# Kernel logs a sosreport may hold, by spec name (see sosreport.SPECS), best first.
LOG_SPECS = ("dmesg", "journal_kernel", "kern_log", "messages", "journal_all")
# What a copied tree that is no sosreport may hold at these paths: read by content (tree.py).
TREE_SPECS = ("meminfo", "sysvipc_shm", "kern_log", "messages")


def status_facts(data: bytes, source: str) -> dict:
    """The status columns of one ``proc/PID/status`` (sizes in bytes), named after *source*."""
    ctx = Context(source, "skip")
    lines = data.decode("utf-8", errors="backslashreplace").split("\n")
    out = status.fields([x for x in lines if x.strip()], ctx, 1)
    if out:
        out["status_source"] = source
    return out


def proc_fact(kind: str, data: bytes) -> dict:
    """``oom_score``/``oom_score_adj`` (numbers) or the soft limits of ``limits``
    (bytes; NA for ``unlimited``).

    >>> proc_fact("oom_score_adj", b"-500\\n")
    {'oom_score_adj': -500}
    >>> proc_fact("limits", b"Limit   Soft Limit   Hard Limit   Units\\nMax locked memory   8388608   8388608   bytes\\n"
    ...                     b"Max address space         unlimited            unlimited            bytes\\n")
    {'limit_memlock': 8388608, 'limit_as': None}
    """
    text = data.decode("utf-8", errors="replace")
    if kind in ("oom_score", "oom_score_adj"):
        value = text.strip()
        return {kind: int(value)} if re.fullmatch(r"-?\d+", value) else {}
    out: dict = {}
    for line in text.splitlines():
        for label, col in _LIMITS.items():
            if line.startswith(label):
                soft = line[len(label):].split()[:1]
                if soft and soft[0].isdigit():
                    out[col] = int(soft[0])
                elif soft and soft[0] == "unlimited":
                    out[col] = None
    return out


def packages(data: bytes) -> dict[int, str]:
    """PID -> package of its executable, from sos's ``pids_to_packages.json``.

    >>> packages(b'{"16": {"path": "/usr/bin/sleep", "package": "coreutils-9.1-1"}}')
    {16: 'coreutils-9.1-1'}
    """
    try:
        doc = json.loads(data)
    except ValueError:
        return {}
    out = {}
    if isinstance(doc, dict):
        for pid, entry in doc.items():
            if str(pid).isdigit() and isinstance(entry, dict) and entry.get("package"):
                out[int(pid)] = str(entry["package"])
    return out


def _text(files: dict[str, bytes], paths: tuple[str, ...]) -> tuple[str | None, str | None]:
    for path in paths:
        if path in files:
            return path, files[path].decode("utf-8", errors="replace")
    return None, None


def host_memory(files: dict[str, bytes], display: dict[str, str], specs: dict) -> tuple[dict, list[Notice]]:
    """The host's memory columns: every meminfo field (or ``free``'s), ``max_map_count``, ``thp_enabled``."""
    out: dict = {}
    notices: list[Notice] = []
    path, text = _text(files, specs["meminfo"].paths)
    if text:
        ctx = Context(display.get(path, path), "warn")
        out.update(meminfo.parse_fields(text, ctx))
        out["meminfo_source"] = display.get(path, path)
        notices.extend(ctx.notices)
    else:
        for path in specs["free"].paths:
            if path in files:
                option = path.rsplit("free", 1)[-1].lstrip("_") or ""
                got = meminfo.parse_free(files[path].decode("utf-8", errors="replace"), option)
                if got:
                    out.update(got)
                    out["meminfo_source"] = display.get(path, path)
                    notices.append(Notice(display.get(path, path), None, "no proc/meminfo: host memory from `free` "
                                          "(rounded to its unit; no split of the kernel's own memory)", "info"))
                    break
    path, text = _text(files, specs["max_map_count"].paths)
    if text and text.strip().isdigit():
        out["max_map_count"] = int(text.strip())
    else:
        _, text = _text(files, specs["sysctl"].paths)
        m = re.search(r"^vm\.max_map_count = (\d+)$", text or "", re.M)
        if m:
            out["max_map_count"] = int(m.group(1))
    _, text = _text(files, specs["thp_enabled"].paths)
    m = re.search(r"\[(\w+)\]", text or "")
    if m:
        out["thp_enabled"] = m.group(1)
    return out, notices


def read_kinds(files: dict[str, bytes], specs: dict) -> set[str]:
    """The formats of system files *files* holds, found or not anything in them: ``sysvipc`` (the
    segment list was read, even if empty) and ``kernlog`` (a kernel log was read, even without an
    OOM kill). A rule then says "nothing found" rather than "not checked"."""
    kinds = set()
    if any(p in files for name in ("sysvipc_shm", "ipcs") for p in specs[name].paths):
        kinds.add("sysvipc")
    if any(p in files for name in LOG_SPECS for p in specs[name].paths):
        kinds.add("kernlog")
    return kinds


def tables(files: dict[str, bytes], display: dict[str, str], specs: dict, host: str | None,
           on_bad_lines: str = "warn") -> tuple[dict[str, list[dict]], list[Notice]]:
    """SysV segments and OOM events of one sosreport, with *host* filled in."""
    notices: list[Notice] = []
    out: dict[str, list[dict]] = {"shm": [], "oom_kills": [], "oom_tasks": []}
    proc_path, proc_text = _text(files, specs["sysvipc_shm"].paths)
    ipcs_path, ipcs_text = _text(files, specs["ipcs"].paths)
    proc_rows = ipcs_rows = []
    if proc_text:
        ctx = Context(display.get(proc_path, proc_path), on_bad_lines)
        proc_rows = sysvipc.parse_proc(proc_text, ctx)
        for r in proc_rows:
            r["source"] = ctx.source
        notices.extend(ctx.notices)
    if ipcs_text:
        ctx = Context(display.get(ipcs_path, ipcs_path), on_bad_lines)
        ipcs_rows = sysvipc.parse_ipcs(ipcs_text, ctx)
        for r in ipcs_rows:
            r["source"] = ctx.source
        notices.extend(ctx.notices)
    out["shm"] = [{**r, "host": host} for r in sysvipc.joined(proc_rows, ipcs_rows)]
    seen: set[tuple] = set()
    number = 0
    for name in LOG_SPECS:
        for path in specs[name].paths:
            if path not in files:
                continue
            ctx = Context(display.get(path, path), on_bad_lines)
            parsed = kernlog.parse(files[path].decode("utf-8", errors="replace"), ctx)
            notices.extend(ctx.notices)
            tasks_by_event: dict[int, list[dict]] = {}
            for task in parsed.tables["oom_tasks"]:
                tasks_by_event.setdefault(task["event"], []).append(task)
            for kill in parsed.tables["oom_kills"]:
                key = (kill.get("pid"), kill.get("name"), kill.get("total_vm"), kill.get("anon_rss"), kill.get("file_rss"))
                if kill.get("pid") is not None and key in seen:
                    continue  # the same kill in an earlier log (dmesg and messages both hold it)
                seen.add(key)
                number += 1
                mine = tasks_by_event.get(kill["event"], [])
                kill.update(event=number, host=host)
                for task in mine:
                    task.update(event=number, host=host)
                out["oom_kills"].append(kill)
                out["oom_tasks"].extend(mine)
    return out, notices


def smaps_sysv(frame, shm_rows: list[dict]) -> None:
    """Fill ``mapped_by`` of each segment: the PIDs whose maps name ``/SYSV<key as 8 hex digits>``."""
    if not shm_rows or frame is None or not len(frame) or "path" not in frame.columns:
        return
    paths = frame["path"].astype("string")
    sysv = frame[paths.str.startswith("/SYSV").fillna(False)]
    by_key: dict[int, set] = {}
    for path, pid in zip(sysv["path"], sysv["pid"]):
        m = re.match(r"/SYSV([0-9a-fA-F]{8})", str(path))
        if m and pid is not None:
            by_key.setdefault(int(m.group(1), 16), set()).add(int(pid))
    for row in shm_rows:
        pids = by_key.get(row.get("key"))
        row["mapped_by"] = ", ".join(str(p) for p in sorted(pids)) if pids else None


# status and smaps are read at different moments (sos copies one file after the other): a process's
# RSS moves a little between them. More than this is worth a warning.
SKEW_BYTES = 1 << 20
SKEW_SHARE = 0.05


def status_vs_smaps(mappings, processes) -> list[Notice]:
    """A warning per input when a process's status ``VmRSS`` and the sum of its smaps ``Rss``
    differ by more than capture skew (1 MiB and 5%)."""
    if not len(mappings) or not len(processes) or "vm_rss" not in processes.columns:
        return []
    both = processes[processes["vm_rss"].notna() & (processes["mappings"].fillna(0) > 0)]
    if not len(both):
        return []
    sums = mappings.groupby(["source", "pid"], sort=False)["rss"].sum(min_count=1)
    # the same input given twice: its rows twice under one (source, pid); compare one copy
    copies = processes.groupby(["source", "pid"], sort=False).size()
    off: dict[str, list[str]] = {}
    for _, p in both.iterrows():
        maps_rss = sums.get((p["source"], p["pid"]))
        if maps_rss is None or pd_isna(maps_rss):
            continue
        maps_rss = int(maps_rss) // int(copies.get((p["source"], p["pid"]), 1))
        diff = abs(int(maps_rss) - int(p["vm_rss"]))
        if diff > SKEW_BYTES and diff > SKEW_SHARE * max(int(p["vm_rss"]), 1):
            sos = p.get("sosreport")
            where = str(p["source"] if sos is None or pd_isna(sos) else sos)
            off.setdefault(where, []).append(f"{p['pid']} (status {int(p['vm_rss']) >> 10} kB, smaps "
                                             f"{int(maps_rss) >> 10} kB)")
    return [Notice(where, None, f"status and smaps disagree on RSS by more than capture skew (1 MiB and 5%) for "
                   f"{len(pids)} processes: {', '.join(pids[:10])}{' ...' if len(pids) > 10 else ''}")
            for where, pids in off.items()]


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
