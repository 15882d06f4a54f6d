#!/usr/bin/env python3
"""`stderr` (SPEC section 3): discard, socket, log."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import request, svc  # noqa: E402


NOISY = 'echo "to stdout"\necho "oops: went wrong" >&2\necho second >&2\n'


class StderrTest(sslib.DaemonTest):

    def setUp(self):
        self.ports = dict(zip(['discard', 'socket', 'log'],
                              sslib.free_ports(3)))
        d = self.daemon(start=False)
        h = d.script('noisy.sh', NOISY)
        d.write_config([svc(k, p, h, stderr=k)
                        for k, p in self.ports.items()])
        d.start()
        self.d = d

    def test_discard(self):
        self.assertEqual(request(self.ports['discard']), b'to stdout\n')
        ev = self.d.wait_event('exit', service='discard')
        self.assertEqual(self.d.events('stderr'), [])

    def test_socket(self):
        out = request(self.ports['socket'])
        self.assertEqual(sorted(out.decode().splitlines()),
                         sorted(['to stdout', 'oops: went wrong', 'second']))

    def test_log(self):
        d = self.d
        self.assertEqual(request(self.ports['log']), b'to stdout\n')
        ex = d.wait_event('exit', service='log')
        pid = ex[0]['pid']
        d.wait_log(r'\bevent=stderr service=log pid=%s '
                   r'line="oops: went wrong"' % pid)
        ev = d.wait_event('stderr', service='log', count=2)
        self.assertEqual([e['line'] for e in ev],
                         ['oops: went wrong', 'second'])


if __name__ == '__main__':
    sslib.main()
