"""Export many inputs into one dataset: in this process, or one Dask task per input.

With one worker (the default) the inputs are read one after the other here, and Dask is
never imported. With ``workers >= 2`` a ``distributed.LocalCluster`` of that many worker
processes, one thread each, runs on 127.0.0.1; with ``scheduler`` an existing cluster does.
Each task reads one input, writes its own partitions and returns only its manifest row
(:func:`analyzer.fleet.store.ingest`), so the client never holds the rows, and a worker
holds one input at a time. In a task, memmaps parses archives without its parse-ahead
thread: a worker runs one thread of work, so N workers keep N cores busy, not 2N threads.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from ..errors import InputError
from . import store as st

# The manifest is rewritten at most this often while tasks finish (and always at the end).
MANIFEST_EVERY = 2.0


def _absolute(item: str) -> str:
    return item if st.is_url(item) else os.path.abspath(item)


def plan(inputs, root: str, resume: bool = False) -> tuple[dict, list[tuple[str, str]], list[str]]:
    """The manifest to extend, the (absolute source, name) pairs to read, and the inputs skipped.

    Without *resume*, an input already in the dataset is read again and replaces its rows."""
    store = st.Store(root)
    if st.is_dataset(root):
        manifest = st.read_manifest(store)
    elif store.is_empty_dir():
        manifest = st.new_manifest()
    else:
        raise InputError(f"{root}: exists and is not a memmaps dataset (no {st.MANIFEST}): "
                         "give a new or empty folder")
    done = {r["input"] for r in st.done_rows(manifest)}
    todo, skipped, seen = [], [], set()
    for item in inputs:
        source = _absolute(str(item))
        if source in seen:
            continue
        seen.add(source)
        if resume and source in done:
            skipped.append(str(item))
            continue
        if not st.is_url(source) and not os.path.exists(source):
            raise InputError(f"{item}: no such file or directory")
        todo.append((source, str(item)))
    return manifest, todo, skipped


def _record(manifest: dict, row: dict) -> None:
    """Put *row* in the manifest in place of an earlier row of the same input."""
    st.hoist_schemas(manifest, row)
    rows = manifest["inputs"]
    for i, old in enumerate(rows):
        if old["input"] == row["input"]:
            rows[i] = row
            return
    rows.append(row)


def export(inputs, root, *, workers: int = 1, scheduler: str | None = None, resume: bool = False,
           on_bad_lines: str = "warn", progress: Callable[[dict], None] | None = None) -> dict:
    """Write *inputs* into the dataset at *root* (a folder or fsspec URL); returns the manifest.

    *progress(row)* is called as each input is done or has failed. Inputs that fail are
    recorded in the manifest with their error; the others land.

    >>> import tempfile
    >>> out = tempfile.mkdtemp() + "/ds"
    >>> m = export(["sample_dumps/smaps/tree", "sample_dumps/smaps/multi_loop.smaps"], out)
    >>> [(r["name"], r["status"], r["mappings"]) for r in m["inputs"]]
    [('sample_dumps/smaps/tree', 'done', 37), ('sample_dumps/smaps/multi_loop.smaps', 'done', 37)]
    >>> len(export(["sample_dumps/smaps/tree"], out, resume=True)["inputs"])  # already in: skipped
    2
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    root = str(root) if st.is_url(root) else os.path.abspath(root)  # workers may run elsewhere
    manifest, todo, _skipped = plan(inputs, root, resume)
    store = st.Store(root)
    for source, name in todo:  # rows in the order given, whatever order the tasks finish in
        if not any(r["input"] == source for r in manifest["inputs"]):
            manifest["inputs"].append({"id": st.part_id(source), "input": source, "name": name, "status": "pending"})
    st.write_manifest(store, manifest)  # marks the folder as a dataset from the start
    if workers == 1 and scheduler is None:
        for source, name in todo:
            row = st.ingest(source, name, root, on_bad_lines)
            _record(manifest, row)
            st.write_manifest(store, manifest)
            if progress:
                progress(row)
        return manifest
    return _on_dask(todo, root, manifest, store, workers, scheduler, on_bad_lines, progress)


def _on_dask(todo, root, manifest, store, workers, scheduler, on_bad_lines, progress) -> dict:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        client = Client(scheduler, timeout="30s")
    else:
        import dask

        # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers, which also stops glibc adapting its mmap
        # threshold: every large array is then mmap'ed and faulted in afresh (measured: 1.2 -> 2.3 s CPU for
        # one 100 MB sosreport). Its statistical profiler is a second thread sampling the first. Its event-loop
        # tick (20 ms), system monitor (0.5 s) and work stealing (no use: one task per input, queued on the
        # scheduler) cost each process CPU all along: an idle cluster of 2 used 5.8% of a core, 1.1% without.
        environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
                   if k != "MALLOC_TRIM_THRESHOLD_"}
        with dask.config.set({"distributed.worker.profile.enabled": False,
                              "distributed.nanny.pre-spawn-environ": environ,
                              "distributed.admin.tick.interval": "1s",
                              "distributed.admin.system-monitor.interval": "5s",
                              "distributed.scheduler.work-stealing": False}):
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=":0", memory_limit=0)
        client = Client(cluster)
    try:
        futures = client.map(st.ingest, [s for s, _ in todo], [n for _, n in todo],
                             root=root, on_bad_lines=on_bad_lines, parse_ahead=False,
                             key=[f"memmaps-ingest-{st.part_id(s)}" for s, _ in todo], pure=False)
        last = time.monotonic()
        for future in as_completed(futures):
            try:
                row = future.result()
            except Exception as exc:  # the worker died (killed, out of memory): recorded like a failure
                source = futures_source(future, todo)
                row = {"id": st.part_id(source), "input": source, "name": dict(todo).get(source, source),
                       "status": "failed", "error": f"task failed: {type(exc).__name__}: {exc}"}
            future.release()
            _record(manifest, row)
            if time.monotonic() - last >= MANIFEST_EVERY:
                st.write_manifest(store, manifest)
                last = time.monotonic()
            if progress:
                progress(row)
    finally:
        st.write_manifest(store, manifest)
        client.close()
        if cluster is not None:
            cluster.close()
    return manifest


def futures_source(future, todo) -> str:
    """The input of a task, from its key."""
    for source, _ in todo:
        if future.key == f"memmaps-ingest-{st.part_id(source)}":
            return source
    return str(future.key)
