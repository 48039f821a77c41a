"""The ``memmaps`` command: a thin click skin over the library.

This is the one place where errors become a message and an exit status:
:class:`~analyzer.errors.MemmapsError` prints ``memmaps: error: ...`` and
exits 1; nothing ever reaches the user as a traceback.
"""

from __future__ import annotations

import os
import sys

import click

from ..errors import MemmapsError
from . import diff, export, findings, info, report, summary, trend


class MemmapsGroup(click.Group):
    """A group that turns our errors into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MemmapsError as exc:
            click.echo(f"memmaps: error: {exc}", err=True)
            ctx.exit(1)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(1)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug of ours: one line, and the traceback only when asked for
            if os.environ.get("MEMMAPS_DEBUG"):
                raise
            where = "".join(f"{n}; " for n in getattr(exc, "__notes__", ()) if str(n).startswith("input: "))
            click.echo(f"memmaps: internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                       f" ({where}a bug in memmaps: please report it with the input; MEMMAPS_DEBUG=1 shows the "
                       "traceback)", err=True)
            ctx.exit(1)


@click.group(cls=MemmapsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="memmaps", prog_name="memmaps")
def cli() -> None:
    """Analyze Linux process memory maps offline.

    Reads /proc/PID/smaps, maps and smaps_rollup (single, concatenated, or as
    copied proc trees), pmap output, and sosreports - compressed or not,
    recognised by content - into one table with a row per mapping.

    \b
    Example:
        memmaps summary sample_dumps/smaps/tree --by kind
        memmaps export customer.smaps.gz -o mappings.parquet
        memmaps info sosreport-host-2026-01-01-abcdef.tar.xz
    """


cli.add_command(export.command)
cli.add_command(summary.command)
cli.add_command(info.command)
cli.add_command(findings.command)
cli.add_command(report.command)
cli.add_command(diff.command)
cli.add_command(trend.command)


def main() -> None:
    """Entry point of the ``memmaps`` console script."""
    try:
        cli(prog_name="memmaps")
    except SystemExit as exc:
        _leave(exc.code)
    _leave(0)


def _leave(code) -> None:
    """Exit with *code* (a ``SystemExit`` code), skipping the interpreter's teardown.

    Freeing pandas, pyarrow and numpy module by module takes ~50 ms, a tenth of a small
    summary's 0.45 s. Everything teardown would do for us is done here: exit handlers run
    (temporary folders, Dask clients), standard output and error are flushed; our own files
    are closed where they are written. With another non-daemon thread still running (it would
    be waited for), or output that cannot be flushed (a closed pipe), the normal exit is taken.
    """
    import atexit
    import threading

    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.exit(code)
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code & 0xFF
    else:  # sys.exit("message"): printed, status 1, as Python does
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None and not stream.closed:
                stream.flush()
    except (OSError, ValueError):
        sys.exit(status)  # let Python report it as it would
    os._exit(status)
