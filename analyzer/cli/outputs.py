"""Output paths checked before any work: never an input, never inside an input folder, writable.

``memmaps export X.smaps -o X.smaps`` would overwrite the dump it reads; a
report written into a folder being read could be read back as input next
time. Both are refused with one line, before loading, as is an output that
names a directory where a file is meant or lies in a folder that does not exist.

>>> import tempfile, pathlib
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> (tmp / "x.smaps").write_text("")
0
>>> check_outputs([("-o", str(tmp / "x.smaps"), "file")], [str(tmp / "x.smaps")])
Traceback (most recent call last):
analyzer.errors.MemmapsError: .../x.smaps: -o names an input (.../x.smaps): refusing to overwrite it; choose another name
>>> check_outputs([("--png-dir", str(tmp / "charts"), "dir")], [str(tmp)])
Traceback (most recent call last):
analyzer.errors.MemmapsError: .../charts: --png-dir is inside the input folder ...: refusing to write where inputs are read; choose a path outside it
"""

from __future__ import annotations

import os

from ..errors import MemmapsError


def check_outputs(outputs: list[tuple[str, str | None, str]], inputs: tuple[str, ...] | list[str]) -> None:
    """Raise :class:`MemmapsError` for an output (option, path, ``"file"`` or ``"dir"``) that
    is an input, lies inside an input folder, or cannot be written where it is."""
    ins = [(i, os.path.realpath(i)) for i in inputs if str(i) != "-"]
    for option, path, kind in outputs:
        if not path or path == "-":
            continue
        real = os.path.realpath(path)
        for given, rin in ins:
            same = real == rin or (os.path.exists(path) and os.path.exists(given) and os.path.samefile(path, given))
            if same:
                raise MemmapsError(f"{path}: {option} names an input ({given}): refusing to overwrite it; "
                                   "choose another name")
            if same or (os.path.isdir(rin) and real.startswith(rin.rstrip(os.sep) + os.sep)):
                raise MemmapsError(f"{path}: {option} is inside the input folder {given}: refusing to write "
                                   "where inputs are read; choose a path outside it")
            if kind == "dir" and rin.startswith(real.rstrip(os.sep) + os.sep) and os.path.isdir(real):
                chart = os.path.basename(rin)
                if chart.endswith(".png"):
                    raise MemmapsError(f"{path}: {option} holds the input {given}: a chart could overwrite it; "
                                       "choose another folder")
        if kind == "file" and os.path.isdir(path):
            raise MemmapsError(f"{path}: {option} is a directory: give a file name")
        if kind == "dir" and os.path.exists(path) and not os.path.isdir(path):
            raise MemmapsError(f"{path}: {option} is a file: give a folder (created if missing)")
        parent = os.path.dirname(os.path.abspath(path))
        if kind == "file" and not os.path.isdir(parent):
            raise MemmapsError(f"{path}: cannot write: No such file or directory")  # as the OS says it
