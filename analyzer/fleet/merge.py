"""Datasets side by side: inputs that mix dataset folders with plain dumps become one Dataset."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd

from .. import schema
from ..dataset import Dataset
from . import store


def merge(parts: list[Dataset]) -> Dataset:
    """One Dataset of several, tables concatenated in order.

    >>> import analyzer
    >>> a, b = analyzer.load_dataset("sample_dumps/smaps/tree"), analyzer.load_dataset("sample_dumps/smaps/multi_loop.smaps")
    >>> both = merge([a, b])
    >>> len(both.mappings) == len(a.mappings) + len(b.mappings), [r.name for r in both.inputs]
    (True, ['sample_dumps/smaps/tree', 'sample_dumps/smaps/multi_loop.smaps'])
    """
    if len(parts) == 1:
        return parts[0]
    values = {}
    for f in dataclasses.fields(Dataset):
        items = [getattr(p, f.name) for p in parts]
        if all(isinstance(v, pd.DataFrame) for v in items):
            if f.name == "mappings":
                values[f.name] = schema.conform(pd.concat([schema.conform(v) for v in items if len(v)] or [items[0]],
                                                          ignore_index=True))
            else:
                filled = [v for v in items if len(v) or len(v.columns)]
                values[f.name] = store.concat(filled) if filled else items[0]
        elif all(isinstance(v, list) for v in items):
            values[f.name] = [x for v in items for x in v]
        else:
            values[f.name] = items[0]
    return Dataset(**values)


def load_mixed(inputs, load_plain: Callable[[tuple], Dataset]) -> Dataset:
    """Datasets read with :func:`~analyzer.fleet.store.load`; runs of other inputs with *load_plain*."""
    parts, run = [], []
    for item in inputs:
        if store.is_dataset(item):
            if run:
                parts.append(load_plain(tuple(run)))
                run = []
            parts.append(store.load(item))
        else:
            run.append(item)
    if run:
        parts.append(load_plain(tuple(run)))
    return merge(parts)
