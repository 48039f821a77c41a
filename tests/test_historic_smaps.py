"""smaps and maps as kernels and environments we cannot run here printed them.

Every file in ``sample_dumps/smaps/historic/`` reproduces a real published
example (see its PROVENANCE.md): 2.6.1x smaps without Pss, RHEL 5's backported
Swap/Pss order, the 2.6.29-2.6.33 field set, 3.x-6.x layouts (trailing space
after VmFlags, ``THPeligible:`` followed by tabs, unit-less ``ProtectionKey:``),
WSL1's Pss-only smaps, Android's ``Name:`` line, named anonymous memory,
``[stack:TID]``, ``[uprobes]`` and NVMe device majors.

The golden numbers come from ``sample_dumps/smaps/src/oracle_totals.py`` (a
stdlib script sharing no code with memmaps), stored as
``expected/<file>.totals.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import analyzer
from analyzer import schema

HISTORIC = Path(__file__).resolve().parent.parent / "sample_dumps" / "smaps" / "historic"
FIXTURES = sorted(p for p in HISTORIC.iterdir() if p.suffix in (".smaps", ".maps"))
KIB = 1024

# Fixtures the parser does not yet read without a notice (see the xfail reason).
NAME_FIELD_BUG = (
    "Android kernels print `Name:           [anon:...]` inside smaps records; smaps.parse treats it "
    "as a field with a non-numeric value and reports `cannot interpret value of Name` as a bad line"
)
NOTICE_XFAIL: dict[str, str] = {}


def _expected(fixture: Path) -> dict:
    return json.loads((HISTORIC / "expected" / f"{fixture.name}.totals.json").read_text())


def _frame(name: str) -> pd.DataFrame:
    return analyzer.load_dataset(HISTORIC / name).mappings


def test_every_fixture_has_expected_totals():
    assert len(FIXTURES) >= 14
    for fixture in FIXTURES:
        assert (HISTORIC / "expected" / f"{fixture.name}.totals.json").is_file(), fixture.name
        assert fixture.name in (HISTORIC / "PROVENANCE.md").read_text(), f"{fixture.name} has no provenance"


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.name)
def test_fixture_matches_oracle(fixture: Path):
    expected = _expected(fixture)
    assert expected["input"] == fixture.name
    frame = analyzer.load_dataset(fixture).mappings
    ((key, exp),) = expected["processes"].items()  # one process per published example
    assert len(frame) == exp["mappings"] == expected["totals"]["mappings"]
    # every `Key: N kB` field the kernel printed, summed in bytes
    for field, kb in exp["kB"].items():
        column = schema.field_column(field)
        assert frame[column].notna().all(), (field, "printed for every mapping")
        assert int(frame[column].sum()) == kb * KIB, field
    # unit-less fields are counts, never multiplied by 1024
    for field, count in exp["unitless"].items():
        column = schema.field_column(field)
        assert frame[column].notna().all(), field
        assert int(frame[column].sum()) == count, field
    # columns this kernel did not print are NA, not 0
    printed = set(exp["kB"]) | set(exp["unitless"]) | {"Size"}
    for key_name, _unit, _doc in schema.SMAPS_FIELDS:
        if key_name not in printed:
            assert frame[schema.field_column(key_name)].isna().all(), f"{key_name} should be NA"
    # the virtual span from the header addresses (unsigned: [vsyscall] is above int64's max)
    span = sum(int(e) - int(s) for s, e in zip(frame["start"], frame["end"]))
    assert span == exp["vsize_kB_from_addresses"] * KIB
    assert int(frame["size"].sum()) == exp["vsize_kB_from_addresses"] * KIB
    # per path name: count, Rss and Pss where printed
    raw_path = frame["path"].fillna("") + frame["deleted"].map({True: " (deleted)", False: ""})
    for path, exp_path in exp["by_path"].items():
        sub = frame[raw_path == path]
        assert len(sub) == exp_path["mappings"], path
        for field in ("Rss", "Pss", "Swap"):
            if field in exp_path:
                assert int(sub[schema.field_column(field)].sum()) == exp_path[field] * KIB, (path, field)
    expected_format = "smaps" if exp["kB"] else "maps"
    assert set(frame["source_format"]) == {expected_format}


@pytest.mark.parametrize(
    "fixture",
    [pytest.param(p, marks=pytest.mark.xfail(strict=True, reason=NOTICE_XFAIL[p.name]))
     if p.name in NOTICE_XFAIL else p for p in FIXTURES],
    ids=lambda p: p.name,
)
def test_fixture_loads_without_notices(fixture: Path):
    ds = analyzer.load_dataset(fixture)
    assert not ds.warnings, [str(n) for n in ds.warnings]
    assert not [n for n in ds.notices if "bad" in str(n).lower() or "cannot" in str(n)], [str(n) for n in ds.notices]


# --- pointed asserts, one quirk each -------------------------------------------------------------

def test_linux_2_6_1x_no_pss_no_referenced_32bit_addresses():
    f = _frame("linux-2.6.1x_ubuntu_ssh-agent.smaps")
    assert f["start"].tolist() == [0x08047000, 0x08059000, 0x0805A000, 0x45F48000]
    for column in ("pss", "referenced", "swap", "anonymous", "kernel_page_size", "vmflags"):
        assert f[column].isna().all(), column
    assert f["rss"].tolist() == [56 * KIB, 4 * KIB, 56 * KIB, 0]  # 0 is "said 0", not NA
    assert f["private_dirty"].tolist() == [0, 4 * KIB, 56 * KIB, 0]


def test_linux_2_6_anonymous_offset_equal_to_start_is_harmless():
    heap = _frame("linux-2.6.1x_ubuntu_ssh-agent.smaps").iloc[2]
    assert heap["path"] == "[heap]" and heap["kind"] == "heap"
    assert int(heap["offset"]) == int(heap["start"]) == 0x0805A000
    assert int(heap["size"]) == 140 * KIB and int(heap["inode"]) == 0 and heap["dev"] == "00:00"
    s390 = _frame("linux-2.6_s390x_offset-equals-start.maps")
    assert [int(o) for o in s390["offset"][:2]] == [0x000C0000, 0x000C1000]
    assert [int(o) for o in s390["offset"][:2]] == [int(s) for s in s390["start"][:2]]
    assert s390["kind"].tolist()[:2] == ["reserved", "anonymous"]
    assert s390["path"][:2].isna().all()
    assert s390["dev"].tolist()[2:] == ["00:17", "00:17"] and int(s390["inode"][2]) == 61571540


def test_rhel5_swap_and_pss_printed_after_private_dirty():
    f = _frame("rhel5-2.6.18_swap-pss-last.smaps")
    row = f.iloc[0]
    assert int(row["pss"]) == 12 * KIB and int(row["swap"]) == 0
    assert pd.isna(row["referenced"]) and pd.isna(row["vmflags"])
    assert pd.isna(row["path"]) and row["kind"] == "anonymous"
    assert int(row["offset"]) == int(row["start"]) == 0x00081000


def test_linux_2_6_3x_page_sizes_without_anonymous_or_vmflags():
    f = _frame("linux-2.6.3x_xconsole.smaps")
    assert f["kernel_page_size"].tolist() == [4 * KIB, 4 * KIB]
    assert f["mmu_page_size"].tolist() == [4 * KIB, 4 * KIB]
    assert f["anonymous"].isna().all() and f["vmflags"].isna().all() and f["locked"].isna().all()
    assert f["kind"].tolist() == ["file", "kernel"]


def test_vmflags_trailing_space_is_not_part_of_the_flags():
    row = _frame("linux-3.x_gopsutil-pr20_cat.smaps").iloc[0]
    assert row["vmflags"] == "rd ex mr mw me dw"
    assert int(row["locked"]) == 0 and int(row["anon_huge_pages"]) == 0
    assert row["dev"] == "fd:09" and row["path"] == "/bin/cat"


def test_shared_anonymous_dev_zero_deleted_is_shm():
    row = _frame("linux-4.x_nginx_dev-zero-shm.smaps").iloc[0]
    assert row["path"] == "/dev/zero" and bool(row["deleted"]) is True
    assert row["perms"] == "rw-s" and row["kind"] == "shm"
    assert int(row["shared_dirty"]) == 42044 * KIB and int(row["pss"]) == 10527 * KIB
    assert int(row["swap_pss"]) == 0


def test_thpeligible_followed_by_tabs_is_a_count():
    f = _frame("linux-5.x_jc_systemd_thpeligible-tabs.smaps")
    assert "THPeligible:\t\t0" in (HISTORIC / "linux-5.x_jc_systemd_thpeligible-tabs.smaps").read_text()
    assert f["thp_eligible"].tolist() == [0] * 12
    # FilePmdMapped printed one column short on this kernel: still read
    assert f["file_pmd_mapped"].tolist() == [0] * 12
    # glibc thread arena (132 kB + 65404 kB reserve) and an 8 MB thread stack behind a guard page
    assert f["size"].tolist()[6:] == [132 * KIB, 65404 * KIB, 132 * KIB, 65404 * KIB, 4 * KIB, 8192 * KIB]
    assert f["kind"].tolist()[6:] == ["anonymous", "reserved", "anonymous", "reserved", "reserved", "anonymous"]


def test_protection_key_and_thpeligible_have_no_unit():
    row = _frame("linux-6.x_uutils-pr368_zsh_protectionkey.smaps").iloc[0]
    assert int(row["protection_key"]) == 0 and int(row["thp_eligible"]) == 0
    assert int(row["ksm"]) == 0 and int(row["pss_dirty"]) == 0  # said 0: not NA
    assert int(row["pss"]) == 46 * KIB and row["dev"] == "00:1b"


def test_named_anonymous_memory_keeps_its_name():
    row = _frame("linux-6.x_oxcaml-pr3351_anon-name.smaps").iloc[0]
    assert row["path"] == "[anon:OCaml: minor heap 0]"
    assert row["kind"] == "anonymous"
    assert int(row["thp_eligible"]) == 1  # a flag, not 1 kB
    assert int(row["anon_huge_pages"]) == 4096 * KIB
    android = _frame("android-4.x_libmeminfo_name-field.smaps").iloc[0]
    assert android["path"] == "[anon:dalvik-main space (region space)]"
    assert android["kind"] == "anonymous"
    assert int(android["swap"]) == 102 * KIB and int(android["swap_pss"]) == 70 * KIB
    assert int(android["locked"]) == 2652 * KIB
    assert "name" not in android.index or pd.isna(android["name"])  # the Name: line is no number


def test_wsl1_prints_only_pss():
    f = _frame("wsl1_psutil-1627_pss-only.smaps")
    assert int(f["pss"].sum()) == 313 * KIB
    for column in ("rss", "shared_clean", "private_dirty", "swap", "referenced", "vmflags"):
        assert f[column].isna().all(), column
    # WSL1's odd offsets (in pages on the second ---p segment) are kept as printed
    assert int(f["offset"][2]) == 0x1F0
    assert int(f["size"][0]) == 0x7FCC813E7000 - 0x7FCC81200000
    assert f["path"][5] is pd.NA or pd.isna(f["path"][5])


def test_thread_stack_tid_is_a_stack():
    f = _frame("linux-3.4-4.4_proc-txt_thread-stack.maps")
    thread = f[f["path"] == "[stack:1001]"]
    assert len(thread) == 1
    assert thread["kind"].tolist() == ["stack"]
    assert int(thread["start"].iloc[0]) == 0xA7EB3000 and int(thread["size"].iloc[0]) == 0x22000
    assert f[f["path"] == "[stack]"]["kind"].tolist() == ["stack"]
    for column in ("rss", "pss", "vmflags"):
        assert f[column].isna().all(), column


def test_nvme_device_major_is_kept():
    f = _frame("ubuntu-18.04_nvme_uprobes.maps")
    libc = f[f["path"] == "/lib/x86_64-linux-gnu/libc-2.27.so"]
    assert libc["dev"].tolist() == ["103:02"] * 4
    assert libc["inode"].tolist() == [11558371] * 4
    assert libc["kind"].tolist() == ["lib_code", "reserved", "lib_data", "lib_data"]
    nasm = _frame("linux-4.x_nvme-103-02_nasm-loop.maps")
    assert nasm["dev"].tolist()[:2] == ["103:02", "103:02"]
    assert nasm["path"][0] == "/home/tact/low-level-programming/chapter4/mappings_loop/main"


def test_uprobes_and_execute_only_vsyscall_are_kernel_mappings():
    f = _frame("ubuntu-18.04_nvme_uprobes.maps")
    kernel = f[f["kind"] == "kernel"]
    assert kernel["path"].tolist() == ["[vvar]", "[vdso]", "[uprobes]", "[vsyscall]"]
    assert kernel["perms"].tolist()[2:] == ["--xp", "--xp"]
    assert int(kernel["start"].iloc[-1]) == 0xFFFFFFFFFF600000
