"""Formats: one module or package per text format, each with ``detect(head)``
and ``parse(data, ctx) -> Parsed``; :mod:`.registry` picks the format of a text
by its content.

- :mod:`.smaps`, :mod:`.pmap`, :mod:`.ps` - memory maps and process lists;
- :mod:`.status` - ``/proc/PID/status`` (bare, ``head`` banners, ``grep -H``): per-process facts;
- :mod:`.meminfo` - ``/proc/meminfo`` (and ``free`` as a fallback): per-host facts;
- :mod:`.sysvipc` - ``/proc/sysvipc/shm`` and ``ipcs -m``: SysV shared memory segments;
- :mod:`.kernlog` - the OOM killer's reports in kernel logs (dmesg, journalctl, syslog).

The last four yield no mappings: a file of these kinds given alone loads without
error into the process, host, ``shm``, ``oom_kills`` and ``oom_tasks`` tables.
"""

from ...columns import snake

__all__ = ["snake"]
