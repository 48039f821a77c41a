"""Small inline cases, one per quirk of the kernel's formats (FORMATS.md)."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from analyzer import schema
from analyzer.classify import classify
from analyzer.errors import ParseError
from analyzer.ingest.formats import smaps
from analyzer.ingest.base import Context


def parse(text: str, on_bad_lines: str = "warn", name=None):
    ctx = Context("dump", on_bad_lines)
    parsed = smaps.parse(textwrap.dedent(text).lstrip("\n"), ctx, name)
    frame = classify(schema.conform(parsed.mappings) if len(parsed.mappings) else schema.empty())
    return frame, parsed, ctx.notices


RECORD = """\
{start}-{end} {perms} {offset} {dev} {inode}   {path}
Size:                  {size} kB
Rss:                   8 kB
Pss:                   5 kB
Shared_Clean:          4 kB
Shared_Dirty:          0 kB
Private_Clean:         0 kB
Private_Dirty:         4 kB
Swap:                  0 kB
THPeligible:    0
VmFlags: rd wr mr mw me ac
"""


def record(start="00400000", end="00402000", perms="rw-p", offset="00000000", dev="fe:00", inode="0",
           path="", size=8):
    return RECORD.format(start=start, end=end, perms=perms, offset=offset, dev=dev, inode=inode,
                         path=path, size=size)


def test_parse_nvme_device_major():
    frame, _, _ = parse(record(dev="103:02", inode="1234", path="/usr/lib/libfoo.so.1"))
    assert frame.loc[0, "dev"] == "103:02"
    assert frame.loc[0, "inode"] == 1234
    assert frame.loc[0, "path"] == "/usr/lib/libfoo.so.1"


def test_parse_vsyscall_address_beyond_int64():
    frame, _, _ = parse(record(start="ffffffffff600000", end="ffffffffff601000", perms="--xp",
                               path="[vsyscall]", size=4))
    assert frame.loc[0, "start"] == 0xFFFFFFFFFF600000
    assert frame.loc[0, "end"] == 0xFFFFFFFFFF601000
    assert str(frame["start"].dtype) == "UInt64"
    assert frame.loc[0, "kind"] == "kernel"


def test_parse_32bit_addresses_and_long_offsets():
    frame, _, _ = parse(record(start="08048000", end="0804a000", offset="1000000000", path="/bin/busybox"))
    assert frame.loc[0, "start"] == 0x08048000 and frame.loc[0, "offset"] == 0x1000000000


def test_parse_path_with_spaces_and_escaped_newline():
    frame, _, _ = parse(record(path=r"/tmp/my dir/odd\012name.dat", inode="7"))
    assert frame.loc[0, "path"] == r"/tmp/my dir/odd\012name.dat"


def test_parse_deleted_suffix_moves_to_flag():
    frame, _, _ = parse(record(path="/usr/lib/libssl.so.3 (deleted)", inode="9", perms="r-xp"))
    assert frame.loc[0, "path"] == "/usr/lib/libssl.so.3"
    assert bool(frame.loc[0, "deleted"]) is True


@pytest.mark.parametrize("path,kind", [
    ("/memfd:wayland-shm (deleted)", "memfd"),
    ("/dev/zero (deleted)", "shm"),
    ("/SYSV0000abcd (deleted)", "shm"),
    ("/dev/shm/pulse-shm-1", "shm"),
    ("[anon:Go: heap/arena 1]", "anonymous"),
    ("[stack:1234]", "stack"),
    ("/srv/data.bin (deleted)", "deleted"),
])
def test_kind_of_special_paths(path, kind):
    frame, _, _ = parse(record(path=path, perms="rw-s" if kind == "shm" else "rw-p"))
    assert frame.loc[0, "kind"] == kind


def test_anon_name_with_slash_and_spaces_kept_whole():
    frame, _, _ = parse(record(path="[anon:Go: heap/arena 1]"))
    assert frame.loc[0, "path"] == "[anon:Go: heap/arena 1]"


def test_values_are_bytes_and_unitless_fields_are_counts():
    frame, _, _ = parse(record(size=8).replace("THPeligible:    0", "THPeligible:\t\t1\nProtectionKey:         3"))
    row = frame.iloc[0]
    assert row["size"] == 8192 and row["rss"] == 8192 and row["pss"] == 5120
    assert row["thp_eligible"] == 1 and row["protection_key"] == 3


def test_fields_missing_on_old_kernels_are_na_not_zero():
    text = """\
    08048000-0804c000 r-xp 00000000 08:01 12   /bin/cat
    Size:                 16 kB
    Rss:                  12 kB
    Shared_Clean:         12 kB
    Shared_Dirty:          0 kB
    Private_Clean:         0 kB
    Private_Dirty:         0 kB
    Referenced:           12 kB
    """
    frame, parsed, notices = parse(text)
    assert frame.loc[0, "rss"] == 12 * 1024
    assert frame.loc[0, "pss"] is pd.NA and frame.loc[0, "swap"] is pd.NA
    assert frame.loc[0, "shared_dirty"] == 0
    assert parsed.processes[0]["partial"] is False and not [n for n in notices if n.level == "warning"]


def test_unknown_future_field_kept_in_bytes():
    frame, _, _ = parse(record().replace("Swap:", "FancyNewThing:        12 kB\nSwap:"))
    assert frame.loc[0, "fancy_new_thing"] == 12 * 1024


def test_vmflags_trailing_space_and_empty_value():
    frame, _, _ = parse(record().replace("VmFlags: rd wr mr mw me ac", "VmFlags: rd wr ") +
                        record(start="00402000", end="00403000", size=4).replace("VmFlags: rd wr mr mw me ac", "VmFlags:"))
    assert frame["vmflags"].tolist() == ["rd wr", ""]


def test_truncated_last_record_dropped_with_warning():
    text = record() + record(start="00402000", end="00404000")
    cut = text[: text.rindex("Private_Dirty")]
    frame, parsed, notices = parse(cut)
    assert len(frame) == 1
    assert parsed.processes[0]["partial"] is True
    assert any("cut short" in n.message and n.level == "warning" for n in notices)


def test_truncated_mid_line_dropped_with_warning():
    text = record() + record(start="00402000", end="00404000")
    cut = text[: text.rindex("Pss:") + 8]  # "Pss:    " with no value and no newline
    frame, _, notices = parse(cut)
    assert len(frame) == 1
    assert any(n.level == "warning" for n in notices)


def test_bad_value_names_file_and_line():
    text = record().replace("Rss:                   8 kB", "Rss:                   eight kB")
    with pytest.raises(ParseError, match=r"^dump:3: cannot interpret value of Rss"):
        parse(text, on_bad_lines="error")
    frame, _, notices = parse(text, on_bad_lines="warn")
    assert frame.loc[0, "rss"] is pd.NA  # unknown, not 0
    assert notices[0].lineno == 3


def test_maps_lines_only():
    text = """\
    00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon
    00e03000-00e24000 rw-p 00000000 00:00 0           [heap]
    7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0   [stack]
    """
    frame, parsed, _ = parse(text)
    assert parsed.processes[0]["source_format"] == "maps"
    assert frame["size"].tolist() == [0x52000, 0x21000, 0x21000]
    assert frame["rss"].isna().all()


def test_rollup_alone_is_one_row_of_process_totals():
    """smaps_rollup with no smaps beside it: the process's totals as one `[rollup]` row (kind
    rollup, no address or size: the header's range spans the whole address space), no mappings."""
    text = """\
    ==> /proc/77/smaps_rollup <==
    55d0c8a00000-7ffd4d1e5000 ---p 00000000 00:00 0                          [rollup]
    Rss:                1964 kB
    Pss:                 486 kB
    Pss_Anon:            300 kB
    """
    frame, parsed, _ = parse(text)
    assert len(frame) == 1 and frame["path"].tolist() == ["[rollup]"]
    assert frame["rss"].tolist() == [1964 * 1024] and frame["size"].isna().all() and frame["start"].isna().all()
    proc = parsed.processes[0]
    assert proc["pid"] == 77 and proc["source_format"] == "smaps_rollup" and proc["mappings"] == 0
    assert proc["rollup_rss"] == 1964 * 1024 and proc["rollup_pss_anon"] == 300 * 1024


def test_head_banners_split_processes_and_keep_self():
    text = "==> /proc/1/smaps <==\n" + record() + "\n==> /proc/22/smaps <==\n" + record(path="[heap]") \
        + "\n==> /proc/self/smaps <==\n" + record() + "\n==> /proc/thread-self/smaps <==\n" + record()
    frame, parsed, notices = parse(text)
    assert frame["pid"].tolist() == [1, 22, pd.NA] or frame["pid"].astype("object").tolist()[:2] == [1, 22]
    assert len(frame) == 4  # kept as the dump has them: an oracle counting blocks must agree
    assert sum("capturing process" in n.message for n in notices) == 2


def test_grep_h_prefix_form():
    body = record() + record(start="00402000", end="00404000", path="[heap]")
    text = "".join(f"/proc/31/smaps:{line}\n" for line in body.splitlines())
    text += "".join(f"/proc/32/smaps:{line}\n" for line in record().splitlines())
    frame, parsed, _ = parse(text)
    assert frame.groupby("pid").size().to_dict() == {31: 2, 32: 1}
    assert frame["lineno"].tolist() == [1, 12, 23]


def test_plain_cat_of_two_processes_split_on_address_restart():
    text = record(start="7f0000000000", end="7f0000002000") + record(start="00400000", end="00402000")
    frame, parsed, notices = parse(text)
    assert len(parsed.processes) == 2
    assert [p["block"] for p in parsed.processes] == [1, 2] and frame["block"].tolist() == [1, 2]
    assert [n.message for n in notices] == [
        "addresses start again from low 1 time (line 12): read as 2 processes, one per restart (a `cat` of "
        "many smaps); no PID in the dump: the `block` column tells them apart"]


def test_empty_block_is_process_without_mappings():
    text = "==> /proc/5/smaps <==\n\n==> /proc/6/smaps <==\n" + record()
    frame, parsed, _ = parse(text)
    assert [p["mappings"] for p in parsed.processes] == [0, 1]
    assert parsed.processes[0]["pid"] == 5


def test_crlf_line_endings():
    text = record().replace("\n", "\r\n")
    frame, _, notices = parse(text)
    assert frame.loc[0, "vmflags"] == "rd wr mr mw me ac"
    assert not notices


def test_pid_from_tree_path():
    frame, _, _ = parse(record(), name="proc/4242/smaps")
    assert frame.loc[0, "pid"] == 4242


def test_trailing_space_in_file_name_kept_and_anonymous_trailing_space_ignored():
    text = record(path="/tmp/name ") + record(start="00402000", end="00404000").replace("0   \n", "0 \n", 1)
    frame, _, _ = parse(text)
    assert frame.loc[0, "path"] == "/tmp/name "
    assert frame.loc[1, "path"] is pd.NA


def test_file_named_deleted_then_deleted_keeps_one_suffix_in_path():
    frame, _, _ = parse(record(path="/var/tmp/not really (deleted) (deleted)", inode="5"))
    assert frame.loc[0, "path"] == "/var/tmp/not really (deleted)"
    assert bool(frame.loc[0, "deleted"]) is True


def test_cut_inside_last_vmflags_drops_record():
    text = record() + record(start="00402000", end="00404000")
    frame, _, notices = parse(text[: text.rindex("mr mw")])
    assert len(frame) == 1 and any("cut short" in n.message for n in notices)


def test_same_pid_twice_in_one_file_warns():
    text = "==> /proc/9/smaps <==\n" + record() + "==> /proc/9/smaps <==\n" + record()
    frame, _, notices = parse(text)
    assert len(frame) == 2
    assert any("appears again" in n.message for n in notices)


def test_fields_after_a_lost_header_are_not_added_to_the_record_before():
    # `grep -H '' /proc/*/smaps` without -a drops the header line of a file
    # whose name has invalid UTF-8 (real capture, GNU grep 3.8) but keeps the
    # fields after it: they must not overwrite the record before.
    lost = record(start="00402000", end="00404000", path="/tmp/bad\udcff").splitlines(keepends=True)[1:]
    text = record(size=8).replace("Rss:                   8 kB", "Rss:                   4 kB") + "".join(lost) \
        + record(start="00500000", end="00502000")
    frame, parsed, notices = parse(text)
    assert list(frame["start"]) == [0x400000, 0x500000]
    assert list(frame["rss"]) == [4096, 8192]
    assert list(frame["size"]) == [8192, 8192]
    lost_notes = [n for n in notices if "header" in n.message and n.lineno == 12]
    assert len(lost_notes) == 1, notices
    assert parsed.processes[0]["partial"]
    assert len(notices) == 1, notices


def test_lost_header_in_a_large_regular_dump_same_as_exact_path():
    recs = [record(start=f"{0x400000 + i * 0x2000:08x}", end=f"{0x402000 + i * 0x2000:08x}") for i in range(3000)]
    recs[1500] = "".join(recs[1500].splitlines(keepends=True)[1:])  # header of the 1501st record lost
    ctx = Context("dump")
    parsed = smaps.parse_data("".join(recs).encode(), ctx)
    assert len(parsed.mappings) == 2999
    assert int(parsed.mappings["rss"].sum()) == 2999 * 8192
    assert [n.lineno for n in ctx.notices] == [1500 * 11 + 1]
