#!/usr/bin/env python3
"""Exact keyword tree of the installed keepalived, found by asking `keepalived -t` (see notes in kad docs)."""
import json, re, subprocess, sys, os, tempfile
from concurrent.futures import ThreadPoolExecutor
CANDS = [l.strip() for l in open('/tmp/kt/cands_all.txt') if l.strip() and not l.startswith('include')]
SENT = 'zzzsentinelzzz'
BLOCK_ARGS = {
    'virtual_server': '10.0.0.1 80', 'real_server': '10.0.0.2 80', 'sorry_server': '10.0.0.3 80',
    'global_defs': '', 'static_ipaddress': '', 'static_routes': '', 'static_rules': '', 'garp_group': '',
    'SSL': '', 'url': '', 'HTTP_GET': '', 'SSL_GET': '', 'TCP_CHECK': '', 'MISC_CHECK': '', 'SMTP_CHECK': '',
    'DNS_CHECK': '', 'UDP_CHECK': '', 'PING_CHECK': '', 'FILE_CHECK': '', 'BFD_CHECK': '', 'authentication': '',
    'host': '', 'linkbeat_interfaces': '', 'interface_up_down_delays': '',
}
def run(lines):
    fd, path = tempfile.mkstemp(suffix='.conf', dir='/tmp/kt/probe/tmp')
    with os.fdopen(fd, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    try:
        r = subprocess.run(['keepalived', '-t', '-f', path], capture_output=True, text=True, timeout=60)
    finally:
        os.unlink(path)
    return [(int(m.group(1)), m.group(2)) for m in re.finditer(r"Line (\d+)\) (.*)", r.stderr)]
def batch(prefix, suffix, cands, args):
    lines = prefix + [f'{c} {args}' for c in cands] + [SENT] + suffix
    msgs = run(lines)
    start = len(prefix) + 1
    sent = start + len(cands)
    unknown = {n for n, t in msgs if t.startswith('Unknown keyword')}
    bob = any(("Missing '{'" in t or "Unexpected '{'" in t or "Extra '}'" in t or "missing '}'" in t) for n, t in msgs)
    clean = sent in unknown and not bob and not any(n > sent for n, t in msgs if t.startswith('Unknown keyword'))
    return clean, [c for i, c in enumerate(cands) if start + i not in unknown]
def known_in(prefix, suffix, cands, args='1 1 1 1'):
    out, odd = [], []
    def go(cs):
        clean, known = batch(prefix, suffix, cs, args)
        if clean:
            return known, []
        if len(cs) == 1:
            return [], cs
        h = len(cs) // 2
        a, b = go(cs[:h]), go(cs[h:])
        return a[0] + b[0], a[1] + b[1]
    chunks = [CANDS[i:i + 64] for i in range(0, len(cands), 64)] if cands is CANDS else [cands]
    with ThreadPoolExecutor(8) as ex:
        for k, o in ex.map(go, chunks):
            out += k; odd += o
    return out, odd
def kind(prefix, suffix, kw):
    arg = BLOCK_ARGS.get(kw, 'x')
    head = f'{kw} {arg}'.strip()
    msgs = run(prefix + [head + ' {', 'zzinner', '}', 'zzafter'] + suffix)
    L = len(prefix) + 1
    if any(n == L and "Unexpected '{'" in t for n, t in msgs):
        return 'leaf'
    if any(n == L + 1 and t.startswith("Unknown keyword 'zzinner'") for n, t in msgs):
        return 'block'
    return 'value'
def crawl(prefix, suffix, depth, path):
    known, odd = known_in(prefix, suffix, CANDS)
    node = {}
    for kw in sorted(set(known) | set(odd)):
        k = kind(prefix, suffix, kw)
        e = {'kind': k}
        if kw in odd:
            e['odd'] = True
        if k == 'block' and depth < 4 and kw not in path:
            head = f'{kw} {BLOCK_ARGS.get(kw, "x")}'.strip()
            e['children'] = crawl(prefix + [head + ' {'], ['}'] + suffix, depth + 1, path + [kw])
        node[kw] = e
        print('  ' * depth + f'{kw}: {k}{" (odd)" if kw in odd else ""}', file=sys.stderr, flush=True)
    return node
os.makedirs('/tmp/kt/probe/tmp', exist_ok=True)
if __name__ == '__main__':
    tree = crawl([], [], 0, [])
    json.dump(tree, open('/tmp/kt/probe/tree2.json', 'w'), indent=1, sort_keys=True)
