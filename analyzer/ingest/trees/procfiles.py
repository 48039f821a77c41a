"""What a copied proc tree's other files say of a process, and the rows of a tree as one frame.

``/proc/PID/cmdline``, ``status`` and ``stat`` give a process its command,
parent and user (smem's ``smemcap`` and copied trees carry them; sos does
not); :func:`rows_with_facts` joins the parsed batches of a tree into one
frame and fills those facts in per row.
"""

from __future__ import annotations

import pandas as pd

from .. import joining
from ..numbers import checked_int


def command_from_cmdline(data: bytes) -> str | None:
    r"""A command line from ``/proc/PID/cmdline`` (NUL-separated arguments).

    >>> command_from_cmdline(b"/usr/bin/sleep\x00100\x00")
    '/usr/bin/sleep 100'
    >>> command_from_cmdline(b"") is None
    True
    """
    args = data.rstrip(b"\x00").split(b"\x00")
    text = " ".join(a.decode("utf-8", errors="backslashreplace") for a in args).strip()
    return text or None


def name_from_status(data: bytes) -> str | None:
    """The ``Name:`` of ``/proc/PID/status``, shown in brackets like ps does
    for a process without a command line."""
    for line in data.decode("utf-8", errors="backslashreplace").splitlines():
        if line.startswith("Name:"):
            return f"[{line[5:].strip()}]"
    return None


def facts_from_status(data: bytes) -> dict:
    """``ppid`` and ``user`` (the real uid, as digits) from ``/proc/PID/status``.

    >>> facts_from_status(b"Name:\\tsleep\\nPPid:\\t1\\nUid:\\t65534\\t65534\\t65534\\t65534\\n")
    {'ppid': 1, 'user': '65534'}
    """
    out: dict = {}
    for line in data.decode("utf-8", errors="replace").splitlines():
        key, _, value = line.partition(":")
        parts = value.split()
        if key == "PPid" and parts and checked_int(parts[0]) is not None:
            out["ppid"] = checked_int(parts[0])
        elif key == "Uid" and parts and parts[0].isdigit():
            out["user"] = parts[0]
    return out


def facts_from_stat(data: bytes) -> dict:
    """``name`` (``[comm]``), ``ppid`` and ``zombie`` from ``/proc/PID/stat``.

    >>> facts_from_stat(b"8 (sleep) Z 5 5 1 0 -1 4227916 ...")
    {'name': '[sleep]', 'zombie': True, 'ppid': 5}
    """
    text = data.decode("utf-8", errors="replace")
    left, right = text.find("("), text.rfind(")")
    if left < 0 or right < left:
        return {}
    rest = text[right + 1:].split()
    out: dict = {"name": f"[{text[left + 1:right]}]"}
    if rest:
        out["zombie"] = rest[0] == "Z"
    if len(rest) > 1 and checked_int(rest[1]) is not None:
        out["ppid"] = checked_int(rest[1])
    return out


def rows_with_facts(frames: list[pd.DataFrame | None], drop: set[str], row_facts: dict[str, dict]) -> pd.DataFrame:
    """All parsed rows as one frame: rows of ignored files dropped, and the
    command, user, ppid and kernel of each row's process filled in. *frames* is
    emptied (each batch is released as soon as it is copied)."""
    frames[:] = [f for f in frames if f is not None and len(f)]  # in place: concat empties the list as it goes
    if not frames:
        return pd.DataFrame()
    frame = joining.concat(frames)  # also one frame: its shared NA columns are made its own
    frames.clear()
    if drop:
        frame = frame[~frame["source"].isin(drop)].reset_index(drop=True)
    keys = sorted({k for facts in row_facts.values() for k in facts})
    if not keys:
        return frame
    # one value per distinct source (a few hundred), then taken per row: no Python object per row
    codes, sources = pd.factorize(frame["source"], use_na_sentinel=True)
    for key in keys:
        per_source = pd.array([row_facts.get(src, {}).get(key) for src in sources] + [None])
        filled = pd.Series(per_source.take(codes), index=frame.index)  # code -1 takes the trailing None
        if key in frame.columns and frame[key].notna().any():  # else nothing to keep: no second copy
            filled = filled.where(filled.notna(), frame[key])
        frame[key] = filled
    return frame
