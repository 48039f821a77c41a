"""Ingest: any input a customer sends, into one :class:`~analyzer.dataset.Dataset`.

The folders are the stages an input's data passes, in order:

- ``sources/``: files, standard input, directory walks, tar and zip streams;
  they yield members (decompressed bytes with a name); nothing parses there.
- ``formats/``: one module or package per text format (``smaps``, ``pmap``,
  ``ps``), each with ``detect(head)`` and ``parse(data, ctx) -> Parsed``.
- ``trees/``: proc trees, sosreports, smemcap captures: a set of member
  paths recognised and their facts assembled.
- ``load.py``: composes the stages into a dataset (:func:`load_dataset`).

``base.py`` holds what the stages share: :class:`~analyzer.ingest.base.Context`
and :class:`~analyzer.ingest.base.Parsed`.
"""

from .load import input_bytes, is_checksum, load_dataset, load_text, parse_bytes

__all__ = ["input_bytes", "is_checksum", "load_dataset", "load_text", "parse_bytes"]
