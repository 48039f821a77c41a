#!/usr/bin/env python3
"""Independent oracle for sosreport samples (stdlib only, deliberately naive).

usage: oracle_totals.py SOSREPORT [SOSREPORT...]   (writes SOSREPORT.expected.json next to each)
       oracle_totals.py --stdout SOSREPORT          (prints the JSON)
       oracle_totals.py --out FILE SOSREPORT        (writes FILE)

SOSREPORT is a .tar.xz / .tar.gz / .tar archive or an extracted sosreport directory.

For each proc/PID/smaps in the report: number of mappings (lines that start with
"start-end ") and the kB sums of Size, Rss, Pss, Swap, Private_Clean, Private_Dirty,
Shared_Clean, Shared_Dirty; plus USER and the full COMMAND of that PID from
sos_commands/process/ps_auxwww (else ps_auxwwwm, thread rows skipped) split at most 10 times.
Hostname from sos_commands/host/hostname (else the root "hostname" symlink target).

Also accepts an smemcap tar (members meminfo, version, PID/smaps, PID/cmdline, PID/stat at the
top level): same smaps sums; "user" is the numeric uid of the PID/smaps tar member owner,
"command" is PID/cmdline with NULs turned into spaces (trailing NUL dropped), "comm" is the
name in parentheses from PID/stat; hostname is null.
"""
import json
import os
import re
import sys
import tarfile

FIELDS = ["Size", "Rss", "Pss", "Swap", "Private_Clean", "Private_Dirty",
          "Shared_Clean", "Shared_Dirty"]
HEADER = re.compile(r"^[0-9a-f]+-[0-9a-f]+ ")
FIELD = re.compile(r"^([A-Za-z_]+):\s+(\d+) kB$")
SMAPS = re.compile(r"^proc/(\d+)/smaps$")
PS_FILES = ["sos_commands/process/ps_auxwww", "sos_commands/process/ps_auxwwwm"]


def load_smemcap(path):
    """Return ({member: bytes}, {member: uid}) if PATH is an smemcap tar, else None."""
    if os.path.isdir(path):
        return None
    with tarfile.open(path, "r:*") as tar:
        members = tar.getmembers()
        if not any(m.name == "meminfo" for m in members):
            return None
        files, uids = {}, {}
        for m in members:
            if m.isfile():
                files[m.name] = tar.extractfile(m).read()
                uids[m.name] = m.uid
    return files, uids


def oracle_smemcap(path, files, uids):
    procs = {}
    for name in sorted(files):
        m = re.match(r"^(\d+)/smaps$", name)
        if not m:
            continue
        pid = int(m.group(1))
        entry = smaps_totals(files[name])
        cmd = files.get("%d/cmdline" % pid, b"")
        if cmd.endswith(b"\0"):
            cmd = cmd[:-1]
        stat = files.get("%d/stat" % pid, b"").decode("utf-8", "replace")
        entry["user"] = uids[name]
        entry["command"] = cmd.replace(b"\0", b" ").decode("utf-8", "replace")
        entry["comm"] = stat[stat.find("(") + 1:stat.rfind(")")] if "(" in stat else None
        procs[pid] = entry
    totals = {k: sum(p[k] for p in procs.values()) for k in ["mappings"] + FIELDS}
    version = files.get("version", b"").decode("utf-8", "replace").strip()
    return {
        "source": os.path.basename(os.path.normpath(path)),
        "format": "smemcap",
        "hostname": None,
        "version": version,
        "process_count": len(procs),
        "processes": {str(pid): procs[pid] for pid in sorted(procs)},
        "totals": totals,
    }


def load(path):
    """Return ({relpath: bytes} for regular files, {relpath: linktarget}) with the top dir stripped."""
    files, links = {}, {}
    if os.path.isdir(path):
        for dirpath, dirnames, filenames in os.walk(path):
            for name in filenames + dirnames:
                full = os.path.join(dirpath, name)
                rel = os.path.relpath(full, path).replace(os.sep, "/")
                if os.path.islink(full):
                    links[rel] = os.readlink(full)
                elif os.path.isfile(full):
                    with open(full, "rb") as f:
                        files[rel] = f.read()
        return files, links
    with tarfile.open(path, "r:*") as tar:
        for m in tar.getmembers():
            parts = m.name.split("/", 1)
            if len(parts) < 2 or not parts[1]:
                continue
            rel = parts[1]
            if m.issym():
                links[rel] = m.linkname
            elif m.isfile():
                files[rel] = tar.extractfile(m).read()
    return files, links


def smaps_totals(data):
    res = {"mappings": 0}
    for k in FIELDS:
        res[k] = 0
    for line in data.decode("utf-8", "replace").splitlines():
        if HEADER.match(line):
            res["mappings"] += 1
            continue
        m = FIELD.match(line)
        if m and m.group(1) in FIELDS:
            res[m.group(1)] += int(m.group(2))
    return res


def ps_table(files, links):
    name = None
    for cand in PS_FILES:
        if cand in files:
            name = cand
            break
    if name is None and "ps" in links:
        cand = os.path.normpath(links["ps"])
        if cand in files:
            name = cand
    table = {}
    if name is None:
        return None, table
    lines = files[name].decode("utf-8", "replace").splitlines()
    for line in lines[1:]:  # first line is the header
        cols = line.split(None, 10)
        if len(cols) < 11 or not cols[1].isdigit():
            continue  # thread rows of "ps auxwwwm" have PID "-"
        table[int(cols[1])] = {"user": cols[0], "command": cols[10]}
    return name, table


def oracle(path):
    sm = load_smemcap(path)
    if sm is not None:
        return oracle_smemcap(path, *sm)
    files, links = load(path)
    hostname = None
    if "sos_commands/host/hostname" in files:
        hostname = files["sos_commands/host/hostname"].decode().strip()
    elif "hostname" in links:
        t = os.path.normpath(links["hostname"])
        if t in files:
            hostname = files[t].decode().strip()
    date = None
    if "sos_commands/date/date" in files:
        date = files["sos_commands/date/date"].decode().strip()
    ps_name, ps = ps_table(files, links)
    procs = {}
    for rel in sorted(files):
        m = SMAPS.match(rel)
        if not m:
            continue
        pid = int(m.group(1))
        entry = smaps_totals(files[rel])
        info = ps.get(pid)
        entry["user"] = info["user"] if info else None
        entry["command"] = info["command"] if info else None
        procs[pid] = entry
    totals = {k: sum(p[k] for p in procs.values()) for k in ["mappings"] + FIELDS}
    return {
        "source": os.path.basename(os.path.normpath(path)),
        "format": "sosreport",
        "hostname": hostname,
        "date": date,
        "ps_file": ps_name,
        "process_count": len(procs),
        "processes": {str(pid): procs[pid] for pid in sorted(procs)},
        "pids_only_in_ps": sorted(p for p in ps if p not in procs),
        "pids_without_ps_row": sorted(p for p in procs if p not in ps),
        "totals": totals,
    }


def main(argv):
    if len(argv) >= 2 and argv[0] == "--stdout":
        json.dump(oracle(argv[1]), sys.stdout, indent=2, sort_keys=False)
        print()
        return 0
    if len(argv) >= 3 and argv[0] == "--out":
        with open(argv[1], "w") as f:
            json.dump(oracle(argv[2]), f, indent=2)
            f.write("\n")
        return 0
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    for path in argv:
        out = os.path.normpath(path) + ".expected.json"
        with open(out, "w") as f:
            json.dump(oracle(path), f, indent=2)
            f.write("\n")
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
