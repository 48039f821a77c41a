"""Findings on the system tables of real captures (issue 12's samples): each OOM kill in a real
kernel log is one critical `oom-kill` finding on the victim's PID with its resident bytes, and an
orphaned SysV segment of a real sosreport is a `sysv-shm-orphan` finding with its size. The
expected figures are read from the files themselves, not from memmaps' parsers."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path

import analyzer
from analyzer.findings import findings

SYSTEM = Path(__file__).resolve().parent.parent / "sample_dumps" / "system"
SOS412 = next((SYSTEM / "sosreport").glob("sosreport-sample-host-sos412smaps-*.tar.xz"))
KILLED = re.compile(r"Killed process (\d+) \((.*?)\) total-vm:(\d+)kB, anon-rss:(\d+)kB, file-rss:(\d+)kB, "
                    r"shmem-rss:(\d+)kB")


def test_every_oom_kill_of_a_real_log_is_a_critical_finding_on_its_victim():
    kills = [m.groups() for m in KILLED.finditer((SYSTEM / "dmesg.txt").read_text())]
    assert len(kills) == 2
    found = findings(analyzer.load_dataset(SYSTEM / "dmesg.txt"))
    oom = found[found["rule"] == "oom-kill"]
    assert oom["severity"].eq("critical").all()
    want = sorted((int(pid), (int(anon) + int(file) + int(shmem)) * 1024) for pid, _, _, anon, file, shmem in kills)
    assert sorted(zip(oom["pid"].astype(int), oom["bytes"].astype(int))) == want


def test_orphaned_sysv_segment_of_a_real_sosreport_is_found_with_its_size():
    with tarfile.open(SOS412) as tar:
        shm = next(tar.extractfile(m).read().decode() for m in tar.getmembers() if m.name.endswith("proc/sysvipc/shm"))
    rows = [line.split() for line in shm.splitlines()[1:] if line.strip()]
    # key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime rss swap
    orphans = [(int(r[1]), int(r[3]), int(r[14])) for r in rows if int(r[6]) == 0]
    assert orphans
    found = findings(analyzer.load_dataset(SOS412))
    shm_rows = found[found["rule"] == "sysv-shm-orphan"]
    assert len(shm_rows) == 1 and int(shm_rows["count"].iloc[0]) == len(orphans)
    assert int(shm_rows["bytes"].iloc[0]) == sum(rss for _, _, rss in orphans)  # at stake: what is resident
    for shmid, size, _ in orphans:
        assert f"shmid {shmid}," in shm_rows["evidence"].iloc[0]
        assert f"size {size / 1024 / 1024:.1f} MiB" in shm_rows["evidence"].iloc[0]
