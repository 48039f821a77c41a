"""``memmaps info``: what was recognised in each input, and every notice."""

from __future__ import annotations

import click

from .options import inputs_argument, load, load_options


@click.command("info")
@inputs_argument
@click.option("-v", "--verbose", is_flag=True, help="List every file of a directory or archive, and every note.")
@load_options
def command(inputs, verbose, on_bad_lines, strict, quiet):
    """Show what each INPUT was recognised as, how many processes and mappings
    it held, the hosts it describes, and every warning and note about it
    (with -q, only how many there are).

    \b
    Example:
        memmaps info sample_dumps/smaps/*.smaps*
        memmaps info -v sosreport-host-2026-01-01-abcdef.tar.xz
    """
    from .infolines import show

    show(load(inputs, on_bad_lines, show_progress=not quiet), verbose, quiet, strict)
