#!/usr/bin/env python3
"""mode = "prefork" (SPEC sections 3 and 5): a fixed pool of self-accepting
workers, kept at its size, resized by SIGTTIN/SIGTTOU, with backoff for
workers that die at once."""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import request, svc  # noqa: E402


# accepts forever on fd 0; answers "PID WORKER-VAR\n"
WORKER = r'''
import os, socket
ls = socket.socket(fileno=0)
while True:
    c, _ = ls.accept()
    c.sendall(('%d %s\n' % (os.getpid(),
               os.environ.get('SUPERSERVER_WORKER', '-'))).encode())
    c.close()
'''


class PreforkTest(sslib.DaemonTest):

    def pool(self, workers=3):
        port = sslib.free_port()
        d = self.daemon(start=False)
        w = d.script('worker.py', WORKER, python=True)
        d.write_config([svc('pf', port, w, mode='prefork', workers=workers)])
        d.start()
        d.wait_event('start', service='pf', count=workers)
        return d, port

    def wait_pool(self, d, n, timeout=5):
        ok = sslib.wait_until(lambda: len(d.live_children()) == n,
                              timeout=timeout)
        self.assertTrue(ok, 'expected %d workers, have %s\n%s'
                        % (n, d.live_children(), d.log_text()))
        return set(d.live_children())

    def test_fixed_pool_serves(self):
        d, port = self.pool(3)
        workers = self.wait_pool(d, 3)
        pids = set()
        for i in range(30):
            out = request(port).split()
            pids.add(int(out[0]))
        self.assertTrue(pids <= workers, '%s not in %s' % (pids, workers))
        self.assertEqual(self.wait_pool(d, 3), workers, 'no respawns')
        self.assertEqual(len(d.events('start', service='pf')), 3)

    def test_worker_env(self):
        d, port = self.pool(2)
        out = request(port).split()
        self.assertNotEqual(out[1], b'-', 'SUPERSERVER_WORKER is set')

    def test_killed_worker_replaced(self):
        d, port = self.pool(3)
        workers = self.wait_pool(d, 3)
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        d.wait_log(r'\bevent=exit service=pf pid=%d signal=KILL' % victim)
        now = sslib.wait_until(
            lambda: (lambda s: s if len(s) == 3 and victim not in s
                     else None)(set(d.live_children())), timeout=5)
        self.assertTrue(now, d.log_text())
        self.assertEqual(len(now & workers), 2)
        self.assertRegex(request(port), rb'^\d+ ')

    def test_ttin_ttou(self):
        d, port = self.pool(3)
        self.wait_pool(d, 3)
        d.send_signal(signal.SIGTTIN)
        self.wait_pool(d, 4)
        d.send_signal(signal.SIGTTOU)
        self.wait_pool(d, 3)
        for n in (2, 1):
            d.send_signal(signal.SIGTTOU)
            self.wait_pool(d, n)
        # never below one
        after = d.mark()
        d.send_signal(signal.SIGTTOU)
        d.send_signal(signal.SIGUSR1)  # a marker: the TTOU was handled
        d.wait_event('status', after=after)
        self.assertRegex(request(port), rb'^\d+ ')
        self.assertEqual(len(d.live_children()), 1)

    def test_crashing_worker_backoff(self):
        """A worker that exits at once is restarted after a back-off that
        doubles (100, 200, 400, 800 ms): seen in the log and in the
        workers' own start times, never by counting in a window."""
        port = sslib.free_port()
        d = self.daemon(start=False)
        w = d.script('crash.sh', sslib.STAMP % d.tmpdir + 'exit 1\n')
        d.write_config([svc('crash', port, w, mode='prefork', workers=1)])
        d.start()
        sslib.assert_backoff_honoured(self, d, 'crash', 4)
        self.assertTrue(d.running())

    def test_short_pool_starts_when_a_handler_exits(self):
        # max_children is taken by another service's handler: the pool says
        # it is short, then starts its worker as soon as that handler exits.
        hold_port, port = sslib.free_ports(2)
        d = self.daemon(start=False)
        w = d.script('worker.py', WORKER, python=True)
        hold = svc('hold', hold_port, '/bin/cat')
        top = {'max_children': 1}
        d.write_config([hold], top=top)
        d.start()
        c = sslib.connect(hold_port)
        self.addCleanup(c.close)
        d.wait_event('start', service='hold')
        ev = d.reload([hold, svc('pf', port, w, mode='prefork', workers=1)],
                      top=top)
        self.assertEqual(ev.get('result'), 'ok', ev['_line'])
        d.wait_log(r'service pf: pool on \S+ stays below 1 workers: '
                   r'max_children limit reached')
        self.assertEqual(d.events('start', service='pf'), [])
        c.close()  # cat sees EOF and exits: there is room
        d.wait_event('exit', service='hold')
        d.wait_event('start', service='pf')
        self.assertRegex(request(port), rb'^\d+ ')

    def test_sigterm_stops_workers(self):
        d, port = self.pool(2)
        workers = self.wait_pool(d, 2)
        self.assertEqual(d.stop(timeout=5), 0)
        gone = sslib.wait_until(
            lambda: not any(sslib.alive(p) for p in workers), timeout=5)
        self.assertTrue(gone, 'workers must get SIGTERM with the master')


if __name__ == '__main__':
    sslib.main()
