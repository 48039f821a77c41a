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

Two captures compare with ``analyzer.diff(before, after, by="process")``
(:mod:`analyzer.compare`), several follow with ``analyzer.trend([...])``
(:mod:`analyzer.timeline`).

In Jupyter, ``analyzer.register_accessor()`` adds ``frame.memmaps``
(see :mod:`analyzer.accessor`).
"""

from .accessor import register_accessor
from .classify import KINDS, classify
from .compare import diff
from .dataset import Dataset
from .errors import InputError, MemmapsError, NoDataError, ParseError, UnknownFormatError
from .ingest import load, load_dataset, load_text
from .select import select, top
from .summarize import by_host, by_kind, by_mapping, by_process, summarize, totals
from .timeline import trend

__version__ = "0.1.0"

__all__ = [
    "KINDS", "Dataset", "InputError", "MemmapsError", "NoDataError", "ParseError", "UnknownFormatError",
    "by_host", "by_kind", "by_mapping", "by_process", "classify", "load", "load_dataset", "summarize", "totals",
    "load_text", "register_accessor", "select", "top", "diff", "trend",
]
