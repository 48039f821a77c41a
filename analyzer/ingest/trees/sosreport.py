"""sosreports: where sos puts memory maps, ps tables and host facts.

A sosreport is one top directory (``sosreport-HOST-...``) holding copied
files and command outputs. What memmaps reads from it is kept as a data
table, :data:`SPECS`: for each fact, the member paths that hold it across
sos versions, the first one present winning (the way insights-core's
``first_file`` does). Memory maps themselves are ``proc/PID/smaps`` (read by
:mod:`analyzer.ingest.formats.smaps`), present **only** when sos ran with
``-k process.smaps=on``.

Everything here is a pure function of member paths and member bytes; the
walking of directories and archives is :mod:`analyzer.ingest.trees.collector` and
:mod:`analyzer.ingest.sources.archive`; ps tables are read by :mod:`analyzer.ingest.formats.ps`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd

from ...errors import Notice
from ...schema import host_record, process_record
from ..formats.ps import parse_ps
from . import sysfacts

NAME = "sosreport"

SMAPS_HINT = ("sos collects /proc/PID/smaps only when run with `-k process.smaps=on` (or `--alloptions`): "
              "ask the customer for a new sosreport made with `sos report -k process.smaps=on`")


@dataclass(frozen=True)
class Spec:
    """One fact a sosreport may hold: candidate member paths, newest sos first."""

    name: str
    paths: tuple[str, ...]
    doc: str


_P = "sos_commands/process/"
_AXO_CGROUP = _P + "ps_axo_pid_ppid_user_group_lwp_nlwp_start_time_comm_cgroup"
_AXO_FLAGS = _P + "ps_axo_flags_state_uid_pid_ppid_pgid_sid_cls_pri_addr_sz_wchan_20_lstart_tty_time_cmd"

SPECS: tuple[Spec, ...] = (
    Spec("ps_aux", (_P + "ps_auxwww", _P + "ps_auxwwwm", _P + "ps_auxww", _P + "ps_aux", _P + "ps_auxcww",
                    "sos_commands/general/ps_auxwww", "ps"),
         "ps aux: USER, PID, VSZ, RSS, STAT and the full COMMAND (4.0 ps_auxwww; newer ps_auxwwwm)"),
    Spec("ps_axo_cgroup", (_AXO_CGROUP,), "ps axo pid,ppid,user,group,...,comm,cgroup: PPID, USER, comm, CGROUP"),
    Spec("ps_alx", (_P + "ps_alxwww",), "ps alx: numeric UID, PPID, VSZ, RSS, COMMAND"),
    Spec("ps_elfL", (_P + "ps_-elfL",), "ps -elfL: one row per thread; UID, PPID, CMD"),
    Spec("ps_axo_flags", (_AXO_FLAGS,), "ps axo flags,...,lstart,...,cmd: numeric UID, PPID, CMD"),
    Spec("hostname", ("sos_commands/host/hostname", "sos_commands/general/hostname", "hostname",
                      "etc/hostname"), "the host name"),
    Spec("hostnamectl", ("sos_commands/host/hostnamectl_status",), "`Static hostname:` and `Kernel:` lines"),
    Spec("date_utc", ("sos_commands/date/date_--utc", "sos_commands/general/date_--utc"), "capture time, UTC"),
    Spec("timedatectl", ("sos_commands/date/timedatectl", "sos_commands/general/timedatectl"),
         "`Universal time:` line"),
    Spec("date", ("sos_commands/date/date", "sos_commands/general/date", "date"),
         "capture time in the host's zone (used only when that zone is UTC)"),
    Spec("uname", ("sos_commands/kernel/uname_-a", "sos_commands/general/uname_-a", "uname"),
         "uname -a: the kernel release"),
    Spec("proc_version", ("proc/version",), "the kernel banner"),
    Spec("version", ("version.txt", "sos_reports/sos.txt"), "`sosreport: 4.0`: the sos version"),
    Spec("manifest", ("sos_reports/manifest.json",), "sos 4.x manifest: version, cmdline, start_time"),
    # memory beside the maps (read by analyzer.ingest.sysfacts)
    Spec("pids_to_packages", (_P + "pids_to_packages.json",), "sos 4.x: PID -> executable and its package"),
    Spec("meminfo", ("proc/meminfo",), "/proc/meminfo: every field on the host table, in bytes"),
    Spec("free", ("sos_commands/memory/free", "sos_commands/memory/free_-m", "sos_commands/general/free"),
         "free (KiB) / free -m (MiB): host memory where proc/meminfo is missing"),
    Spec("max_map_count", ("proc/sys/vm/max_map_count",), "vm.max_map_count"),
    Spec("sysctl", ("sos_commands/kernel/sysctl_-a",), "sysctl -a: vm.max_map_count where proc/sys/vm is not copied"),
    Spec("thp_enabled", ("sys/kernel/mm/transparent_hugepage/enabled",), "THP mode: `always [madvise] never`"),
    Spec("sysvipc_shm", ("proc/sysvipc/shm",), "SysV shared memory segments: sizes, nattch, cpid, rss, swap"),
    Spec("ipcs", ("sos_commands/sysvipc/ipcs", "sos_commands/sysvipc/ipcs_-m", "sos_commands/ipc/ipcs"),
         "ipcs: the segments' owner names"),
    Spec("dmesg", ("sos_commands/kernel/dmesg", "sos_commands/general/dmesg", "sos_commands/kernel/dmesg_-T",
                   "sos_commands/logs/dmesg"), "the kernel ring buffer: OOM reports"),
    Spec("journal_kernel", ("sos_commands/logs/journalctl_--no-pager_--catalog_--boot_-k",
                            "sos_commands/logs/journalctl_--no-pager_-k", "sos_commands/logs/journalctl_-k"),
         "journalctl -k: OOM reports"),
    Spec("kern_log", ("var/log/kern.log",), "syslog's kernel facility: OOM reports"),
    Spec("messages", ("var/log/messages", "var/log/syslog"), "syslog: OOM reports among other programs' lines"),
    Spec("journal_all", ("sos_commands/logs/journalctl_--no-pager_--catalog_--boot",
                         "sos_commands/logs/journalctl_--no-pager"), "the whole journal (this boot): OOM reports"),
)
SPEC_BY_NAME = {s.name: s for s in SPECS}
ALL_PATHS: tuple[str, ...] = tuple(dict.fromkeys(p for s in SPECS for p in s.paths))
_BY_BASENAME: dict[str, list[str]] = {}  # match_spec looks at these candidates only
for _rel in ALL_PATHS:
    _BY_BASENAME.setdefault(_rel.rsplit("/", 1)[-1], []).append(_rel)

# A directory holding any of these is the top of a sosreport.
_MARKER = re.compile(r"^(?P<root>(?:.*/)?)(?:sos_commands|sos_reports|sos_logs)/")

# The largest metadata member kept in memory (a ps table of 100,000 processes is ~30 MB).
MAX_META_BYTES = 256 * 1024**2


def member_root(path: str) -> str | None:
    """The sosreport root of *path* when it is under a sos-only directory.

    >>> member_root("sosreport-h-2026/sos_commands/process/ps_auxwww")
    'sosreport-h-2026/'
    >>> member_root("sos_reports/manifest.json"), member_root("proc/1/smaps")
    ('', None)
    """
    m = _MARKER.match(path)
    return m.group("root") if m else None


def match_spec(path: str) -> list[tuple[str, str]]:
    """Every ``(root, spec path)`` that member *path* may be.

    >>> match_spec("sosreport-h/sos_commands/process/ps_auxwww")
    [('sosreport-h/', 'sos_commands/process/ps_auxwww')]
    >>> match_spec("sosreport-h/ps")
    [('sosreport-h/', 'ps')]
    """
    out = []
    for rel in _BY_BASENAME.get(path[path.rfind("/") + 1:], ()):
        if path == rel:
            out.append(("", rel))
        elif path.endswith("/" + rel):
            out.append((path[: -len(rel)], rel))
    return out


# --- host facts -----------------------------------------------------------

_DATE_FORMS = ("%a %b %d %H:%M:%S %Z %Y", "%a %d %b %Y %H:%M:%S %Z", "%a %b %d %H:%M:%S %Y")


def parse_utc_date(text: str) -> pd.Timestamp | None:
    """A ``date`` output in UTC (or GMT) as a timestamp; None for other zones.

    >>> parse_utc_date("Wed Nov 25 17:48:06 UTC 2026\\n")
    Timestamp('2026-11-25 17:48:06+0000', tz='UTC')
    >>> parse_utc_date("Wed Nov 25 18:48:06 CET 2026") is None
    True
    """
    line = " ".join(text.split())
    m = re.search(r"Universal time: \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", text)
    if m:
        return pd.Timestamp(m.group(1), tz="UTC")
    if not re.search(r"\b(UTC|GMT)\b", line):
        return None
    line = line.replace("GMT", "UTC")
    for form in _DATE_FORMS:
        try:
            return pd.Timestamp(datetime.strptime(line, form).replace(tzinfo=timezone.utc))
        except ValueError:
            continue
    return None


def host_facts(files: dict[str, bytes]) -> dict:
    """Host name, capture time, kernel release and sos version from a
    sosreport's members (*files*: spec path -> bytes)."""
    def text(name: str) -> tuple[str | None, str | None]:
        for path in SPEC_BY_NAME[name].paths:
            if path in files:
                return path, files[path].decode("utf-8", errors="replace")
        return None, None

    facts: dict = {"host": None, "capture_time": None, "kernel": None, "sos_version": None}
    _, hostname = text("hostname")
    if hostname and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", hostname.strip()):
        facts["host"] = hostname.strip()
    _, ctl = text("hostnamectl")
    if ctl:
        m = re.search(r"Static hostname:\s*(\S+)", ctl)
        if m and not facts["host"] and m.group(1) != "n/a":
            facts["host"] = m.group(1)
        m = re.search(r"Kernel:\s*Linux\s+(\S+)", ctl)
        if m:
            facts["kernel"] = m.group(1)
    for name in ("date_utc", "timedatectl", "date"):
        _, t = text(name)
        if t and facts["capture_time"] is None:
            facts["capture_time"] = parse_utc_date(t)
    _, uname = text("uname")
    if uname and len(uname.split()) >= 3 and uname.split()[0] == "Linux":
        facts["kernel"] = uname.split()[2]
    _, banner = text("proc_version")
    if banner and not facts["kernel"]:
        facts["kernel"] = kernel_from_banner(banner)
    path, version = text("version")
    manifest = _manifest(files)
    if version:
        m = re.search(r"sos(?:report)?(?: version)?:?\s*\(?v?(\d+\.\d+[\w.-]*)", version)
        if m:
            facts["sos_version"] = m.group(1)
    if manifest.get("version") and not facts["sos_version"]:
        facts["sos_version"] = str(manifest["version"])
    facts["sos_cmdline"] = manifest.get("cmdline")
    if facts["capture_time"] is None and manifest.get("start_time"):  # the date plugin did not run
        facts["capture_time"] = manifest_time(str(manifest["start_time"]))
        facts["capture_time_from"] = "manifest" if facts["capture_time"] is not None else None
    return facts


def manifest_time(text: str) -> pd.Timestamp | None:
    """sos 4's manifest ``start_time`` (the host's clock, no zone given), to the second, read as UTC.

    >>> manifest_time("2026-12-06 03:56:36.946555"), manifest_time("soon")
    (Timestamp('2026-12-06 03:56:36+0000', tz='UTC'), None)
    """
    try:
        return pd.Timestamp(datetime.strptime(text.strip()[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc))
    except ValueError:
        return None


def host_from_name(root: str, cmdline: str | None = None) -> str | None:
    """The host name in a sosreport's own name, for reports without a hostname
    file: ``sosreport-HOST[-LABEL][-CASE]-YYYY-MM-DD-xxxxxxx`` (sos 4) or
    ``sosreport-HOST[.CASE]-YYYYMMDDHHMMSS`` (sos 3), minus the label and
    case id that sos's command line (the manifest) says were added.

    >>> host_from_name("sosreport-db01-t2-2026-11-25-usxxwxo/", "report --batch --label t2")
    'db01'
    >>> host_from_name("sosreport-web-3-2026-11-25-abcdefg/"), host_from_name("sosreport-db02.01234-20190101120000/")
    ('web-3', 'db02')
    >>> host_from_name("customer-files/") is None
    True
    """
    name = root.rstrip("/").rsplit("/", 1)[-1]
    m = re.fullmatch(r"sosreport-(.+?)-\d{4}-\d{2}-\d{2}-[a-z0-9]{7}", name) or \
        re.fullmatch(r"sosreport-(.+?)(?:\.[^.-]+)?-\d{14}", name)
    if not m:
        return None
    host = m.group(1)
    args = (cmdline or "").split()
    for flag in ("--case-id", "--label", "--name"):
        for i, arg in enumerate(args[:-1]):
            if arg == flag and host.endswith("-" + args[i + 1]):
                host = host[: -len(args[i + 1]) - 1]
        for arg in args:
            if arg.startswith(flag + "=") and host.endswith("-" + arg.split("=", 1)[1]):
                host = host[: -len(arg.split("=", 1)[1]) - 1]
    return host or None


def kernel_from_banner(text: str) -> str | None:
    """The release in ``/proc/version``.

    >>> kernel_from_banner("Linux version 6.18.44-fc-v657 (gcc ...) #1 SMP")
    '6.18.44-fc-v657'
    """
    m = re.match(r"Linux version (\S+)", text)
    return m.group(1) if m else None


def _manifest(files: dict[str, bytes]) -> dict:
    data = files.get("sos_reports/manifest.json")
    if not data:
        return {}
    try:
        out = json.loads(data)
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}


def ps_table(files: dict[str, bytes], display: dict[str, str]) -> tuple[dict[int, dict], list[str]]:
    """Per-PID ps facts from every ps output present, the best source first.

    The first table found (ps aux, normally) decides which PIDs exist and
    gives ``command``, ``user``, RSS and VSZ; ``ppid`` and ``cgroup`` come
    from ``ps axo ...cgroup``; the other tables fill gaps for those PIDs.
    Returns the rows and the member names used.
    """
    order = ("ps_aux", "ps_axo_cgroup", "ps_alx", "ps_elfL", "ps_axo_flags")
    merged: dict[int, dict] = {}
    used: list[str] = []
    for name in order:
        for path in SPEC_BY_NAME[name].paths:
            if path not in files:
                continue
            rows = parse_ps(files[path].decode("utf-8", errors="backslashreplace"),
                            "comm" if name == "ps_axo_cgroup" else None)
            if not rows:
                continue
            used.append(display.get(path, path))
            primary = not merged
            for pid, row in rows.items():
                if not primary and pid not in merged:
                    continue  # each ps ran at its own moment: the first table decides which PIDs exist
                target = merged.setdefault(pid, {"ps_source": display.get(path, path)})
                for key, value in row.items():
                    target.setdefault(key, value)
            break
    return merged, used


# --- assembly -------------------------------------------------------------

PS_COLUMNS = ("user", "ppid", "cgroup")
HOST_COLUMNS = ("host", "capture_time", "kernel", "sos_version")


def assemble(root: str, source: str, pieces: list, files: dict[str, bytes],
             display: dict[str, str], cut_short: bool = False,
             status: list[dict] | None = None) -> tuple[list, list[dict], list[Notice], list[dict]]:
    """Tie one sosreport's smaps pieces to its ps rows and host facts.

    *pieces* are :class:`~analyzer.ingest.base.Parsed` per ``proc/PID/``;
    *files* the metadata members by spec path. Returns the pieces (with
    their mappings and processes filled in), ps-only process dicts (when the
    report has no maps), notices, and the host record. *cut_short*: the
    archive ended before sos's own directories (known as a sosreport by its name).
    *status*: process records of ``proc/PID/status`` without maps (sos 4.x collects them by
    default): joined to the ps rows (source ``status``), or rows of their own without ps.
    """
    facts = host_facts(files)
    ps, used = ps_table(files, display)
    notices: list[Notice] = []
    if cut_short:
        notices.append(Notice(source, None, "the archive ends before sos's own directories (sos_commands/, "
                              "sos_reports/): read as a sosreport by its name; what they hold (ps: commands "
                              "and users; capture time; sos version) is lost with the rest"))
    if facts.get("capture_time_from") == "manifest":
        notices.append(Notice(source, None, f"capture time {facts['capture_time']:%Y-%m-%d %H:%M:%S} taken from "
                              "sos_reports/manifest.json (sos run without the date plugin): the host's clock, "
                              "which the manifest gives without a time zone; read as UTC", "info"))
    if not facts["host"]:
        facts["host"] = host_from_name(root, facts.get("sos_cmdline"))
        if facts["host"] and cut_short:
            notices.append(Notice(source, None, f"host name {facts['host']!r} taken from the report's name "
                                  "(the hostname file was after the cut; a --label or --case-id given to sos "
                                  "would be part of it)", "info"))
        elif facts["host"]:
            notices.append(Notice(source, None, f"no hostname file (sos run without the host plugin): host name "
                                  f"{facts['host']!r} taken from the report's name", "info"))
    host_values = {k: facts[k] for k in HOST_COLUMNS}
    seen: set[int] = set()
    pieces = _merged(pieces)
    for parsed in pieces:
        for proc in parsed.processes:
            pid = proc.get("pid")
            if pid is None:
                continue
            seen.add(pid)
            row = ps.get(pid, {})
            proc.update(host_values)
            proc["sosreport"] = source
            if row.get("command"):
                proc["command"] = row["command"]
            if row.get("user"):
                proc["user"] = row["user"]  # ps's name, not status's uid
            for key, value in row.items():
                if key not in ("pid", "command"):
                    proc.setdefault(key, value)
        frame = parsed.mappings
        if len(frame) and "pid" in frame.columns:
            for key, value in host_values.items():
                frame[key] = value
            pids = frame["pid"].astype("Int64")
            for key in ("command", *PS_COLUMNS):
                known = {pid: row[key] for pid, row in ps.items() if row.get(key) is not None}
                if not known:
                    continue  # no ps (or ps without this column): keep what the tree said
                values = pids.map(known).astype(object)
                if key in frame.columns:  # ps says nothing of this PID: keep what the tree said
                    values = values.where(values.notna(), frame[key].astype(object))
                frame[key] = values
    ps_only = sorted(set(ps) - seen)
    no_ps = sorted(seen - set(ps))
    extra: list[dict] = []
    if pieces:
        if ps_only:
            notices.append(Notice(source, None, f"{len(ps_only)} processes in ps have no proc/PID/smaps "
                                  f"(started after sos copied /proc, e.g. sos's own commands): {_pids(ps_only)}",
                                  "info"))
        if no_ps and used:
            notices.append(Notice(source, None, f"{len(no_ps)} processes with smaps have no ps row "
                                  f"(ended before ps ran): {_pids(no_ps)}; command, user unknown", "info"))
    elif ps or status:
        by_pid = {p["pid"]: p for p in status or []}
        if by_pid:
            notices.append(Notice(source, None, f"no memory maps in this sosreport: {SMAPS_HINT}. "
                                  f"Process memory from proc/PID/status ({len(by_pid)} processes: RSS split into "
                                  "anonymous, file and shmem, and swap)" + (f" and ps ({used[0]})" if used else ""),
                                  "info"))
        else:
            notices.append(Notice(source, None, f"no memory maps in this sosreport: {SMAPS_HINT}. "
                                  f"Process memory (RSS, VSZ) is available from ps only ({used[0]})"))
        for pid in sorted(set(ps) | set(by_pid)):
            row = ps.get(pid, {})
            st = by_pid.get(pid) or {}
            known = {**host_values, "sosreport": source,
                     **{k: v for k, v in row.items() if k not in ("pid", "command", "ps_source")}}
            for key, value in st.items():
                if key not in ("pid", "command", "source", "source_format", "mappings", "partial", "lineno", "block"):
                    known.setdefault(key, value)
            extra.append(process_record(pid, st["source"] if st else row["ps_source"], "status" if st else "ps",
                                        command=row.get("command") or row.get("comm") or st.get("command"),
                                        mappings=None, **known))
    pkg_path = SPEC_BY_NAME["pids_to_packages"].paths[0]
    packages = sysfacts.packages(files[pkg_path]) if pkg_path in files else {}
    for proc in [p for piece in pieces for p in piece.processes] + extra:
        if proc.get("pid") in packages:
            proc["package"] = packages[proc["pid"]]
    host = host_record(source, **host_values, sos_cmdline=facts.get("sos_cmdline"), maps_collected=bool(pieces),
                       processes_with_maps=len(seen), processes_in_ps=len(ps), ps_files=", ".join(used))
    return pieces, extra, notices, host


def _merged(pieces: list) -> list:
    """One piece holding every process's mappings: one frame to finish, not thousands."""
    from ..base import Parsed

    frames = [p.mappings for p in pieces if len(p.mappings)]
    if len(pieces) < 2:
        return pieces
    merged = Parsed(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(),
                    [proc for p in pieces for proc in p.processes], [h for p in pieces for h in p.hosts],
                    set().union(*(p.formats for p in pieces)))
    return [merged]


def _pids(pids: list[int], limit: int = 20) -> str:
    shown = ", ".join(str(p) for p in pids[:limit])
    return shown + (f", ... ({len(pids) - limit} more)" if len(pids) > limit else "")
