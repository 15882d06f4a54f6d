#!/usr/bin/env python3
"""`timeout` (SPEC section 3): the handler's process group gets SIGTERM
after the timeout, SIGKILL 5 s later."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import svc  # noqa: E402



class TimeoutTest(sslib.DaemonTest):

    def test_sleeper_terminated(self):
        """timeout 1 TERMs the handler's group while the handler of a
        service with timeout 20, started at the same time, still runs: the
        configured value, told apart by order rather than a clock's bound."""
        port, other = sslib.free_ports(2)
        d = self.daemon(start=False)
        # a child in the handler's process group, whose pid we record
        h = d.script('sleeper.sh', 'sleep 30 &\necho $! > "$CHILD_FILE"\n'
                     'wait\n')
        d.write_config([svc('sleepy', port, h, timeout=1,
                            env={'CHILD_FILE': d.path('child')}),
                        svc('patient', other, h, timeout=20,
                            env={'CHILD_FILE': d.path('other-child')})])
        d.start()
        s = sslib.connect(port, timeout=10)
        self.addCleanup(s.close)
        o = sslib.connect(other, timeout=10)
        self.addCleanup(o.close)
        patient = int(d.wait_event('start', service='patient')[0]['pid'])
        ev = d.wait_event('exit', service='sleepy', timeout=15)
        self.assertEqual(ev[0].get('signal'), 'TERM', ev[0]['_line'])
        self.assertGreaterEqual(int(ev[0]['duration_ms']), 1000, ev[0]['_line'])
        self.assertTrue(sslib.alive(patient), 'the timeout 20 handler was ended too')
        self.assertEqual(d.events('exit', service='patient'), [])
        child = int(open(d.path('child')).read())
        self.assertTrue(sslib.wait_until(lambda: not sslib.alive(child)),
                        'the whole process group gets the signal')
        self.assertTrue(sslib.closed_at_once(s, timeout=5))

    def test_term_ignored_then_killed(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        h = d.script('stubborn.sh', "trap '' TERM\nsleep 30\n")
        d.write_config([svc('stubborn', port, h, timeout=1)])
        d.start()
        s = sslib.connect(port, timeout=10)
        self.addCleanup(s.close)
        ev = d.wait_event('exit', service='stubborn', timeout=25)
        # KILLed (sleep 30 would have ended with status 0), and no sooner
        # than the timeout plus the 5 s grace; the upper bound is only
        # "before its own end", wide enough for valgrind
        self.assertEqual(ev[0].get('signal'), 'KILL', ev[0]['_line'])
        ms = int(ev[0]['duration_ms'])
        self.assertGreaterEqual(ms, 6000, ev[0]['_line'])
        self.assertLess(ms, 25000, ev[0]['_line'])
        timeouts = d.events('timeout', service='stubborn')
        self.assertEqual([t.get('signal') for t in timeouts], ['TERM', 'KILL'], d.log_text())

    def test_fast_handler_unaffected(self):
        port = sslib.free_port()
        d = self.daemon([svc('fast', port, '/bin/cat', timeout=1)])
        self.assertServes(port, d=d)
        ev = d.wait_event('exit', service='fast')
        self.assertEqual(ev[0].get('status'), '0')


if __name__ == '__main__':
    sslib.main()
