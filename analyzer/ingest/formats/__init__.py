"""Formats: one module or package per text format, each with ``detect(head)``
and ``parse(data, ctx) -> Parsed`` (:mod:`.smaps`, :mod:`.pmap`, :mod:`.ps`);
:mod:`.registry` picks the format of a text by its content."""
