"""ps tables as sos saves them (``ps auxwww``, ``ps auxwwwm``, ``ps alxwww``, ``ps -elfL``,
``ps axo ...``): per-PID command, user, parent, cgroup, RSS and VSZ.

``ps`` lines are split at most as many times as the header has columns
before the free-text one, so a COMMAND with unquoted spaces stays whole:

>>> text = '''USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
... nobody         6  0.0  0.0   9336  1856 ?        S    17:48   0:00 sleep 100001
... root           9  0.0  0.0      0     0 ?        Z    17:48   0:00 [sleep] <defunct>
... root          11 72.7  0.1 863668 41428 ?        Sl   17:48   0:00 /usr/bin/python3 /usr/bin/sos report -k a=b
... '''
>>> rows = parse_ps(text)
>>> rows[6]["user"], rows[6]["command"], rows[6]["ps_rss"], rows[9]["zombie"]
('nobody', 'sleep 100001', 1900544, True)
>>> rows[11]["command"]
'/usr/bin/python3 /usr/bin/sos report -k a=b'
"""

from __future__ import annotations

from ..numbers import KB_MAX, checked_int

FREE_TEXT = ("COMMAND", "CMD", "ARGS", "COMM")
WIDE = {"STARTED": 5, "LSTART": 5}  # lstart prints `Wed Nov 25 17:48:05 2026`


def parse_ps(text: str, free_as: str | None = None) -> dict[int, dict]:
    """Rows of any ps table sos saves, by PID (first row of a PID wins:
    thread rows of ``-L`` and ``m`` are folded into their process).

    Columns before the free-text column are split from the left, those
    after it (``CGROUP``) from the right; the free-text column keeps its
    spaces. Sizes (VSZ, RSS) become bytes in ``ps_vsz``/``ps_rss``.
    *free_as* names what the free-text column holds when its header says
    ``COMMAND`` but it is really ``comm`` (``ps axo ...,comm,cgroup``).
    """
    lines = [line.rstrip("\r") for line in text.split("\n")]
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        return {}
    header = lines[header_at].split()
    if "PID" not in header:
        return {}
    free = next((i for i, h in enumerate(header) if h in FREE_TEXT), len(header) - 1)
    before = header[:free]
    after = header[free + 1:]
    n_before = sum(WIDE.get(h, 1) for h in before)
    rows: dict[int, dict] = {}
    for line in lines[header_at + 1:]:
        if not line.strip():
            continue
        tokens = line.split(None, n_before)
        if len(tokens) <= n_before:
            continue
        rest = tokens[n_before]
        tail: list[str] = []
        if after:
            parts = rest.rsplit(None, len(after))
            if len(parts) <= len(after):
                continue
            rest, tail = parts[0], parts[1:]
        values: dict[str, str] = {}
        i = 0
        for h in before:
            width = WIDE.get(h, 1)
            values[h] = " ".join(tokens[i:i + width])
            i += width
        values[free_as.upper() if free_as else header[free]] = rest
        values.update(zip(after, tail))
        row = _ps_row(values)
        if row is not None and row["pid"] not in rows:
            rows[row["pid"]] = row
    return rows


def _ps_row(v: dict[str, str]) -> dict | None:
    pid = v.get("PID", "")
    if not pid.isdigit() or checked_int(pid) is None:
        return None  # a thread row of `ps m` (PID `-`), or no PID a kernel gives
    row: dict = {"pid": int(pid)}
    for key in ("COMMAND", "CMD", "ARGS"):
        if v.get(key):
            row["command"] = v[key]
            break
    if v.get("COMM"):
        row["comm"] = v["COMM"]
    user = v.get("USER") or v.get("UID")
    if user and user != "-":
        row["user"] = user
    if checked_int(v.get("PPID", "")) is not None:
        row["ppid"] = checked_int(v["PPID"])
    if v.get("CGROUP") and v["CGROUP"] != "-":
        row["cgroup"] = v["CGROUP"]
    for key, col in (("RSS", "ps_rss"), ("VSZ", "ps_vsz")):
        if v.get(key, "").isdigit() and checked_int(v[key], limit=KB_MAX) is not None:
            row[col] = checked_int(v[key], limit=KB_MAX) * 1024
    stat = v.get("STAT") or v.get("S")
    if stat and stat != "-":
        row["ps_stat"] = stat
        row["zombie"] = stat.startswith("Z")
    return row
