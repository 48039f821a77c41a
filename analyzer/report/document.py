"""What a report says, before it is drawn: :func:`build` turns a loaded
:class:`~analyzer.dataset.Dataset` into a :class:`Report` (every number comes
from :mod:`analyzer.summarize`); :mod:`.pages` draws it as PDF pages,
:mod:`.html` as a web page.

Tables are :class:`Table` objects: a frame plus how to show each column, so
the PDF (fixed-width, paginated) and the HTML (full) show the same cells.

>>> t = Table("t", pd.DataFrame({"path": ["/a/b.so"], "rss": [1536]}), [Col("path", "mapping", flex=True), Col("rss", "RSS", "bytes")])
>>> t.cells()
[['/a/b.so', '1.5 KiB']]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..dataset import Dataset
from ..findings import findings as diagnose
from ..findings import unchecked
from ..summarize import (PS_NOTE, by_kind, by_mapping, by_process, known_totals, largest_mappings, measured,
                         process_mappings,
                         ps_processes, ps_totals, report_measure, totals, with_ps)
from .style import MEASURE_LABEL, mapping_label
from .table import one_line
from ..values import human_bytes, is_na


@dataclass
class Col:
    """One column of a report table: source column, header, how to format."""

    name: str
    header: str
    fmt: str = "text"  # text | bytes | int | addr
    flex: bool = False  # takes the width left over (paths, commands), cut in the middle
    width: int | None = None


def _fmt(value, fmt: str) -> str:
    if is_na(value):
        return "-"
    if fmt == "bytes":
        return human_bytes(value)
    if fmt == "int":
        return f"{int(value):,}"
    if fmt == "addr":
        return f"{int(value):012x}"
    if fmt == "bool":
        return "yes" if bool(value) else ""
    return one_line(str(value))


@dataclass
class Table:
    """A titled table: rows of *frame*, columns as *cols* say."""

    title: str
    frame: pd.DataFrame
    cols: list[Col]
    note: str = ""

    def cells(self) -> list[list[str]]:
        """Every row as formatted strings (no truncation: the renderer cuts)."""
        columns = [self.frame[c.name].tolist() for c in self.cols]
        return [[_fmt(v, c.fmt) for v, c in zip(row, self.cols)] for row in zip(*columns)]


@dataclass
class Detail:
    """One of the top processes: its label, mappings and largest mappings."""

    label: str
    pid: object
    mappings: pd.DataFrame
    largest: Table


@dataclass
class Report:
    """Everything a report shows, in reading order."""

    title: str
    facts: list[tuple[str, str]]          # cover: host, capture time, ...
    inputs: Table
    totals: list[tuple[str, str]]
    notes: list[str]                      # what the numbers mean here (PSS or RSS, what is left out)
    warnings: list[str]                   # the inputs' notices of level warning, nothing else
    info_count: int                       # the inputs' informational notices (``memmaps info`` shows them)
    measure: str
    frame: pd.DataFrame                   # every mapping
    measured: pd.DataFrame                # the mappings whose measure is known
    kinds: Table
    top_mappings: Table
    details: list[Detail]
    processes: Table
    top: int = 20
    remarks: list[str] = field(default_factory=list)  # notes on the data that are not warnings
    ps: pd.DataFrame = field(default_factory=pd.DataFrame)  # processes known only from ps (no maps)
    extra: dict = field(default_factory=dict)
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)   # analyzer.findings, most severe first
    unchecked: list[tuple[str, str]] = field(default_factory=list)  # rules without data: (id, what it needs)

    def finding_runs(self, per_rule: int | None = None) -> list[tuple[pd.DataFrame, int]]:
        """The findings in report order as runs of one rule and severity: the first *per_rule*
        of each run (the largest: findings are sorted by bytes within a rule) and how many more
        were left out. A capture of 3,000 processes can have thousands of findings; the report
        shows each rule's worst and says how many more ``memmaps findings`` lists.

        >>> r = Report.__new__(Report)
        >>> r.findings = pd.DataFrame({"rule": ["a", "a", "a", "b"], "severity": ["warning"] * 3 + ["info"]})
        >>> [(run["rule"].tolist(), more) for run, more in r.finding_runs(per_rule=2)]
        [(['a', 'a'], 1), (['b'], 0)]
        """
        per_rule = FINDINGS_PER_RULE if per_rule is None else per_rule
        frame = self.findings
        if not len(frame):
            return []
        key = frame["rule"].astype(str) + "\0" + frame["severity"].astype(str)
        starts = [0] + [i for i in range(1, len(frame)) if key.iat[i] != key.iat[i - 1]] + [len(frame)]
        return [(frame.iloc[a : min(b, a + per_rule)], max(0, b - a - per_rule)) for a, b in zip(starts, starts[1:])]

    @property
    def has_maps(self) -> bool:
        """Whether the input holds any memory maps (a sosreport made without
        ``-k process.smaps=on`` holds only ps figures)."""
        return len(self.frame) > 0


FINDINGS_PER_RULE = 5  # findings of one rule and severity shown in a report (the largest); the rest counted


PROCESS_COLS = [Col("pid", "PID", "text"), Col("command", "command", flex=True), Col("mappings", "maps", "int"),
                Col("rss", "RSS", "bytes"), Col("pss", "PSS", "bytes"), Col("uss", "USS", "bytes"),
                Col("swap", "swap", "bytes"), Col("size", "virtual", "bytes")]
MEASURE_COLS = [Col("rss", "RSS", "bytes"), Col("pss", "PSS", "bytes"), Col("uss", "USS", "bytes"),
                Col("swap", "swap", "bytes"), Col("size", "virtual", "bytes")]


def _host_facts(ds: Dataset) -> list[tuple[str, str]]:
    """Host names, capture times and kernels from the hosts table (sosreports), the
    host names from the mappings when no host row gives one."""
    hosts = ds.hosts  # the hosts table (analyzer.schema.HOST_COLUMNS)
    names = [str(v) for v in hosts["host"].dropna().unique()]
    if not names:
        names = [str(v) for v in ds.mappings["host"].dropna().unique()]
    facts = [("host" if len(names) <= 1 else "hosts", ", ".join(names) if names else "not stated in the input")]
    times = [str(v) for v in hosts["capture_time"].dropna().unique()]
    facts.append(("captured", "; ".join(times) if times else "not stated in the input"))
    kernels = [str(v) for v in hosts["kernel"].dropna().unique()]
    if kernels:
        facts.append(("kernel", "; ".join(kernels)))
    return facts


def _process_label(row) -> str:
    pid = "" if pd.isna(row["pid"]) else f"PID {int(row['pid'])}"
    block = row.get("block")
    if not pid and block is not None and not pd.isna(block):  # a `cat` of many smaps: no PID
        pid = f"block {int(block)}"
    cmd = one_line(row["command"]) if isinstance(row["command"], str) else "(command unknown)"
    return f"{pid} {cmd}".strip()


def build(ds: Dataset, top: int = 20, details: int = 3) -> Report:
    """The report of a loaded dataset: *top* rows in rankings, and an
    address-space page for each of the *details* largest processes."""
    frame = ds.mappings
    measure = report_measure(frame)
    known = measured(frame, measure)
    label = MEASURE_LABEL[measure]

    notes = []
    if measure == "pss":
        notes.append("Sizes are PSS (proportional set size): each shared page is divided among the processes "
                     "that map it, so PSS adds up across processes.")
    elif measure == "rss":
        no_pss = int(frame["pss"].isna().sum() - frame["rss"].isna().sum())
        notes.append(f"This input has no PSS for {no_pss:,} mappings (pmap -x, ps-only data or an old kernel): "
                     "charts and rankings use RSS instead, which counts a shared page in full in every process "
                     "that maps it, so RSS summed over processes overstates memory use.")
    elif len(frame):
        notes.append("This input has no resident sizes at all (maps files): charts and rankings use virtual "
                     "size, which is address space, not memory use.")
    ps_only = ps_processes(ds.processes)
    if len(ps_only) and len(frame):
        notes.append(f"{len(ps_only):,} processes have no memory maps, only ps figures ({PS_NOTE}): they are "
                     "not in the charts of the maps; they have a chart of their own (Top processes by RSS, from "
                     "ps) and the appendix lists them, marked `ps`.")
    elif len(ps_only):
        notes.append(f"Sizes are RSS and virtual size (VSZ) {PS_NOTE}. RSS counts a shared page in full in every "
                     "process that maps it, so RSS summed over processes overstates memory use. ps gives one "
                     "number per process: memory by kind, top mappings, address-space maps and mapping sizes "
                     "need memory maps and are left out.")
    left_out = len(frame) - len(known)
    if left_out:
        n_proc = frame.loc[frame.index.difference(known.index), ["host", "source", "pid"]].drop_duplicates().shape[0]
        notes.append(f"{left_out:,} mappings of {n_proc:,} processes have no {label} (e.g. maps files, or pmap "
                     f"output without it): they are left out of the {label} charts and counted in virtual size only.")

    tot = _totals(frame, ps_only)
    status_only = _status_rows(ds)
    if len(status_only) and not len(frame):
        tot = _status_totals(status_only, ps_only)
        notes.insert(0, "Process sizes come from /proc/PID/status (the kernel's counters: VmRSS split into "
                        "anonymous, file and shmem, VmSwap, VmSize), not from memory maps; PSS and USS need smaps.")

    warnings = [str(n) for n in ds.warnings]
    remarks = []
    procs = ds.processes
    if len(procs) and "mappings" in procs.columns:
        rollup = (procs["source_format"] == "smaps_rollup").fillna(False) if "source_format" in procs else False
        empty = int(((procs["mappings"] == 0).fillna(False) & ~rollup).sum())  # smaps_rollup alone: totals only
        if int(rollup.sum()) if not isinstance(rollup, bool) else 0:
            remarks.append(f"{int(rollup.sum())} processes are known from smaps_rollup alone: their totals are "
                           "counted, as kind `rollup`; they have no mappings, kinds or addresses to show.")
        if empty:
            remarks.append(f"{empty} processes have no mappings (kernel threads or zombies): not in the charts.")
    if len(procs) and "partial" in procs.columns:
        partial = int(procs["partial"].fillna(False).astype(bool).sum())
        if partial:
            remarks.append(f"{partial} processes have partial data (a cut record was dropped, see the warnings): "
                           "their totals are low.")
    info_count = sum(1 for n in ds.notices if n.level != "warning")

    inputs = Table("Inputs", pd.DataFrame([{"name": r.name, "formats": ", ".join(r.formats) or "nothing recognised",
                                            "processes": r.processes, "mappings": r.mappings} for r in ds.inputs],
                                          columns=["name", "formats", "processes", "mappings"]),
                   [Col("name", "input", flex=True), Col("formats", "recognised as", width=28),
                    Col("processes", "processes", "int"), Col("mappings", "mappings", "int")])

    kinds_frame = by_kind(known).reset_index()
    kinds = Table(f"Memory by mapping kind ({label})", kinds_frame,
                  [Col("kind", "kind"), Col("processes", "processes", "int"), Col("mappings", "mappings", "int")]
                  + MEASURE_COLS)

    maps_frame = by_mapping(known)
    maps_frame = maps_frame.sort_values(measure, ascending=False, kind="stable", na_position="last")
    maps_frame = maps_frame.head(max(top * 2, 40)).reset_index()
    maps_frame["mapping"] = [mapping_label(n, p) for n, p in zip(maps_frame["mapping"], maps_frame["processes"])]
    top_mappings = Table(f"Top mappings by {label}", maps_frame,
                         [Col("mapping", "mapping", flex=True), Col("kind", "kind"),
                          Col("processes", "procs", "int"), Col("mappings", "maps", "int")] + MEASURE_COLS)

    procs_frame = by_process(frame)
    cols = PROCESS_COLS
    if len(ps_only):  # sosreports without maps: ps's RSS and VSZ, in rows marked `ps`
        procs_frame = with_ps(frame, ds.processes, "process")
        cols = PROCESS_COLS[:2] + [Col("source_format", "from")] + PROCESS_COLS[2:]
    if "host" in procs_frame and procs_frame["host"].nunique() > 1:  # PIDs repeat across hosts
        cols = [Col("host", "host")] + cols
    if len(frame) and frame["user"].notna().any():  # the owner of each process, where the input says
        users = frame.groupby(["source", frame["pid"].fillna(-1)], sort=False)["user"].first()
        procs_frame = procs_frame.assign(user=[users.get((s, p if not pd.isna(p) else -1), pd.NA)
                                               for s, p in zip(procs_frame["source"], procs_frame["pid"])])
        if "user" in ds.processes.columns and len(ps_only):  # ps rows: ps's USER
            ps_user = ps_only.set_index(["source", "pid"])["user"]
            procs_frame["user"] = [u if not pd.isna(u) else ps_user.get((s, p), pd.NA)
                                   for u, s, p in zip(procs_frame["user"], procs_frame["source"], procs_frame["pid"])]
        at = next(i for i, c in enumerate(cols) if c.name == "command")
        cols = cols[:at] + [Col("user", "user", width=10)] + cols[at:]
    if "block" in procs_frame.columns and procs_frame["block"].notna().any():  # a `cat` of many smaps: no PIDs
        at = next(i for i, c in enumerate(cols) if c.name == "pid") + 1
        cols = cols[:at] + [Col("block", "block", "text")] + cols[at:]
    processes = Table("Every process", procs_frame, cols,
                      note=f"Sorted by PSS, or RSS where PSS is unknown; {len(procs_frame):,} processes.")

    detail_list = []
    ranked = by_process(known[known["kind"].ne("rollup").fillna(True)])  # smaps_rollup alone has no addresses
    for _, row in ranked.head(details).iterrows():
        sub = process_mappings(frame, row["host"], row["pid"], row["source"], row.get("block"))
        largest = largest_mappings(sub, measure, 20)
        detail_list.append(Detail(_process_label(row), row["pid"], sub, Table(
            f"Largest mappings of {_process_label(row)}", largest,
            [Col("start", "start", "addr"), Col("perms", "perms"), Col("kind", "kind"),
             Col("path", "path", flex=True)] + MEASURE_COLS)))

    glance = _glance(procs_frame, kinds_frame, measure, label) if len(known) else []

    names = [v for k, v in _host_facts(ds)[:1]]
    title = "Memory report" + (f": {names[0]}" if names and names[0] != "not stated in the input" else "")
    return Report(title=title, facts=_host_facts(ds), inputs=inputs, totals=tot, notes=notes, warnings=warnings,
                  info_count=info_count, measure=measure, frame=frame, measured=known, kinds=kinds,
                  top_mappings=top_mappings, details=detail_list, processes=processes, top=top,
                  remarks=remarks, ps=ps_only, extra={**_system_extra(ds), "glance": glance},
                  findings=diagnose(ds), unchecked=unchecked(ds))


def _system_extra(ds: Dataset) -> dict:
    """What the system pages draw: ``by_system``, ``by_oom``, the SysV segments and the status processes."""
    from ..summarize import by_oom, by_system, status_processes

    return {"system": by_system(ds), "oom": by_oom(ds), "shm": ds.shm, "status": status_processes(ds.processes)}


def _status_rows(ds: Dataset) -> pd.DataFrame:
    from ..summarize import status_processes

    return status_processes(ds.processes)


def _status_totals(status: pd.DataFrame, ps_only: pd.DataFrame) -> list[tuple[str, str]]:
    """The cover's totals for processes known from /proc/PID/status (no maps), ps-only ones apart."""
    n = len(status)
    ps = ps_totals(ps_only) if len(ps_only) else None

    def total(col: str) -> str:
        values = pd.to_numeric(status[col]) if col in status.columns else pd.Series(dtype="Int64")
        if not values.notna().any():
            return "unknown (not in the status files)"
        return f"{human_bytes(int(values.sum()))}  (from /proc/PID/status, summed over {int(values.notna().sum()):,} processes)"

    split = ", ".join(f"{label} {human_bytes(int(pd.to_numeric(status[c]).sum()))}"
                      for c, label in (("rss_anon", "anonymous"), ("rss_file", "file"), ("rss_shmem", "shmem"))
                      if c in status.columns and status[c].notna().any())
    more = f"; {ps['processes']:,} more from ps only" if ps else ""
    rss = total("vm_rss") + (f"; {split}" if split else "")
    if ps and ps["rss"] is not pd.NA:
        rss += f"; ps adds {human_bytes(ps['rss'])} for the {ps['processes']:,} processes without status"
    return [("processes", f"{n:,}  (from /proc/PID/status{more})"), ("mappings", "none: the input holds no memory maps"),
            ("RSS", rss), ("PSS", "unknown (needs memory maps)"), ("USS (private)", "unknown (needs memory maps)"),
            ("swap", total("vm_swap")), ("virtual", total("vm_size"))]


def _glance(procs: pd.DataFrame, kinds: pd.DataFrame, measure: str, label: str, n: int = 5) -> list[Table]:
    """The cover's at-a-glance tables: the largest processes and kinds, with their share of the total."""
    out = []
    total = kinds[measure].sum(min_count=1)
    for frame, key, col in ((procs, "command", Col("command", "command", flex=True)), (kinds, "kind", Col("kind", "kind"))):
        ranked = frame[frame[measure].notna()].sort_values(measure, ascending=False, kind="stable").head(n)
        if not len(ranked) or pd.isna(total) or not total:
            continue
        ranked = ranked.assign(share=[f"{100 * v / total:.0f}%" for v in ranked[measure]])
        cols = ([Col("pid", "PID")] if key == "command" else []) + [col, Col(measure, label, "bytes"),
                                                                     Col("share", "share", width=6)]
        title = f"Largest processes by {label}" if key == "command" else f"Largest kinds by {label}"
        out.append(Table(title, ranked.reset_index(drop=True), cols))
    return out


def _totals(frame: pd.DataFrame, ps_only: pd.DataFrame) -> list[tuple[str, str]]:
    """The cover's totals: from the maps, and from ps for the processes that have
    no maps (kept apart: ps has no PSS, USS or swap)."""
    t = totals(frame)
    ps = ps_totals(ps_only) if len(ps_only) else None
    if ps and not len(frame):  # only ps: a sosreport made without `-k process.smaps=on`
        def ps_value(col, what):
            if ps[col] is pd.NA:
                return "unknown (ps does not say)"
            return f"{human_bytes(ps[col])}  (from ps: {what} summed over {ps['processes']:,} processes)"
        return [("processes", f"{ps['processes']:,}  (from ps)"),
                ("mappings", "none: the input holds no memory maps"),
                ("RSS", ps_value("rss", "RSS")),
                ("PSS", "unknown (needs memory maps; ps does not say)"),
                ("USS (private)", "unknown (needs memory maps; ps does not say)"),
                ("swap", "unknown (needs memory maps; ps does not say)"),
                ("virtual", ps_value("size", "VSZ"))]
    procs = f"{t['processes']:,}"
    if ps:
        procs += f" with memory maps; {ps['processes']:,} more from ps only"
    tot = [("processes", procs), ("mappings", f"{t['mappings']:,}")]
    known = known_totals(frame)
    for col, name in (("rss", "RSS"), ("pss", "PSS"), ("uss", "USS (private)"), ("swap", "swap"), ("size", "virtual")):
        total, n_known = known[col]
        if not n_known:
            tot.append((name, "unknown (not in the input)"))
            continue
        value = human_bytes(total)
        if n_known < len(frame):
            value += f"  (over {n_known:,} of {len(frame):,} mappings; the rest do not say)"
        if ps and col in ("rss", "size") and ps[col] is not pd.NA:
            value += (f"  (from the maps; ps adds {human_bytes(ps[col])} of {'RSS' if col == 'rss' else 'VSZ'} "
                      f"for the {ps['processes']:,} processes without maps)")
        elif ps:
            value += f"  (the processes with maps only; unknown for the {ps['processes']:,} from ps)"
        tot.append((name, value))
    return tot
