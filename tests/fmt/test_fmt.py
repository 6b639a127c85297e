#!/usr/bin/env python3
"""test_fmt.py: ecsc fmt, end to end.

Usage:
  test_fmt.py ECSC golden [NAME...]   tests/fmt/NAME.in.ecs formats to exactly
                                      NAME.out.ecs (UPDATE=1 rewrites it), and
                                      NAME.out.ecs is a fixed point
  test_fmt.py ECSC same               every spec in the repository (samples,
                                      goldens, diagnostics cases, the fmt
                                      goldens) and specs from
                                      bench/gen_services.py: formatted, it
                                      means the same (the resource graph, or
                                      for a spec with errors the AST and the
                                      diagnostics, without source positions),
                                      formatting it again changes nothing, and
                                      a spec fmt refuses has syntax errors
  test_fmt.py ECSC cli                --check, files, directories, atomic
                                      writes, refusals, exit statuses
"""
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ECSC = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, 'build/ecsc')
failures = []


def fail(msg):
    failures.append(msg)
    print('FAIL ' + msg)


def run(args, stdin=None, cwd=None):
    p = subprocess.run([ECSC] + args, input=stdin, capture_output=True, cwd=cwd, timeout=120)
    return p.returncode, p.stdout, p.stderr


def fmt(text, cwd=None):
    return run(['fmt', '-'], stdin=text, cwd=cwd)


def golden(names):
    cases = sorted(f[:-7] for f in os.listdir(HERE) if f.endswith('.in.ecs'))
    if names:
        cases = [c for c in cases if c in names]
    if not cases:
        fail('golden: no cases')
    for name in cases:
        src = open(os.path.join(HERE, name + '.in.ecs'), 'rb').read()
        want_path = os.path.join(HERE, name + '.out.ecs')
        rc, out, err = fmt(src)
        if rc != 0:
            fail(f'golden/{name}: exit {rc}: {err.decode()}')
            continue
        if os.environ.get('UPDATE'):
            open(want_path, 'wb').write(out)
        want = open(want_path, 'rb').read() if os.path.exists(want_path) else b''
        if out != want:
            fail(f'golden/{name}: output differs from {name}.out.ecs:\n' + out.decode())
        rc, again, err = fmt(out)
        if again != out:
            fail(f'golden/{name}: not idempotent:\n' + again.decode())
        if src == want:
            fail(f'golden/{name}: the input is already canonical: the case shows nothing')
        print(f'ok   golden/{name}')


def strip_spans(v):
    """A graph or diagnostics document without source positions."""
    if isinstance(v, dict):
        return {k: strip_spans(x) for k, x in v.items()
                if k not in ('source', 'span', 'line', 'column', 'end_line', 'end_column',
                             'start_byte', 'end_byte')}
    if isinstance(v, list):
        return [strip_spans(x) for x in v]
    if isinstance(v, str):
        return re.sub(r':\d+:\d+', ':L:C', v)
    return v


def meaning(target, cwd):
    """What a spec (a file or a directory) means, positions left out."""
    rc, out, err = run(['check', '--emit=graph', '--diagnostics=json', target], cwd=cwd)
    diags = strip_spans(json.loads(err)) if err.strip() else None
    if rc == 0:
        return ('graph', strip_spans(json.loads(out)), diags)
    rc, ast, _ = run(['check', '--emit=ast', target], cwd=cwd)
    return ('ast', re.sub(rb'@\d+:\d+', b'@', ast), diags)


def spec_units():
    """(unit, files): a directory sample is one unit of several files."""
    files = subprocess.run(['git', 'ls-files', '*.ecs'], cwd=ROOT, capture_output=True,
                           text=True).stdout.split()
    if not files:       # not a git checkout: walk the tree
        for d, _, names in os.walk(ROOT):
            if '/build' in d or '/.git' in d:
                continue
            files += [os.path.relpath(os.path.join(d, n), ROOT) for n in names
                      if n.endswith('.ecs')]
    units = []
    multi = [f for f in files if f.startswith('samples/multi-file/')]
    if multi:
        units.append(('samples/multi-file', sorted(multi)))
    units += [(f, [f]) for f in sorted(files) if f not in multi]
    return units


def same():
    tmp = tempfile.mkdtemp(prefix='ecsc-fmt-')
    try:
        units = spec_units()
        for n in (1, 20, 200):
            gen = subprocess.run([sys.executable, os.path.join(ROOT, 'bench/gen_services.py'),
                                  str(n)], capture_output=True, check=True).stdout
            path = f'generated/services-{n}.ecs'
            os.makedirs(os.path.join(tmp, 'generated'), exist_ok=True)
            open(os.path.join(tmp, path), 'wb').write(gen)
            units.append((path, [path]))
        formatted = refused = changed = 0
        compared = {'graph': 0, 'ast': 0}
        for unit, files in units:
            for f in files:
                dst = os.path.join(tmp, f)
                if not os.path.exists(dst):
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    shutil.copyfile(os.path.join(ROOT, f), dst)
            before = meaning(unit, tmp)
            ok = True
            for f in files:
                dst = os.path.join(tmp, f)
                src = open(dst, 'rb').read()
                rc, out, err = fmt(src, cwd=tmp)
                if rc == 1:
                    # refused: it must have errors of its own, located
                    crc, _, cerr = run(['check', f], cwd=tmp)
                    first = err.decode().splitlines()[0] if err else ''
                    if crc == 0 or 'error[' not in first or not re.match(r'<stdin>:\d+:\d+: ', first):
                        fail(f'same/{f}: refused, but check says {crc}: {first}')
                    refused += 1
                    ok = False
                    continue
                if rc != 0:
                    fail(f'same/{f}: exit {rc}: {err.decode()[:500]}')
                    ok = False
                    continue
                rc2, again, _ = fmt(out, cwd=tmp)
                if again != out:
                    fail(f'same/{f}: not idempotent')
                if b' \n' in out or not out.endswith(b'\n') and out:
                    fail(f'same/{f}: white space at a line end or no final line break')
                formatted += 1
                changed += out != src
                open(dst, 'wb').write(out)
            if ok:
                compared[before[0]] += 1
                after = meaning(unit, tmp)
                if after != before:
                    fail(f'same/{unit}: the formatted spec means something else '
                         f'({before[0]} before, {after[0]} after)')
        print(f'same: {len(units)} units, {formatted} files formatted ({changed} changed, '
              f'each idempotent), {compared["graph"]} with the same resource graph and '
              f'{compared["ast"]} (specs with errors) the same AST and diagnostics, '
              f'{refused} refused for syntax errors')
        if formatted < 100:
            fail(f'same: only {formatted} specs formatted')
    finally:
        shutil.rmtree(tmp)


def cli():
    tmp = tempfile.mkdtemp(prefix='ecsc-fmt-cli-')
    try:
        messy = b'cluster main {\ncapacity FARGATE {   weight=1 }\n}\nservice web in main {\n  cpu = 256\n}\n'
        clean = fmt(messy)[1]
        d = os.path.join(tmp, 'specs')
        os.makedirs(os.path.join(d, 'sub'))
        a, b = os.path.join(d, 'a.ecs'), os.path.join(d, 'sub', 'b.ecs')
        open(a, 'wb').write(messy)
        open(b, 'wb').write(clean)
        os.chmod(a, 0o640)
        # --check: lists what would change, writes nothing, exit 1
        rc, out, err = run(['fmt', '--check', d])
        if rc != 1 or out.decode().split() != [a] or open(a, 'rb').read() != messy:
            fail(f'cli/check: exit {rc}, stdout {out!r}, stderr {err!r}')
        # --check on a clean tree: exit 0, nothing listed
        rc, out, _ = run(['fmt', '--check', b])
        if rc != 0 or out:
            fail(f'cli/check-clean: exit {rc}, stdout {out!r}')
        # rewrite: the changed file is listed and replaced, mode kept
        ino = os.stat(a).st_ino
        rc, out, err = run(['fmt', d])
        if rc != 0 or out.decode().split() != [a] or open(a, 'rb').read() != clean:
            fail(f'cli/write: exit {rc}, stdout {out!r}, stderr {err!r}')
        if stat.S_IMODE(os.stat(a).st_mode) != 0o640:
            fail('cli/write: the mode was not kept')
        if os.stat(a).st_ino == ino:
            fail('cli/write: the file was written in place, not replaced')
        if sorted(os.listdir(d)) != ['a.ecs', 'sub']:
            fail(f'cli/write: left behind {os.listdir(d)}')
        # an unchanged file is not touched
        mtime = os.stat(b).st_mtime_ns
        rc, out, _ = run(['fmt', b])
        if rc != 0 or out or os.stat(b).st_mtime_ns != mtime:
            fail(f'cli/unchanged: exit {rc}, stdout {out!r}')
        # a syntax error: refused with a located error, file untouched,
        # the other files still formatted
        bad = os.path.join(tmp, 'bad.ecs')
        open(bad, 'wb').write(b'service web in main {\n  cpu = \n')
        open(a, 'wb').write(messy)
        rc, out, err = run(['fmt', '--color=never', bad, a])
        if rc != 1 or not re.search(rf'{re.escape(bad)}:\d+:\d+: error\[E0001\]', err.decode()):
            fail(f'cli/syntax-error: exit {rc}, stderr {err!r}')
        if open(bad, 'rb').read() != b'service web in main {\n  cpu = \n':
            fail('cli/syntax-error: the file was changed')
        if open(a, 'rb').read() != clean:
            fail('cli/syntax-error: the good file was not formatted')
        # not UTF-8: refused (E0003)
        open(bad, 'wb').write(b'cluster \xff {}\n')
        rc, _, err = run(['fmt', bad])
        if rc != 1 or b'E0003' not in err:
            fail(f'cli/not-utf8: exit {rc}, stderr {err!r}')
        # standard input to standard output; --check on it
        rc, out, _ = run(['fmt', '-'], stdin=messy)
        if rc != 0 or out != clean:
            fail(f'cli/stdin: exit {rc}')
        rc, out, _ = run(['fmt', '--check', '-'], stdin=messy)
        if rc != 1 or out != b'<stdin>\n':
            fail(f'cli/stdin-check: exit {rc}, stdout {out!r}')
        # usage and I/O errors: 2
        for args in (['fmt'], ['fmt', '--bogus', a], ['fmt', os.path.join(tmp, 'missing.ecs')],
                     ['fmt', os.path.join(tmp, 'empty-dir')]):
            os.makedirs(os.path.join(tmp, 'empty-dir'), exist_ok=True)
            rc, _, err = run(args)
            if rc != 2:
                fail(f'cli/usage {args[1:]}: exit {rc}, stderr {err!r}')
        # a read-only directory: the write fails (2), the file is kept
        ro = os.path.join(tmp, 'ro')
        os.makedirs(ro)
        c = os.path.join(ro, 'c.ecs')
        open(c, 'wb').write(messy)
        os.chmod(ro, 0o555)
        if os.access(ro, os.W_OK):
            print('skip cli/read-only: running as a user who can write anywhere')
        else:
            rc, _, err = run(['fmt', c])
            if rc != 2 or open(c, 'rb').read() != messy:
                fail(f'cli/read-only: exit {rc}, stderr {err!r}')
        os.chmod(ro, 0o755)
        print('ok   cli')
    finally:
        shutil.rmtree(tmp)


if __name__ == '__main__':
    what = sys.argv[2] if len(sys.argv) > 2 else 'golden'
    {'golden': lambda: golden(sys.argv[3:]), 'same': same, 'cli': cli}[what]()
    if failures:
        print(f'{len(failures)} failure(s)')
        sys.exit(1)
