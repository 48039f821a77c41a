"""Redaction for sharing: host names, user names, command-line arguments and private paths
replaced by stable tokens, numbers and kinds untouched.

Reports are sent on, to vendors and colleagues; command lines, host names and
paths in them can carry passwords, customer names and internal host names.
:func:`redact` returns a copy of a :class:`~analyzer.dataset.Dataset` in which

- host names are ``host-N`` wherever they appear: the host column, and inside
  input names (a sosreport's file and folder names in ``source``, the list of
  inputs, notices) - the short name too (``db7`` of ``db7.corp.example``);
- user names are ``user-N`` (``root`` stays: every system has it);
- a command keeps its program's base name (``python3``, ``java``); the
  program's folder is a path like any other; every argument is ``<arg-N>``,
  or a path token when it is a path;
- paths outside system locations (``/usr``, ``/lib*``, ``/bin``, ``/sbin``,
  ``/etc``, ``/proc``, ``/sys``, ``/dev``, and kernel names like ``[heap]``)
  are ``<path-N>``, keeping a library's ``.so`` suffix (``<path-7>.so``).

The same value always gets the same token within one run (one
:class:`Redactor`); :meth:`Redactor.table` is the token table for
``--redact-map`` (never written into the report itself).

>>> r = Redactor()
>>> r.command("/opt/acme/bin/agent --password=hunter2 -u alice /usr/lib/x.conf")
'<path-1>/agent <arg-2> <arg-3> <arg-4> /usr/lib/x.conf'
>>> r.path("/opt/acme/lib/libbilling.so.1"), r.path("/usr/lib/libc.so.6"), r.path("[heap]")
('<path-5>.so.1', '/usr/lib/libc.so.6', '[heap]')
>>> r.path("/opt/acme/bin")  # the same value, the same token
'<path-1>'
>>> r.host("db7.corp.example"), r.user("alice"), r.user("root"), r.host("db7.corp.example")
('host-6', 'user-7', 'root', 'host-6')
>>> r.text("sosreport-db7-2026-01-01-abcdef.tar.xz")
'sosreport-host-6-2026-01-01-abcdef.tar.xz'
"""

from __future__ import annotations

import dataclasses
import re

import pandas as pd

from .dataset import Dataset, InputReport
from .errors import Notice

SYSTEM_PREFIXES = ("/usr", "/lib", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev")
KEEP_USERS = {"root"}
_SO = re.compile(r"\.so(?:\.[0-9]+)*$")
# columns of each table, by what they hold
HOST_COLUMNS = ("host", "hostname", "fqdn", "domain")
USER_COLUMNS = ("user", "owner")
COMMAND_COLUMNS = ("command", "sos_cmdline", "comm", "name")
PATH_COLUMNS = ("path",)
TEXT_COLUMNS = ("source", "capture", "block", "block_name", "cgroup", "unit", "sosreport", "ps_source", "status_source",
                "meminfo_source", "memcg", "task_memcg", "trigger", "mapped_by")


def is_system_path(path: str) -> bool:
    """True for a path memmaps keeps as it is: under a system folder, or a kernel name.

    >>> [is_system_path(p) for p in ("/usr/bin/python3", "/lib64/ld.so", "[stack]", "/home/a/x", "/usrx/y")]
    [True, True, True, False, False]
    """
    if not path or path.startswith("[") or path.startswith("anon_inode:") or path.startswith("/memfd:"):
        return True
    return any(path == p or path.startswith(p + "/") or (p == "/lib" and re.match(r"/lib[^/]*(/|$)", path))
               for p in SYSTEM_PREFIXES)


class Redactor:
    """Tokens for one run: the same value always the same token."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], str] = {}
        self._n = 0

    def _token(self, kind: str, value: str, shape: str) -> str:
        key = (kind, value)
        token = self._tokens.get(key)
        if token is None:
            self._n += 1
            token = self._tokens[key] = shape.format(n=self._n)
        return token

    def host(self, name: str) -> str:
        if not name:
            return name
        token = self._token("host", name, "host-{n}")
        short = name.split(".", 1)[0]
        if short != name and len(short) >= 3:
            self._tokens.setdefault(("host", short), token)  # the short name is the same host
        return token

    def user(self, name: str) -> str:
        if not name or name in KEEP_USERS:
            return name
        return self._token("user", name, "user-{n}")

    def path(self, path: str) -> str:
        if is_system_path(path):
            return path
        deleted = path.endswith(" (deleted)")
        core = path.removesuffix(" (deleted)")
        base = core.rsplit("/", 1)[-1]
        m = _SO.search(base)
        suffix = m.group(0) if m else ""
        token = self._token("path", core, "<path-{n}>" + suffix)
        return token + (" (deleted)" if deleted else "")

    def arg(self, arg: str) -> str:
        if arg.startswith("/"):
            return self.path(arg)
        return self._token("arg", arg, "<arg-{n}>")

    def command(self, cmd: str) -> str:
        """Program base name kept, its folder a path, every argument a token."""
        if not cmd or (cmd.startswith("[") and cmd.endswith("]")):
            return cmd  # a kernel thread's name
        words = cmd.split(" ")
        program = words[0]
        if "/" in program:
            folder, base = program.rsplit("/", 1)
            program = (self.path(folder) if folder else "") + "/" + base
        return " ".join([program] + [self.arg(w) if w else w for w in words[1:]])

    def text(self, text: str) -> str:
        """Free text (input names, notices): every host and user name, argument and private path
        already tokenised replaced where it occurs (longest first)."""
        if not text:
            return text
        for (kind, value), token in self._replacements():
            if value in text:
                text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", token, text)
        return text

    def _replacements(self):
        # arguments only when long enough not to be a common word ("-o", "report"): a secret is
        items = [(k, t) for k, t in self._tokens.items()
                 if len(k[1]) >= (8 if k[0] == "arg" else 3) and k[1] not in KEEP_USERS]
        return sorted(items, key=lambda kt: -len(kt[0][1]))

    def table(self) -> pd.DataFrame:
        """The token table for ``--redact-map``: token, kind, original."""
        rows = [(token, kind, value) for (kind, value), token in self._tokens.items()]
        return pd.DataFrame(rows, columns=["token", "kind", "original"]).drop_duplicates("token", keep="first")


def _map(series: pd.Series, fn) -> pd.Series:
    """Apply *fn* once per distinct non-null value of a column; NA stays NA."""
    if not len(series):
        return series
    values = series.dropna().unique()
    table = {v: fn(str(v)) for v in values}
    out = series.map(table)
    return out.astype(series.dtype) if pd.api.types.is_string_dtype(series.dtype) else out


def _frame(frame: pd.DataFrame, r: Redactor) -> pd.DataFrame:
    if frame is None or not len(frame.columns):
        return frame
    out = frame.copy()
    for cols, fn in ((HOST_COLUMNS, r.host), (USER_COLUMNS, r.user), (COMMAND_COLUMNS, r.command),
                     (PATH_COLUMNS, r.path)):
        for col in cols:
            if col in out.columns and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype)):
                out[col] = _map(out[col], fn)
    return out


def _texts(frame: pd.DataFrame, r: Redactor) -> pd.DataFrame:
    for col in TEXT_COLUMNS:
        if col in frame.columns and (frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col].dtype)):
            frame[col] = _map(frame[col], r.text)
    return frame


def redact(ds: Dataset, redactor: Redactor | None = None) -> tuple[Dataset, Redactor]:
    """A redacted copy of *ds* (numbers, kinds, PIDs unchanged) and the redactor holding the tokens.

    Host names are collected from every table first, so a host's name is replaced inside input
    names even where only the host table says it.
    """
    r = redactor or Redactor()
    for frame in (ds.hosts, ds.processes, ds.mappings, ds.shm, ds.oom_kills, ds.oom_tasks):
        if frame is not None and "host" in frame.columns:
            for name in frame["host"].dropna().unique():
                r.host(str(name))
    hosts = _texts(_frame(ds.hosts, r), r) if ds.hosts is not None else ds.hosts
    processes = _texts(_frame(ds.processes, r), r)
    mappings = _texts(_frame(ds.mappings, r), r)
    inputs = [dataclasses.replace(i, name=r.text(i.name)) for i in ds.inputs]
    notices = [Notice(r.text(n.source), n.lineno, r.text(n.message), n.level) for n in ds.notices]
    tables = {name: _texts(_frame(getattr(ds, name), r), r) for name in ("shm", "oom_kills", "oom_tasks")}
    return Dataset(mappings, processes, hosts, inputs, notices, **tables), r


__all__ = ["Redactor", "redact", "is_system_path", "InputReport"]
