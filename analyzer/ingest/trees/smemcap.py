"""smem's ``smemcap`` captures: a tar of ``PID/{smaps,cmdline,stat}`` with the
host's ``/proc/version`` at its root (as ``version``), v7 tar headers and no
other metadata. The proc tree itself is read like any copied proc tree
(:mod:`.collector`); this module knows the extra member: the kernel banner.

>>> is_banner_member("capture/version", b"Linux version 6.18.44 (gcc) #1 SMP")
True
>>> kernel_near({"capture/version": b"Linux version 6.18.44 (gcc) #1 SMP"}, "capture/42/")
'6.18.44'
"""

from __future__ import annotations

import posixpath

from .sosreport import kernel_from_banner


def is_banner_member(path: str, data: bytes) -> bool:
    """True for a ``version`` member holding the kernel's ``/proc/version`` banner."""
    return posixpath.basename(path) == "version" and data.startswith(b"Linux version ")


def kernel_near(banners: dict[str, bytes], procdir: str) -> str | None:
    """The kernel release from a ``version`` (``/proc/version``) member at the root of the tree
    holding *procdir* (``capture/42/``), among *banners* (member path -> bytes)."""
    base = procdir.rstrip("/")
    base = base[: base.rfind("/") + 1] if "/" in base else ""
    for candidate in (base + "version", base + "proc/version"):
        if candidate in banners:
            return kernel_from_banner(banners[candidate].decode("utf-8", errors="replace"))
    return None
