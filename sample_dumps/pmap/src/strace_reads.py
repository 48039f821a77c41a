#!/usr/bin/env python3
"""Recover the exact bytes a traced tool read from /proc/N/smaps and /proc/N/maps.

capture.sh runs every pmap under
    strace -o LOG -e trace=open,openat,read,close,lseek,_llseek -e read=all -s 0 TOOL ...
so LOG holds a hex dump of every read(2). This rebuilds, per PID, the file content the tool
itself saw (PSS of shared pages depends on who maps them at that instant, so a second reader
would not see the same numbers).

pmap -X reads smaps twice (a first pass for the column widths, rewind(), a second pass that
prints); the last pass is what was printed, and is the one written. A pass that did not reach
EOF (pmap -A stops reading past the range) is written as N.KIND.partial instead.

usage: strace_reads.py LOG OUTDIR
  -> OUTDIR/N.smaps / OUTDIR/N.maps         (complete last pass)
     OUTDIR/N.smaps.partial                 (the tool stopped before EOF)
     OUTDIR/N.smaps.pass1                   (only when an earlier pass differed from the last)
stdlib only.
"""
import os
import re
import sys

OPEN_RE = re.compile(r'^(?:open|openat)\((?:AT_FDCWD, )?"(/proc/(\d+)/(smaps|maps))", .*\) = (\d+)')
READ_RE = re.compile(r'^read\((\d+), .*\) += (-?\d+)')
SEEK_RE = re.compile(r'^(?:lseek|_llseek)\((\d+), 0, .*SEEK_SET\) += 0')
CLOSE_RE = re.compile(r'^close\((\d+)\)')
HEX_RE = re.compile(r'^ \| [0-9a-f]{5}  (.{49})')


class Stream:
    def __init__(self):
        self.passes = []          # finished passes: (bytes, eof)
        self.buf = bytearray()
        self.eof = False

    def rewind(self):
        self.passes.append((bytes(self.buf), self.eof))
        self.buf = bytearray()
        self.eof = False


def main(log, outdir):
    os.makedirs(outdir, exist_ok=True)
    fds = {}        # fd -> (pid, kind)
    streams = {}    # (pid, kind) -> Stream
    current = None
    with open(log, encoding='latin-1') as f:
        for line in f:
            line = line.rstrip('\n')
            m = HEX_RE.match(line)
            if m:
                if current is not None:
                    current.buf.extend(bytes.fromhex(m.group(1).replace(' ', '')))
                continue
            current = None
            m = OPEN_RE.match(line)
            if m:
                key = (m.group(2), m.group(3))
                fds[m.group(4)] = key
                streams[key] = Stream()   # a re-open replaces an earlier read
                continue
            m = READ_RE.match(line)
            if m and m.group(1) in fds:
                s = streams[fds[m.group(1)]]
                if m.group(2) == '0':
                    s.eof = True
                else:
                    current = s
                continue
            m = SEEK_RE.match(line)
            if m and m.group(1) in fds:
                streams[fds[m.group(1)]].rewind()
                continue
            m = CLOSE_RE.match(line)
            if m:
                fds.pop(m.group(1), None)
    for (pid, kind), s in streams.items():
        base = os.path.join(outdir, f'{pid}.{kind}')
        last = bytes(s.buf)
        with open(base if s.eof else base + '.partial', 'wb') as out:
            out.write(last)
        for i, (data, _eof) in enumerate(s.passes, 1):
            if data != last:
                with open(f'{base}.pass{i}', 'wb') as out:
                    out.write(data)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
