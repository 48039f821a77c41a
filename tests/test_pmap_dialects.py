"""Small inline cases, one per pmap quirk, named after the quirk they pin.

Row and footer layouts follow procps-ng's src/pmap.c printf formats and the
translations in the procps-ng 4.0.2 gettext catalogs installed on the build
machine (/usr/share/locale/*/LC_MESSAGES/procps-ng.mo)."""

from __future__ import annotations

import textwrap

import pandas as pd
import pytest

from analyzer import schema
from analyzer.classify import classify
from analyzer.errors import ParseError, UnknownFormatError
from analyzer.ingest import parse_bytes
from analyzer.ingest.base import Context
from analyzer.ingest.formats.pmap import detect, parse


def load_text(text: str, on_bad_lines: str = "warn"):
    parsed, notices = parse_bytes(textwrap.dedent(text).encode(), "ticket.txt", on_bad_lines)
    return classify(schema.conform(parsed.mappings)), parsed.processes, notices


def test_parse_kernel_names_of_pmap_k():
    # procps-ng 4.0.6+ -k prints kernel names instead of "[ anon ]"
    f, procs, notices = load_text("""\
        77:   /usr/bin/cat
        Address           Kbytes     RSS   Dirty Mode  Mapping
        000055d0c8a00000     132       8       8 rw---   [heap]
        00007ffc7d3f0000       8       4       0 r-x--   [vdso]
        00007ffc7d3f2000      16       0       0 rw---   [anon:glibc: malloc arena]
        ---------------- ------- ------- -------
        total kB             156      12       8
        """)
    assert f["path"].tolist() == ["[heap]", "[vdso]", "[anon:glibc: malloc arena]"]
    assert not f["name_lost"].any() and f["kind"].tolist() == ["heap", "kernel", "anonymous"]
    assert procs[0]["partial"] is False and notices == []


def test_parse_long_cmdline_with_colons_and_spaces():
    f, procs, _ = load_text("""\
        4242:   java -Dfoo=a:b:c -cp /opt/app/lib/*:/opt/x.jar com.example.Main --port 8080
        0000555555554000      8K r---- java
         total                8K
        """)
    assert procs[0]["command"] == "java -Dfoo=a:b:c -cp /opt/app/lib/*:/opt/x.jar com.example.Main --port 8080"
    assert f["command"].tolist() == [procs[0]["command"]] and procs[0]["footer_size"] == 8192


def test_parse_two_blocks_pasted_in_an_email_with_prose_between():
    f, procs, notices = load_text("""\
        Hi, here is the output you asked for:

        $ pmap 11 12
        11:   /usr/sbin/sshd -D
        0000555555554000      8K r-x-- sshd
         total                8K
        and the second one, which looks odd to me:
        12:   bash
        0000555555560000     16K rw--- bash
        0000555555564000      4K r---- libc.so.6
         total               20K
        Regards, Pat
        """)
    assert [p["pid"] for p in procs] == [11, 12]
    assert f.groupby("pid")["size"].sum().to_dict() == {11: 8192, 12: 20480}
    assert not any(n.level == "warning" for n in notices)
    assert f.loc[f["path"] == "libc.so.6", "kind"].tolist() == ["lib_data"]


def test_parse_block_cut_short_mid_row():
    f, procs, notices = load_text("""\
        9:   nginx: master process
        Address           Kbytes     RSS   Dirty Mode  Mapping
        0000555555554000     564     344       0 r-x-- nginx
        000055555578c000      68      68      60 rw--- nginx
        000055555579d000      56
        """)
    assert len(f) == 2 and procs[0]["partial"] is True
    msgs = [n.message for n in notices if n.level == "warning"]
    assert any("cut short" in m for m in msgs) and any("no footer" in m and "PID 9" in m for m in msgs)


def test_parse_stray_line_between_rows_is_a_bad_line():
    text = """\
        9:   nginx
        0000555555554000      8K r-x-- nginx
        this line does not belong here
        0000555555556000      8K rw--- nginx
         total               16K
        """
    f, procs, notices = load_text(text)
    assert len(f) == 2 and any("does not belong" in n.message for n in notices)
    with pytest.raises(ParseError, match=r"ticket.txt:3: not a pmap row"):
        load_text(text, on_bad_lines="error")


def test_parse_footer_mismatch_marks_partial():
    f, procs, notices = load_text("""\
        9:   nginx
        Address           Kbytes     RSS   Dirty Mode  Mapping
        0000555555554000     564     344       0 r-x-- nginx
        ---------------- ------- ------- -------
        total kB             632     412      60
        """)
    assert procs[0]["partial"] is True and procs[0]["footer_rss"] == 412 * 1024
    warn = [n for n in notices if n.level == "warning"]
    assert len(warn) == 1 and "PID 9" in warn[0].message and "rss 412 kB" in warn[0].message
    assert str(warn[0]).startswith("ticket.txt:5:")


def test_parse_swedish_footer_and_korean_multiword_header():
    # sv: " totalt %14ld k"; ko: header words with two blanks inside ("주  소", "모  드", "매  핑")
    f, procs, notices = load_text("""\
        13:   sleep 100000
        000055b9d34ed000      8K r---- sleep
         totalt           8 k
        14:   sleep 100000
        주  소                Kbytes     RSS   Dirty 모  드  매  핑
        000055b9d34ed000       8       4       0 r---- sleep
        ---------------- ------- ------- -------
        총계  kB               8       4       0
        """)
    assert [p["footer_size"] for p in procs] == [8192, 8192]
    assert procs[1]["footer_rss"] == 4096 and not any(n.level == "warning" for n in notices)
    assert [p["source_format"] for p in procs] == ["pmap", "pmap-x"]


def test_parse_translated_stack_name():
    # pt_BR "[ pilha ]", uk "[ стек  ]", vi anon "[ vô danh ]"
    f, _, _ = load_text("""\
        5:   bash
        00007ffd5a0c9000    132K rw---   [ pilha ]
        00007ffd5a0ea000    132K rw---   [ стек  ]
        00007ffd5a10b000      8K r-x--   [ vô danh ]
         total              272K
        """)
    assert f["path"].tolist()[:2] == ["[stack]", "[stack]"] and pd.isna(f["path"].iloc[2])
    assert f["name_lost"].tolist() == [False, False, True]


def test_parse_busybox_names_cut_and_deleted_unknown():
    f, _, _ = load_text("""\
        6: /tmp/mapper
        Address\t\t  Kbytes     PSS   Dirty    Swap  Mode  Mapping
        000055c0b1665000       4       4       4       0  r--p  /tmp/odd
        000055c0b1666000       8       2       0       0  rw-s  /dev/shm/x
        00007ffde3a40000     132      12      12       0  rw-p  [stack]
        00007ffde3a61000      16       8       8       0  rw-p    [ anon ]
        ----------------  ------  ------  ------  ------
        total\t\t     160      26      24       0
        """)
    assert f["pss"].tolist() == [4096, 2048, 12288, 8192]
    assert f["private_dirty"].tolist() == [4096, 0, 12288, 8192] and f["dirty"].isna().all()
    assert f["deleted"].isna().all() and not f["path_is_basename"].any()
    assert f["kind"].tolist() == ["file", "shm", "stack", "anonymous"]


def test_parse_pmap_X_without_header():
    # pmap -X -q: no header to name the value columns; Size (the kernel's first field) is read
    f, procs, notices = load_text("""\
        6:   /usr/bin/sleep 9
            55d0c8a00000 r--p 00000000  fe:00 1234567     8   8   4 sleep
            7ffc00000000 rw-p 00000000  00:00       0   132  12  12 [stack]
        """)
    assert f["size"].tolist() == [8192, 135168] and f["rss"].isna().all()
    assert f["inode"].tolist() == [1234567, 0] and f["path"].tolist() == ["sleep", "[stack]"]
    assert procs[0]["partial"] is True and any("without its header" in n.message for n in notices)


def test_parse_32bit_pmap_on_64bit_process_is_na_not_zero():
    f, _, notices = load_text("""\
        13:   sleep 100000
        Address   Kbytes     RSS   Dirty Mode  Mapping
        ffffffff       0       8       0 r---- sleep
        ffffffff       0      20       0 r-x-- sleep
        -------- ------- ------- -------
        total kB       0      28       0
        """)
    assert len(f) == 2 and f["size"].isna().all() and f["start"].isna().all()
    assert f["rss"].tolist() == [8192, 20480]
    assert any("overflowed" in n.message for n in notices)


def test_detect_needs_pmap_structure():
    assert detect("Hello,\nsee the attached file.\n") is None
    assert detect("12:30: meeting moved\nok\n") is None
    assert detect("9:   [kworker/0:1]\n") == "pmap"


@pytest.mark.parametrize("text", [
    "0:\tfrom all lookup local\n32766:\tfrom all lookup main\n32767:\tfrom all lookup default\n",  # ip rule
    "1: POSIX  ADVISORY  WRITE 1809 fe:00:402116 0 EOF\n2: FLOCK  ADVISORY  WRITE 77 00:1a:5 0 EOF\n",  # /proc/locks
    " 4: cascade\n",  # /proc/dma
    "  0: offline\n  1: threads:prepare\n 10: slub:dead\n",  # /sys/devices/system/cpu/hotplug/states
    "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n",  # ip -o addr
])
def test_numbered_lines_of_other_tools_are_not_pmap(text):
    """Files a sosreport holds (seen in a real one) whose lines start `N: `: without a `[name]`
    command or a totals line they are not pmap's PID lines."""
    assert detect(text) is None


@pytest.mark.parametrize("text", [
    "9:   [mapper] <defunct>\n",
    "9: [?]\n",  # busybox, no command line
    "9:   [mapper] <defunct>\n total                0K\n",
    "5:   sleep 100\n total                0K\n",  # the process exited between pmap's reads: a zero footer
])
def test_pid_lines_alone_of_kernel_threads_and_zombies_are_pmap(text):
    assert detect(text) == "pmap"


def test_prose_only_is_unknown_format():
    with pytest.raises(UnknownFormatError, match="ticket.txt"):
        load_text("The customer says pmap showed 2 GB for PID 1234.\nNo output attached.\n")


def test_parse_is_pure_and_keeps_line_numbers():
    parsed = parse("junk\n42:   x\n0000555555554000      8K r---- x\n total                8K\n", Context("mem.txt"))
    assert parsed.mappings["lineno"].tolist() == [3] and parsed.processes[0]["lineno"] == 2


def test_parse_X_row_with_garbage_in_an_identity_cell_is_a_bad_line():
    # found by fuzzing: an inode "339a80" or an offset with a tab used to raise ValueError
    text = """\
        7:   sleep 9
                 Address Perm   Offset Device   Inode  Size Rss Mapping
            55d0c8a00000 r--p 00000000  fe:00  339a80     8   8 sleep
            7ffc00000000 rw-p 00000000  00:00       0   132  12 [stack]
                                                      ==== === 
                                                       140  20 KB 
        """
    f, procs, notices = load_text(text)
    assert f["path"].tolist() == ["[stack]"] and procs[0]["partial"] is True
    assert any("not a pmap-X row" in n.message for n in notices)
    with pytest.raises(ParseError, match=r"ticket.txt:3:"):
        load_text(text, on_bad_lines="error")


def test_parse_row_split_by_a_very_long_name_counted_once():
    # procps-ng 4.0.2 prints a mapping whose name is over ~1000 characters twice, with the same
    # values (and its footer counts it twice): keep it once, and say why, not "the 3.3.x bug"
    long_name = "b" * 1100
    f, procs, notices = load_text(f"""\
        12:   /opt/app
        Address           Kbytes     RSS   Dirty Mode  Mapping
        0000000000400000       4       4       0 r-x-- app
        00007f0000000000      12      12       0 r---- {long_name}
        00007f0000000000      12      12       0 r---- {long_name}
        ---------------- ------- ------- -------
        total kB              28      28       0
        """)
    assert len(f) == 2 and int(f["size"].sum()) == 16 * 1024
    assert any("printed twice with the same values" in n.message for n in notices)
    assert not any("3.3.x" in n.message for n in notices)
