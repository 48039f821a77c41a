"""memmaps: an offline analyzer for Linux process memory maps.

>>> import analyzer
>>> frame = analyzer.load("sample_dumps/smaps/tree")   # files, directories, archives, ``-``
>>> analyzer.by_kind(frame)[["mappings", "rss", "pss"]]
           mappings      rss      pss
kind
heap              3    61440    61440
stack             3    36864    36864
anonymous         4   159744   159744
file             15  3751936  2392064
kernel           12    12288        0

In Jupyter, ``analyzer.register_accessor()`` adds ``frame.memmaps``
(see :mod:`analyzer.accessor`).
"""

import importlib
import sys
import types

# What ``import analyzer`` offers, and the module each name lives in. The modules (and pandas with them)
# are imported on first use, so that ``memmaps --help`` starts without pandas or matplotlib.
_EXPORTS = {
    "register_accessor": "accessor", "KINDS": "classify", "classify": "classify", "Dataset": "dataset",
    "InputError": "errors", "MemmapsError": "errors", "NoDataError": "errors", "ParseError": "errors",
    "UnknownFormatError": "errors", "load": "ingest", "load_dataset": "ingest", "load_text": "ingest",
    "select": "select", "top": "select", "by_host": "summarize", "by_kind": "summarize",
    "by_mapping": "summarize", "by_process": "summarize", "summarize": "summarize", "totals": "summarize",
}


def __getattr__(name: str):
    """Import the module of an exported name on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


class _Package(types.ModuleType):
    """The package: its functions ``classify``, ``select`` and ``summarize`` keep their names when the
    submodules of the same names are imported (the import system sets a submodule as an attribute of its
    package; eager imports used to override it right after, as this does)."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__version__ = "0.1.0"

__all__ = [
    "KINDS", "Dataset", "InputError", "MemmapsError", "NoDataError", "ParseError", "UnknownFormatError",
    "by_host", "by_kind", "by_mapping", "by_process", "classify", "load", "load_dataset", "summarize", "totals",
    "load_text", "register_accessor", "select", "top",
]
