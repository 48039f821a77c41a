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


def test_a_sosreport_whose_kernel_log_has_no_kill_counts_as_checked(tmp_path):
    """The real sos 4.0 report with every OOM line taken out of its kernel logs (dmesg, kern.log,
    messages; a copy in tmp_path, the rest byte for byte): oom-kill is checked and finds nothing,
    rather than being listed as "not checked". A case sosreport made without the logs plugins
    still lists it as not checked."""
    import io

    from analyzer.findings import unchecked

    sos40 = next((SYSTEM / "sosreport").glob("sosreport-sample-host-sos40smaps-*.tar.xz"))
    quiet = tmp_path / sos40.name.replace("sos40smaps", "sos40quiet")
    logs = ("sos_commands/kernel/dmesg", "var/log/messages", "var/log/kern.log")
    with tarfile.open(sos40) as src, tarfile.open(quiet, "w:xz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if data is not None and member.name.endswith(logs):
                data = b"".join(ln for ln in data.splitlines(keepends=True)
                                if not re.search(rb"oom|Killed process|Memory cgroup|Tasks state", ln, re.I))
                assert data.strip()  # the log is still there, with the rest of its lines
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    ds = analyzer.load_dataset(quiet)
    assert "oom-kill" not in dict(unchecked(ds)) and len(ds.oom_kills) == 0
    assert not findings(ds)["rule"].eq("oom-kill").any()
    case = next((SYSTEM.parent / "cases").glob("sosreport-case-host-case1-*.tar.xz"))
    with tarfile.open(case) as tar:
        assert not [n for n in tar.getnames() if n.endswith(logs)]
    assert "oom-kill" in dict(unchecked(analyzer.load_dataset(case)))
