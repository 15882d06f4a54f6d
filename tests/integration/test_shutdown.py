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

    def test_sigterm_idle(self):
        pa, pb = sslib.free_ports(2)
        d = self.daemon([svc('a', pa, '/bin/cat'), svc('b', pb, '/bin/cat')])
        self.assertServes(pa, d=d)
        self.assertEqual(d.stop(timeout=5), 0, d.log_text())
        self.assertTrue(sslib.refused(pa))
        self.assertTrue(sslib.refused(pb))


if __name__ == '__main__':
    sslib.main()
