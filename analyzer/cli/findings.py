"""``memmaps findings``: what is wrong in the inputs and what to do."""

from __future__ import annotations

from typing import TYPE_CHECKING

import json
import re
import textwrap

import click

from .choices import SEVERITIES
from .options import inputs_argument, load, load_options, report_notices
from .outputs import check_outputs
from .redaction import redact_map_path, redact_options

if TYPE_CHECKING:
    import pandas as pd

# exit status when a finding reaches --fail-on (1 is an error, 2 a usage error)
FAIL_STATUS = 3


@click.command("findings")
@inputs_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True,
              help="text for people; json (a list of objects) and csv with exact bytes.")
@click.option("--min-severity", type=click.Choice(SEVERITIES), default="info", show_default=True,
              help="Leave out findings below this level.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help=f"Exit with status {FAIL_STATUS} when any finding reaches this level (for scripts).")
@click.option("--set", "limits", metavar="NAME=VALUE", multiple=True,
              help="Override a rule's threshold, e.g. --set min_arenas=4 --set min_thp=16M "
                   "(sizes take K/M/G; fractions 0.4 or 40%; the README lists every name).")
@load_options
@redact_options
def command(inputs, fmt, min_severity, fail_on, limits, on_bad_lines, strict, quiet):
    """Diagnose the memory of every INPUT: deleted libraries still mapped,
    glibc malloc arenas, processes near vm.max_map_count, locked memory,
    transparent huge pages, orphaned SysV segments, shared memory nobody
    maps, swap, unexplained memory and OOM kills. Each finding names the
    process (or host), the bytes at stake, the evidence and what to do.

    The tools that made the capture (sos, pmap, cat, head, grep, a shell
    loop over /proc) are never reported as culprits.

    \b
    Example:
        memmaps findings sosreport-host-2026-01-01-abcdef.tar.xz
        memmaps findings dump.smaps --min-severity warning --format json
        memmaps findings dumps/ --fail-on warning || echo "memory problems found"
    """
    from .. import findings as diagnose

    overrides = _parse_limits(limits)
    check_outputs([("--redact-map", redact_map_path(), "file")], inputs)
    ds = load(inputs, on_bad_lines)
    try:
        frame = diagnose.findings(ds, min_severity=min_severity, **overrides)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(records(frame), indent=1))
    elif fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    else:
        click.echo(render_text(frame, diagnose.unchecked(ds), min_severity))
    report_notices(ds, quiet, strict)
    if fail_on and len(frame) and diagnose.SEVERITIES[diagnose.worst(frame)] >= diagnose.SEVERITIES[fail_on]:
        raise click.exceptions.Exit(FAIL_STATUS)


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_value(text: str, default):
    """A threshold from the command line, typed like its default: sizes take
    K, M, G, T suffixes (binary: 64M = 64 MiB), fractions a % sign.

    >>> parse_value("64MiB", 1), parse_value("1.5g", 1), parse_value("40%", 0.5), parse_value("0.8", 0.5)
    (67108864, 1610612736, 0.4, 0.8)
    """
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([kmgt]?)(?:i?b)?\s*(%?)\s*", text, re.I)
    if not m or (m.group(3) and isinstance(default, int)) or (m.group(2) and isinstance(default, float)):
        raise ValueError(text)
    number = float(m.group(1))
    if isinstance(default, float):
        return number / 100 if m.group(3) else number
    return int(number * _UNITS[m.group(2).lower()])


def _parse_limits(limits: tuple[str, ...]) -> dict:
    from .. import findings as diagnose

    known = diagnose.thresholds()
    out = {}
    for item in limits:
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in known:
            raise click.UsageError(f"--set {item!r}: expected NAME=VALUE with NAME one of {', '.join(sorted(known))}")
        try:
            out[name] = parse_value(value, known[name])
        except ValueError:
            kind = "a size (e.g. 64M) or a count" if isinstance(known[name], int) else "a fraction (e.g. 0.4 or 40%)"
            raise click.UsageError(f"--set {item!r}: {value!r} is not {kind}") from None
    return out


def records(frame: pd.DataFrame) -> list[dict]:
    """The findings as JSON-ready dicts (NA as None, numbers as int)."""
    import pandas as pd

    out = []
    for row in frame.to_dict("records"):
        out.append({k: (None if pd.isna(v) else int(v) if k in ("pid", "bytes", "count") else str(v))
                    for k, v in row.items()})
    return out


def render_text(frame: pd.DataFrame, unchecked: list[tuple[str, str]], min_severity: str = "info") -> str:
    """Findings for people: one block per finding, most severe first, then the
    rules that had no data to check."""
    import pandas as pd
    from .. import findings as diagnose

    lines = []
    for row in frame.to_dict("records"):
        rule = diagnose.BY_ID[row["rule"]]
        row = {k: None if pd.isna(v) else v for k, v in row.items()}
        who = []
        if row["pid"] is not None:
            who.append(f"PID {row['pid']}")
            if row["command"] is not None:
                who.append(textwrap.shorten(str(row["command"]), 70, placeholder=" ..."))
        if row["host"] is not None:
            who.append(f"(host {row['host']}" + (f", capture {row['capture']})" if row["capture"] else ")"))
        lines.append(f"{row['severity'].upper():8} {row['rule']}: {rule.title}" + (f" - {' '.join(who)}" if who else ""))
        lines += textwrap.wrap(str(row["message"]), 100, initial_indent="  ", subsequent_indent="  ")
        lines += [f"    {e}" for e in str(row["evidence"]).splitlines()]
        lines += textwrap.wrap(f"What to do: {rule.advice}", 100, initial_indent="  ", subsequent_indent="  ")
        lines.append("")
    counts = frame["severity"].value_counts()
    summary = ", ".join(f"{counts[s]} {s}" for s in reversed(diagnose.SEVERITIES) if s in counts)
    lines.append(f"{len(frame)} finding{'s' if len(frame) != 1 else ''}" + (f" ({summary})" if summary else "")
                 + (f" at {min_severity} or above" if min_severity != "info" else "") + ".")
    if unchecked:
        lines += textwrap.wrap("Not checked, for want of data: " + "; ".join(f"{r} (needs {n})" for r, n in unchecked)
                               + ".", 100, subsequent_indent="  ")
    return "\n".join(lines)
