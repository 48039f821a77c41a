#!/usr/bin/env python3
"""Independent checker: per-PID counts and sums of the pmap samples in sample_dumps/pmap/.

Not a product parser: it only knows the dialects of the files in this directory, told to it
by file name (historic/) or by the command recorded in meta/capture-log.tsv (real captures).
For real captures it also sums the smaps the tool read and says whether they agree.

usage:
  oracle_totals.py DIR [--out EXPECTED_DIR]     DIR = sample_dumps/pmap or /tmp/realdumps/pmap
Writes EXPECTED_DIR/<file>.json (default DIR/expected; historic files go to expected/historic/).
stdlib only.
"""
import json
import os
import re
import sys

NUM = re.compile(r'^(\d+)K?$')
HEX = re.compile(r'^[0-9a-fA-F]{8,16}$')
PIDLINE = re.compile(r'^(\d+):[ \t]+(.*)$')

# numeric columns between address and mode, per dialect; then what follows the mode
COLUMNS = {
    'procps-default': ['Kbytes'],
    'procps-x': ['Kbytes', 'RSS', 'Dirty'],
    'procps-3.2-x-dashes': ['Kbytes', 'RSS', 'Anon', 'Locked'],
    'procps-d': ['Kbytes'],
    'busybox-default': ['Kbytes'],
    'busybox-x': ['Kbytes', 'PSS', 'Dirty', 'Swap'],
    'suse-default': ['Kbytes', 'RSS', 'PSS', 'Dirty', 'Swap'],
    'suse-x': ['Kbytes'],
    'sles11-d': ['Kbytes', 'RSS', 'PSS', 'Dirty', 'Swap'],
    'sles11-default': ['Kbytes', 'RSS', 'PSS', 'Dirty', 'Swap'],
    'toybox-default': ['Kbytes'],
    'toybox-x': ['Kbytes', 'PSS', 'Dirty', 'Swap'],
    'solaris-default': ['Kbytes'],
    'solaris-x': ['Kbytes', 'RSS', 'Anon', 'Locked'],
}
# names of the numbers on the footer line(s), in order
FOOTER = {
    'procps-default': [['Kbytes']],
    'procps-x': [['Kbytes', 'RSS', 'Dirty']],
    'procps-3.2-x-dashes': [['Kbytes', 'RSS', 'Anon', 'Locked']],
    'procps-d': [['mapped', 'writeable_private', 'shared']],
    'busybox-default': [['Kbytes']],
    'busybox-x': [['Kbytes', 'PSS', 'Dirty', 'Swap']],
    'suse-default': [['Kbytes', 'RSS', 'PSS', 'Dirty', 'Swap']],
    'suse-x': [['Kbytes']],
    'sles11-d': [['Kbytes', 'RSS', 'PSS', 'Dirty', 'Swap'],
                 ['writable_private', 'readonly_private', 'shared', 'referenced']],
    'sles11-default': [['Kbytes', 'RSS', 'PSS', 'Dirty', 'Swap'],
                       ['writable_private', 'readonly_private', 'shared', 'referenced']],
    'toybox-default': [['Kbytes']],
    'toybox-x': [['Kbytes', 'PSS', 'Dirty', 'Swap']],
    'solaris-default': [['Kbytes']],
    'solaris-x': [['Kbytes', 'RSS', 'Anon', 'Locked']],
}
HISTORIC = {
    'procps-3.2.7-x-dashes-64.txt': 'procps-3.2-x-dashes',
    'procps-3.2.7-x-dashes-32.txt': 'procps-3.2-x-dashes',
    'rhel6-3.2.8-x-64.txt': 'procps-x',
    'rhel6-3.2.8-x-32.txt': 'procps-3.2-x-dashes-footer',
    'rhel6-3.2.8-d-32.txt': 'procps-d',
    'amzn1-3.2.8-x-doubled.txt': 'procps-x',
    'amzn1-3.2.8-d.txt': 'procps-d',
    'centos7-3.3.10-x.txt': 'procps-x',
    'centos7-3.3.10-x-doubled.txt': 'procps-x',
    'centos7-3.3.10-d.txt': 'procps-d',
    'suse-procps-ng-default.txt': 'suse-default',
    'suse-procps-ng-x.txt': 'suse-x',
    'sles11-3.2.7-d.txt': 'sles11-d',
    'sles11-default-tail-in-ticket.txt': 'sles11-default',
    'supportconfig-memory.txt': 'suse-default',
    'toybox-pmap-x.txt': 'toybox-x',
    'toybox-pmap.txt': 'toybox-default',
    'solaris-pmap-x.txt': 'solaris-x',
    'solaris-pmap.txt': 'solaris-default',
    'solaris-pmap-F-64-excerpt.txt': 'solaris-default',
    'ticket-centos7-x-with-prompt.txt': 'procps-x',
}
# RHEL6's 32-bit -x: RSS and Dirty columns, but the footer kept the '-' placeholders
COLUMNS['procps-3.2-x-dashes-footer'] = COLUMNS['procps-x']
FOOTER['procps-3.2-x-dashes-footer'] = [['Kbytes', 'RSS_placeholder', 'Dirty_placeholder', 'extra_placeholder']]


def num(tok):
    m = NUM.match(tok)
    return int(m.group(1)) if m else None


def is_numtok(tok):
    return tok == '-' or bool(NUM.match(tok))


def new_block(pid, cmd):
    return {'pid': pid, 'cmdline': cmd, 'rows': [], 'footer_lines': [], 'header': None}


def parse_columnar(lines, dialect):
    cols = COLUMNS[dialect]
    blocks, cur = [], None
    for line in lines:
        m = PIDLINE.match(line)
        if m and not line.startswith('#'):
            cur = new_block(int(m.group(1)), m.group(2))
            blocks.append(cur)
            continue
        toks = line.split()
        if not toks or line.startswith('#'):
            continue
        if (HEX.match(toks[0]) and len(toks) > len(cols) and all(is_numtok(t) for t in toks[1:1 + len(cols)])
                and not set(toks[0]) <= set('-')):
            if cur is None:      # an excerpt without its PID line
                cur = new_block(None, None)
                blocks.append(cur)
            vals = [num(t) for t in toks[1:1 + len(cols)]]
            mode = toks[1 + len(cols)] if len(toks) > 1 + len(cols) else ''
            cur['rows'].append({'addr': int(toks[0], 16), 'vals': dict(zip(cols, vals)), 'mode': mode})
            continue
        if cur is None:
            continue
        if cur['rows'] and not set(line.strip()) <= set('- ') and any(is_numtok(t) for t in toks):
            if not HEX.match(toks[0]) or toks[0].lower().startswith(('total',)):
                cur['footer_lines'].append(line)
        elif not cur['rows'] and cur['header'] is None and toks[0] in ('Address', 'Adresse', '地址', 'START'):
            cur['header'] = line
    return blocks


def parse_X(lines):
    """pmap -X / -XX / -c / -C: header-driven, right-aligned byte columns."""
    blocks, cur = [], None
    for line in lines:
        b = line.encode('utf-8')
        m = PIDLINE.match(line)
        if m:
            cur = new_block(int(m.group(1)), m.group(2))
            cur['spans'] = None
            blocks.append(cur)
            continue
        if cur is None or not line.strip():
            continue
        toks = line.split()
        if cur['spans'] is None and not HEX.match(toks[0]):
            # header: end byte of each token
            spans, pos = [], 0
            for t in toks:
                tb = t.encode('utf-8')
                i = b.index(tb, pos)
                spans.append((t, i, i + len(tb)))
                pos = i + len(tb)
            cur['spans'] = spans
            cur['header'] = line
            continue
        if set(line.strip()) <= set('= '):
            ends = [mm.end() for mm in re.finditer(rb'=+', b)]
            cur['list_cols'] = [t for t, _s, e in cur['spans'] if e in ends]
            continue
        if line.rstrip().endswith('KB'):
            cur['footer_lines'].append(line)
            continue
        # a mapping row: slice at the header's column ends
        spans = cur['spans']
        vals, prev = {}, 0
        for t, _s, e in spans[:-1]:
            vals[t] = b[prev:e].decode('utf-8', 'replace').strip()
            prev = e + 1
        cur['rows'].append({'addr': int(vals[spans[0][0]], 16), 'raw': vals})
    for blk in blocks:
        cols = blk.get('list_cols') or []
        for r in blk['rows']:
            r['vals'] = {c: int(r['raw'][c]) for c in cols if r['raw'].get(c, '').isdigit()}
            r['mode'] = next((v for k, v in r['raw'].items() if k in ('Perm', 'Zugr')), '')
    return blocks


def footer_numbers(line):
    return [None if t == '-' else num(t) for t in line.split() if is_numtok(t)]


def summarize(blk, dialect, cumulative):
    rows = blk['rows']

    def is_dup(i):   # the SwapPss double print: same address and mode again, values zeroed
        if i == 0:
            return False
        a, b = rows[i - 1], rows[i]
        return (b['addr'] == a['addr'] and b.get('mode') == a.get('mode')
                and all(not v for k, v in b['vals'].items() if k != 'Kbytes'))
    dups = [is_dup(i) for i in range(len(rows))]
    dup = sum(dups)
    names = sorted({k for r in rows for k in r['vals']}) if dialect == 'procps-X' else COLUMNS[dialect]
    # a row repeating the previous row's address is the SwapPss double print: count it once
    uniq = [r for i, r in enumerate(rows) if not dups[i]]
    sums = {}
    for c in names:
        vs = [r['vals'].get(c) for r in uniq]
        sums[c] = None if all(v is None for v in vs) else sum(v or 0 for v in vs)
    out = {'pid': blk['pid'], 'cmdline': blk['cmdline'], 'rows': len(rows), 'mapping_count': len(rows) - dup,
           'duplicate_rows': dup}
    for key, col in (('kbytes_sum', 'Kbytes'), ('rss_sum', 'RSS'), ('pss_sum', 'PSS'), ('dirty_sum', 'Dirty'),
                     ('swap_sum', 'Swap')):
        x_col = {'Kbytes': 'Size', 'RSS': 'Rss', 'PSS': 'Pss', 'Dirty': None, 'Swap': 'Swap'}[col]
        out[key] = sums.get(col) if dialect != 'procps-X' else sums.get(x_col)
    out['column_sums'] = sums
    printed = {}
    if dialect == 'procps-X':
        for line in blk['footer_lines']:
            printed = dict(zip(blk.get('list_cols', []), footer_numbers(line)))
    else:
        specs = FOOTER[dialect]
        for spec, line in zip(specs, blk['footer_lines']):
            printed.update(dict(zip(spec, footer_numbers(line))))
    out['footer_printed'] = printed or None
    out['footer_lines'] = blk['footer_lines']
    # what the footer should say, from the rows
    want = dict(sums)
    if dialect in ('procps-d', 'sles11-d', 'sles11-default'):
        kb = [(r['vals'].get('Kbytes') or 0, r['mode']) for r in uniq]
        shared = sum(k for k, md in kb if len(md) > 3 and md[3] == 's')
        wpriv = sum(k for k, md in kb if len(md) > 3 and md[3] != 's' and md[1] == 'w')
        want.update(mapped=sums['Kbytes'], writeable_private=wpriv, writable_private=wpriv, shared=shared,
                    readonly_private=(sums['Kbytes'] or 0) - wpriv - shared, referenced=sums.get('RSS'))
    if dialect == 'procps-X':
        want = {'Size' if k == 'Size' else k: v for k, v in sums.items()}
    if printed:
        mism = {k: [v, want.get(k)] for k, v in printed.items()
                if v is not None and k in want and want.get(k) is not None and v != want[k]}
        out['footer_matches_rows'] = not mism
        if mism:
            out['footer_mismatch'] = {k: {'printed': a, 'from_rows': b} for k, (a, b) in mism.items()}
            if cumulative is not None and all(printed.get(k) == cumulative.get(k) for k in mism):
                out['footer_is_cumulative_over_pids'] = True
    else:
        out['footer_matches_rows'] = None
    return out


def smaps_sums(path):
    n, tot = 0, {}
    with open(path, encoding='utf-8', errors='replace') as f:
        for line in f:
            if re.match(r'^[0-9a-f]+-[0-9a-f]+ ', line):
                n += 1
                continue
            m = re.match(r'^(\w+):\s+(\d+)(?: kB)?\s*$', line)   # THPeligible/ProtectionKey: no unit
            if m:
                tot[m.group(1)] = tot.get(m.group(1), 0) + int(m.group(2))
    tot['Dirty'] = tot.get('Shared_Dirty', 0) + tot.get('Private_Dirty', 0)
    return n, tot


def compare_smaps(summary, dialect, smaps_path, tool):
    n, t = smaps_sums(smaps_path)
    res = {'smaps_file': smaps_path, 'smaps_mappings': n,
           'smaps_sums': {k: t.get(k) for k in ('Size', 'Rss', 'Pss', 'Dirty', 'Private_Dirty', 'Swap', 'Locked')}}
    checks = {'mapping_count': [summary['mapping_count'], n]}
    s = summary['column_sums']
    if dialect == 'procps-X':
        for k, v in s.items():
            if v is not None:
                checks[k] = [v, t.get(k)]
    else:
        pairs = {'Kbytes': 'Size', 'RSS': 'Rss', 'PSS': 'Pss', 'Swap': 'Swap',
                 'Dirty': 'Private_Dirty' if tool == 'busybox' else 'Dirty'}
        for c in COLUMNS[dialect]:
            if s.get(c) is not None and c in pairs:
                checks[c] = [s[c], t.get(pairs[c])]
    res['checks'] = {k: {'pmap': a, 'smaps': b, 'equal': a == b} for k, (a, b) in checks.items()}
    res['all_equal'] = all(v['equal'] for v in res['checks'].values())
    return res


def dialect_of_command(cmd):
    args = cmd.split()
    tool = 'busybox' if 'busybox-pmap' in cmd else ('pmap32' if 'pmap32' in cmd else 'pmap')
    if tool == 'busybox':
        return ('busybox-x' if '-x' in args else 'busybox-default'), tool
    if any(a in args for a in ('-X', '-XX', '-c', '-C')):
        return 'procps-X', tool
    if '-x' in args:
        return 'procps-x', tool
    if '-d' in args:
        return 'procps-d', tool
    return 'procps-default', tool


def analyse(path, dialect, tool=None):
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().split('\n')
    blocks = parse_X(lines) if dialect == 'procps-X' else parse_columnar(lines, dialect)
    out, cum = [], {}
    for blk in blocks:
        sm = None
        if dialect == 'procps-X':
            for k, v in ((c, sum(r['vals'].get(c, 0) for r in blk['rows'])) for c in blk.get('list_cols', [])):
                cum[k] = cum.get(k, 0) + v
            sm = summarize(blk, dialect, dict(cum))
        else:
            sm = summarize(blk, dialect, None)
        out.append(sm)
    return out


def main():
    d = sys.argv[1]
    outdir = sys.argv[sys.argv.index('--out') + 1] if '--out' in sys.argv else os.path.join(d, 'expected')
    os.makedirs(outdir, exist_ok=True)
    log = os.path.join(d, 'meta', 'capture-log.tsv')
    report = []
    if os.path.exists(log):
        with open(log, encoding='utf-8') as f:
            next(f)
            for row in f:
                parts = row.rstrip('\n').split('\t')
                name, rc, pids, smaps, src, cmd = parts[:6]
                dialect, tool = dialect_of_command(cmd)
                blocks = analyse(os.path.join(d, name + '.txt'), dialect, tool)
                smap_of = dict(zip(pids.split(','), smaps.split()))
                for b in blocks:
                    p = str(b['pid'])
                    if p in smap_of:
                        c = compare_smaps(b, dialect, os.path.join(d, smap_of[p]), tool)
                        c['smaps_file'] = smap_of[p]
                        b['smaps_check'] = c
                doc = {'file': name + '.txt', 'kind': 'real', 'dialect': dialect, 'tool': tool, 'command': cmd,
                       'exit_status': int(rc), 'smaps_source': src, 'pids': blocks}
                with open(os.path.join(outdir, name + '.txt.json'), 'w', encoding='utf-8') as o:
                    json.dump(doc, o, indent=1, ensure_ascii=False)
                    o.write('\n')
                bad = [b['pid'] for b in blocks if b.get('smaps_check') and not b['smaps_check']['all_equal']]
                fm = [b['pid'] for b in blocks if b.get('footer_matches_rows') is False]
                report.append('%-34s %-16s pids=%-14s smaps-mismatch=%s footer-mismatch=%s' % (
                    name, dialect, ','.join(str(b['pid']) for b in blocks), bad or '-', fm or '-'))
    hdir = os.path.join(d, 'historic')
    if os.path.isdir(hdir):
        hout = os.path.join(outdir, 'historic')
        os.makedirs(hout, exist_ok=True)
        for fn in sorted(os.listdir(hdir)):
            if fn not in HISTORIC:
                continue
            dialect = HISTORIC[fn]
            blocks = analyse(os.path.join(hdir, fn), dialect)
            doc = {'file': 'historic/' + fn, 'kind': 'fixture', 'dialect': dialect, 'pids': blocks}
            with open(os.path.join(hout, fn + '.json'), 'w', encoding='utf-8') as o:
                json.dump(doc, o, indent=1, ensure_ascii=False)
                o.write('\n')
            fm = [b['pid'] for b in blocks if b.get('footer_matches_rows') is False]
            report.append('historic/%-25s %-16s pids=%-14s footer-mismatch=%s' % (
                fn, dialect, ','.join(str(b['pid']) for b in blocks), fm or '-'))
    print('\n'.join(report))


if __name__ == '__main__':
    main()
