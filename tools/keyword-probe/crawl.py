#!/usr/bin/env python3
"""Ask an installed keepalived which keywords it accepts in every block, and print the keyword tree.

    tools/keyword-probe/crawl.py                      # print the tree (NAME KIND, two spaces per level)
    tools/keyword-probe/crawl.py --compare FILE       # diff names and kinds against FILE (the kad keyword file)

How: every identifier-like string in the keepalived binary, and every suffix of one (the linker merges string
tails, so "interface" exists only as the end of "track_interface"), is placed on its own line inside a block and
`keepalived -t` is asked which of them are "Unknown keyword". Batches that leave the block early (a keyword that
opens a block or ends the process) are split in halves down to single words. A known keyword's kind is found by
following it with "{ zzinner }": leaf if keepalived reports "Unexpected '{'", block if it reports zzinner as unknown,
value block otherwise. Blocks are then crawled in turn. include* words are preprocessor directives and are left
out; include_check (a global_defs keyword read while including) is added by hand in the keyword file.

Takes a few minutes; needs keepalived on PATH (or --keepalived) and write access to a temporary directory.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

SENTINEL = 'zz_not_a_keepalived_keyword'
# Arguments that make keepalived open a block instead of rejecting its header.
BLOCK_ARGS = {
    'virtual_server': '10.0.0.1 80', 'real_server': '10.0.0.2 80', 'vrrp_instance': 'VI', 'vrrp_sync_group': 'SG',
    'vrrp_script': 'S', 'vrrp_track_file': 'TF', 'track_file': 'TF', 'vrrp_track_process': 'TP', 'bfd_instance': 'B',
    'virtual_server_group': 'G', 'track_group': 'TG',
}


def candidates(binary):
    data = open(binary, 'rb').read()
    words = set()
    for run in re.findall(rb'[\x20-\x7e]{2,}', data):
        for token in re.findall(r'[A-Za-z0-9_-]+', run.decode('ascii')):
            for i in range(len(token)):
                suffix = token[i:]
                if len(suffix) >= 2 and re.match(r'^[A-Za-z_][A-Za-z0-9_-]*$', suffix) and not suffix.startswith('include'):
                    words.add(suffix)
    return sorted(words)


class Probe:
    def __init__(self, keepalived, tmp):
        self.keepalived = keepalived
        self.tmp = tmp

    def findings(self, lines):
        fd, path = tempfile.mkstemp(suffix='.conf', dir=self.tmp)
        with os.fdopen(fd, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        try:
            r = subprocess.run([self.keepalived, '-t', '-f', path], capture_output=True, text=True, timeout=120)
        finally:
            os.unlink(path)
        return [(int(m.group(1)), m.group(2)) for m in re.finditer(r'Line (\d+)\) (.*)', r.stderr)]

    def known(self, prefix, suffix, words):
        """The words keepalived accepts inside the block that prefix opens."""
        def batch(chunk):
            msgs = self.findings(prefix + [f'{w} 1 1 1 1' for w in chunk] + [SENTINEL] + suffix)
            start = len(prefix) + 1
            sentinel = start + len(chunk)
            unknown = {n for n, t in msgs if t.startswith('Unknown keyword')}
            left = any(("Missing '{'" in t or "Unexpected '{'" in t or "Extra '}'" in t or "missing '}'" in t) for _, t in msgs)
            clean = sentinel in unknown and not left and not any(n > sentinel for n in unknown)
            return clean, [w for i, w in enumerate(chunk) if start + i not in unknown]

        def split(chunk):
            clean, found = batch(chunk)
            if clean:
                return found, []
            if len(chunk) == 1:
                return [], chunk   # opens a block or leaves it: certainly a keyword here
            half = len(chunk) // 2
            a, b = split(chunk[:half]), split(chunk[half:])
            return a[0] + b[0], a[1] + b[1]

        chunks = [words[i:i + 64] for i in range(0, len(words), 64)]
        found = []
        with ThreadPoolExecutor(8) as pool:
            for plain, odd in pool.map(split, chunks):
                found += plain + odd
        return sorted(set(found))

    def kind(self, prefix, suffix, word):
        head = f'{word} {BLOCK_ARGS.get(word, "x")}'
        msgs = self.findings(prefix + [head + ' {', 'zzinner', '}', 'zzafter'] + suffix)
        line = len(prefix) + 1
        if any(n == line and "Unexpected '{'" in t for n, t in msgs):
            return 'leaf'
        if any(n == line + 1 and t.startswith("Unknown keyword 'zzinner'") for n, t in msgs):
            return 'block'
        return 'value'

    def crawl(self, words, prefix=(), suffix=(), path=(), out=None, depth=0):
        out = [] if out is None else out
        for word in self.known(list(prefix), list(suffix), words):
            kind = self.kind(list(prefix), list(suffix), word)
            out.append(('  ' * depth) + f'{word} {kind}')
            print(out[-1], file=sys.stderr, flush=True)
            if kind == 'block' and word not in path and depth < 4:
                head = f'{word} {BLOCK_ARGS.get(word, "")}'.strip() + ' {'
                self.crawl(words, tuple(prefix) + (head,), ('}',) + tuple(suffix), tuple(path) + (word,), out, depth + 1)
        return out


def names_and_kinds(lines):
    return [' '.join(l.rstrip().split(' ')[:2]) if not l.startswith(' ') else
            (' ' * (len(l) - len(l.lstrip(' ')))) + ' '.join(l.strip().split(' ')[:2])
            for l in lines if l.strip() and not l.startswith(('#', '@'))]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--keepalived', default='keepalived')
    parser.add_argument('--compare', metavar='FILE', help='the kad keyword file to diff against')
    args = parser.parse_args()
    binary = subprocess.run(['sh', '-c', f'command -v {args.keepalived}'], capture_output=True, text=True).stdout.strip()
    if not binary:
        sys.exit(f'{args.keepalived}: not found')
    with tempfile.TemporaryDirectory() as tmp:
        tree = Probe(binary, tmp).crawl(candidates(binary))
    if not args.compare:
        print('\n'.join(tree))
        return
    ours = [l for l in names_and_kinds(open(args.compare).read().split('\n')) if l.strip() != 'include_check leaf']
    import difflib
    diff = list(difflib.unified_diff(ours, tree, 'keyword file', 'keepalived', lineterm=''))
    print('\n'.join(diff) if diff else 'the keyword file matches keepalived')
    sys.exit(1 if diff else 0)


if __name__ == '__main__':
    main()
