#!/usr/bin/env python3
"""A handler that cannot be executed (removed after the config was loaded)
costs one connection, never the daemon."""

import os
import sys

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


if __name__ == '__main__':
    sslib.main()
