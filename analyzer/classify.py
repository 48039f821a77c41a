"""Mapping kinds: what each mapping *is*, decided by an ordered table of rules.

The first rule that matches a row gives its ``kind``. The vocabulary is
:data:`KINDS` (in report order, with a description each); rules are
:data:`RULES`. Both are data: refine them here, nowhere else.

>>> import pandas as pd
>>> from analyzer import schema
>>> f = schema.conform(pd.DataFrame({
...     "path": ["[heap]", "/usr/lib/x86_64-linux-gnu/libc.so.6", None, None, "/memfd:jit"],
...     "perms": ["rw-p", "r-xp", "rw-p", "---p", "rw-s"],
...     "deleted": [False, False, False, False, True]}))
>>> classify(f)["kind"].tolist()
['heap', 'lib_code', 'anonymous', 'reserved', 'memfd']
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# kind -> what it means. Order is the order reports use.
KINDS: dict[str, str] = {
    "heap": "The process heap: `[heap]` (brk area).",
    "stack": "The main stack `[stack]`, or a thread stack labelled `[stack:TID]` (kernels 3.4-4.4).",
    "anonymous": "Private anonymous memory (malloc arenas, mmap'd anonymous, named `[anon:...]`, thread stacks on new kernels).",
    "lib_code": "Executable code of a shared library (`*.so*`, `x` permission).",
    "lib_data": "Read-only or writable data of a shared library (`*.so*`, no `x`).",
    "file": "Any other mapped file: executables, data files, fonts, locale archives.",
    "deleted": "A mapped file that was unlinked after mapping (` (deleted)`): often an upgraded library.",
    "shm": "Shared memory: `/dev/shm`, SysV segments, shared anonymous (`/dev/zero (deleted)`, `[anon_shmem:...]`).",
    "memfd": "A `memfd_create` region (`/memfd:NAME`).",
    "kernel": "Kernel-provided: `[vdso]`, `[vvar]`, `[vsyscall]`, `[uprobes]` and friends.",
    "reserved": "Address space reserved without access (`---p`): guard pages and gaps, no memory behind them.",
    "other": "Anything no rule above recognised.",
    "rollup": "A whole process from `smaps_rollup` alone (`[rollup]`): its totals, not split into mappings or kinds.",
}

_LIB = re.compile(r"(?:^|/)[^/]*\.so(?:\.[0-9][0-9.]*)?$|(?:^|/)ld-linux[^/]*$")
_KERNEL_NAMES = {"[vdso]", "[vvar]", "[vvar_vclock]", "[vsyscall]", "[uprobes]", "[vectors]", "[sigpage]", "[sigreturn]"}


def _rules(path: pd.Series, perms: pd.Series, deleted: pd.Series):
    """Yield (kind, boolean mask) in priority order."""
    p = path.fillna("")
    anon = path.isna()
    shared = perms.fillna("").str[3:4].eq("s")
    noaccess = perms.fillna("").str[:3].eq("---")
    is_deleted = deleted.fillna(False).astype(bool)
    yield "rollup", p.eq("[rollup]")
    yield "heap", p.eq("[heap]")
    yield "stack", p.eq("[stack]") | p.str.startswith("[stack:")
    yield "kernel", p.isin(_KERNEL_NAMES)
    # pmap -X prints basenames: "/memfd:x" arrives as "memfd:x", "/SYSV0000abcd" as "SYSV0000abcd"
    yield "memfd", p.str.startswith("/memfd:") | p.str.startswith("memfd:")
    yield "shm", (p.str.startswith("/dev/shm/") | p.str.startswith("/SYSV") | p.str.startswith("[anon_shmem:")
                  | p.eq("/dev/zero") & shared | p.str.contains(r"^\[ (?:[a-z]+ )?shmid=") | (anon & shared)
                  | p.str.fullmatch(r"SYSV[0-9a-f]{8}") & is_deleted
                  | p.eq("/anon_hugepage") & shared)
    yield "reserved", noaccess & (anon | ~p.str.startswith("["))
    yield "anonymous", anon | p.str.startswith("[anon:") | p.eq("/anon_hugepage") | p.eq("[ anon ]")
    yield "deleted", is_deleted
    is_lib = p.str.contains(_LIB)
    executable = perms.fillna("").str[2:3].eq("x")
    yield "lib_code", is_lib & executable
    yield "lib_data", is_lib
    yield "file", p.str.startswith("/") | (~p.str.startswith("[") & p.ne(""))


def classify(frame: pd.DataFrame) -> pd.DataFrame:
    """Set the ``kind`` column of a schema frame (in place) and return it.

    :func:`analyzer.load` already did; call it again after changing paths or perms.

    >>> import analyzer
    >>> frame = analyzer.load("sample_dumps/smaps/multi_loop.smaps")
    >>> classify(frame)["kind"].value_counts().to_dict()
    {'file': 15, 'kernel': 12, 'anonymous': 4, 'heap': 3, 'stack': 3}
    """
    if not len(frame):
        frame["kind"] = frame["kind"].astype("string[pyarrow]") if "kind" in frame else pd.Series(dtype="string[pyarrow]")
        return frame
    # the rules run once per distinct (path, perms, deleted): far fewer than rows. The combination is
    # one int64 per row, hashed (not sorted), with at most three row-sized temporaries alive
    path_codes, paths = pd.factorize(frame["path"], use_na_sentinel=True)
    perm_codes, perms = pd.factorize(frame["perms"], use_na_sentinel=True)
    stride = 2 * (len(perms) + 1)
    combo = path_codes.astype(np.int64, copy=False)
    combo += 1
    combo *= stride
    perm_codes = perm_codes.astype(np.int64, copy=False)
    perm_codes += 1
    perm_codes *= 2
    combo += perm_codes
    del perm_codes
    combo += frame["deleted"].fillna(False).to_numpy(dtype=bool)
    inverse, distinct_combos = pd.factorize(combo, sort=False)
    del combo
    path_of, rest = np.divmod(np.asarray(distinct_combos, dtype=np.int64), stride)
    perm_of, deleted_of = np.divmod(rest, 2)
    distinct = pd.DataFrame({
        "path": _pick(paths, path_of - 1, frame["path"].dtype),
        "perms": _pick(perms, perm_of - 1, frame["perms"].dtype),
        "deleted": pd.array(deleted_of.astype(bool), dtype="boolean"),
    })
    kind = np.full(len(distinct), "other", dtype=object)
    done = np.zeros(len(distinct), dtype=bool)
    for name, mask in _rules(distinct["path"], distinct["perms"], distinct["deleted"]):
        hit = mask.fillna(False).to_numpy(dtype=bool) & ~done
        kind[hit] = name
        done |= hit
    frame["kind"] = pd.array(kind, dtype="string[pyarrow]").take(inverse)
    return frame


def _pick(uniques, codes: np.ndarray, dtype) -> pd.Series:
    """``uniques[codes]``, NA where the code is -1 (a factorized NA), as *dtype*."""
    values = pd.Series(pd.array(uniques, dtype=dtype))
    taken = values.array.take(codes, allow_fill=True)
    return pd.Series(taken)
