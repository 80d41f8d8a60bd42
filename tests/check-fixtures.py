#!/usr/bin/env python3
"""check-fixtures.py - run `runway check` on every fixture of
tests/fixtures/check/<engine>/<rule>/{fire,ok}-N.sql and compare its
findings with the expectations written in the file:

  -- expect: RULE        the next SQL line (skipping blank lines, comments
                         and "-- runway:" directives) has a finding of RULE
  -- expect-file: RULE   the file has a finding of RULE on any line

A file must produce exactly the expected findings. Every rule of an engine
must have a firing and a non-firing file. Usage:
  check-fixtures.py RUNWAY_BIN FIXTURE_DIR ENGINE
"""
import json, os, re, subprocess, sys, tempfile

EXPECT = re.compile(r'^\s*--\s*expect:\s*([a-z0-9-]+)\s*$')
EXPECT_FILE = re.compile(r'^\s*--\s*expect-file:\s*([a-z0-9-]+)\s*$')


def expectations(path):
    lines = open(path, encoding='utf-8', errors='replace').read().split('\n')
    at, anywhere, pending = [], [], []
    for no, line in enumerate(lines, 1):
        m, mf = EXPECT.match(line), EXPECT_FILE.match(line)
        if m:
            pending.append(m.group(1))
        elif mf:
            anywhere.append(mf.group(1))
        elif pending and line.strip() and not line.strip().startswith('--'):
            at.extend((rule, no) for rule in pending)
            pending = []
    if pending:
        raise SystemExit(f'{path}: "-- expect:" with no SQL line after it')
    return sorted(at), sorted(anywhere)


def main():
    runway, root, engine = sys.argv[1:4]
    base = os.path.join(root, engine)
    failures, files, fired = [], 0, {}
    with tempfile.TemporaryDirectory() as cwd:  # no runway.yml there
        for rule in sorted(os.listdir(base)):
            kinds = set()
            for name in sorted(os.listdir(os.path.join(base, rule))):
                if not name.endswith('.sql'):
                    continue
                path = os.path.join(base, rule, name)
                kinds.add(name.split('-')[0])
                files += 1
                at, anywhere = expectations(path)
                p = subprocess.run([runway, 'check', '--engine', engine, '--enable', 'all',
                                    '--format', 'json', path], cwd=cwd,
                                   capture_output=True, text=True)
                try:
                    doc = json.loads(p.stdout)
                except ValueError:
                    failures.append(f'{path}: no JSON (exit {p.returncode}): {p.stderr.strip()}')
                    continue
                got = [(f['rule'], f.get('line', 0)) for c in doc['changes'] for f in c['findings']]
                rest = list(got)
                ok = True
                for e in at:
                    if e in rest:
                        rest.remove(e)
                    else:
                        ok = False
                for r in anywhere:
                    hit = [g for g in rest if g[0] == r]
                    if hit:
                        rest.remove(hit[0])
                    else:
                        ok = False
                if rest:
                    ok = False
                want_exit = 1 if any(f['severity'] == 'error' for c in doc['changes']
                                     for f in c['findings']) else 0
                if p.returncode != want_exit:
                    failures.append(f'{path}: exit {p.returncode}, expected {want_exit}')
                if not ok:
                    failures.append(f'{path}: expected {at + [(r, "*") for r in anywhere]}, got {sorted(got)}')
                if name.startswith('fire') and any(g[0] == rule for g in got):
                    fired[rule] = True
            if kinds != {'fire', 'ok'}:
                failures.append(f'{engine}/{rule}: needs fire-N.sql and ok-N.sql files, has {sorted(kinds)}')
            if rule not in fired:
                failures.append(f'{engine}/{rule}: no fire-N.sql file produced the rule')
    for f in failures:
        print('not ok:', f)
    print(f'{files} fixtures of {engine}: {len(failures)} failures')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
