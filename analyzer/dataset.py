"""A loaded set of dumps: the mappings table plus process and host facts."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

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

    ``mappings``: one row per mapping (see :mod:`analyzer.schema`).
    ``processes``: one row per process block: ``host``, ``pid``, ``command``,
    ``source``, ``source_format``, ``mappings``, ``partial`` and the
    process-level facts an input gave (``rollup_*`` from smaps_rollup,
    ``footer_*`` from pmap, ``ps_*`` from ps, ``user``, ...).
    ``hosts``: one row per host described (sosreport), possibly empty.
    """

    mappings: pd.DataFrame
    processes: pd.DataFrame
    hosts: pd.DataFrame
    inputs: list[InputReport] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    @property
    def warnings(self) -> list[Notice]:
        """Notices that mean data was lost or is partial."""
        return [n for n in self.notices if n.level == "warning"]
