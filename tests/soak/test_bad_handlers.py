#!/usr/bin/env python3
"""Misbehaving handlers, all at once in one daemon: one crashes (SIGSEGV),
one exits at once with a status, one hangs (timeout: SIGTERM), one ignores
SIGTERM (timeout: SIGKILL 5 s later), one writes stderr without end
(stderr = log) and one is killed with SIGKILL mid-connection.  Each must be
reaped and logged with the right status or signal, the daemon must keep
answering other connections promptly meanwhile, and the SIGUSR1 counters
must add up (live=0 at the end, accepted = connections made)."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soaklib as sl  # noqa: E402

N_SEGV = 3
N_QUICK = 3
N_HANG = 2
N_STUBBORN = 2
SPEW_SECONDS = 1.0   # ~300,000 log lines a second: keep the log small
PROMPT = 1.0    # seconds: an echo answer slower than this is not prompt


class BadHandlersTest(sl.DaemonTest):

    def test_each_is_reaped_and_logged(self):
        ports = dict(zip(('segv', 'quick', 'hang', 'stubborn', 'spew', 'echo'),
                         sl.free_ports(6)))
        d = self.daemon(start=False)
        segv = d.script('segv.sh', 'kill -SEGV $$\nexit 0\n')
        quick = d.script('quick.sh', 'exit 3\n')
        hang = d.script('hang.sh', 'exec sleep 60\n')
        stubborn = d.script('stubborn.sh', "trap '' TERM\nexec sleep 60\n")
        spew = d.script('spew.sh', 'i=0\nwhile :; do i=$((i+1)); '
                        'echo "spew line $i of a handler that never stops '
                        'writing to its stderr" >&2; done\n')
        echo = sl.require_bundled(self, 'echo')
        d.write_config([
            sl.svc('segv', ports['segv'], segv, rlimits={'core': 0}),
            sl.svc('quick', ports['quick'], quick),
            sl.svc('hang', ports['hang'], hang, timeout=1),
            sl.svc('stubborn', ports['stubborn'], stubborn, timeout=1),
            sl.svc('spew', ports['spew'], spew, stderr='log'),
            sl.svc('echo', ports['echo'], echo),
        ])
        d.start()
        tail = sl.LogTail(d, keep=r'^event=(start|exit) ')
        self.addCleanup(sl.kill_logged_handlers, d, tail)
        accepted = dict.fromkeys(ports, 0)

        def started(service, count):
            tail.wait(lambda t: len([k for k in t.kept if k['event'] == 'start'
                                     and k['service'] == service]) >= count,
                      what='%d starts of %s' % (count, service))
            return [int(k['pid']) for k in tail.kept
                    if k['event'] == 'start' and k['service'] == service]

        def exits(service):
            return [k for k in tail.kept
                    if k['event'] == 'exit' and k['service'] == service]

        # Crash and quick exit: the client sees the connection closed.
        for name, n in (('segv', N_SEGV), ('quick', N_QUICK)):
            for _ in range(n):
                s = sl.connect(ports[name])
                self.assertTrue(sl.closed_at_once(s, timeout=5.0))
                s.close()
                accepted[name] += 1
        # Hang and ignore SIGTERM: held open; the timeout deals with them.
        held = []
        self.addCleanup(lambda: [s.close() for s in held])
        t_hold = time.monotonic()
        for name, n in (('hang', N_HANG), ('stubborn', N_STUBBORN)):
            for _ in range(n):
                held.append(sl.connect(ports[name]))
                accepted[name] += 1
        started('hang', N_HANG)
        started('stubborn', N_STUBBORN)

        # Endless stderr: meanwhile other connections are answered promptly.
        sp = sl.connect(ports['spew'])
        held.append(sp)
        accepted['spew'] += 1
        spew_pid = started('spew', 1)[0]
        lat = []
        t_end = time.monotonic() + SPEW_SECONDS
        for i in range(2000):
            if time.monotonic() > t_end:
                break
            t0 = time.monotonic()
            self.assertIsNone(sl.echo_once(ports['echo'], b'ping %d\n' % i))
            lat.append(time.monotonic() - t0)
            accepted['echo'] += 1
        tail.poll()
        spew_lines = tail.count('stderr')
        os.kill(spew_pid, signal.SIGKILL)   # a handler of our daemon, by pid
        ev = tail.wait_kept(r'^event=exit service=spew pid=%d signal=KILL '
                            r'duration_ms=\d+$' % spew_pid)
        log_mb = os.path.getsize(d.log_path) / 1e6
        sl.say('spew: %d event=stderr lines logged in %.1fs (log %.1f MB); '
               'meanwhile %d echo requests, latency max %.3fs, mean %.3fs',
               spew_lines, SPEW_SECONDS, log_mb, len(lat), max(lat),
               sum(lat) / len(lat))
        self.assertGreater(spew_lines, 100)
        self.assertGreaterEqual(len(lat), 5)
        self.assertLess(max(lat), PROMPT)
        first = sl.parse_kv(_first_stderr_line(d))
        self.assertEqual(first.get('service'), 'spew')
        self.assertEqual(first.get('pid'), str(spew_pid))
        self.assertRegex(first.get('line', ''), r'^spew line \d+ of a handler')

        # SIGKILL mid-connection.
        v = sl.connect(ports['echo'])
        held.append(v)
        accepted['echo'] += 1
        v.sendall(b'half')
        victim = started('echo', accepted['echo'])[-1]
        v.settimeout(10)
        got = b''
        while len(got) < 4:  # echoed back: the handler is mid-connection
            b = v.recv(4 - len(got))
            self.assertTrue(b, 'closed before the echo')
            got += b
        self.assertEqual(got, b'half')
        os.kill(victim, signal.SIGKILL)
        tail.wait_kept(r'^event=exit service=echo pid=%d signal=KILL '
                       r'duration_ms=\d+$' % victim)
        self.assertEqual(sl.recv_all(v), b'', 'the connection ends with its handler')

        # The timeouts: TERM after 1 s; KILL 5 s later for the stubborn.
        tail.wait(lambda t: len(exits('hang')) >= N_HANG and
                  len(exits('stubborn')) >= N_STUBBORN, timeout=15.0,
                  what='hang and stubborn handlers to be timed out')
        t_done = time.monotonic() - t_hold
        for k in exits('segv'):
            self.assertEqual(k.get('signal'), 'SEGV', k['_line'])
        for k in exits('quick'):
            self.assertEqual(k.get('status'), '3', k['_line'])
        for k in exits('hang'):
            self.assertEqual(k.get('signal'), 'TERM', k['_line'])
            self.assertTrue(900 <= int(k['duration_ms']) < 4000, k['_line'])
        for k in exits('stubborn'):
            self.assertEqual(k.get('signal'), 'KILL', k['_line'])
            self.assertTrue(5900 <= int(k['duration_ms']) < 10000, k['_line'])
        timeouts = [k for k in tail.kept if k['event'] == 'timeout']
        by = {}
        for k in timeouts:
            by.setdefault(k['service'], []).append(k['signal'])
        self.assertEqual(sorted(by.get('hang', [])), ['TERM'] * N_HANG)
        self.assertEqual(sorted(by.get('stubborn', [])),
                         ['KILL'] * N_STUBBORN + ['TERM'] * N_STUBBORN)
        self.assertNotIn('spew', by)
        for s in held:
            s.close()
        held.clear()

        tail.wait_reaped()
        self.assertEqual(d.zombies(), [])
        counts = {}
        for k in tail.kept:
            if k['event'] == 'exit':
                what = ('signal=' + k['signal']) if 'signal' in k else \
                    ('status=' + k['status'])
                counts.setdefault(k['service'], {}).setdefault(what, 0)
                counts[k['service']][what] += 1
        sl.say('bad handlers: exits %s; timeouts %s; hang/stubborn done '
               '%.1fs after connecting', counts, by, t_done)
        st = sl.status_dump(d, tail, list(ports))
        for name in ports:
            sl.say('status %s', st[name]['_line'])
            self.assertEqual(st[name]['live'], '0', st[name]['_line'])
            self.assertEqual(st[name]['accepted'], str(accepted[name]),
                             st[name]['_line'])
            self.assertEqual(st[name]['refused'], '0', st[name]['_line'])
        self.assertEqual(tail.starts, sum(accepted.values()))
        self.assertEqual(tail.exits, tail.starts)
        self.assertTrue(d.running())
        self.assertEqual(d.stop(), 0)


def _first_stderr_line(d):
    with open(d.log_path, errors='replace') as f:
        for line in f:
            if line.startswith('event=stderr '):
                return line
    return ''


if __name__ == '__main__':
    sl.main()
