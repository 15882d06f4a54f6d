#!/usr/bin/env python3
"""Sum up the vg.PID logs of `make check-valgrind`; exit 1 if any holds a
memcheck error or a definite leak.

Under valgrind the daemon starts handlers with clone(CLONE_VM|CLONE_VFORK)
(src/runtime/spawn.c), which valgrind runs as a plain fork: each
handler start leaves a (normally empty) vg.PID of the child too.  When a
handler's execve fails, valgrind cannot continue in that child and says
"EXEC FAILED: I can't recover from execve() failing"; that is valgrind's
limit, not a daemon error, and is counted apart.

valgrind-wrap.sh leaves daemon.PID beside each daemon's vg.PID.  No daemon
at all (a harness that stopped reaching valgrind would pass vacuously) or a
daemon.PID without its vg.PID (valgrind did not start) fails.

usage: vgcheck.py DIR
"""

import os
import re
import sys

HEADER_SKIP = re.compile(r'^\s*(at|by) 0x|^\s*(Address|Block was|Uninitialised'
                         r' value was)')


def blocks(text):
    """Blocks of a valgrind log: runs of lines between '==PID== ' blanks,
    prefixes stripped."""
    cur = []
    for line in text.splitlines():
        m = re.match(r'^==\d+== ?(.*)$', line)
        body = m.group(1) if m else line
        if not body.strip():
            if cur:
                yield cur
            cur = []
        else:
            cur.append(body)
    if cur:
        yield cur


def classify(block):
    head = block[0]
    if 'EXEC FAILED' in head or re.match(r'execve\(.*\) failed', head) or \
            head.startswith('Add more stringent tests'):
        return 'exec_failed'
    if 'are definitely lost' in head:
        return 'definite'
    if re.search(r'are (possibly|indirectly) lost|still reachable', head):
        return 'other_leak'
    if head.startswith(('HEAP SUMMARY', 'LEAK SUMMARY', 'ERROR SUMMARY',
                        'For lists of', 'For counts of', 'Rerun with')):
        return 'summary'
    return 'error'


def main(argv):
    if len(argv) != 2:
        sys.stderr.write('usage: vgcheck.py DIR\n')
        return 2
    d = argv[1]
    names = sorted(n for n in os.listdir(d) if n.startswith('vg.'))
    daemons = sorted(n[len('daemon.'):] for n in os.listdir(d) if n.startswith('daemon.'))
    missing = [p for p in daemons if 'vg.' + p not in names]
    if not daemons or missing:
        print('valgrind: %d daemons started under valgrind; %s' % (
            len(daemons), 'no daemon ran under it: nothing was checked' if not daemons
            else 'no vg log for daemon pid(s) %s' % ' '.join(missing)))
        return 1
    totals = {'error': 0, 'definite': 0, 'other_leak': 0, 'exec_failed': 0}
    bad = []
    empty = 0
    for n in names:
        with open(os.path.join(d, n), errors='replace') as f:
            text = f.read()
        if not text.strip():
            empty += 1
            continue
        kinds = {}
        for b in blocks(text):
            k = classify(b)
            kinds[k] = kinds.get(k, 0) + 1
        if kinds.get('exec_failed'):
            totals['exec_failed'] += 1
        for k in ('error', 'definite', 'other_leak'):
            totals[k] += kinds.get(k, 0)
        if kinds.get('error') or kinds.get('definite'):
            bad.append((n, text))
    print('valgrind: %d daemons, %d logs (%d empty); %d errors, %d definite leaks, '
          '%d other leak records (not failing), %d children whose execve '
          'failed under valgrind' % (len(daemons), len(names), empty, totals['error'],
                                     totals['definite'], totals['other_leak'],
                                     totals['exec_failed']))
    for n, text in bad[:20]:
        print('--- %s ---\n%s' % (n, text))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
