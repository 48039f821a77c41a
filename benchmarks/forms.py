"""The irregular forms customer smaps files come in, made from a clean ``==>``-banner concatenation.

Each function takes the clean bytes (``generate.py --concat``'s ``all.smaps``, or any banner
concatenation of kernel smaps) and returns the same content as a customer might send it. All are
deterministic: the same input gives the same bytes. ``tests/test_fastblocks.py`` checks that the
block-wise fast path reads each exactly as the exact path does; ``forms_speed.py`` times them.

>>> clean = (b"==> /proc/1/smaps <==\\n00400000-00401000 r-xp 00000000 08:01 7 /bin/a\\nRss:  4 kB\\n"
...          b"VmFlags: rd \\n\\n==> /proc/2/smaps <==\\n00400000-00401000 r-xp 00000000 08:01 7 /bin/b\\n"
...          b"Rss:  4 kB\\nVmFlags: rd \\n")
>>> grep_h(clean).splitlines()[:2]
[b'/proc/1/smaps:00400000-00401000 r-xp 00000000 08:01 7 /bin/a', b'/proc/1/smaps:Rss:  4 kB']
>>> crlf(clean).count(b"\\r\\n") == clean.count(b"\\n")
True
"""

from __future__ import annotations

import re

_BANNER = re.compile(rb"^==> (.*) <==\n", re.M)


def blocks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(name, body) of every banner block, blank separator lines dropped."""
    found = list(_BANNER.finditer(data))
    out = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(data)
        body = data[m.end() : end]
        if body.endswith(b"\n\n"):
            body = body[:-1]
        out.append((m.group(1), body))
    return out


def join(parts: list[tuple[bytes, bytes]]) -> bytes:
    """Blocks back as a banner concatenation (``tail -n +1`` layout: a blank line between blocks)."""
    return b"\n".join(b"==> " + name + b" <==\n" + body for name, body in parts)


def cut(data: bytes) -> bytes:
    """A copy cut short: 90% of the bytes, mid-line (a transfer that stopped)."""
    return data[: len(data) * 9 // 10]


def crlf(data: bytes) -> bytes:
    """The file after a trip through Windows: CRLF line ends."""
    return data.replace(b"\n", b"\r\n")


def grep_h(data: bytes) -> bytes:
    """``grep -H '' /proc/*/smaps``: every line prefixed with its file's name and a colon."""
    out = []
    for name, body in blocks(data):
        prefix = name + b":"
        out.append(b"".join(prefix + line + b"\n" for line in body.splitlines()))
    return b"".join(out)


def with_self(data: bytes) -> bytes:
    """``head -n -1 /proc/*/smaps /proc/self/smaps``-style: the capturing process's own block in the middle."""
    parts = blocks(data)
    mid = len(parts) // 2
    return join(parts[:mid] + [(b"/proc/self/smaps", parts[mid][1])] + parts[mid:])


def kernels(data: bytes, other: bytes) -> bytes:
    """``cat`` of captures from two kernels: *other* (another layout, other key sets) after *data*."""
    return data.rstrip(b"\n") + b"\n\n" + other


def odd_value(data: bytes) -> bytes:
    """One record in the middle with a value the kernel never prints (``1x2 kB``)."""
    at = data.find(b"\nRss:", len(data) // 2)
    line_end = data.find(b"\n", at + 1)
    line = data[at + 1 : line_end]
    return data[: at + 1] + re.sub(rb"\d+ kB$", b"1x2 kB", line) + data[line_end:]


def not_utf8(data: bytes) -> bytes:
    """One path in the middle with a byte that is not UTF-8 (a file name in Latin-1)."""
    at = data.find(b" /usr/lib/", len(data) // 2)
    return data[: at + 10] + b"caf\xe9-" + data[at + 10 :]


def forms(data: bytes, other: bytes | None = None) -> dict[str, bytes]:
    """Every form of *data*, by name (``kernels`` only with *other*)."""
    out = {"clean": data, "cut": cut(data), "crlf": crlf(data), "grep-H": grep_h(data),
           "grep-H+crlf": crlf(grep_h(data)), "self": with_self(data), "odd-value": odd_value(data),
           "not-utf8": not_utf8(data)}
    if other is not None:
        out["kernels"] = kernels(data, other)
    return out
