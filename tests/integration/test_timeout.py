#!/usr/bin/env python3
"""`timeout` (SPEC section 3): the handler's process group gets SIGTERM
after the timeout, SIGKILL 5 s later."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import svc  # noqa: E402



class TimeoutTest(sslib.DaemonTest):

    def test_sleeper_terminated(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        # a child in the handler's process group, whose pid we record
        h = d.script('sleeper.sh', 'sleep 30 &\necho $! > "%s/child"\n'
                     'wait\n' % d.tmpdir)
        d.write_config([svc('sleepy', port, h, timeout=1)])
        d.start()
        s = sslib.connect(port, timeout=10)
        self.addCleanup(s.close)
        t0 = time.monotonic()
        ev = d.wait_event('exit', service='sleepy', timeout=4)
        self.assertEqual(ev[0].get('signal'), 'TERM', ev[0]['_line'])
        self.assertGreaterEqual(int(ev[0]['duration_ms']), 900)
        self.assertLess(time.monotonic() - t0, 4)
        child = int(open(d.path('child')).read())
        self.assertTrue(sslib.wait_until(lambda: not sslib.alive(child),
                                         timeout=3),
                        'the whole process group gets the signal')
        self.assertTrue(sslib.closed_at_once(s, timeout=3))

    def test_term_ignored_then_killed(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        h = d.script('stubborn.sh', "trap '' TERM\nsleep 30\n")
        d.write_config([svc('stubborn', port, h, timeout=1)])
        d.start()
        s = sslib.connect(port, timeout=10)
        self.addCleanup(s.close)
        ev = d.wait_event('exit', service='stubborn', timeout=10)
        self.assertEqual(ev[0].get('signal'), 'KILL', ev[0]['_line'])
        ms = int(ev[0]['duration_ms'])
        self.assertGreaterEqual(ms, 5500, ev[0]['_line'])
        self.assertLess(ms, 9000, ev[0]['_line'])

    def test_fast_handler_unaffected(self):
        port = sslib.free_port()
        d = self.daemon([svc('fast', port, '/bin/cat', timeout=1)])
        self.assertServes(port, d=d)
        ev = d.wait_event('exit', service='fast')
        self.assertEqual(ev[0].get('status'), '0')


if __name__ == '__main__':
    sslib.main()
