#!/usr/bin/env python3
"""10,000 idle connections waiting for their PROXY header (SPEC section 8).

Not part of the default `make check`: run with `make check-scale`.  This
process holds 10,000 connections to a `proxy_protocol: v2` service, from a
trusted balancer address, that have not sent a complete header: half sent
nothing, half sent the first 8 bytes of a v2 signature (bytes that stay
in the socket, peeked, which an edge-triggered watch must not spin on).
While they wait, the daemon's CPU time (utime + stime from /proc/PID/stat)
over 10 s must stay under 1% of a core and its resident memory must have
grown by less than 4 MB since before they came.  One of them then sends the
rest of its header and is served; the others are closed by this side and
the daemon's count of waiting connections (status dump) drops to 0.

The figures are printed (tests/scale/test_proxy_pending.log).
"""

import os
import signal
import socket
import struct
import time
import unittest

import scalelib
from scalelib import sslib

N_PENDING = int(os.environ.get('SS_SCALE_PENDING', '10000'))
IDLE_SECONDS = 10.0
CPU_LIMIT = 0.01          # of one core
RSS_LIMIT_KIB = 4 * 1024
V2_SIG = b'\r\n\r\n\x00\r\nQUIT\n'


def v2_header():
    body = (socket.inet_aton('203.0.113.7') + socket.inet_aton('192.0.2.1') +
            struct.pack('!HH', 51234, 443))
    return V2_SIG + b'\x21\x11' + struct.pack('!H', len(body)) + body


def pending(d):
    after = d.mark()
    d.send_signal(signal.SIGUSR1)
    ev = d.wait_event('status', after=after, service='lb')[0]
    return int(ev.get('pending', '-1'))


class ProxyPendingScale(unittest.TestCase):

    def setUp(self):
        soft, _ = scalelib.raise_nofile(N_PENDING + 1024)
        if soft < N_PENDING + 512:
            self.skipTest('RLIMIT_NOFILE %d is too low for %d connections '
                          '(needs root or a higher hard limit)'
                          % (soft, N_PENDING))
        self.clients = []
        self.addCleanup(self.close_clients)

    def close_clients(self):
        for s in self.clients:
            s.close()
        self.clients = []

    def test_10000_idle_pending(self):
        def make():
            port = scalelib.held_free_ports(1)[0]
            self.port = port
            return [sslib.svc('lb', port, '/bin/cat', backlog=N_PENDING + 100,
                              proxy_protocol='v2',
                              proxy_from=['127.0.0.0/8'],
                              proxy_timeout=300)]
        d = scalelib.start_with_retry(self, make)
        # warm up: one connection through the whole path, then measure
        got = sslib.request(self.port, v2_header() + b'warm')
        self.assertEqual(got, b'warm')
        sslib.wait_until(lambda: d.events('exit'))
        rss0 = scalelib.vm_rss_kib(d.pid)

        t0 = time.monotonic()
        for i in range(N_PENDING):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.clients.append(s)
            s.settimeout(10.0)
            s.connect(('127.0.0.1', self.port))
            if i % 2:
                s.sendall(V2_SIG[:8])
        self.assertTrue(sslib.wait_until(
            lambda: pending(d) == N_PENDING, timeout=60.0),
            'pending=%d, not %d' % (pending(d), N_PENDING))
        opened = time.monotonic() - t0

        cpu0 = scalelib.cpu_seconds(d.pid)
        w0 = time.monotonic()
        time.sleep(IDLE_SECONDS)   # the measurement window itself
        cpu = (scalelib.cpu_seconds(d.pid) - cpu0) / (time.monotonic() - w0)
        rss1 = scalelib.vm_rss_kib(d.pid)
        grown = rss1 - rss0
        print('%d pending connections held (opened in %.1f s): daemon CPU '
              '%.3f%% of a core over %.0f s idle, RSS %d -> %d KiB (+%d KiB, '
              '%.0f bytes per connection)'
              % (N_PENDING, opened, cpu * 100, IDLE_SECONDS, rss0, rss1,
                 grown, grown * 1024.0 / N_PENDING))
        self.assertLess(cpu, CPU_LIMIT)
        self.assertLess(grown, RSS_LIMIT_KIB)

        # a waiting connection is still served when its header completes
        s = self.clients[1]
        s.sendall(v2_header()[8:] + b'late')
        s.shutdown(socket.SHUT_WR)
        self.assertEqual(sslib.recv_all(s), b'late')
        self.close_clients()
        self.assertTrue(sslib.wait_until(lambda: pending(d) == 0,
                                         timeout=60.0))
        self.assertEqual(d.zombies(), [])


if __name__ == '__main__':
    sslib.main()
