"""The one build step pyproject.toml cannot declare without an experimental table: the optional C
record reader of the smaps fast path (analyzer/ingest/formats/smaps/native.py). ``optional``: an
install without a C compiler still succeeds, and the numpy reader does that work (~2x slower)."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("analyzer.ingest.formats.smaps._fastc", ["analyzer/ingest/formats/smaps/_fastc.c"],
                             optional=True, extra_compile_args=["-O3"])])
