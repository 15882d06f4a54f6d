#!/usr/bin/env python3
"""Descriptor exhaustion, with RLIMIT_NOFILE (soft and hard) at 64.

The daemon closes its copy of each connection once the handler has it, so
held connections alone never exhaust it: what a live handler costs the
daemon is the read end of its stderr pipe (stderr = log).  Flooding such a
service with held connections fills the table until two descriptors are
left; from then on pipe2 fails and handlers get /dev/null (the daemon must
say so, and keep serving).  A reload that adds listeners then takes the last
descriptors, and accept4 fails with EMFILE: the daemon must not die, must
not spin (CPU well under 10% of a core during a 3 s flood), must log
"accept paused: Too many open files" at most about once a second, and must
serve again (and drain its backlog) as soon as the held connections close.
"""

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soaklib as sl  # noqa: E402

NOFILE = 64
FLOOD_SECONDS = 3.0
HELD_MAX = 150          # connections held open (accepted or in the backlog)


class FdExhaustionTest(sl.DaemonTest):

    def test_emfile_pauses_logs_and_recovers(self):
        hold_port, echo_port = sl.free_ports(2)
        d = self.daemon([
            sl.svc('hold', hold_port, sl.require_bundled(self, 'discard'),
                   stderr='log'),
            sl.svc('echo', echo_port, sl.require_bundled(self, 'echo')),
        ], preexec_fn=sl.limits(nofile=NOFILE))
        tail = sl.LogTail(d, keep=r'^event=start service=hold ')
        self.addCleanup(sl.kill_logged_handlers, d, tail)
        with open('/proc/%d/limits' % d.pid) as f:
            lim = [l for l in f if l.startswith('Max open files')][0].split()
        self.assertEqual(lim[3:5], [str(NOFILE), str(NOFILE)])
        fds_start = sl.fd_count(d.pid)
        self.assertServes(echo_port, d=d)

        held = []
        self.addCleanup(lambda: [s.close() for s in held])
        # Each live `hold` handler costs the daemon one descriptor (the read
        # end of its stderr pipe; the connection itself is closed after the
        # spawn).  Hold connections until the table is as full as that gets:
        # with 2 left, accept4 still succeeds and pipe2 fails.
        for i in range(HELD_MAX):
            held.append(sl.connect(hold_port, timeout=2.0))
            tail.wait(lambda t: t.starts >= i + 1, timeout=10.0,
                      what='handler %d of hold' % (i + 1))
            if sl.fd_count(d.pid) >= NOFILE - 2 and i >= NOFILE:
                break
        # (the count includes the newest connection until the daemon closes
        # its copy, just after logging event=start)
        sl.wait_until(lambda: sl.fd_count(d.pid) == NOFILE - 2, timeout=5.0)
        piped = NOFILE - 2 - fds_start
        sl.say('stderr pipes: %d handlers live, daemon holds %d of %d fds '
               '(%d at start); %d handlers got a pipe, the rest /dev/null',
               tail.starts - 1, sl.fd_count(d.pid), NOFILE, fds_start, piped)
        self.assertEqual(sl.fd_count(d.pid), NOFILE - 2)
        stderr_warn = [k for k in tail.kept if k['event'] == 'warning'
                       and 'stderr' in k.get('message', '')]
        sl.say('warnings about the lost stderr pipes: %d: %s',
               len(stderr_warn), stderr_warn[0]['_line'] if stderr_warn
               else '-')
        self.assertTrue(stderr_warn, 'stderr = log silently became /dev/null')
        self.assertServes(echo_port, d=d)   # still serving, fds at the limit

        # Take the last descriptors with listeners: a reload that adds
        # services until the table is full.  Now accept4 fails with EMFILE.
        free = NOFILE - sl.fd_count(d.pid)
        extra_ports = sl.free_ports(free)
        base = [sl.svc('hold', hold_port, sl.service_exec('discard'),
                       stderr='log'),
                sl.svc('echo', echo_port, sl.service_exec('echo'))]
        extra = [sl.svc('extra%d' % k, p, sl.service_exec('echo'))
                 for k, p in enumerate(extra_ports)]
        rl = sl.reload(d, tail, services=base + extra)
        self.assertEqual(rl.get('result'), 'ok', rl['_line'])
        self.assertEqual(sl.fd_count(d.pid), NOFILE)
        s = sl.connect(hold_port, timeout=2.0)
        held.append(s)
        tail.wait(lambda t: any('accept paused' in k.get('message', '')
                                for k in t.kept), timeout=10.0,
                  what='accept paused warning')
        self.assertFalse(sl.closed_at_once(s, timeout=0.2))
        # The flood: keep connecting for FLOOD_SECONDS while the daemon is
        # out of descriptors; measure its CPU time meanwhile.
        attempts = [0, 0]   # connected, timed out
        stop = threading.Event()

        def flooder():
            deadline = time.monotonic() + FLOOD_SECONDS + 1
            while not stop.is_set() and time.monotonic() < deadline:
                try:
                    s = sl.connect(hold_port, timeout=0.2)
                    s.close()
                    attempts[0] += 1
                except OSError:
                    attempts[1] += 1
                if attempts[0] + attempts[1] > 20000:
                    break
        paused = lambda: [k for k in tail.kept if k['event'] == 'warning'
                          and 'accept paused' in k.get('message', '')]
        tail.poll()
        warn_before = len(paused())
        cpu0, t0 = sl.cpu_seconds(d.pid), time.monotonic()
        th = [threading.Thread(target=flooder, daemon=True) for _ in range(2)]
        for t in th:
            t.start()
        time.sleep(FLOOD_SECONDS)   # measuring interval, not synchronization
        cpu1, t1 = sl.cpu_seconds(d.pid), time.monotonic()
        stop.set()
        for t in th:
            t.join(5)
        tail.poll()
        self.assertTrue(d.running(), tail.tail_text())
        cpu_pct = 100.0 * (cpu1 - cpu0) / (t1 - t0)
        warnings = paused()
        during = len(warnings) - warn_before
        sl.say('fd flood: %.1fs, %d connects completed (into the backlog), '
               '%d timed out; daemon CPU %.2fs = %.1f%% of one core; '
               '%d "accept paused" warnings during the flood, %d in all',
               t1 - t0, attempts[0], attempts[1], cpu1 - cpu0, cpu_pct,
               during, len(warnings))
        self.assertLess(cpu_pct, 10.0, 'the daemon spins while out of fds')
        for k in warnings:
            self.assertRegex(k['message'],
                             r'^service (hold|echo): accept paused: '
                             r'Too many open files$')
        # At most about once per second (a first one, then one a second).
        self.assertLessEqual(during, int(t1 - t0) + 2)
        self.assertGreaterEqual(during, 1, 'no warning while out of fds')

        # Recovery: give the descriptors back.
        t_close = time.monotonic()
        held_total = list(held)
        for s in held:
            s.close()
        held.clear()
        answered = sl.wait_until(
            lambda: sl.echo_once(echo_port, b'back\n', timeout=2.0) is None,
            timeout=15.0, interval=0.05)
        t_back = time.monotonic() - t_close
        self.assertTrue(answered, 'no answer after the descriptors came '
                        'back\n' + tail.tail_text())
        sl.say('fd recovery: answered %.2fs after the held connections '
               'were closed', t_back)
        # Everything that waited in the backlog is served too.
        hold_conns = len(held_total) + attempts[0]
        tail.wait(lambda t: len([k for k in t.kept if k['event'] == 'start'])
                  >= hold_conns, timeout=20.0,
                  what='%d hold handlers (the backlog drained)' % hold_conns)
        tail.wait_reaped(timeout=30.0)
        self.assertEqual(d.zombies(), [])
        rl = sl.reload(d, tail, services=base)
        self.assertEqual(rl.get('result'), 'ok', rl['_line'])
        sl.wait_until(lambda: sl.fd_count(d.pid) == fds_start, timeout=5.0)
        sl.say('fd count after recovery: %d (start %d); %d handlers in all',
               sl.fd_count(d.pid), fds_start, tail.starts)
        self.assertEqual(sl.fd_count(d.pid), fds_start)
        self.assertTrue(d.running())
        self.assertEqual(d.stop(), 0)


if __name__ == '__main__':
    sl.main()
