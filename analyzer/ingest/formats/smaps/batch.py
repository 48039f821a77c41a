"""Many proc-tree members parsed as one: a fixed cost per batch, not per process.

A copied proc tree or a sosreport holds one ``PID/smaps`` per process; parsing
each on its own pays pandas' fixed cost (a DataFrame, a concat) per process.
:func:`parse_members` joins a few MB of members with ``==> path <==`` banners,
parses them in one pass with :func:`analyzer.ingest.formats.smaps.parse_data`, and
gives every row, process and notice back its member's name and line number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ....errors import Notice, ParseError
from ...base import Context, Parsed
from ...sources.reader import looks_binary
from . import parse_data


def parse_members(members: list[tuple[bytes, str, str]], on_bad_lines: str = "warn",
                  text_checked: bool = False) -> tuple[Parsed, list[Notice]]:
    """Parse many single-process files (``(data, display, path)``: a proc tree's
    ``PID/smaps``) in one pass: the same result as one :func:`parse_data` per
    member, at a fixed cost per batch instead of per file.

    The members are joined with ``==> path <==`` banners (the PID comes from
    the path), parsed once, and every row, process and notice is given back
    its member's name and line numbers. The caller keeps PIDs unique within a
    batch; a member that could break the joining (no final newline, a line
    starting ``==>``) is parsed on its own. *text_checked*: every member was read as text
    (:meth:`~analyzer.ingest.sources.member.Member.read` refused binary heads already).
    """
    pieces: list[Parsed] = []
    notices: list[Notice] = []
    joined: list[bytes] = []
    names: list[tuple[str, str]] = []
    for data, display, path in members:
        banner_inside = b"=" in data and (data.startswith(b"==>") or b"\n==>" in data)  # memchr first: cheap
        if not text_checked and looks_binary(data):  # one garbage member must not sink the batch: skipped, named
            notices.append(Notice(display, None, "not read: binary data, not a text dump"))
            continue
        if (data and not data.endswith(b"\n")) or banner_inside or "\n" in path or "<==" in path:
            ctx = Context(display, on_bad_lines)
            pieces.append(parse_data(data, ctx, name=path))
            notices.extend(ctx.notices)
            continue
        joined.append(f"==> {path} <==\n".encode())
        joined.append(data)
        names.append((display, path))
    if names:
        pieces.insert(0, _parse_joined(joined, names, on_bad_lines, notices))
    frames = [p.mappings for p in pieces if len(p.mappings)]
    frame = frames[0] if len(frames) == 1 else (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame())
    return Parsed(frame, [proc for p in pieces for proc in p.processes],
                  formats=set().union(*(p.formats for p in pieces))), notices


def _parse_joined(joined: list[bytes], names: list[tuple[str, str]], on_bad_lines: str,
                  notices: list[Notice]) -> Parsed:
    ctx = Context("<batch>", on_bad_lines)
    try:
        parsed = parse_data(b"".join(joined), ctx)
    except ParseError as exc:
        lines = np.cumsum([1] + [1 + part.count(b"\n") for part in joined[1::2]])[:-1]
        i = int(np.searchsorted(lines, exc.lineno or 1, side="right")) - 1
        raise ParseError(names[i][0], (exc.lineno or 1) - int(lines[i]) or None, exc.message) from None
    by_path = {path: display for display, path in names}
    # the banner line of every member, from the blocks the parser found (in file order)
    starts: dict[str, int] = {}
    for proc in parsed.processes:
        block = proc.get("block_name")
        if block in by_path and block not in starts:
            starts[block] = proc["lineno"]
        proc["source"] = by_path.get(block, proc["source"])
        proc["lineno"] = None
    order = sorted((line, by_path[block], block) for block, line in starts.items())
    banners = np.array([line for line, _, _ in order], dtype=np.int64)

    def member(lineno: int) -> tuple[int, str, str]:
        i = int(np.searchsorted(banners, lineno, side="right")) - 1
        return lineno - int(banners[i]), order[i][1], order[i][2]

    for n in ctx.notices:
        if n.lineno and len(banners):
            lineno, display, path = member(n.lineno)
            notices.append(Notice(display, lineno or None, n.message.replace(f"{path}: ", ""), n.level))
        else:
            notices.append(n)
    frame = parsed.mappings
    if len(frame):
        linenos = frame["lineno"].to_numpy(dtype="int64")
        idx = np.searchsorted(banners, linenos, side="right") - 1
        frame["lineno"] = pd.arrays.IntegerArray(linenos - banners[idx], np.zeros(len(idx), dtype=bool))
        displays = pd.array([d for _, d, _ in order], dtype="string[pyarrow]")
        frame["source"] = displays.take(idx)
    return parsed
