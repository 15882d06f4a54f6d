#!/usr/bin/env python3
"""Process exhaustion: the daemon runs as an unprivileged uid with a low
RLIMIT_NPROC, so starting a handler (clone) fails with EAGAIN once the uid
has that many processes.  The connection over the limit is refused with
reason=spawn_failed (closed at once), the daemon keeps running and serving
what it can, and it serves again once handlers exit.

RLIMIT_NPROC counts every process of the real uid on the host, so the test
takes a uid that has no passwd entry and no process (not `nobody`, which
other tests on the host may be using at the same moment).  Root only."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soaklib as sl  # noqa: E402

HANDLERS = 3            # the daemon itself is one more process of the uid


class NprocTest(sl.DaemonTest):

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest('needs root (to run the daemon as another uid '
                          'with its own RLIMIT_NPROC)')

    def test_spawn_failure_refused_and_recovered(self):
        uid = sl.unused_uid()
        gid = 65534
        port = sl.free_port()
        echo = sl.require_bundled(self, 'echo')
        d = self.daemon([sl.svc('echo', port, echo)], start=False,
                        preexec_fn=sl.limits(nproc=1 + HANDLERS, uid=uid,
                                             gid=gid))
        # The daemon (not root) must be able to read its config and exec.
        os.chmod(d.config_path, 0o644)
        d.start()
        tail = sl.LogTail(d)
        self.addCleanup(sl.kill_logged_handlers, d, tail)
        st = sl.proc_status(d.pid)
        self.assertEqual(int(st['Uid'].split()[0]), uid)
        sl.say('nproc: daemon pid %d as uid %d, RLIMIT_NPROC %d',
               d.pid, uid, 1 + HANDLERS)

        held = []
        self.addCleanup(lambda: [s.close() for s in held])
        for i in range(HANDLERS):
            s = sl.connect(port)
            held.append(s)
            tail.wait(lambda t: t.starts >= i + 1, what='handler %d' % i)
        self.assertEqual(len(sl.uid_processes(uid)), 1 + HANDLERS)

        # Over the limit: refused, closed at once, logged.
        t_over = time.monotonic()
        over = []
        for i in range(5):
            s = sl.connect(port)
            over.append(sl.closed_at_once(s, timeout=5.0))
            s.close()
        self.assertEqual(over, [True] * 5)
        ref = tail.wait_kept(r'event=refuse service=echo peer=\S+ '
                             r'reason=spawn_failed$')
        tail.wait(lambda t: t.counts.get('refuse', 0) >= 2, timeout=3.0,
                  what='summary of the other refusals')
        refuses = [k for k in tail.kept if k['event'] == 'refuse']
        summarised = sum(int(k.get('count', 1)) for k in refuses)
        warn = [k for k in tail.kept if k['event'] == 'warning']
        sl.say('nproc: %d warning lines for 5 failed spawns', len(warn))
        sl.say('nproc: 5 connections over the limit: %d refuse lines (%s), '
               '%d counted in all; warnings: %s', len(refuses),
               ref[0]['_line'], summarised,
               warn[0]['_line'] if warn else '-')
        self.assertEqual(summarised, 5)
        # The reason (fork's errno) once a second, not once a connection.
        self.assertLessEqual(len(warn), int(time.monotonic() - t_over) + 1)
        for k in warn:
            self.assertEqual(k['message'], 'service echo: cannot start a '
                             'handler: Resource temporarily unavailable')
        self.assertTrue(d.running())
        self.assertEqual(tail.starts, HANDLERS)

        # Recovery: the held handlers exit, the next connection is served.
        t0 = time.monotonic()
        for s in held:
            s.sendall(b'bye\n')
            s.shutdown(1)
            self.assertEqual(sl.recv_all(s), b'bye\n')
            s.close()
        held.clear()
        self.assertIsNone(sl.echo_once(port, b'again\n'))
        sl.say('nproc: served again %.2fs after the handlers were released',
               time.monotonic() - t0)
        tail.wait_reaped()
        status = sl.status_dump(d, tail, ['echo'])['echo']
        sl.say('nproc: status %s', status['_line'])
        self.assertEqual(status['live'], '0')
        self.assertEqual(status['accepted'], str(HANDLERS + 1))
        self.assertEqual(status['refused'], '5')
        self.assertEqual(status['failed'], '5')
        self.assertEqual(d.zombies(), [])
        self.assertEqual(d.stop(), 0)


if __name__ == '__main__':
    sl.main()
