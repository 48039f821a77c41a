"""A loaded set of dumps: the mappings table plus process and host facts."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from . import schema, systables
from .errors import Notice


@dataclass
class InputReport:
    """What was recognised in one input given on the command line."""

    name: str
    formats: list[str]
    processes: int
    mappings: int


@dataclass
class Dataset:
    """Everything :func:`analyzer.load_dataset` found.

    ``mappings``: one row per mapping (:data:`analyzer.schema.COLUMNS`).
    ``processes``: one row per process block (:data:`analyzer.schema.PROCESS_COLUMNS`:
    ``host``, ``pid``, ``command``, ``source``, ``source_format``, ``mappings``,
    ``partial``, the facts an input gave - ``user``, ``ps_*`` from ps - and the
    ``rollup_*`` and ``footer_*`` totals of smaps_rollup and pmap).
    ``hosts``: one row per host described (sosreport), possibly none
    (:data:`analyzer.schema.HOST_COLUMNS`). Both are conformed to the schema
    when the dataset is made: every declared column is there, typed.
    ``shm``: SysV shared memory segments; ``oom_kills``: one row per OOM kill
    in a kernel log; ``oom_tasks``: the OOM killer's task tables (one row per
    listed process and event). Their columns: :mod:`analyzer.systables`.

    >>> import analyzer
    >>> ds = analyzer.load_dataset("sample_dumps/smaps/multi_loop.smaps",
    ...                            "sample_dumps/smaps/single_threads_thp_truncated.smaps")
    >>> [(i.formats, i.processes, i.mappings) for i in ds.inputs]
    [(['smaps'], 4, 37), (['smaps'], 1, 31)]
    >>> len(ds.mappings), len(ds.processes)
    (68, 5)
    >>> for notice in ds.warnings:
    ...     print(notice)
    sample_dumps/smaps/single_threads_thp_truncated.smaps:776: warning: last record cut short (truncated copy?): dropped, 31 complete records kept
    """

    mappings: pd.DataFrame
    processes: pd.DataFrame
    hosts: pd.DataFrame
    inputs: list[InputReport] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    shm: pd.DataFrame = field(default_factory=pd.DataFrame)
    oom_kills: pd.DataFrame = field(default_factory=pd.DataFrame)
    oom_tasks: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        self.processes = schema.conform_processes(self.processes)
        self.hosts = schema.conform_hosts(self.hosts)
        for name, columns in systables.TABLES.items():  # shm, oom_kills, oom_tasks
            setattr(self, name, systables.conform(getattr(self, name), columns))

    @property
    def warnings(self) -> list[Notice]:
        """Notices that mean data was lost or is partial."""
        return [n for n in self.notices if n.level == "warning"]
