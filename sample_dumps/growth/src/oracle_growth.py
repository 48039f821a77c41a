#!/usr/bin/env python3
"""Independent oracle for the growth samples: per-process sums of each capture.

Stdlib only, shares no code with analyzer/. For each capture given (a smaps
loop file, a concatenation of `pmap -x` outputs, a copied proc tree
`DIR/proc/PID/{smaps,cmdline}`, or a sosreport tar.xz) it writes
`expected/<folder of the capture>/<capture name>.json`:

    {"capture": NAME, "form": "loop" | "pmap-x" | "proc-tree" | "sosreport",
     "host": str | null, "time": "YYYY-MM-DDTHH:MM:SSZ" | null,
     "processes": {PID: {"command": str | null, "mappings": n, "size": bytes, "rss": bytes,
                         "pss": bytes | null, "anonymous": bytes | null,
                         "private_dirty": bytes | null, "uss": bytes | null, "swap": bytes | null}}}

smaps sums are of the `Name: N kB` lines Size, Rss, Pss, Anonymous, Private_Dirty,
Private_Clean (uss = Private_Clean + Private_Dirty) and Swap, times 1024. pmap -x sums
are of the Kbytes and RSS columns (times 1024); pmap -x says nothing of the others (null).
Processes without a mapping (an empty smaps) are left out. sosreport: command from
sos_commands/process/ps_auxwww (COMMAND = the 11th field on, split at most 10 times),
host from sos_commands/host/hostname, time from sos_commands/date/date_--utc.

usage: python3 src/oracle_growth.py CAPTURE...   (from sample_dumps/growth)
"""

import json
import os
import re
import sys
import tarfile
from datetime import datetime

HEADER = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ")
FIELDS = {"Size": "size", "Rss": "rss", "Pss": "pss", "Anonymous": "anonymous",
          "Private_Dirty": "private_dirty", "Private_Clean": "private_clean", "Swap": "swap"}


def smaps_sums(text):
    out = {"mappings": 0}
    for name in FIELDS.values():
        out[name] = 0
    for line in text.splitlines():
        if HEADER.match(line):
            out["mappings"] += 1
            continue
        parts = line.split()
        if len(parts) == 3 and parts[2] == "kB" and parts[0].endswith(":") and parts[0][:-1] in FIELDS:
            out[FIELDS[parts[0][:-1]]] += int(parts[1]) * 1024
    out["uss"] = out.pop("private_clean") + out["private_dirty"]
    return out


def loop(path):
    procs, pid, lines = {}, None, []
    with open(path) as f:
        for line in f:
            m = re.match(r"^==> /proc/(\d+)/smaps <==$", line.rstrip("\n"))
            if m:
                if pid is not None:
                    procs[pid] = "".join(lines)
                pid, lines = m.group(1), []
            else:
                lines.append(line)
    if pid is not None:
        procs[pid] = "".join(lines)
    return {pid: dict(command=None, **smaps_sums(text)) for pid, text in procs.items()}


def pmap_x(path):
    procs, pid = {}, None
    with open(path) as f:
        for line in f:
            m = re.match(r"^(\d+):\s+(.*)$", line.rstrip("\n"))
            if m:
                pid = m.group(1)
                procs[pid] = {"command": m.group(2), "mappings": 0, "size": 0, "rss": 0, "pss": None,
                              "anonymous": None, "private_dirty": None, "uss": None, "swap": None}
                continue
            parts = line.split()
            if pid and len(parts) >= 5 and re.fullmatch(r"[0-9a-f]{8,16}", parts[0]):
                procs[pid]["mappings"] += 1
                procs[pid]["size"] += int(parts[1]) * 1024
                procs[pid]["rss"] += int(parts[2]) * 1024
    return procs


def proc_tree(path):
    procs = {}
    root = os.path.join(path, "proc")
    for pid in sorted(os.listdir(root), key=int):
        with open(os.path.join(root, pid, "smaps")) as f:
            sums = smaps_sums(f.read())
        with open(os.path.join(root, pid, "cmdline"), "rb") as f:
            command = f.read().rstrip(b"\0").replace(b"\0", b" ").decode() or None
        procs[pid] = dict(command=command, **sums)
    return procs


def sosreport(path):
    with tarfile.open(path) as tar:
        files = {}
        for member in tar.getmembers():
            if member.isfile():
                files[member.name.split("/", 1)[1]] = tar.extractfile(member).read().decode()
    commands = {}
    for line in files["sos_commands/process/ps_auxwww"].splitlines()[1:]:
        parts = line.split(None, 10)
        commands[parts[1]] = parts[10]
    procs = {}
    for name, text in files.items():
        m = re.fullmatch(r"proc/(\d+)/smaps", name)
        if m:
            procs[m.group(1)] = dict(command=commands.get(m.group(1)), **smaps_sums(text))
    date = datetime.strptime(files["sos_commands/date/date_--utc"].strip(), "%a %b %d %H:%M:%S %Z %Y")
    return procs, files["sos_commands/host/hostname"].strip(), date.strftime("%Y-%m-%dT%H:%M:%SZ")


def capture(path):
    name = os.path.basename(path.rstrip("/"))
    host = time = None
    if os.path.isdir(path):
        form, procs = "proc-tree", proc_tree(path)
    elif path.endswith(".smaps"):
        form, procs = "loop", loop(path)
    elif path.endswith(".tar.xz"):
        form = "sosreport"
        procs, host, time = sosreport(path)
    else:
        form, procs = "pmap-x", pmap_x(path)
    procs = {pid: p for pid, p in sorted(procs.items(), key=lambda kv: int(kv[0])) if p["mappings"]}
    return {"capture": name, "form": form, "host": host, "time": time, "processes": procs}


def main(paths):
    os.makedirs("expected", exist_ok=True)
    for path in paths:
        out = capture(path)
        parent = os.path.dirname(os.path.abspath(path.rstrip("/")))
        subdir = os.path.basename(parent)   # loop, pmap, proc, sosreport, arena: as the captures are kept
        target = os.path.join("expected", subdir, out["capture"] + ".json")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as f:
            json.dump(out, f, indent=1, sort_keys=True)
            f.write("\n")
        print(target)


if __name__ == "__main__":
    main(sys.argv[1:])
