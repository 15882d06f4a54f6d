#!/usr/bin/env python3
"""SIGTERM/SIGINT (SPEC section 5): stop accepting, exit 0 at once, running
handlers keep running and finish their answer."""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import svc  # noqa: E402

SLOW = 'read line\necho "finished $line"\n'  # after sslib.GATE
# accepts two connections on its listening socket (fd 0), answering each
WAIT_ACCEPT = '''import socket
ls = socket.socket(fileno=0)
ls.settimeout(20)
for n in range(2):
    c, _ = ls.accept()
    c.sendall(b'kept %d\\n' % n)
    c.close()
'''


class ShutdownTest(sslib.DaemonTest):

    def _term_while_serving(self, sig):
        """The handler is held at its gate while the daemon stops: a daemon
        that waited for its handlers would never exit (d.stop fails after
        its bound), one that killed them would leave no answer."""
        port = sslib.free_port()
        d = self.daemon(start=False)
        slow = sslib.gated_script(d, 'slow.sh', SLOW)
        d.write_config([svc('slow', port, slow)])
        d.start()
        s = sslib.connect(port, timeout=30)
        self.addCleanup(s.close)
        s.sendall(b'q\n')
        pid = int(d.wait_event('start', service='slow')[0]['pid'])
        code = d.stop(timeout=20.0, sig=sig)
        self.assertEqual(code, 0, d.log_text())
        self.assertTrue(sslib.refused(port), 'port still accepts after exit')
        self.assertTrue(sslib.alive(pid), 'handler must keep running')
        sslib.open_gate(d)
        self.assertEqual(sslib.recv_all(s), b'finished q\n',
                         'the handler finishes its answer')
        return d

    def test_sigterm(self):
        self._term_while_serving(signal.SIGTERM)

    def test_sigint(self):
        self._term_while_serving(signal.SIGINT)

    def test_wait_handler_keeps_its_socket(self):
        """SPEC section 5: a tcp wait handler keeps the listening socket it
        was given when the daemon stops, and goes on accepting on it."""
        port = sslib.free_port()
        d = self.daemon(start=False)
        accept = d.script('accept.py', WAIT_ACCEPT, python=True)
        h = sslib.gated_script(d, 'waiter.sh', 'exec %s\n' % accept)
        d.write_config([svc('w', port, h, mode='wait')])
        d.start()
        first = sslib.connect(port, timeout=30)  # wakes the daemon: the handler starts
        self.addCleanup(first.close)
        pid = int(d.wait_event('start', service='w')[0]['pid'])
        self.assertEqual(d.stop(timeout=20.0), 0, d.log_text())
        self.assertTrue(sslib.alive(pid), 'the wait handler was stopped with the daemon')
        second = sslib.connect(port, timeout=30)  # queued on the handler's socket
        self.addCleanup(second.close)
        sslib.open_gate(d)
        self.assertEqual(sslib.recv_all(first), b'kept 0\n')
        self.assertEqual(sslib.recv_all(second), b'kept 1\n')

    def test_sigterm_idle(self):
        pa, pb = sslib.free_ports(2)
        d = self.daemon([svc('a', pa, '/bin/cat'), svc('b', pb, '/bin/cat')])
        self.assertServes(pa, d=d)
        self.assertEqual(d.stop(timeout=5), 0, d.log_text())
        self.assertTrue(sslib.refused(pa))
        self.assertTrue(sslib.refused(pb))


if __name__ == '__main__':
    sslib.main()
