"""The systemd unit or container a process runs in, read from its cgroup path.

ps prints a process's cgroups as ``ID:CONTROLLERS:PATH`` entries joined by commas (cgroup v1),
or ``0::PATH`` (v2). The unit is the most specific name in the path: a container
(``docker/ID``, ``docker-ID.scope``, ``libpod-ID.scope``, ``cri-containerd-ID.scope``,
kubepods' last directory) as ``docker:ID12``, else the last ``.service``/``.scope``/``.socket``/
``.mount`` unit, else the last ``.slice``; NA when the path names none (``-``, ``/``).

>>> unit_of("4:memory:/system.slice/web.service")
'web.service'
>>> unit_of("0::/system.slice/docker-3f2a9c0e5b7d41a6a1c2e3f4a5b6c7d8e9f0.scope")
'docker:3f2a9c0e5b7d'
>>> unit_of("12:pids:/docker/3f2a9c0e5b7d41a6a1c2e3f4,4:memory:/docker/3f2a9c0e5b7d41a6a1c2e3f4")
'docker:3f2a9c0e5b7d'
>>> unit_of("1:name=systemd:/user.slice/user-1000.slice/session-3.scope"), unit_of("-"), unit_of(None)
('session-3.scope', None, None)
"""

from __future__ import annotations

import re

import pandas as pd

_CONTAINER = [
    (re.compile(r"(?:^|/)docker[-/]([0-9a-f]{12,})(?:\.scope)?$"), "docker"),
    (re.compile(r"(?:^|/)libpod-(?:conmon-)?([0-9a-f]{12,})(?:\.scope)?$"), "podman"),
    (re.compile(r"(?:^|/)(?:cri-containerd|crio|containerd)-([0-9a-f]{12,})(?:\.scope)?$"), "container"),
    (re.compile(r"(?:^|/)kubepods[^/]*/.*?/([0-9a-f]{12,})$"), "container"),
    (re.compile(r"(?:^|/)lxc(?:\.payload)?[./]([^/]+)$"), "lxc"),
]
_UNIT = re.compile(r"[^/]+\.(?:service|scope|socket|mount|swap)$")
_SLICE = re.compile(r"[^/]+\.slice$")


def _paths(cgroup: str) -> list[str]:
    """The paths of a ps CGROUP value, systemd's own hierarchy first."""
    entries = [e for e in re.split(r"[,;]", cgroup) if e.strip()]
    paths = []
    for entry in entries:
        parts = entry.split(":", 2)
        path = parts[2] if len(parts) == 3 else entry
        first = parts[1] in ("", "name=systemd") if len(parts) == 3 else False
        paths.insert(0, path) if first else paths.append(path)
    return [p.rstrip("/") for p in paths if p.strip("/")]


def unit_of(cgroup) -> str | None:
    """The unit or container named by a cgroup value, or None."""
    if cgroup is None or cgroup is pd.NA or not isinstance(cgroup, str) or cgroup.strip() in ("", "-"):
        return None
    paths = _paths(cgroup)
    for path in paths:
        for pattern, kind in _CONTAINER:
            m = pattern.search(path)
            if m:
                return f"{kind}:{m.group(1)[:12]}"
    for path in paths:
        units = [c for c in path.split("/") if _UNIT.fullmatch(c)]
        if units:
            return units[-1]
    for path in paths:
        slices = [c for c in path.split("/") if _SLICE.fullmatch(c)]
        if slices:
            return slices[-1]
    return None


def units(cgroups: pd.Series) -> pd.Series:
    """:func:`unit_of` for every row (computed once per distinct cgroup value)."""
    codes, uniques = pd.factorize(cgroups.astype("string"), use_na_sentinel=True)
    names = pd.array([unit_of(u) for u in uniques] + [None], dtype="string")
    return pd.Series(names.take(codes), index=cgroups.index, dtype="string")
