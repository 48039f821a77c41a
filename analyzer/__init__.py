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

from . import classify, select, summarize
from .accessor import register_accessor
from .classify import KINDS
from .compare import diff
from .dataset import Dataset
from .errors import InputError, MemmapsError, NoDataError, ParseError, UnknownFormatError
from .ingest.load import load, load_dataset, load_text
from .select import top
from .summarize import by_host, by_kind, by_mapping, by_process, totals
from .timeline import trend
from . import fleet  # noqa: E402  (imports no Dask: only its Dask paths do)

__version__ = "0.1.0"

# ``analyzer.classify``, ``analyzer.select`` and ``analyzer.summarize`` are the modules
# (``analyzer.select.select(frame, pid=1)``, ``analyzer.summarize.summarize(frame, "kind")``):
# no function is re-exported over a module of the same name.
__all__ = [
    "KINDS", "Dataset", "fleet", "InputError", "MemmapsError", "NoDataError", "ParseError", "UnknownFormatError",
    "by_host", "by_kind", "by_mapping", "by_process", "classify", "load", "load_dataset", "summarize", "totals",
    "load_text", "register_accessor", "select", "top", "diff", "trend",
]
