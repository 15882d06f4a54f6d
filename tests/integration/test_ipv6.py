#!/usr/bin/env python3
"""IPv6 listeners: [::1]:PORT, and *:PORT serving both 127.0.0.1 and ::1
with peer addresses written unmapped."""

import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import request, svc  # noqa: E402

HAVE_V6 = sslib.ipv6_loopback_ok()


def env_of(port, host):
    s = sslib.connect(port, host)
    try:
        s.shutdown(socket.SHUT_WR)
        cport = s.getsockname()[1]
        out = sslib.recv_all(s).decode()
    finally:
        s.close()
    env = dict(l.split('=', 1) for l in out.splitlines() if '=' in l)
    return cport, env


@unittest.skipUnless(HAVE_V6, '::1 is not available on this host')
class IPv6Test(sslib.DaemonTest):

    def test_ipv6_loopback_service(self):
        port = sslib.free_port_dual()
        d = self.daemon([svc('v6env', port, '/usr/bin/env', host='::1')])
        cport, env = env_of(port, '::1')
        self.assertEqual(env.get('TCPREMOTEIP'), '::1', d.log_text())
        self.assertEqual(env.get('TCPLOCALIP'), '::1')
        self.assertEqual(env.get('TCPLOCALPORT'), str(port))
        self.assertEqual(env.get('REMOTE_ADDR'), '::1')
        self.assertEqual(env.get('REMOTE_PORT'), str(cport))
        ev = d.wait_event('start', service='v6env')
        self.assertEqual(ev[0].get('peer'), '[::1]:%d' % cport,
                         'IPv6 peers are logged as [::1]:PORT')
        # and nothing on IPv4 for that port
        self.assertTrue(sslib.refused(port, '127.0.0.1'))

    def test_wildcard_serves_both_families(self):
        port = sslib.free_port_dual()
        d = self.daemon([svc('any', port, '/bin/cat', host='*')])
        for host in ('127.0.0.1', '::1'):
            data = ('via %s\n' % host).encode()
            try:
                got = request(port, data, host)
            except OSError as e:
                self.fail('%s: %r\n%s' % (host, e, d.log_text()))
            self.assertEqual(got, data)

    def test_wildcard_peers_are_unmapped(self):
        port = sslib.free_port_dual()
        d = self.daemon([svc('anyenv', port, '/usr/bin/env', host='*')])
        cport4, env4 = env_of(port, '127.0.0.1')
        self.assertEqual(env4.get('TCPREMOTEIP'), '127.0.0.1',
                         'an IPv4 client of a dual-stack socket is written '
                         'unmapped\n' + d.log_text())
        self.assertEqual(env4.get('REMOTE_ADDR'), '127.0.0.1')
        cport6, env6 = env_of(port, '::1')
        self.assertEqual(env6.get('TCPREMOTEIP'), '::1')
        peers = [e.get('peer') for e in d.wait_event('start', count=2)]
        self.assertIn('127.0.0.1:%d' % cport4, peers)
        self.assertIn('[::1]:%d' % cport6, peers)


if __name__ == '__main__':
    sslib.main()
