#!/usr/bin/env python3
"""A handler that cannot be executed (removed after the config was loaded)
costs one connection, never the daemon."""

import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import svc  # noqa: E402


class ExecFailTest(sslib.DaemonTest):

    def test_removed_exec(self):
        pa, pb = sslib.free_ports(2)
        d = self.daemon(start=False)
        gone = d.script('gone.sh', 'echo alive\n')
        d.write_config([svc('gone', pa, gone), svc('cat', pb, '/bin/cat')])
        d.start()
        self.assertServes(pa, b'', expect=b'alive\n', d=d)
        os.remove(gone)
        for i in range(3):
            s = sslib.connect(pa)
            try:
                self.assertTrue(sslib.closed_at_once(s, timeout=5),
                                'connection must be closed\n' + d.log_text())
            finally:
                s.close()
            self.assertTrue(d.running(), 'daemon died\n' + d.log_text())
        self.assertServes(pb, b'still here\n', d=d)
        # the handler is back: the service works again, no reload needed
        d.script('gone.sh', 'echo back\n')
        self.assertServes(pa, b'', expect=b'back\n', d=d)
        self.assertEqual(d.wait_reaped(), [])
        self.assertTrue(d.running())

    def test_not_executable_any_more(self):
        pa = sslib.free_port()
        d = self.daemon(start=False)
        h = d.script('h.sh', 'echo hi\n')
        d.write_config([svc('h', pa, h)])
        d.start()
        os.chmod(h, 0o644)
        s = sslib.connect(pa)
        try:
            self.assertTrue(sslib.closed_at_once(s, timeout=5), d.log_text())
        finally:
            s.close()
        self.assertTrue(d.running())
        self.assertEqual(d.wait_reaped(), [])

    def assertFailureReported(self, d, pid, error):
        """One event=exec_failed naming ERROR, then the exit with status 127.
        Under valgrind the child is a fork: its report cannot reach the
        daemon, and only the exit status is checked."""
        lines = d.log_lines()
        if os.environ.get('SS_UNDER_VALGRIND'):
            exits = [sslib.parse_kv(l) for l in lines
                     if sslib.parse_kv(l).get('event') == 'exit' and
                     sslib.parse_kv(l).get('pid') == pid]
            self.assertEqual([e['status'] for e in exits], ['127'])
            return
        fails = [i for i, l in enumerate(lines)
                 if sslib.parse_kv(l).get('event') == 'exec_failed' and
                 sslib.parse_kv(l).get('pid') == pid]
        exits = [i for i, l in enumerate(lines)
                 if sslib.parse_kv(l).get('event') == 'exit' and
                 sslib.parse_kv(l).get('pid') == pid]
        self.assertEqual(len(fails), 1, 'pid %s\n%s' % (pid, d.log_text()))
        self.assertEqual(len(exits), 1, 'pid %s\n%s' % (pid, d.log_text()))
        self.assertLess(fails[0], exits[0], d.log_text())
        self.assertEqual(sslib.parse_kv(lines[fails[0]])['error'], error)
        self.assertEqual(sslib.parse_kv(lines[exits[0]])['status'], '127')

    def test_failed_step_is_named(self):
        """A step before the exec that fails is named, with its error."""
        pa = sslib.free_port()
        d = self.daemon(start=False)
        d.write_config([svc('nodir', pa, '/bin/cat',
                            chdir=d.path('no-such-dir'))])
        d.start()
        s = sslib.connect(pa)
        try:
            self.assertTrue(sslib.closed_at_once(s, timeout=5), d.log_text())
        finally:
            s.close()
        ev = d.wait_event('exit', service='nodir')[0]
        self.assertFailureReported(d, ev['pid'],
                                   'chdir: No such file or directory')

    def test_failures_under_concurrency(self):
        """Many starts failing at once (several children between clone and
        exec): each failure is reported once, for its own pid."""
        pa, pb = sslib.free_ports(2)
        d = self.daemon(start=False)
        gone = d.path('gone-handler')
        d.write_config([svc('gone', pa, gone), svc('cat', pb, '/bin/cat')])
        open(gone, 'w').close()  # -t and start need it to exist
        os.chmod(gone, 0o755)
        d.start()
        os.remove(gone)
        n = 60

        def hit():
            try:
                with socket.create_connection(('127.0.0.1', pa), 5) as c:
                    c.settimeout(5)
                    c.recv(1)
            except OSError:
                pass

        threads = [threading.Thread(target=hit) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        exits = d.wait_event('exit', count=n, service='gone')
        for ev in exits:
            self.assertFailureReported(d, ev['pid'],
                                       'execve: No such file or directory')
        if not os.environ.get('SS_UNDER_VALGRIND'):
            self.assertEqual(len(d.events('exec_failed')), n, d.log_text())
        self.assertServes(pb, b'still here\n', d=d)
        self.assertEqual(d.wait_reaped(), [])


if __name__ == '__main__':
    sslib.main()
