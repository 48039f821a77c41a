"""A dataset on disk: Hive-partitioned Parquet tables and a manifest of the inputs in it.

Layout (``DIR`` a local folder or any fsspec URL)::

    DIR/memmaps-dataset.json                  the manifest: one row per input, done or failed
    DIR/mappings/host=NAME/part-ID.parquet    one file per input and host
    DIR/processes/host=NAME/part-ID.parquet
    DIR/hosts/host=NAME/part-ID.parquet
    DIR/notices/part-ID.parquet               tables without a host column are not partitioned

Every DataFrame attribute of :class:`~analyzer.dataset.Dataset` is written this way, so
tables that later versions add land too. ``ID`` is fixed by the input's path, so writing
an input again replaces its files, and only the files the manifest lists are ever read:
the partial output of a task that died is invisible. The host is in the directory name
(URI-encoded, NA as ``__HIVE_DEFAULT_PARTITION__``, as ``pyarrow.dataset`` reads it) and
not in the file; its dtype and place are in the manifest, with every other column's dtype,
so a table reads back with the dtypes it was written with.

>>> part_id("/data/sosreport-web1.tar.xz")
'b4875fff3434c0e0'
>>> host_dir("db/2"), host_dir(None)
('host=db%2F2', 'host=__HIVE_DEFAULT_PARTITION__')
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import time
from pathlib import Path
from urllib.parse import quote, unquote

import pandas as pd

from .. import schema, systables
from ..dataset import Dataset, InputReport
from ..errors import InputError, MemmapsError, Notice

MANIFEST = "memmaps-dataset.json"
VERSION = 1
NULL_HOST = "__HIVE_DEFAULT_PARTITION__"
NOTICE_COLUMNS = ("source", "lineno", "message", "level")


def is_url(path) -> bool:
    """True for an fsspec URL such as ``s3://bucket/x`` (``file://`` too); False for a local path."""
    return "://" in str(path)


def part_id(source: str) -> str:
    """The file name stem of an input's parts: a digest of its absolute path or URL."""
    return hashlib.sha256(str(source).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def host_dir(host) -> str:
    """The Hive directory of a host: ``host=NAME``, NAME URI-encoded."""
    if host is None or host is pd.NA or (isinstance(host, float) and host != host):
        return f"host={NULL_HOST}"
    return "host=" + quote(str(host), safe="")


def host_of_dir(name: str):
    """The host a ``host=NAME`` directory stands for (None for the null partition)."""
    value = name.split("=", 1)[1]
    return None if value == NULL_HOST else unquote(value)


class Store:
    """Files under a dataset root: a local folder (plain ``os``) or an fsspec URL."""

    def __init__(self, root):
        self.root = str(root).rstrip("/") or "/"
        self.fs = None
        if is_url(self.root):
            try:
                import fsspec
            except ImportError:
                raise InputError(f"{self.root}: a URL needs fsspec (`pip install 'memmaps[fleet]'`)") from None
            self.fs, self.path = fsspec.core.url_to_fs(self.root)
        else:
            self.path = self.root

    def join(self, rel: str) -> str:
        return f"{self.path}/{rel}" if self.fs is not None else os.path.join(self.path, rel)

    def exists(self, rel: str = "") -> bool:
        full = self.join(rel) if rel else self.path
        return self.fs.exists(full) if self.fs is not None else os.path.exists(full)

    def is_empty_dir(self) -> bool:
        if self.fs is not None:
            return not self.fs.exists(self.path) or not self.fs.ls(self.path)
        return not os.path.exists(self.path) or (os.path.isdir(self.path) and not os.listdir(self.path))

    def read_bytes(self, rel: str) -> bytes:
        if self.fs is not None:
            return self.fs.cat_file(self.join(rel))
        return Path(self.join(rel)).read_bytes()

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Write a file whole; locally through a temporary name, so a reader never sees half of it."""
        full = self.join(rel)
        if self.fs is not None:
            self.fs.makedirs(full.rsplit("/", 1)[0], exist_ok=True)
            self.fs.pipe_file(full, data)
            return
        os.makedirs(os.path.dirname(full), exist_ok=True)
        tmp = f"{full}.tmp-{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, full)

    def read_parquet(self, rel: str) -> pd.DataFrame:
        if self.fs is not None:
            with self.fs.open(self.join(rel), "rb") as f:
                return pd.read_parquet(f)
        return pd.read_parquet(self.join(rel))

    def write_parquet(self, rel: str, frame: pd.DataFrame) -> None:
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        self.write_bytes(rel, buf.getvalue())


# --- the manifest ---

def new_manifest() -> dict:
    from importlib.metadata import version  # not analyzer.__version__: the package imports this module

    return {"memmaps_dataset": VERSION, "written_by": f"memmaps {version('memmaps')}", "inputs": []}


def read_manifest(store: Store) -> dict:
    """The manifest of the dataset at *store* (an error naming the file if it is damaged)."""
    try:
        manifest = json.loads(store.read_bytes(MANIFEST))
    except (OSError, FileNotFoundError) as exc:
        raise InputError(f"{store.root}: not a memmaps dataset (no readable {MANIFEST}: {exc})") from None
    except ValueError as exc:
        raise InputError(f"{store.root}/{MANIFEST}: damaged manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("memmaps_dataset") != VERSION:
        raise InputError(f"{store.root}/{MANIFEST}: not a memmaps dataset manifest of version {VERSION}")
    return manifest


def write_manifest(store: Store, manifest: dict) -> None:
    store.write_bytes(MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())


def is_dataset(path) -> bool:
    """True when *path* is a memmaps dataset: a folder (or URL) holding a manifest.

    >>> is_dataset("sample_dumps/smaps/tree"), is_dataset("no/such/dir")
    (False, False)
    """
    text = str(path)
    if text == "-":
        return False
    if is_url(text):
        try:
            return Store(text).exists(MANIFEST)
        except Exception:
            return False
    return os.path.isfile(os.path.join(text, MANIFEST))


# --- one input: load it, write its parts, return its manifest row ---

def tables(ds: Dataset) -> dict[str, pd.DataFrame]:
    """Every table of a Dataset by name: its DataFrame attributes, and the notices as a table."""
    out = {f.name: getattr(ds, f.name) for f in dataclasses.fields(ds)
           if isinstance(getattr(ds, f.name), pd.DataFrame)}
    out["notices"] = pd.DataFrame({
        "source": pd.array([n.source for n in ds.notices], dtype=schema.STRING),
        "lineno": pd.array([n.lineno for n in ds.notices], dtype="Int64"),
        "message": pd.array([n.message for n in ds.notices], dtype=schema.STRING),
        "level": pd.array([n.level for n in ds.notices], dtype=schema.STRING)})
    return out


def write_parts(store: Store, ds: Dataset, ident: str) -> dict:
    """Write every non-empty table of *ds* as this input's parts (see :func:`write_tables`)."""
    return write_tables(store, tables(ds), ident)


def write_tables(store: Store, frames: dict[str, pd.DataFrame], ident: str) -> dict:
    """Write each non-empty table as this input's parts; the manifest entry of each table:
    its columns with their dtypes (in order) and its files (host, relative path, rows)."""
    entry = {}
    for name, frame in frames.items():
        if not len(frame):
            continue
        columns = [[str(c), dtype_name(t)] for c, t in frame.dtypes.items()]
        files = []
        if "host" in frame.columns:
            for host, part in frame.groupby("host", dropna=False, sort=False):
                rel = f"{name}/{host_dir(host)}/part-{ident}.parquet"
                store.write_parquet(rel, part.drop(columns="host"))
                files.append([None if pd.isna(host) else str(host), rel, len(part)])
        else:
            rel = f"{name}/part-{ident}.parquet"
            store.write_parquet(rel, frame)
            files.append([None, rel, len(frame)])
        entry[name] = {"columns": columns, "files": files}
    return entry


def ingest(source: str, name: str, root: str, on_bad_lines: str = "warn", parse_ahead: bool = True) -> dict:
    """The task of one input: load *source*, write its parts under *root*, return its manifest row.

    *name* is the input as the user gave it: read under that name when it is the same file
    (so ``source`` columns match a direct load), else by its absolute path *source*.
    An input that cannot be read gives a row with ``status`` ``failed`` and the error, not
    an exception: the other inputs land all the same."""
    from ..ingest import load_dataset

    start = time.monotonic()
    row = {"id": part_id(source), "input": source, "name": name, "status": "failed"}
    try:
        row["bytes"] = os.path.getsize(source) if not is_url(source) and os.path.isfile(source) else None
    except OSError:
        row["bytes"] = None
    path = name if _same_file(name, source) else source
    try:
        if is_dataset(path):  # a dataset given as an input: its rows, not its Parquet files walked
            ds = load(path)
            ds.inputs = [InputReport(name, sorted({f for r in ds.inputs for f in r.formats}),
                                     sum(r.processes for r in ds.inputs), sum(r.mappings for r in ds.inputs))]
        else:
            ds = load_dataset(path, on_bad_lines=on_bad_lines, parse_ahead=parse_ahead)
        tables = write_parts(Store(root), ds, row["id"])
    except MemmapsError as exc:
        row["error"] = str(exc)
    except Exception as exc:  # a bug of ours on this input: recorded, the rest still land
        row["error"] = f"internal error: {type(exc).__name__}: {exc}"
    else:
        rep = ds.inputs[0]
        hosts = [h for h in dict.fromkeys(ds.mappings["host"].tolist() + (
            ds.processes["host"].tolist() if "host" in ds.processes else []))]
        row.update(status="done", formats=rep.formats, processes=rep.processes, mappings=rep.mappings,
                   hosts=[None if pd.isna(h) else str(h) for h in hosts], warnings=len(ds.warnings),
                   tables=tables)
    row["seconds"] = round(time.monotonic() - start, 3)
    row["worker_pid"] = os.getpid()
    row["worker_peak_rss"] = _peak_rss()  # the process's peak so far: one input at a time bounds it
    return row


def _peak_rss() -> int | None:
    try:
        import resource
    except ImportError:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def _same_file(name: str, source: str) -> bool:
    if is_url(name) or name == source:
        return name == source
    try:
        return os.path.samefile(name, source)
    except OSError:
        return False


def dtype_name(dtype) -> str:
    """A dtype as text that :func:`dtype_of` turns back into the same dtype (pandas prints
    several string dtypes alike).

    >>> [dtype_name(pd.Series(["a"], dtype=t).dtype) for t in ("string[pyarrow]", "string[python]", "str")]
    ['string[pyarrow]', 'string[python]', 'str[pyarrow]']
    >>> all(dtype_of(dtype_name(t)) == t for t in (pd.StringDtype("pyarrow"), pd.StringDtype("python", na_value=float("nan"))))
    True
    """
    if isinstance(dtype, pd.StringDtype):
        kind = "string" if dtype.na_value is pd.NA else "str"
        return f"{kind}[{dtype.storage}]"
    return str(dtype)


def dtype_of(text: str):
    """The dtype :func:`dtype_name` wrote as *text*."""
    if text.startswith("str[") and text.endswith("]"):
        return pd.StringDtype(text[4:-1], na_value=float("nan"))
    return pd.api.types.pandas_dtype(text)


def hoist_schemas(manifest: dict, row: dict) -> dict:
    """Move each table's column list of *row* into the manifest's shared ``schemas`` (by digest):
    thousands of inputs share a handful of them."""
    schemas = manifest.setdefault("schemas", {})
    for entry in row.get("tables", {}).values():
        if "columns" in entry:
            text = json.dumps(entry["columns"])
            key = hashlib.sha256(text.encode()).hexdigest()[:12]
            schemas.setdefault(key, entry.pop("columns"))
            entry.pop("columns", None)
            entry["schema"] = key
    return row


# --- reading back ---

def columns_of(manifest: dict, entry: dict) -> list[list[str]]:
    return entry["columns"] if "columns" in entry else manifest["schemas"][entry["schema"]]


def read_part(store: Store, rel: str, host, columns: list[list[str]]) -> pd.DataFrame:
    """One part file as written: the host column put back in its place with its dtype."""
    frame = store.read_parquet(rel)
    names = [c for c, _ in columns]
    for name, dtype in columns:  # Parquet has no second unit: datetime64[s] comes back as ms
        if name in frame.columns and dtype_name(frame[name].dtype) != dtype:
            frame[name] = frame[name].astype(dtype_of(dtype))
    if "host" in names:
        dtype = dtype_of(dict(columns)["host"])
        value = pd.NA if host is None else host
        frame.insert(min(names.index("host"), len(frame.columns)), "host",
                     pd.Series([value] * len(frame), index=frame.index, dtype=dtype))
    return frame


def done_rows(manifest: dict) -> list[dict]:
    return [r for r in manifest["inputs"] if r.get("status") == "done"]


def table_names(manifest: dict) -> list[str]:
    """The tables of a dataset, in the order first met."""
    names: dict[str, None] = {}
    for row in done_rows(manifest):
        names.update(dict.fromkeys(row.get("tables", {})))
    return list(names)


def read_table(store: Store, manifest: dict, name: str) -> pd.DataFrame:
    """A whole table of the dataset into memory, inputs in manifest order."""
    parts = []
    for row in done_rows(manifest):
        entry = row.get("tables", {}).get(name)
        if entry:
            for host, rel, _n in entry["files"]:
                parts.append(read_part(store, rel, host, columns_of(manifest, entry)))
    if not parts:
        return _empty(name)
    if name == "mappings":
        return schema.conform(pd.concat([schema.conform(p) for p in parts], ignore_index=True))
    return concat(parts)


def _empty(name: str) -> pd.DataFrame:
    """A table of no rows with its declared columns (an input that had none of them)."""
    if name == "mappings":
        return schema.empty()
    if name == "processes":
        return schema.conform_processes(pd.DataFrame())
    if name == "hosts":
        return schema.conform_hosts(pd.DataFrame())
    if name == "notices":
        return schema.conform_notices(pd.DataFrame())
    if name in systables.TABLES:
        return systables.empty(systables.TABLES[name])
    return pd.DataFrame()


def concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Tables of several inputs as one, with the dtypes a direct load of them all would give
    (an all-NA column of one input does not turn another's numbers into objects).

    >>> concat([pd.DataFrame({"n": [None]}), pd.DataFrame({"n": [1.5]})])["n"].dtype
    dtype('float64')
    """
    if len(parts) == 1:
        return parts[0]
    out = pd.concat(parts, ignore_index=True)
    mixed = [c for c, t in out.dtypes.items() if t == object and any(p[c].dtype != object for p in parts if c in p)]
    if mixed:
        out[mixed] = out[mixed].infer_objects()
    return out


def mapping_rows(path) -> int:
    """How many mappings the dataset at *path* holds (from its manifest: nothing else is read)."""
    return sum(int(r.get("mappings", 0)) for r in done_rows(read_manifest(Store(path))))


def load(path, mappings: bool = True) -> Dataset:
    """The dataset at *path* as one :class:`~analyzer.dataset.Dataset` in memory, as if its
    inputs had been loaded directly; an input whose export failed is a warning notice.

    >>> import tempfile, analyzer, analyzer.fleet as fleet
    >>> out = tempfile.mkdtemp() + "/ds"
    >>> _ = fleet.export(["sample_dumps/smaps/tree"], out)
    >>> ds = load(out)
    >>> [(r.name, r.processes, r.mappings) for r in ds.inputs]
    [('sample_dumps/smaps/tree', 4, 37)]
    >>> int(ds.mappings["rss"].sum()) == int(analyzer.load("sample_dumps/smaps/tree")["rss"].sum())
    True
    """
    store = Store(path)
    manifest = read_manifest(store)
    tables = {name: read_table(store, manifest, name) for name in table_names(manifest)
              if mappings or name != "mappings"}
    tables.setdefault("mappings", schema.empty())
    notices = []
    frame = tables.pop("notices", None)
    if frame is not None:
        for src, line, message, level in frame[list(NOTICE_COLUMNS)].itertuples(index=False, name=None):
            notices.append(Notice(src, None if pd.isna(line) else int(line), message, level))
    for row in manifest["inputs"]:
        if row.get("status") == "failed":
            notices.append(Notice(row.get("name") or row["input"], None,
                                  f"not in the dataset {store.root}: its export failed: {row.get('error')}"))
        elif row.get("status") != "done":
            notices.append(Notice(row.get("name") or row["input"], None,
                                  f"not in the dataset {store.root}: its export did not finish "
                                  "(export it again with --resume)"))
    fields = {f.name for f in dataclasses.fields(Dataset)}
    known = {k: v for k, v in tables.items() if k in fields}
    known.setdefault("processes", pd.DataFrame(columns=["host", "pid", "command", "source", "source_format",
                                                        "mappings", "partial"]))
    known.setdefault("hosts", pd.DataFrame())
    inputs = [InputReport(r.get("name") or r["input"], list(r.get("formats", [])), int(r.get("processes", 0)),
                          int(r.get("mappings", 0))) for r in done_rows(manifest)]
    return Dataset(**known, inputs=inputs, notices=notices)
