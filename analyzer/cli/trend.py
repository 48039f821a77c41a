"""``memmaps trend``: several captures as one long table, and a chart of the top growers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathlib import Path

import click

from ..errors import MemmapsError
from .choices import TREND_BY
from .diff import apply_filters, filter_options, no_maps
from .options import inputs_argument, load, load_options, report_notices
from .outputs import check_outputs
from .redaction import redact_map_path, redact_options

if TYPE_CHECKING:
    import pandas as pd


@click.command("trend")
@inputs_argument
@click.option("--by", type=click.Choice(TREND_BY), default="process", show_default=True,
              help="One row per capture and process, kind or host.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "markdown"]), default="text",
              show_default=True, help="text and markdown show human sizes; csv and json exact bytes.")
@click.option("-n", "--top", type=click.IntRange(min=1), default=None,
              help="Only the N biggest growers (processes or hosts; all their captures).")
@click.option("--png", metavar="FILE", type=click.Path(dir_okay=False, writable=True),
              help="Also draw the top growers over time as a PNG.")
@filter_options
@load_options
@redact_options
def command(inputs, by, fmt, top, png, pid, command, kind, path, host, on_bad_lines, strict, quiet):
    """Follow two or more captures of the same machine over time.

    Each INPUT is one capture (any form memmaps reads). They are put in
    capture-time order when every capture says its time (sosreports do),
    else kept in the order given. One row per capture and process (kind,
    host) with its sizes in bytes, and the growth per hour since the
    previous capture where both times are known. Processes are followed as
    `memmaps diff` matches them: a reused PID starts a new process.

    \b
    Example:
        memmaps trend sample_dumps/growth/sosreport/*.tar.xz --top 3
        memmaps trend snap-1.smaps snap-2.smaps snap-3.smaps --by kind
        memmaps trend sosreport-*.tar.xz --png growth.png --format csv
    """
    from ..report.table import render
    from ..timeline import trend

    if len(inputs) < 2:
        raise click.UsageError("give two captures or more")
    check_outputs([("--png", png, "file"), ("--redact-map", redact_map_path(), "file")], inputs)
    datasets = [load((i,), on_bad_lines) for i in inputs]
    for name, ds in zip(inputs, datasets):
        no_maps(name, ds)
    frames = [apply_filters(ds.mappings, pid, command, kind, path, host) for ds in datasets]
    from .redaction import text

    table = trend(frames, by=by, names=[text(i) for i in inputs])  # under --redact, names tokenised too
    if top and by != "kind":
        key = "process" if by == "process" else "host"
        keep = list(dict.fromkeys(table[key]))[:top]
        table = table[table[key].isin(keep)].reset_index(drop=True)
    if png:
        from ..report.growth import plot_trend
        from ..report.writers import _save_png

        ax = plot_trend(table, top=top or 8)
        try:
            _save_png(ax.figure, png)
        except OSError as exc:
            raise MemmapsError(f"{png}: cannot write: {exc.strerror or exc}") from None
        if not quiet:
            click.echo(f"wrote {png}", err=True)
    click.echo(render(_for_people(table) if fmt in ("text", "markdown") else table, fmt).rstrip("\n"))
    for ds in datasets:
        report_notices(ds, quiet, strict=False)
    if strict and any(ds.warnings for ds in datasets):
        click.echo("memmaps: error: warning(s) and --strict given", err=True)
        raise click.exceptions.Exit(1)


def _for_people(table: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd
    from ..report.difftable import signed_bytes

    out = table.copy()
    for col in ("host", "capture_time", "command", "pss", "anonymous", "private_dirty", "uss", "swap",
                "rss_per_hour", "pss_per_hour"):
        if col in out.columns and out[col].isna().all():
            out = out.drop(columns=col)
    if "process" in out.columns:
        out = out.drop(columns="process")
    names = [Path(c).name for c in out["capture"]]
    if len(set(names)) == len(set(out["capture"])):  # file names tell the captures apart: show them only
        out["capture"] = names
    if "capture_time" in out.columns:
        out["capture_time"] = [("-" if pd.isna(t) else t.strftime("%Y-%m-%d %H:%M:%S")) for t in out["capture_time"]]
    for col in ("rss_per_hour", "pss_per_hour"):
        if col in out.columns:
            out[col] = [("-" if pd.isna(v) else signed_bytes(int(round(v))) + "/h") for v in out[col]]
    return out
