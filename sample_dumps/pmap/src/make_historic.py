#!/usr/bin/env python3
"""Write the historic pmap fixtures in sample_dumps/pmap/historic/.

Each dialect below re-implements the printf formats of the cited source (see
historic/PROVENANCE.md for the source of every format and the published example each
layout was checked against). The memory numbers are invented but self-consistent: every
footer is computed from the rows the way that tool computed it.

usage: make_historic.py OUTDIR        (stdlib only)
"""
import os
import sys

K = 1024


class M:
    """One mapping, as the kernel would list it."""

    def __init__(self, start, kb, perms, off, dev, inode, path, rss=0, pss=None, sd=0, pd=0,
                 swap=0, anon=0, locked=0):
        self.start, self.kb, self.perms, self.off = start, kb, perms, off
        self.dev, self.inode, self.path = dev, inode, path
        self.rss, self.sd, self.pd, self.swap = rss, sd, pd, swap
        self.pss = rss if pss is None else pss
        self.anon, self.locked = anon, locked

    @property
    def end(self):
        return self.start + self.kb * K


def proc64(libc='libc-2.12.so', ld='ld-2.12.so'):
    """A 64-bit nginx worker on an EL6/EL7-era box."""
    lib = '/lib64/'
    return [
        M(0x400000, 564, 'r-xp', 0, (0xfd, 0), 1312, '/usr/sbin/nginx', rss=344, pss=172),
        M(0x68c000, 68, 'rw-p', 0x8c000, (0xfd, 0), 1312, '/usr/sbin/nginx', rss=68, pss=64, pd=60),
        M(0x69d000, 56, 'rw-p', 0, (0, 0), 0, '', rss=12, pd=12, anon=12),
        M(0xa0c8000, 1812, 'rw-p', 0, (0, 0), 0, '[heap]', rss=1684, pd=1684, anon=1684, swap=24),
        M(0x7f3c5a1e7000, 1024, 'rw-s', 0, (0, 4), 32769, '/SYSV00000000 (deleted)', rss=64, pss=32, sd=64),
        M(0x7f3c5a2e7000, 10240, 'rw-s', 0, (0, 4), 14, '/dev/zero (deleted)', rss=120, pss=60, sd=120),
        M(0x7f3c5ace7000, 1756, 'r-xp', 0, (0xfd, 0), 2098, lib + libc, rss=284, pss=20),
        M(0x7f3c5ae9e000, 2048, '---p', 0x1b7000, (0xfd, 0), 2098, lib + libc),
        M(0x7f3c5b09e000, 16, 'r--p', 0x1b7000, (0xfd, 0), 2098, lib + libc, rss=16, pd=8, pss=12),
        M(0x7f3c5b0a2000, 8, 'rw-p', 0x1bb000, (0xfd, 0), 2098, lib + libc, rss=8, pd=8),
        M(0x7f3c5b0a4000, 20, 'rw-p', 0, (0, 0), 0, '', rss=20, pd=20, anon=20),
        M(0x7f3c5b0a9000, 128, 'r-xp', 0, (0xfd, 0), 2071, lib + ld, rss=108, pss=9),
        M(0x7f3c5b2c8000, 4, 'r--p', 0x1f000, (0xfd, 0), 2071, lib + ld, rss=4, pd=4),
        M(0x7f3c5b2c9000, 4, 'rw-p', 0x20000, (0xfd, 0), 2071, lib + ld, rss=4, pd=4),
        M(0x7fff4d1e2000, 84, 'rw-p', 0, (0, 0), 0, '[stack]', rss=24, pd=24, anon=24, swap=8),
        M(0x7fff4d3ff000, 4, 'r-xp', 0, (0, 0), 0, '[vdso]', rss=4, pss=0),
        M(0xffffffffff600000, 4, 'r-xp', 0, (0, 0), 0, '[vsyscall]'),
    ]


def proc32():
    """A 32-bit bash on an EL5/EL6 i386 box."""
    return [
        M(0x00110000, 4, 'r-xp', 0, (0, 0), 0, '[vdso]', rss=4),
        M(0x00a1b000, 108, 'r-xp', 0, (0xfd, 0), 1737602, '/lib/ld-2.5.so', rss=84, pss=6),
        M(0x00a36000, 4, 'r--p', 0x1a000, (0xfd, 0), 1737602, '/lib/ld-2.5.so', rss=4, pd=4),
        M(0x00a37000, 4, 'rw-p', 0x1b000, (0xfd, 0), 1737602, '/lib/ld-2.5.so', rss=4, pd=4),
        M(0x00a3a000, 1272, 'r-xp', 0, (0xfd, 0), 1737605, '/lib/libc-2.5.so', rss=440, pss=31),
        M(0x00b78000, 8, 'r--p', 0x13e000, (0xfd, 0), 1737605, '/lib/libc-2.5.so', rss=8, pd=4, sd=0),
        M(0x00b7a000, 4, 'rw-p', 0x140000, (0xfd, 0), 1737605, '/lib/libc-2.5.so', rss=4, pd=4),
        M(0x00b7b000, 12, 'rw-p', 0, (0, 0), 0, '', rss=12, pd=12),
        M(0x08048000, 712, 'r-xp', 0, (0xfd, 0), 1678400, '/bin/bash', rss=480, pss=240),
        M(0x080fa000, 20, 'rw-p', 0xb2000, (0xfd, 0), 1678400, '/bin/bash', rss=20, pd=20),
        M(0x080ff000, 20, 'rw-p', 0, (0, 0), 0, '', rss=20, pd=20),
        M(0x09a3c000, 264, 'rw-p', 0, (0, 0), 0, '[heap]', rss=236, pd=236),
        M(0xb7d6c000, 2048, 'r--p', 0, (0xfd, 0), 714328, '/usr/lib/locale/locale-archive', rss=120, pss=40),
        M(0xbfd10000, 84, 'rw-p', 0, (0, 0), 0, '[stack]', rss=20, pd=20),
    ]


def stack_start(maps):
    for m in maps:
        if m.path == '[stack]':
            return m.start + 8
    return 0


def name_procps(m, maps, showpath=False, shmids=None):
    """mapping_name() of procps 3.2.x - procps-ng 4.0.x."""
    if shmids and m.path.startswith('/SYSV') and m.dev[0] == 0:
        return '  [ shmid=0x%x ]' % shmids[m.start]
    if '/' in m.path:
        if showpath:
            return m.path[m.path.index('/'):]
        base = m.path[m.path.rindex('/') + 1:]
        return base if base else '/'
    if m.start <= stack_start(maps) <= m.end:
        return '  [ stack ]'
    return '  [ anon ]'


def mode5(m):
    p = list(m.perms)
    if p[3] == 'p':
        p[3] = '-'
    return ''.join(p) + '-'


def vtotals(maps):
    shared = sum(m.kb for m in maps if m.perms[3] == 's')
    wpriv = sum(m.kb for m in maps if m.perms[3] == 'p' and m.perms[1] == 'w')
    rpriv = sum(m.kb for m in maps if m.perms[3] == 'p' and m.perms[1] != 'w')
    return shared + wpriv + rpriv, wpriv, shared


# ---------------------------------------------------------------- procps 3.2.x upstream
def procps32_x_dashes(pid, cmd, maps, bits):
    """procps 3.2.7/3.2.8 upstream pmap.c, -x: every value column a literal '-'."""
    out = ['%u:   %s' % (pid, cmd)]
    if bits == 32:
        out.append('Address   Kbytes     RSS    Anon  Locked Mode   Mapping')
    else:
        out.append('Address           Kbytes     RSS    Anon  Locked Mode   Mapping')
    for m in maps:
        a = ('%08x' if bits == 32 else '%016x') % m.start
        out.append('%s %7u       -       -       - %s  %s' % (a, m.kb, mode5(m), name_procps(m, maps, shmids=SHMIDS)))
    total = vtotals(maps)[0]
    if bits == 64:
        out.append('----------------  ------  ------  ------  ------')
        out.append('total kB %15d       -       -       -' % total)
    else:
        out.append('-------- ------- ------- ------- -------')
        out.append('total kB %7d       -       -       -' % total)
    return out


# ---------------------------------------------------------------- RHEL6 / Debian 3.2.8 patched
def rhel6_x(pid, cmd, maps, bits, doubled=False):
    """procps-3.2.8-pmap-smaps.patch (RHEL 6; Debian's 3.2.8 pmap is the same code).
    A row is printed on every smaps key starting 'Swap': on kernels with SwapPss (4.3+) a
    mapping prints twice, the second time with RSS/Dirty reset to 0 (Kbytes kept)."""
    out = ['%u:   %s' % (pid, cmd)]
    out.append(('Address   ' if bits == 32 else 'Address           ') + 'Kbytes     RSS   Dirty Mode   Mapping')
    for m in maps:
        a = ('%08x' if bits == 32 else '%016x') % m.start
        nm = name_procps(m, maps, shmids=SHMIDS)
        out.append('%s %7u %7u %7u %s  %s' % (a, m.kb, m.rss, m.sd + m.pd, mode5(m), nm))
        if doubled:
            out.append('%s %7u %7u %7u %s  %s' % (a, m.kb, 0, 0, mode5(m), nm))
    total = vtotals(maps)[0]
    if bits == 64:
        out.append('----------------  ------  ------  ------')
        out.append('total kB %15d %7d %7d' % (total, sum(m.rss for m in maps), sum(m.sd + m.pd for m in maps)))
    else:
        out.append('-------- ------- ------- ------- -------')
        out.append('total kB %7d       -       -       -' % total)
    return out


def procps_d_old(pid, cmd, maps, bits):
    """procps 3.2.x -d (unchanged by the RHEL/Debian smaps patch)."""
    out = ['%u:   %s' % (pid, cmd)]
    out.append(('Address   ' if bits == 32 else 'Address           ') + 'Kbytes Mode  Offset           Device    Mapping')
    for m in maps:
        a = ('%08x' if bits == 32 else '%016x') % m.start
        out.append('%s %7u %s %016x %03x:%05x %s' % (a, m.kb, mode5(m), m.off, m.dev[0], m.dev[1],
                                                     name_procps(m, maps, shmids=SHMIDS)))
    t, w, s = vtotals(maps)
    out.append('mapped: %dK    writeable/private: %dK    shared: %dK' % (t, w, s))
    return out


# ---------------------------------------------------------------- procps-ng 3.3.10 (CentOS 7)
def ng3310_x(pid, cmd, maps, doubled=False):
    """procps-ng 3.3.10 pmap.c -x (64-bit). With doubled=True: kernel with SwapPss, so the
    strncmp("Swap", key, 4) test fires twice; diff is reset after the first print, so the
    second row is all zeros."""
    out = ['%u:   %s' % (pid, cmd)]
    out.append('Address           Kbytes     RSS   Dirty Mode  Mapping')
    for m in maps:
        nm = name_procps(m, maps, shmids=SHMIDS)
        out.append('%016x %7u %7u %7u %5s %s' % (m.start, m.kb, m.rss, m.sd + m.pd, mode5(m), nm))
        if doubled:
            out.append('%016x %7u %7u %7u %5s %s' % (m.start, 0, 0, 0, mode5(m), nm))
    out.append('---------------- ------- ------- ------- ')
    out.append('%-16s %7d %7d %7d' % ('total kB', vtotals(maps)[0], sum(m.rss for m in maps),
                                    sum(m.sd + m.pd for m in maps)))
    return out


def ng3310_d(pid, cmd, maps):
    out = ['%u:   %s' % (pid, cmd)]
    out.append('Address           Kbytes Mode  Offset           Device    Mapping')
    for m in maps:
        out.append('%016x %7u %5s %016x %03x:%05x %s' % (m.start, m.kb, mode5(m), m.off, m.dev[0], m.dev[1],
                                                       name_procps(m, maps, shmids=SHMIDS)))
    t, w, s = vtotals(maps)
    out.append('mapped: %dK    writeable/private: %dK    shared: %dK' % (t, w, s))
    return out


# ---------------------------------------------------------------- SUSE
def suse_default(pid, cmd, maps, quiet=False):
    """openSUSE/SLES procps-ng 3.3.x, patched default output: RSS PSS Dirty Swap, raw p/s in
    the mode, full paths."""
    out = ['%u:   %s' % (pid, cmd)]
    if not quiet:
        out.append('Address           Kbytes     RSS     PSS   Dirty    Swap Mode  Mapping')
    for m in maps:
        mode = m.perms + '-'
        out.append('%016x %7u %7u %7u %7u %7u %s %s' % (m.start, m.kb, m.rss, m.pss, m.sd + m.pd, m.swap, mode,
                                                      name_procps(m, maps, showpath=True)))
    if not quiet:
        out.append('---------------- ------- ------- ------- ------- ------- ')
        out.append('%-16s %7d %7d %7d %7d %7d' % ('total kB', vtotals(maps)[0], sum(m.rss for m in maps),
                                                sum(m.pss for m in maps), sum(m.sd + m.pd for m in maps),
                                                sum(m.swap for m in maps)))
    return out


def suse_x(pid, cmd, maps):
    """SUSE's -x: the plain upstream default layout, but with p/s modes and full paths."""
    out = ['%u:   %s' % (pid, cmd)]
    for m in maps:
        out.append('%016x %6uK %s %s' % (m.start, m.kb, m.perms + '-', name_procps(m, maps, showpath=True)))
    out.append(' total %16dK' % vtotals(maps)[0])
    return out


def sles11_d(pid, cmd, maps):
    """SLES 11 procps 3.2.7 (SUSE-patched) pmap -d."""
    out = ['%u:   %s' % (pid, cmd)]
    out.append('START               SIZE     RSS     PSS   DIRTY    SWAP PERM OFFSET           DEVICE MAPPING')
    for m in maps:
        out.append('%016x %6uK %6uK %6uK %6uK %6uK %s %016x %02x:%02x  %s' % (
            m.start, m.kb, m.rss, m.pss, m.sd + m.pd, m.swap, m.perms, m.off, m.dev[0], m.dev[1], m.path))
    size = sum(m.kb for m in maps)
    out.append('Total:%19dK %6dK %6dK %6dK %6dK' % (size, sum(m.rss for m in maps), sum(m.pss for m in maps),
                                                 sum(m.sd + m.pd for m in maps), sum(m.swap for m in maps)))
    out.append('')
    t, w, s = vtotals(maps)
    out.append('%dK writable-private, %dK readonly-private, %dK shared, and %dK referenced ' % (
        w, t - w - s, s, sum(m.rss for m in maps)))
    return out


def sles11_default_rows(maps):
    """SLES 11 default rows (no OFFSET/DEVICE), as pasted in tickets."""
    return ['%016x %6uK %6uK %6uK %6uK %6uK %s %s' % (m.start, m.kb, m.rss, m.pss, m.sd + m.pd, m.swap, m.perms,
                                                    m.path) for m in maps]


# ---------------------------------------------------------------- toybox
def toybox(pid, cmd, maps, x):
    """toybox toys/other/pmap.c (64-bit long)."""
    out = ['%d: %s' % (pid, cmd)]
    if x:
        out.append('Address%*cKbytes     PSS   Dirty    Swap Mode  Mapping' % (16 - 5, ' '))
    for m in maps:
        name = m.path if m.path else '  [anon]'
        mode = m.perms[:3] + ('-' if m.perms[3] == 'p' else m.perms[3])
        base = name.rsplit('/', 1)[-1] if '/' in name else name
        pre = '  ' if name.startswith('[') else ''
        if x:
            out.append('%016x %7d %7d %7d %7d %s- %s%s' % (m.start, m.kb, m.pss, m.pd, m.swap, mode, pre, base))
        else:
            out.append('%016x %6dK %s- %s%s' % (m.start, m.kb, mode, pre, base))
    total = sum(m.kb for m in maps)
    if x:
        out.append('----------------  ------  ------  ------  ------')
        out.append('total%19d%8d%8d%8d' % (total, sum(m.pss for m in maps), sum(m.pd for m in maps),
                                          sum(m.swap for m in maps)))
    else:
        out.append('total%18dK' % total)
    return out


def android_maps():
    return [
        M(0x12c00000, 2048, 'rw-p', 0, (0, 1), 3172, '[anon:dalvik-main space (region space)]', rss=1536, pss=1536, pd=1536),
        M(0x5d4f1000, 16, 'r--p', 0, (0xfd, 5), 1512, '/system/bin/app_process64', rss=16, pss=1),
        M(0x5d4f5000, 8, 'r-xp', 0x4000, (0xfd, 5), 1512, '/system/bin/app_process64', rss=8, pss=0),
        M(0x6f9c3000, 4604, 'rw-p', 0, (0, 1), 3170, '[anon:dalvik-/system/framework/boot.art]', rss=3620, pss=402, pd=12),
        M(0x7a4e200000, 8192, 'rw-p', 0, (0, 0), 0, '[anon:libc_malloc]', rss=4100, pss=4100, pd=4100, swap=512),
        M(0x7a50b00000, 1024, 'r--p', 0, (0xfd, 5), 2207, '/system/lib64/libc.so', rss=640, pss=24),
        M(0x7a50c3a000, 4, 'rw-p', 0, (0, 0), 0, '', rss=4, pss=4, pd=4),
        M(0x7fc8a4d000, 8192, 'rw-p', 0, (0, 0), 0, '[stack]', rss=48, pss=48, pd=48),
    ]


# ---------------------------------------------------------------- Solaris / illumos
def solaris_x32(pid, cmd, rows):
    """Solaris 9/10 pmap -x (32-bit process)."""
    out = ['%d:  %s' % (pid, cmd), ' Address  Kbytes     RSS    Anon  Locked Mode   Mapped File']
    for addr, kb, rss, anon, locked, mode, name in rows:
        out.append('%08X %7d %7d %7s %7s %s  %s' % (addr, kb, rss, anon if anon else '-', locked if locked else '-',
                                                  mode, name))
    out.append('-------- ------- ------- ------- -------')
    anon = sum(r[3] for r in rows)
    locked = sum(r[4] for r in rows)
    out.append('total Kb %7d %7d %7s %7s' % (sum(r[1] for r in rows), sum(r[2] for r in rows),
                                             anon if anon else '-', locked if locked else '-'))
    return out


def solaris_default32(pid, cmd, rows):
    out = ['%d:    %s' % (pid, cmd)]
    for addr, kb, _rss, _anon, _locked, mode, name in rows:
        out.append('%08X %6dK %s  %s' % (addr, kb, mode, name))
    out.append(' total %8dK' % sum(r[1] for r in rows))
    return out


SHMIDS = {0x7f3c5a1e7000: 0x8001}


def write(outdir, name, lines):
    with open(os.path.join(outdir, name), 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines) + '\n')


def main(outdir):
    os.makedirs(outdir, exist_ok=True)
    p64_el5 = proc64('libc-2.5.so', 'ld-2.5.so')
    p64_el6 = proc64('libc-2.12.so', 'ld-2.12.so')
    p64_el7 = proc64('libc-2.17.so', 'ld-2.17.so')
    p32 = proc32()
    nginx = 'nginx: worker process'

    write(outdir, 'procps-3.2.7-x-dashes-64.txt', procps32_x_dashes(5371, nginx, p64_el5, 64))
    write(outdir, 'procps-3.2.7-x-dashes-32.txt', procps32_x_dashes(5732, '-bash', p32, 32))
    write(outdir, 'rhel6-3.2.8-x-64.txt', rhel6_x(13312, nginx, p64_el6, 64))
    write(outdir, 'rhel6-3.2.8-x-32.txt', rhel6_x(2982, '-bash', p32, 32))
    write(outdir, 'rhel6-3.2.8-d-32.txt', procps_d_old(2982, '-bash', p32, 32))
    write(outdir, 'amzn1-3.2.8-x-doubled.txt', rhel6_x(30171, nginx, p64_el6, 64, doubled=True))
    write(outdir, 'amzn1-3.2.8-d.txt', procps_d_old(30171, nginx, p64_el6, 64))
    write(outdir, 'centos7-3.3.10-x.txt', ng3310_x(2345, nginx, p64_el7))
    write(outdir, 'centos7-3.3.10-x-doubled.txt', ng3310_x(2345, nginx, p64_el7, doubled=True))
    write(outdir, 'centos7-3.3.10-d.txt', ng3310_d(2345, nginx, p64_el7))

    suse_maps = proc64('libc.so.6', 'ld-linux-x86-64.so.2')
    for m in suse_maps:   # SLES 15 layout
        m.path = m.path.replace('/lib64/', '/usr/lib64/')
    write(outdir, 'suse-procps-ng-default.txt', suse_default(21655, '/usr/sbin/nginx -g daemon off;', suse_maps))
    write(outdir, 'suse-procps-ng-x.txt', suse_x(21655, '/usr/sbin/nginx -g daemon off;', suse_maps))
    write(outdir, 'sles11-3.2.7-d.txt', sles11_d(6480, '/usr/sbin/nscd', p64_el5))

    # a ticket where only the tail of SLES 11's default output was pasted
    tail = sles11_default_rows(p64_el5[-3:])
    t = p64_el5
    ticket = ['On SLES 11.4 (procps version 3.2.7), pmap 1 looks like this:', '...'] + tail + [
        'Total:%19dK %6dK %6dK %6dK %6dK' % (sum(m.kb for m in t), sum(m.rss for m in t), sum(m.pss for m in t),
                                          sum(m.sd + m.pd for m in t), sum(m.swap for m in t)),
        '',
        '%dK writable-private, %dK readonly-private, %dK shared, and %dK referenced ' % (
            vtotals(t)[1], vtotals(t)[0] - vtotals(t)[1] - vtotals(t)[2], vtotals(t)[2], sum(m.rss for m in t)),
        '',
        'As you can see the output is different from the newer version, so the script picks the wrong column.']
    write(outdir, 'sles11-default-tail-in-ticket.txt', ticket)

    # supportconfig memory.txt
    sc = ['#==[ Command ]======================================#', '# /usr/bin/free -k',
          '               total        used        free      shared  buff/cache   available',
          'Mem:        16337012     2316440    11873412      148224     2147160    13539088',
          'Swap:        2097148           0     2097148', '']
    small = suse_maps[:4] + suse_maps[-3:]
    sc += ['#==[ Command ]======================================#', '# /usr/bin/pmap 1234']
    sc += suse_default(1234, '/usr/sbin/nginx -g daemon off;', small) + ['']
    big = [m for m in suse_maps if m.path != '/dev/zero (deleted)' and not m.path.startswith('/SYSV')]
    sc += ['#==[ Command ]======================================#', '# /usr/bin/pmap 1240']
    sc += suse_default(1240, 'nginx: worker process', big) + ['']
    sc += ['#==[ Command ]======================================#', '# /usr/bin/pmap 1299']
    sc += ['']      # the process had exited: pmap printed nothing (exit status 42)
    sc += ['#==[ Command ]======================================#', '# /usr/bin/pmap PID', '',
           'Usage:', ' pmap [options] PID [PID ...]', '', 'Options:',
           ' -x, --extended              show details',
           ' -X                          show even more details',
           '            WARNING: format changes according to /proc/PID/smaps',
           ' -XX                         show everything the kernel provides',
           ' -c, --read-rc               read the default rc',
           ' -C, --read-rc-from=<file>   read the rc from file',
           ' -n, --create-rc             create new default rc',
           ' -N, --create-rc-to=<file>   create new rc to file',
           '            NOTE: pid arguments are not allowed with -n, -N',
           ' -d, --device                show the device format',
           ' -q, --quiet                 do not display header and footer',
           ' -p, --show-path             show path in the mapping',
           ' -A, --range=<low>[,<high>]  limit results to the given range', '',
           ' -h, --help     display this help and exit',
           ' -V, --version  output version information and exit', '',
           'For more details see pmap(1).', '']
    write(outdir, 'supportconfig-memory.txt', sc)

    am = android_maps()
    write(outdir, 'toybox-pmap-x.txt', toybox(1834, 'com.android.systemui', am, True))
    write(outdir, 'toybox-pmap.txt', toybox(1834, 'com.android.systemui', am, False))

    sol = [
        (0x00010000, 192, 192, 0, 0, 'r-x--', 'ksh'),
        (0x00040000, 8, 8, 8, 0, 'rwx--', 'ksh'),
        (0x00042000, 40, 40, 8, 0, 'rwx--', '  [ heap ]'),
        (0xFC400000, 36112, 36112, 0, 36112, 'rwxsR', '  [ ism shmid=0x1 ]'),
        (0xFF180000, 680, 680, 0, 0, 'r-x--', 'libc.so.1'),
        (0xFF23A000, 24, 24, 0, 0, 'rwx--', 'libc.so.1'),
        (0xFF240000, 8, 8, 8, 0, 'rwx--', 'libc.so.1'),
        (0xFF3B0000, 8, 8, 8, 0, 'rwx--', '  [ anon ]'),
        (0xFF3C0000, 152, 152, 0, 0, 'r-x--', 'ld.so.1'),
        (0xFF3F6000, 8, 8, 8, 0, 'rwx--', 'ld.so.1'),
        (0xFFBFC000, 16, 16, 8, 0, 'rw---', '  [ stack ]'),
    ]
    write(outdir, 'solaris-pmap-x.txt', solaris_x32(492328, '-ksh', sol))
    sol_d = [(a, kb, r, an, lk, mode, ('/usr/bin/ksh' if n == 'ksh' else '/usr/lib/' + n if n.endswith('.1') else n))
             for a, kb, r, an, lk, mode, n in sol]
    write(outdir, 'solaris-pmap.txt', solaris_default32(102905, '-ksh', sol_d))
    solF = ['-bash-4.0$ pmap -F 22748',
            '0000000100D22000       8560K rwx--  /opt/app/bin/server',
            '000000010157E000     488320K rwx--    [ heap ]',
            'FFFFFFFF72EFE000          8K rw--R    [ stack tid=74 ]',
            'FFFFFFFF730FC000         16K rw--R    [ anon ]',
            'FFFFFFFF73C00000      10240K rw-s-  dev:118,46 ino:45717892',
            'FFFFFFFF7F7F0000       1640K r-x--  /lib/sparcv9/libc.so.1',
            'FFFFFFFF7FFFC000         16K rw---    [ stack ]',
            '',
            'The heap is the big one; the dev:/ino: line is a mapped file whose name pmap could not resolve.']
    write(outdir, 'solaris-pmap-F-64-excerpt.txt', solF)

    # a ticket: prompt line, pmap -x output (CentOS 7), prose after
    tk = ['Hi support,', '', 'nginx keeps growing on db01. Output below:', '',
          '[root@db01 ~]# pmap -x 2345'] + ng3310_x(2345, nginx, p64_el7) + [
          '[root@db01 ~]# ', '',
          'The total RSS above is what worries us - it was half that yesterday.',
          'Regards, ops']
    write(outdir, 'ticket-centos7-x-with-prompt.txt', tk)


if __name__ == '__main__':
    main(sys.argv[1])
