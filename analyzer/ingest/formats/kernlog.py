"""The OOM killer's reports in kernel logs: ``dmesg`` (with ``[ s.us]`` stamps, ``-T``,
``--time-format iso``, ``-t``), ``journalctl -k`` and syslog files (``/var/log/messages``,
``kern.log``; traditional or RFC 3339 stamps).

One report (an *event*), as kernel 6.x prints it (``mm/oom_kill.c``)::

    memhog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
    CPU: 0 UID: 0 PID: 12062 Comm: memhog Not tainted 6.18.44 #1
    ...
    Tasks state (memory values in pages):
    [  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name
    [  12056]     0 12056      730      424        0      424         0    45056        0             0 sleep
    oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/m,task_memcg=/m,task=memhog,pid=12062,uid=0
    Memory cgroup out of memory: Killed process 12062 (memhog) total-vm:67880kB, anon-rss:28160kB, file-rss:984kB, shmem-rss:0kB, UID:0 pgtables:96kB oom_score_adj:0

The task table's columns are read from its header line, so every
generation of ``dump_tasks`` is understood: 2.6 (``cpu oom_adj``), 3.x
(``nr_ptes``), 4.x (``nr_ptes nr_pmds``, then ``pgtables_bytes`` from 4.15)
and 6.x (``rss_anon rss_file rss_shmem``, from 6.2). Values the kernel
prints in pages are multiplied by the page size: the log does not print it,
so it is worked out from the victim (``total-vm`` in kB against its
``total_vm`` in pages) and is 4096 where the victim is not in the table.
``nr_ptes``/``nr_pmds`` stay counts of page-table pages; ``pgtables_bytes``
is NA for those kernels.

Rows go to the ``oom_kills`` table (one per event: the victim) and the
``oom_tasks`` table (one per listed process and event), see
:mod:`analyzer.systables`. Process IDs are as the kernel knows them (the
initial PID namespace), which may differ from a container's own.

>>> from analyzer.ingest.base import Context
>>> p = parse('''[  420.278943] memhog invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0
... [  420.284983] Tasks state (memory values in pages):
... [  420.284985] [  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
... [  420.284997] [  12062]     0 12062    16970     7286    98304        0             0 memhog
... [  420.285030] Out of memory: Killed process 12062 (memhog) total-vm:67880kB, anon-rss:28160kB, file-rss:984kB, shmem-rss:0kB, UID:0 pgtables:96kB oom_score_adj:0
... ''', Context("dmesg"))
>>> kill = p.tables["oom_kills"][0]
>>> kill["pid"], kill["name"], kill["anon_rss"], kill["uptime"], kill["scope"]
(12062, 'memhog', 28835840, 420.278943, 'system')
>>> task = p.tables["oom_tasks"][0]
>>> task["pid"], task["rss"], task["pgtables_bytes"], task["name"]
(12062, 29843456, 98304, 'memhog')
"""

from __future__ import annotations

import re

import pandas as pd

from ..base import Context, Parsed, split_lines
from ..sources.reader import decode

NAME = "kernlog"
DEFAULT_PAGE_SIZE = 4096

_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_ISO = r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
_UPTIME = r"\[\s*(?P<up>\d+\.\d+)\] ?"
# (time text, host, uptime) in front of a kernel message; the first that matches wins
_PREFIXES = [
    re.compile(rf"^(?P<ts>{_MON} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?) (?P<host>\S+) kernel: (?:{_UPTIME})?"),
    re.compile(rf"^(?P<ts>{_ISO}) (?P<host>\S+) kernel: (?:{_UPTIME})?"),
    re.compile(rf"^{_UPTIME}(?P<host>\S+) kernel: "),  # journalctl -o short-monotonic
    re.compile(rf"^\[(?P<ts>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) {_MON} [ \d]\d \d\d:\d\d:\d\d \d{{4}})\] "),
    re.compile(r"^(?P<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d+[+-]\d\d:\d\d) "),  # dmesg --time-format iso
    re.compile(rf"^(?:(?:kern|user|daemon|syslog)\s*:\s*[a-z]+\s*: )?{_UPTIME}"),  # dmesg (-x)
]
# a syslog line of another program: not the kernel's
_OTHER = re.compile(rf"^(?:{_MON} [ \d]\d \d\d:\d\d:\d\d(?:\.\d+)?|{_ISO}) \S+ (?!kernel:)[^\s:]+: ")
_OOM_HINT = re.compile(r"invoked oom-killer: |\] Killed process \d+ |: Killed process \d+ \(|^Killed process \d+ \(|"
                       r"Out of memory: Kill(?:ed)? process \d+", re.M | re.I)

_INVOKED = re.compile(r"^(?P<comm>.+?) invoked oom-killer: gfp_mask=(?P<gfp>0x[0-9a-f]+)(?:\((?P<flags>[^)]*)\))?,"
                      r"(?: nodemask=\S+,)? order=(?P<order>-?\d+),(?: oom_adj=-?\d+,)? oom_score_adj=(?P<adj>-?\d+)")
_CPU = re.compile(r"^CPU: \d+ (?:UID: \d+ )?PID: (?P<pid>\d+) Comm: (?P<comm>.{1,16}?) (?:Not tainted|Tainted)")
_TASK_HEADER = re.compile(r"^\[\s*pid\s*\]\s+uid\s+tgid\s+total_vm\s+rss\b.*\bname\s*$")
_TASK_ROW = re.compile(r"^\[\s*(?P<pid>\d+)\]\s+(?P<rest>.*)$")
_CONSTRAINT = re.compile(r"^oom-kill:(?P<kv>constraint=.*)$")
_KILL_INTENT = re.compile(r"^(?P<scope>Out of memory|Memory cgroup out of memory)(?: \(oom_kill_allocating_task\))?: "
                          r"[Kk]ill process (?P<pid>\d+) \((?P<name>.*)\) score (?P<score>-?\d+)")
_KILLED = re.compile(r"^(?:(?P<scope>Out of memory|Memory cgroup out of memory)(?: \(oom_kill_allocating_task\))?: )?"
                     r"Killed process (?P<pid>\d+),?(?: UID (?P<uid0>\d+),)? \((?P<name>.*?)\),? (?P<rest>(?:total-vm|vsz):.*)$")
_TASK_IN = re.compile(r"^Task in (?P<task>\S+) killed as a result of limit of (?P<memcg>\S+)")
_FIELD = re.compile(r"([A-Za-z][\w-]*):(-?\d+)(kB)?")
_PAGE_COLUMNS = ("total_vm", "rss", "rss_anon", "rss_file", "rss_shmem", "swapents")
_VICTIM = {"total-vm": "total_vm", "vsz": "total_vm", "anon-rss": "anon_rss", "file-rss": "file_rss",
           "shmem-rss": "shmem_rss", "UID": "uid", "pgtables": "pgtables", "oom_score_adj": "oom_score_adj"}


def strip_prefix(line: str) -> tuple[str | None, float | None, str | None, str | None]:
    """``(time, uptime, host, message)`` of a kernel log line; *message* None for
    a line of another program (syslog).

    >>> strip_prefix("Dec  6 03:32:50 sample-host kernel: [  420.278943] memhog invoked oom-killer: x")
    ('Dec  6 03:32:50', 420.278943, 'sample-host', 'memhog invoked oom-killer: x')
    >>> strip_prefix("[Sun Dec  6 03:32:50 2026] Tasks state (memory values in pages):")
    ('Sun Dec  6 03:32:50 2026', None, None, 'Tasks state (memory values in pages):')
    >>> strip_prefix("Dec  6 03:32:50 sample-host cron[12]: job")[3] is None
    True
    """
    for rx in _PREFIXES:
        m = rx.match(line)
        if m:
            d = m.groupdict()
            up = float(d["up"]) if d.get("up") else None
            return d.get("ts"), up, d.get("host"), line[m.end():]
    if _OTHER.match(line):
        return None, None, None, None
    return None, None, None, line


def detect(head: str) -> str | None:
    """``kernlog`` for a kernel log: most of its first lines stamped like dmesg, journalctl or
    syslog, or an OOM killer's report anywhere in the head.

    >>> detect("[    0.000000] Linux version 6.1.0\\n[    0.000000] Command line: ro\\n")
    'kernlog'
    >>> detect("Name:\\tbash\\n") is None
    True
    """
    if _OOM_HINT.search(head):
        return NAME
    lines = [x for x in head.split("\n")[:30] if x.strip()]
    if len(lines) < 2:
        return None
    stamped = sum(1 for x in lines if any(rx.match(x) for rx in _PREFIXES[:-1]) or re.match(r"^\[\s*\d+\.\d{6}\] ", x))
    return NAME if stamped >= 0.8 * len(lines) else None


def _victim_fields(rest: str) -> dict:
    out: dict = {}
    for key, value, unit in _FIELD.findall(rest):
        col = _VICTIM.get(key)
        if col:
            out[col] = int(value) * 1024 if unit else int(value)
    return out


def _constraint(kv: str) -> dict:
    parts = re.split(r",(?=\w+=)", kv)
    out = dict(p.split("=", 1) for p in parts if "=" in p)
    return {"constraint": out.get("constraint"), "memcg": out.get("oom_memcg"), "task_memcg": out.get("task_memcg"),
            "cpuset": out.get("cpuset"), "nodemask": out.get("nodemask"), "constraint_pid": out.get("pid")}


class _Event:
    def __init__(self, number: int, lineno: int):
        self.kill: dict = {"event": number, "lineno": lineno}
        self.header: list[str] | None = None
        self.tasks: list[dict] = []
        self.in_table = False
        self.killed = False


def parse(text: str | bytes, ctx: Context, name: str | None = None) -> Parsed:
    """Every OOM event of a kernel log: ``oom_kills`` and ``oom_tasks`` rows, no mappings."""
    if isinstance(text, bytes):
        text = decode(text, ctx.source)
    events: list[_Event] = []
    current: _Event | None = None
    hosts: set[str] = set()

    def new(lineno: int) -> _Event:
        event = _Event(len(events) + 1, lineno)
        events.append(event)
        return event

    for lineno, line in enumerate(split_lines(text), 1):
        ts, up, host, msg = strip_prefix(line)
        if msg is None:
            continue
        if host:
            hosts.add(host)
        if current is not None and current.in_table:
            row = _TASK_ROW.match(msg)
            if row:
                _task_row(current, int(row.group("pid")), row.group("rest"), lineno, ctx)
                continue
            current.in_table = False
        m = _INVOKED.match(msg)
        if m:
            current = new(lineno)
            current.kill.update(trigger=m.group("comm"), gfp_mask=m.group("gfp"), order=int(m.group("order")),
                                trigger_oom_score_adj=int(m.group("adj")), time=ts, uptime=up, host=host)
            continue
        if current is None and not (_TASK_HEADER.match(msg) or _CONSTRAINT.match(msg) or _KILLED.match(msg)
                                    or _KILL_INTENT.match(msg) or _TASK_IN.match(msg)):
            continue
        m = _CPU.match(msg)
        if m and current is not None and "trigger_pid" not in current.kill and not current.killed:
            current.kill["trigger_pid"] = int(m.group("pid"))
            continue
        if _TASK_HEADER.match(msg):
            if current is None or current.killed or current.header is not None:
                current = new(lineno)
            current.header = [c for c in re.sub(r"^\[\s*pid\s*\]", "", msg).split()]
            current.in_table = True
            continue
        m = _CONSTRAINT.match(msg)
        if m:
            if current is None or current.killed:
                current = new(lineno)
            current.kill.update(_constraint(m.group("kv")))
            continue
        m = _TASK_IN.match(msg)
        if m and current is not None and not current.killed:
            current.kill.update(memcg=m.group("memcg"), task_memcg=m.group("task"))
            continue
        m = _KILL_INTENT.match(msg)
        if m:
            if current is None or current.killed:
                current = new(lineno)
            current.kill.setdefault("scope", "memcg" if m.group("scope").startswith("Memory") else "system")
            current.kill["score"] = int(m.group("score"))
            continue
        m = _KILLED.match(msg)
        if m:
            if current is None or current.killed:
                current = new(lineno)
            k = current.kill
            k.update(pid=int(m.group("pid")), name=m.group("name"), kill_lineno=lineno, **_victim_fields(m.group("rest")))
            if m.group("uid0"):
                k["uid"] = int(m.group("uid0"))
            if m.group("scope"):
                k["scope"] = "memcg" if m.group("scope").startswith("Memory") else "system"
            elif k.get("constraint"):
                k.setdefault("scope", "memcg" if k["constraint"] == "CONSTRAINT_MEMCG" else "system")
            k.setdefault("time", ts)
            k.setdefault("uptime", up)
            k["kill_time"], k["kill_uptime"] = ts, up
            if host:
                k.setdefault("host", host)
            current.killed = True
            continue
    kills, tasks = [], []
    for event in events:
        k = event.kill
        if not event.killed:
            ctx.warn(k["lineno"], f"OOM event {k['event']} has no `Killed process` line (log cut, or no victim "
                     "found): kept without a victim")
        page = _page_size(event)
        k["page_size"] = page
        k.setdefault("scope", None)
        k["source"] = ctx.source
        kills.append(k)
        for task in event.tasks:
            for col in _PAGE_COLUMNS:
                if task.get(col) is not None:
                    task[col] *= page
            task.update(event=k["event"], source=ctx.source, host=k.get("host"))
            tasks.append(task)
    return Parsed(pd.DataFrame(), tables={"oom_kills": kills, "oom_tasks": tasks}, formats={NAME})


def _task_row(event: _Event, pid: int, rest: str, lineno: int, ctx: Context) -> None:
    cols = event.header or []
    cells = rest.split(None, len(cols) - 1)
    if len(cells) != len(cols) or not all(re.fullmatch(r"-?\d+", c) for c in cells[:-1]):
        ctx.bad_line(lineno, f"not a row of the OOM task table ({' '.join(cols)}): {rest[:60]!r}")
        return
    row: dict = {"pid": pid, "lineno": lineno}
    for col, cell in zip(cols[:-1], cells[:-1]):
        row[col] = int(cell)
    row["name"] = cells[-1]
    event.tasks.append(row)


def _page_size(event: _Event) -> int:
    """The page size: the victim's total-vm (kB) over its total_vm (pages) in the table."""
    k = event.kill
    for task in event.tasks:
        if task["pid"] == k.get("pid") and task.get("total_vm") and k.get("total_vm"):
            size, rem = divmod(k["total_vm"], task["total_vm"])
            if rem == 0 and size >= 4096 and size & (size - 1) == 0:
                return size
    return DEFAULT_PAGE_SIZE
