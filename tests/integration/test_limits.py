#!/usr/bin/env python3
"""Admission (SPEC section 3 and 6): instances, rate, allow/deny,
per_source, max_children, and the refusal summary with count=N."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import request, svc  # noqa: E402


class LimitsTest(sslib.DaemonTest):

    def gated(self, d):
        """A handler that answers "ok" once the test opens the gate."""
        return sslib.gated_script(d, 'gated.sh', 'echo ok\n')

    def open_held(self, d, port, service, n, source=None):
        """N connections whose handlers are running (started)."""
        socks = []
        for i in range(n):
            after = d.mark()
            s = sslib.connect(port, source=source, timeout=15)
            self.addCleanup(s.close)
            d.wait_event('start', service=service, after=after)
            socks.append(s)
        return socks

    def release(self, d):
        sslib.open_gate(d)

    def assertRefused(self, d, port, reason, service, source=None):
        after = d.mark()
        s = sslib.connect(port, source=source)
        try:
            cport = s.getsockname()[1]
            self.assertTrue(sslib.closed_at_once(s, timeout=3),
                            'expected the connection closed at once\n'
                            + d.log_text())
        finally:
            s.close()
        ev = d.wait_event('refuse', service=service, after=after,
                          reason=reason)
        self.assertEqual(ev[0].get('peer'),
                         '%s:%d' % (source or '127.0.0.1', cport),
                         ev[0]['_line'])
        self.assertRegex(ev[0]['_line'],
                         r'\bevent=refuse service=%s peer=\S+ reason=%s\b'
                         % (service, reason))

    def test_counts_survive_reload(self):
        """Handlers of a reloaded service still count against its instances;
        those of a removed service are still reaped and logged."""
        port, other = sslib.free_ports(2)
        d = self.daemon(start=False)
        gated = self.gated(d)
        d.write_config([svc('inst', port, gated, instances=1),
                        svc('gone', other, gated)])
        d.start()
        self.open_held(d, port, 'inst', 1)
        held_gone = self.open_held(d, other, 'gone', 1)
        gone_pid = d.events('start', service='gone')[0]['pid']
        # Reload: 'inst' changed (env), 'gone' removed.
        ev = d.reload([svc('inst', port, gated, instances=1, env={'V': '2'})])
        self.assertEqual(ev.get('result'), 'ok', ev['_line'])
        self.assertRefused(d, port, 'instances', 'inst')
        self.release(d)
        d.wait_log(r'\bevent=exit service=gone pid=%s status=0\b' % gone_pid)
        d.wait_event('exit', service='inst')
        held_gone[0].close()
        self.assertServes(port, b'', d=d, expect=b'ok\n')
        self.assertEqual(d.wait_reaped(), [])

    def test_instances(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        d.write_config([svc('inst', port, self.gated(d), instances=2)])
        d.start()
        held = self.open_held(d, port, 'inst', 2)
        self.assertRefused(d, port, 'instances', 'inst')
        self.assertEqual(len(d.events('start', service='inst')), 2)
        self.release(d)
        for s in held:
            self.assertEqual(sslib.recv_all(s), b'ok\n')
        d.wait_event('exit', service='inst', count=2)
        # capacity is back
        self.assertServes(port, b'', expect=b'ok\n', d=d)

    def test_rate(self):
        port = sslib.free_port()
        d = self.daemon([svc('rated', port, '/bin/echo', args=['echo', 'ok'],
                             rate='5/1')])
        served = 0
        t0 = time.monotonic()
        for i in range(30):
            try:
                if request(port, timeout=3) == b'ok\n':
                    served += 1
            except OSError:
                pass
        spent = time.monotonic() - t0
        # burst 5, plus at most the refill over the time spent
        self.assertGreaterEqual(served, 5, d.log_text())
        self.assertLessEqual(served, 5 + int(spent * 5) + 1,
                             'served %d of 30 in %.2fs' % (served, spent))
        refused = 30 - served
        d.wait_event('refuse', service='rated', reason='rate')
        # the summary lines come when the second ends (bounded wait)
        def total():
            n = 0
            for e in d.events('refuse', service='rated', reason='rate'):
                n += int(e.get('count', 1))
            return n
        sslib.wait_until(lambda: total() >= refused)
        self.assertEqual(total(), refused,
                         'first refusal + count=N summaries must add up\n'
                         + d.log_text())
        lines = [e for e in d.events('refuse', service='rated')]
        self.assertLess(len(lines), refused,
                        'refusals in one second must be summarised')
        self.assertTrue(any('count' in e for e in lines), d.log_text())
        # the service is never disabled: after the bucket refills, served
        ok = sslib.wait_until(
            lambda: request(port, timeout=3) == b'ok\n', timeout=3,
            interval=0.25)
        self.assertTrue(ok, 'service did not recover\n' + d.log_text())

    def test_deny(self):
        port = sslib.free_port()
        d = self.daemon([svc('denied', port, '/bin/cat',
                             deny=['127.0.0.0/8'])])
        self.assertRefused(d, port, 'deny', 'denied')
        self.assertEqual(d.events('start', service='denied'), [],
                         'a refused peer costs no process')

    def test_allow_other_net(self):
        pa, pb = sslib.free_ports(2)
        d = self.daemon([svc('ten', pa, '/bin/cat', allow=['10.0.0.0/8']),
                         svc('lo', pb, '/bin/cat',
                             allow=['10.0.0.0/8', '127.0.0.1/32'])])
        self.assertRefused(d, pa, 'deny', 'ten')
        self.assertServes(pb, d=d)

    def test_deny_wins_over_allow(self):
        port = sslib.free_port()
        d = self.daemon([svc('both', port, '/bin/cat',
                             allow=['127.0.0.0/8'], deny=['127.0.0.1/32'])])
        self.assertRefused(d, port, 'deny', 'both')
        # 127.0.0.2 is allowed and not denied
        self.assertEqual(request(port, b'x', source='127.0.0.2'), b'x')

    def test_per_source(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        d.write_config([svc('ps', port, self.gated(d), per_source=1)])
        d.start()
        held = self.open_held(d, port, 'ps', 1)
        self.assertRefused(d, port, 'per_source', 'ps')
        # another source address still gets in
        other = self.open_held(d, port, 'ps', 1, source='127.0.0.2')
        self.release(d)
        for s in held + other:
            self.assertEqual(sslib.recv_all(s), b'ok\n')

    def test_max_children(self):
        pa, pb = sslib.free_ports(2)
        d = self.daemon(start=False)
        g = self.gated(d)
        d.write_config([svc('m1', pa, g), svc('m2', pb, '/bin/cat')],
                       top={'max_children': 1})
        d.start()
        held = self.open_held(d, pa, 'm1', 1)
        self.assertRefused(d, pb, 'max_children', 'm2')
        self.release(d)
        self.assertEqual(sslib.recv_all(held[0]), b'ok\n')
        d.wait_event('exit', service='m1')
        self.assertServes(pb, d=d)

    def test_refusal_summary(self):
        port = sslib.free_port()
        d = self.daemon([svc('flood', port, '/bin/cat',
                             deny=['127.0.0.0/8'])])
        n = 40
        t0 = time.monotonic()
        for i in range(n):
            s = sslib.connect(port)
            sslib.closed_at_once(s, timeout=3)
            s.close()
        seconds = int(time.monotonic() - t0) + 2  # the seconds the flood touched

        def total():
            return sum(int(e.get('count', 1))
                       for e in d.events('refuse', service='flood'))
        sslib.wait_until(lambda: total() >= n)
        evs = d.events('refuse', service='flood')
        self.assertEqual(total(), n, d.log_text())
        # at most the first refusal and one count=N line per second, however
        # slowly the flood went (valgrind), so far fewer than one per refusal
        self.assertLessEqual(len(evs), 2 * seconds, 'a flood must not flood the log')
        self.assertLess(len(evs), n, 'a flood must not flood the log')
        self.assertTrue(any('count' in e for e in evs), d.log_text())
        for e in evs:
            self.assertEqual(e.get('reason'), 'deny', e['_line'])
            if 'count' in e:
                self.assertRegex(e['_line'], r'\bcount=\d+\b')


if __name__ == '__main__':
    sslib.main()
