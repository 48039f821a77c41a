"""Text formats that describe memory beside the maps: one module per format,
one contract - ``detect(head) -> str | None`` and ``parse(text, ctx, name=None) -> Parsed``.

- :mod:`.status` - ``/proc/PID/status`` (bare, ``head`` banners, ``grep -H``): per-process facts;
- :mod:`.meminfo` - ``/proc/meminfo`` (and ``free`` as a fallback): per-host facts;
- :mod:`.sysvipc` - ``/proc/sysvipc/shm`` and ``ipcs -m``: SysV shared memory segments;
- :mod:`.kernlog` - the OOM killer's reports in kernel logs (dmesg, journalctl, syslog).

None of them yields mappings: a file of these kinds given alone loads without
error into the process, host, ``shm``, ``oom_kills`` and ``oom_tasks`` tables.
"""

from __future__ import annotations

import re

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SPECIAL = {"PPid": "ppid", "TracerPid": "tracer_pid", "NStgid": "ns_tgid", "NSpid": "ns_pid",
            "NSpgid": "ns_pgid", "NSsid": "ns_sid"}


def snake(key: str) -> str:
    """A kernel key in snake case, as the columns are named.

    >>> [snake(k) for k in ("VmRSS", "RssAnon", "VmHWM", "PPid", "SReclaimable", "HugePages_Total")]
    ['vm_rss', 'rss_anon', 'vm_hwm', 'ppid', 's_reclaimable', 'hugepages_total']
    >>> [snake(k) for k in ("Active(anon)", "DirectMap2M", "Committed_AS", "Hugepagesize", "NFS_Unstable")]
    ['active_anon', 'direct_map2m', 'committed_as', 'hugepagesize', 'nfs_unstable']
    """
    if key in _SPECIAL:
        return _SPECIAL[key]
    key = key.replace("HugePages_", "Hugepages_").replace("(", "_").replace(")", "")
    return "_".join(p for p in _CAMEL.sub("_", key).lower().split("_") if p)
