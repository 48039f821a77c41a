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

Many inputs into one Parquet dataset, on Dask when asked: :mod:`analyzer.fleet`.
Two captures compare with ``analyzer.diff(before, after, by="process")``
(:mod:`analyzer.compare`), several follow with ``analyzer.trend([...])``
(:mod:`analyzer.timeline`).

In Jupyter, ``analyzer.register_accessor()`` adds ``frame.memmaps``
(see :mod:`analyzer.accessor`).
"""


import importlib

# What ``import analyzer`` offers, and the module each name lives in. The modules (and pandas with them)
# are imported on first use, so that ``memmaps --help`` starts without pandas or matplotlib.
# ``analyzer.classify``, ``analyzer.select``, ``analyzer.summarize`` and ``analyzer.fleet`` are the modules
# (``analyzer.select.select(frame, pid=1)``, ``analyzer.summarize.summarize(frame, "kind")``):
# no function is re-exported over a module of the same name.
_EXPORTS = {
    "register_accessor": "accessor", "KINDS": "classify", "Dataset": "dataset",
    "InputError": "errors", "MemmapsError": "errors", "NoDataError": "errors", "ParseError": "errors",
    "UnknownFormatError": "errors", "load": "ingest.load", "load_dataset": "ingest.load",
    "load_text": "ingest.load", "top": "select", "by_host": "summarize", "by_kind": "summarize",
    "by_mapping": "summarize", "by_process": "summarize", "totals": "summarize",
    "diff": "compare", "trend": "timeline",
}
_MODULES = ("classify", "select", "summarize", "fleet")


def __getattr__(name: str):
    """Import the module of an exported name on first use (PEP 562)."""
    if name in _MODULES:
        value = importlib.import_module(f".{name}", __name__)
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS) | set(_MODULES))


__version__ = "0.1.0"

__all__ = [
    "KINDS", "Dataset", "fleet", "InputError", "MemmapsError", "NoDataError", "ParseError", "UnknownFormatError",
    "by_host", "by_kind", "by_mapping", "by_process", "classify", "load", "load_dataset", "summarize", "totals",
    "load_text", "register_accessor", "select", "top", "diff", "trend",
]
