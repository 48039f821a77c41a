"""The Jupyter face of memmaps: ``frame.memmaps``, a pandas accessor.

Registered explicitly, never as a side effect of ``import analyzer``::

    import analyzer
    analyzer.register_accessor()          # once per session; returns the accessor class
    frame = analyzer.load("sample_dumps/sosreport/sosreport-....tar.xz")
    frame.memmaps.by_process().head(10)   # == memmaps summary ... --by process --top 10
    frame.memmaps.select(command="^memhog").memmaps.plot_address_space()

Every method is a one-line delegation to a plain function of the library -
the very functions the ``memmaps`` CLI calls - so notebook and command line
always agree, and anything shown here can be done without the accessor:

============================  =============================================
``frame.memmaps.by_kind()``   :func:`analyzer.summarize.by_kind` (also
                              ``by_process``, ``by_mapping``, ``by_host``,
                              ``summary(by)``, ``totals()``)
``frame.memmaps.select(...)`` :func:`analyzer.select.select`: by ``pid``,
                              ``command`` / ``path`` regex, ``kind``, ``host``
``frame.memmaps.top(n, by)``  :func:`analyzer.select.top`: largest mappings
``frame.memmaps.findings()``  :func:`analyzer.findings.findings`: diagnoses
``frame.memmaps.diff(other)`` :func:`analyzer.compare.diff`: what changed
                              from this capture to *other* (``by=...``)
``frame.memmaps.plot_*()``    the charts of :mod:`analyzer.report.charts`,
                              ``ax=None`` -> a new figure; returns the Axes
============================  =============================================

Filters return rows of the same table, so calls chain:
``frame.memmaps.select(kind="heap").memmaps.by_process()``.

>>> import pandas as pd
>>> import analyzer
>>> cls = analyzer.register_accessor()
>>> frame = analyzer.load("sample_dumps/smaps/multi_loop.smaps")
>>> frame.memmaps.by_kind().equals(analyzer.by_kind(frame))
True
>>> frame.memmaps.select(kind="heap")["kind"].unique().tolist()
['heap']
"""

from __future__ import annotations

import pandas as pd

from . import findings as _findings
from . import compare as _compare
from . import select as _select
from . import summarize as _summarize

DEFAULT_NAME = "memmaps"
_REGISTERED: dict[str, type] = {}


def _charts():
    """The chart functions, imported on first use (matplotlib is slow to import)."""
    from .report import charts

    return charts


def _growth():
    """The charts of change between captures, imported on first use."""
    from .report import growth

    return growth


class MemmapsAccessor:
    """``frame.memmaps``: summaries, filters and charts of a mappings table."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    # --- summaries: what `memmaps summary --by ...` prints -----------------------------
    def by_kind(self) -> pd.DataFrame:
        """Memory by mapping kind (:func:`analyzer.summarize.by_kind`)."""
        return _summarize.by_kind(self._frame)

    def by_process(self) -> pd.DataFrame:
        """Memory per process, largest first (:func:`analyzer.summarize.by_process`)."""
        return _summarize.by_process(self._frame)

    def by_mapping(self) -> pd.DataFrame:
        """Memory per mapped object across processes (:func:`analyzer.summarize.by_mapping`)."""
        return _summarize.by_mapping(self._frame)

    def by_host(self) -> pd.DataFrame:
        """Memory per host (:func:`analyzer.summarize.by_host`)."""
        return _summarize.by_host(self._frame)

    def by_user(self) -> pd.DataFrame:
        """Memory per user (:func:`analyzer.summarize.by_fact`)."""
        return _summarize.by_fact(self._frame, "user")

    def by_command(self) -> pd.DataFrame:
        """Memory per command line, every worker of a program in one row (:func:`analyzer.summarize.by_fact`)."""
        return _summarize.by_fact(self._frame, "command")

    def by_cgroup(self) -> pd.DataFrame:
        """Memory per cgroup (:func:`analyzer.summarize.by_fact`)."""
        return _summarize.by_fact(self._frame, "cgroup")

    def by_unit(self) -> pd.DataFrame:
        """Memory per systemd unit or container (:func:`analyzer.summarize.by_fact`)."""
        return _summarize.by_fact(self._frame, "unit")

    def summary(self, by: str = "kind") -> pd.DataFrame:
        """``by_<by>()`` for *by* in kind, process, mapping, host (:func:`analyzer.summarize.summarize`)."""
        return _summarize.summarize(self._frame, by)

    def totals(self) -> dict:
        """Processes, mappings, and each measure in bytes (:func:`analyzer.summarize.totals`)."""
        return _summarize.totals(self._frame)

    def findings(self, min_severity: str = "info", **limits) -> pd.DataFrame:
        """What is wrong and what to do, from the mappings alone (:func:`analyzer.findings.findings`)."""
        return _findings.findings(self._frame, min_severity=min_severity, **limits)

    # --- filters: rows of the same table --------------------------------------------------
    def select(self, *, pid=None, command=None, kind=None, path=None, host=None) -> pd.DataFrame:
        """The mappings matching every criterion given (:func:`analyzer.select.select`)."""
        return _select.select(self._frame, pid=pid, command=command, kind=kind, path=path, host=host)

    def top(self, n: int = 10, by: str | None = None) -> pd.DataFrame:
        """The *n* largest mappings, PSS (else RSS) by default (:func:`analyzer.select.top`)."""
        return _select.top(self._frame, n, by)

    # --- change: this frame is the earlier capture ------------------------------------------
    def diff(self, other, by: str = "process") -> pd.DataFrame:
        """What changed from this capture to *other* (a frame, Dataset or path)
        (:func:`analyzer.compare.diff`, ``memmaps diff``)."""
        return _compare.diff(self._frame, other, by=by)

    def plot_growth(self, other, ax=None, **kwargs):
        """Top growers from this capture to *other*, split by kind (:func:`analyzer.report.growth.plot_growth`)."""
        return _growth().plot_growth(self._frame, other, ax=ax, **kwargs)

    def plot_trend(self, ax=None, **kwargs):
        """On a *trend* table (:func:`analyzer.trend`): the top growers over the captures
        (:func:`analyzer.report.growth.plot_trend`)."""
        return _growth().plot_trend(self._frame, ax=ax, **kwargs)

    # --- charts: each returns its matplotlib Axes ------------------------------------------
    def plot_kinds(self, ax=None, **kwargs):
        """Memory by mapping kind (:func:`analyzer.report.charts.plot_kinds`)."""
        return _charts().plot_kinds(self._frame, ax=ax, **kwargs)

    def plot_top_processes(self, ax=None, **kwargs):
        """Top processes, each bar split by kind (:func:`analyzer.report.charts.plot_top_processes`)."""
        return _charts().plot_top_processes(self._frame, ax=ax, **kwargs)

    def plot_top_processes_ps(self, ax=None, **kwargs):
        """On the *processes* table (``Dataset.processes``): top processes by ps's RSS, for
        sosreports without maps (:func:`analyzer.report.charts.plot_top_processes_ps`)."""
        return _charts().plot_top_processes_ps(self._frame, ax=ax, **kwargs)

    def plot_top_mappings(self, ax=None, **kwargs):
        """Costliest libraries and files across processes (:func:`analyzer.report.charts.plot_top_mappings`)."""
        return _charts().plot_top_mappings(self._frame, ax=ax, **kwargs)

    def plot_size_distribution(self, ax=None, **kwargs):
        """How many mappings of each size (:func:`analyzer.report.charts.plot_size_distribution`)."""
        return _charts().plot_size_distribution(self._frame, ax=ax, **kwargs)

    def plot_address_space(self, ax=None, **kwargs):
        """The address space of one process (:func:`analyzer.report.charts.plot_address_space`)."""
        return _charts().plot_address_space(self._frame, ax=ax, **kwargs)


def register_accessor(name: str = DEFAULT_NAME, human_sizes: bool = True) -> type:
    """Make ``DataFrame.<name>`` the memmaps accessor; return its class.

    Call it once (again is harmless). With *human_sizes*, and when running in
    IPython/Jupyter, DataFrames with byte columns are also *shown* in
    KiB/MiB/GiB (:func:`analyzer.display.install_formatter`); their data stay
    in bytes. Nothing happens at import time: importing :mod:`analyzer` or this
    module changes no pandas or IPython state.

    >>> import pandas as pd
    >>> import analyzer
    >>> analyzer.register_accessor()
    <class 'analyzer.accessor.MemmapsAccessor'>
    >>> frame = analyzer.load("sample_dumps/smaps/tree")
    >>> frame.memmaps.select(pid=6).memmaps.totals()
    {'processes': 1, 'mappings': 13, 'size': 1277952, 'rss': 864256, 'pss': 860160, 'uss': 860160, 'swap': 0}
    """
    if name not in _REGISTERED:
        existing = getattr(pd.DataFrame, name, None)
        if existing is not None:
            raise ValueError(f"pandas.DataFrame already has an attribute {name!r}; choose another name")
        _REGISTERED[name] = pd.api.extensions.register_dataframe_accessor(name)(MemmapsAccessor)
    if human_sizes:
        from .display import install_formatter

        install_formatter()
    return _REGISTERED[name]
