#!/usr/bin/env python3
"""End to end: the bundled echo handler through the daemon, both config
syntaxes, sequential and concurrent load, and no zombies left."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import request, svc  # noqa: E402


class EchoTest(sslib.DaemonTest):

    def test_libconfig_round_trip(self):
        echo = sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.daemon([svc('echo', port, echo)], syntax='conf')
        data = b'hello, superserver\n'
        self.assertEqual(request(port, data), data, d.log_text())

    def test_yaml_round_trip(self):
        echo = sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        # hand-written block-style YAML, with comments
        text = ('# test config\n'
                'services:\n'
                '  - name: echo-yaml   # the echo service\n'
                '    listen:\n'
                '      - "127.0.0.1:%d"\n'
                '    exec: %s\n' % (port, echo))
        d = self.daemon(syntax='yaml', text=text)
        self.assertTrue(d.config_path.endswith('.yaml'))
        data = b'yaml says hi\n' * 100
        self.assertEqual(request(port, data), data, d.log_text())
        ev = d.wait_event('start', service='echo-yaml')
        self.assertTrue(ev)

    def test_binary_and_large_payload(self):
        echo = sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.daemon([svc('echo', port, echo)])
        data = bytes(range(256)) * 1024  # 256 KiB incl. NUL bytes
        self.assertEqual(request(port, data, timeout=10), data, d.log_text())

    def test_sequential_200_then_no_zombies(self):
        echo = sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.daemon([svc('echo', port, echo)])
        bad = []
        for i in range(200):
            data = ('seq %d\n' % i).encode()
            try:
                got = request(port, data)
            except OSError as e:
                got = repr(e)
            if got != data:
                bad.append((i, got))
        self.assertEqual(bad, [], d.log_text()[-4000:])
        d.wait_event('exit', service='echo', count=200, timeout=10)
        self.assertEqual(d.wait_reaped(timeout=10), [], 'zombies left')
        self.assertEqual(len(d.events('start', service='echo')), 200)

    def test_concurrent_50_then_no_zombies(self):
        echo = sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.daemon([svc('echo', port, echo)])

        def client(i):
            data = ('concurrent client %d\n' % i).encode() * 10
            return request(port, data, timeout=10) == data

        results = sslib.parallel(50, client, timeout=30)
        failed = [(i, r) for i, r in enumerate(results) if r is not True]
        self.assertEqual(failed, [], d.log_text()[-4000:])
        d.wait_event('exit', service='echo', count=50, timeout=10)
        self.assertEqual(d.wait_reaped(timeout=10), [], 'zombies left')
        self.assertTrue(d.running())


if __name__ == '__main__':
    sslib.main()
