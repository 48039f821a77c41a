#!/usr/bin/env python3
"""oracle_totals.py - an independent, deliberately simple line-by-line reader of
/proc/PID/smaps, maps and smaps_rollup dumps, printing per-process totals as
JSON. It shares no code with memmaps' analyzer: it exists to check it.

Accepted inputs (one path argument, or '-' for stdin):
  * one plain smaps / maps / smaps_rollup file (the process key is --pid, or "-")
  * concatenations with `==> /proc/N/smaps <==` headers (a shell loop, or
    `head -n 100000 /proc/*/smaps`, which also has /proc/self and
    /proc/thread-self: those are keyed "self" and "thread-self")
  * `grep -H '' /proc/*/smaps` output (every line prefixed `/proc/N/smaps:`)
  * a directory tree: every file named smaps (or --file-name) below it, the
    process key being the name of the directory holding it (proc/N/smaps, N/smaps)
  * gzip/xz/bzip2 files (stdlib) and zstd (via the `zstd` command) are
    decompressed by their magic bytes, whatever their name; a cut-off
    compressed stream gives what could be decompressed, and the JSON has
    "compressed_stream_truncated": true.
CR before LF is dropped. A process key met again after another one (two
captures concatenated) is kept apart as "KEY#2", "KEY#3", ...

For each process: number of mappings (header lines `START-END PERMS OFFSET
DEV INODE [PATH]`; a `[rollup]` header is counted under rollup_records
instead), the virtual size computed from the header addresses, the sum of
every `Key: N kB` field, the sum of unit-less numeric fields (THPeligible,
ProtectionKey), and per path name the count, Size, Rss, Pss and Swap.

--complete-only drops the last line if it has no newline, and every smaps
record that has field lines but no VmFlags line (the record a truncated copy
was cut in), and a maps header line without newline. The JSON says how many
records and lines it dropped.

Pure stdlib; no memmaps code.
"""
import argparse
import bz2
import gzip
import json
import lzma
import os
import re
import subprocess
import zlib
import sys

HEADER = re.compile(
    r"^([0-9a-fA-F]+)-([0-9a-fA-F]+)\s+(\S{4})\s+([0-9a-fA-F]+)\s+"
    r"([0-9a-fA-F]+:[0-9a-fA-F]+)\s+(\d+)(?:\s(.*))?$"
)
KB_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):\s+(\d+) kB\s*$")
NUM_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):\s+(\d+)\s*$")
VMFLAGS = re.compile(r"^VmFlags:")
HEAD_SEP = re.compile(r"^==> (.*) <==$")
GREP_PREFIX = re.compile(r"^(\S*?(?:smaps_rollup|smaps|maps)):(.*)$")
PID_IN_PATH = re.compile(r"(?:^|/)(\d+|self|thread-self)/(?:smaps_rollup|smaps|maps)$")


def _stream(make, data):
    """Decompress with stdlib decompressor objects; tolerate a cut-off stream
    and concatenated members. Returns (bytes, complete?)."""
    out = []
    while data:
        d = make()
        try:
            out.append(d.decompress(data))
        except (EOFError, OSError, lzma.LZMAError, zlib.error):
            return b"".join(out), False
        if not d.eof:
            return b"".join(out), False
        data = d.unused_data.lstrip(b"\0")
    return b"".join(out), True


def read_bytes(path):
    """Return (data, compression, stream_complete)."""
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    if data[:2] == b"\x1f\x8b":
        out, ok = _stream(lambda: zlib.decompressobj(16 + zlib.MAX_WBITS), data)
        return out, "gzip", ok
    if data[:6] == b"\xfd7zXZ\x00":
        out, ok = _stream(lzma.LZMADecompressor, data)
        return out, "xz", ok
    if data[:3] == b"BZh":
        out, ok = _stream(bz2.BZ2Decompressor, data)
        return out, "bzip2", ok
    if data[:4] == b"\x28\xb5\x2f\xfd":
        r = subprocess.run(["zstd", "-dcq"], input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, check=False)
        return r.stdout, "zstd", r.returncode == 0
    return data, "plain", True


def split_lines(data):
    """Return (lines, last_line_unterminated, crlf_count)."""
    text = data.decode("utf-8", errors="surrogateescape")
    unterminated = bool(text) and not text.endswith("\n")
    raw = text.split("\n")
    if not unterminated:
        raw = raw[:-1]
    crlf = 0
    lines = []
    for ln in raw:
        if ln.endswith("\r"):
            crlf += 1
            ln = ln[:-1]
        lines.append(ln)
    return lines, unterminated, crlf


def pid_key(path):
    m = PID_IN_PATH.search(path)
    return m.group(1) if m else path


class Proc:
    def __init__(self, source):
        self.source = source
        self.records = []  # dicts


def new_record(m, terminated):
    start, end = int(m.group(1), 16), int(m.group(2), 16)
    return {
        "start": start, "end": end, "path": (m.group(7) or "").lstrip(" "),
        "kB": {}, "num": {}, "vmflags": False, "fields": 0,
        "header_terminated": terminated,
    }


def feed(proc, line, terminated, stats):
    m = HEADER.match(line)
    if m:
        proc.records.append(new_record(m, terminated))
        return
    if not proc.records:
        if line.strip():
            stats["unparsed_lines"] += 1
        return
    rec = proc.records[-1]
    m = KB_FIELD.match(line)
    if m:
        rec["kB"][m.group(1)] = rec["kB"].get(m.group(1), 0) + int(m.group(2))
        rec["fields"] += 1
        return
    if VMFLAGS.match(line):
        rec["vmflags"] = True
        return
    m = NUM_FIELD.match(line)
    if m:
        rec["num"][m.group(1)] = rec["num"].get(m.group(1), 0) + int(m.group(2))
        rec["fields"] += 1
        return
    if line.strip():
        stats["unparsed_lines"] += 1


def parse_text(lines, unterminated, default_key, stats, complete_only):
    procs = {}
    order = []
    current = [None]

    def get(key, source):
        # a key met again after another one (two captures concatenated) is
        # kept apart as "KEY#2", "KEY#3", ...
        if key in procs and current[0] != key:
            n = 2
            while f"{key}#{n}" in procs:
                n += 1
            if current[0] == f"{key}#{n - 1}":   # still in the latest instance
                return procs[current[0]]
            key = f"{key}#{n}"
        if key not in procs:
            procs[key] = Proc(source)
            order.append(key)
        current[0] = key
        return procs[key]

    if complete_only and unterminated and lines:
        lines = lines[:-1]
        stats["dropped_partial_lines"] += 1
        unterminated = False
    first = next((ln for ln in lines if ln.strip()), "")
    if HEAD_SEP.match(first):
        form = "headers"
    elif GREP_PREFIX.match(first) and not HEADER.match(first):
        form = "grep-H"
    else:
        form = "single"
    cur = None
    n = len(lines)
    for i, ln in enumerate(lines):
        terminated = not (unterminated and i == n - 1)
        if form == "headers":
            m = HEAD_SEP.match(ln)
            if m:
                cur = get(pid_key(m.group(1)), m.group(1))
                continue
            if cur is None:
                cur = get(default_key, "-")
            feed(cur, ln, terminated, stats)
        elif form == "grep-H":
            m = GREP_PREFIX.match(ln)
            if not m:
                stats["unparsed_lines"] += 1
                continue
            feed(get(pid_key(m.group(1)), m.group(1)), m.group(2), terminated, stats)
        else:
            if cur is None:
                cur = get(default_key, "-")
            feed(cur, ln, terminated, stats)
    if form == "single" and not order:
        get(default_key, "-")
    return form, [(k, procs[k]) for k in order]


def summarize(proc, stats, complete_only):
    out = {"source": proc.source, "mappings": 0, "rollup_records": 0,
           "vsize_kB_from_addresses": 0, "kB": {}, "unitless": {}, "by_path": {}}
    for rec in proc.records:
        if complete_only:
            is_smaps = rec["fields"] > 0 or rec["vmflags"]
            if (is_smaps and not rec["vmflags"] and rec["path"] != "[rollup]") or \
               (not is_smaps and not rec["header_terminated"]):
                stats["dropped_incomplete_records"] += 1
                continue
        if rec["path"] == "[rollup]":
            out["rollup_records"] += 1
        else:
            out["mappings"] += 1
            out["vsize_kB_from_addresses"] += (rec["end"] - rec["start"]) // 1024
            bp = out["by_path"].setdefault(rec["path"], {"mappings": 0})
            bp["mappings"] += 1
            for k in ("Size", "Rss", "Pss", "Swap"):
                if k in rec["kB"]:
                    bp[k] = bp.get(k, 0) + rec["kB"][k]
        for k, v in rec["kB"].items():
            out["kB"][k] = out["kB"].get(k, 0) + v
        for k, v in rec["num"].items():
            out["unitless"][k] = out["unitless"].get(k, 0) + v
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", help="file, directory tree, or - for stdin")
    ap.add_argument("--pid", default="-", help="process key for a single-process file")
    ap.add_argument("--file-name", default="smaps",
                    help="in a directory tree, the file name to read (smaps, maps, smaps_rollup)")
    ap.add_argument("--complete-only", action="store_true",
                    help="drop a trailing partial line and records cut short (no VmFlags)")
    ap.add_argument("--note", default=None, help="free text stored in the JSON")
    a = ap.parse_args()

    stats = {"dropped_partial_lines": 0, "dropped_incomplete_records": 0,
             "unparsed_lines": 0, "crlf_lines": 0}
    results = []
    if os.path.isdir(a.input):
        form = "tree"
        compression = "plain"
        found = []
        for root, dirs, files in os.walk(a.input):
            if a.file_name in files:
                found.append(os.path.join(root, a.file_name))
        def sort_key(p):
            k = os.path.basename(os.path.dirname(p))
            return (0, int(k), p) if k.isdigit() else (1, 0, p)
        for p in sorted(found, key=sort_key):
            data, _, _ = read_bytes(p)
            lines, unterm, crlf = split_lines(data)
            stats["crlf_lines"] += crlf
            key = os.path.basename(os.path.dirname(p))
            _, procs = parse_text(lines, unterm, key, stats, a.complete_only)
            for k, pr in procs:
                pr.source = os.path.relpath(p, a.input)
                results.append((k, pr))
    else:
        data, compression, stream_ok = read_bytes(a.input)
        if not stream_ok:
            stats["compressed_stream_truncated"] = True
        lines, unterm, crlf = split_lines(data)
        stats["crlf_lines"] = crlf
        form, results = parse_text(lines, unterm, a.pid, stats, a.complete_only)

    processes = {}
    totals = {"processes": 0, "mappings": 0, "rollup_records": 0,
              "vsize_kB_from_addresses": 0, "kB": {}, "unitless": {}}
    for key, pr in results:
        s = summarize(pr, stats, a.complete_only)
        if key in processes:  # same key twice: keep both, suffixed
            n = 2
            while f"{key}#{n}" in processes:
                n += 1
            key = f"{key}#{n}"
        processes[key] = s
        totals["processes"] += 1
        for k in ("mappings", "rollup_records", "vsize_kB_from_addresses"):
            totals[k] += s[k]
        for group in ("kB", "unitless"):
            for k, v in s[group].items():
                totals[group][k] = totals[group].get(k, 0) + v

    doc = {
        "oracle": "sample_dumps/smaps/src/oracle_totals.py",
        "input": os.path.basename(a.input.rstrip("/")) if a.input != "-" else "-",
        "compression": compression,
        "form": form,
        "complete_records_only": a.complete_only,
        **stats,
    }
    if a.note:
        doc["note"] = a.note
    doc["totals"] = totals
    doc["processes"] = processes
    json.dump(doc, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
