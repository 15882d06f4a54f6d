#!/usr/bin/env python3
"""1,100 services in one daemon, every one answering.

The daemon is started with the classic soft RLIMIT_NOFILE of 1024 (hard
limit inherited): its own start-up step must raise it, so that its
listening descriptors go far above 1023 and still work (epoll, no select).
"""

import os
import re
import resource
import selectors
import socket
import time
import unittest

import scalelib
from scalelib import sslib

N_SERVICES = 1100
BATCH = 200       # connections in flight at once (max_children is 1024)
ROUND_TRIP_TIMEOUT = 30.0


def round_trips(ports, payload_of):
    """Connect to every port (BATCH at a time, non-blocking), send a
    service-specific payload, half-close, read the echo to EOF.  Returns
    {port: bytes received}."""
    got = {}
    deadline = time.monotonic() + ROUND_TRIP_TIMEOUT
    for start in range(0, len(ports), BATCH):
        sel = selectors.DefaultSelector()
        bufs = {}
        try:
            for p in ports[start:start + BATCH]:
                s = socket.create_connection(('127.0.0.1', p), timeout=5)
                s.sendall(payload_of(p))
                s.shutdown(socket.SHUT_WR)
                s.setblocking(False)
                bufs[s] = (p, [])
                sel.register(s, selectors.EVENT_READ)
            while bufs and time.monotonic() < deadline:
                for key, _ in sel.select(max(0.0, deadline - time.monotonic())):
                    s = key.fileobj
                    p, chunks = bufs[s]
                    try:
                        b = s.recv(65536)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except ConnectionResetError:
                        b = b''
                    if b:
                        chunks.append(b)
                        continue
                    got[p] = b''.join(chunks)
                    sel.unregister(s)
                    s.close()
                    del bufs[s]
        finally:
            for s in list(bufs):
                got.setdefault(bufs[s][0], b''.join(bufs[s][1]))
                s.close()
            sel.close()
    return got


class ManyServices(unittest.TestCase):

    def test_1100_services_all_answer(self):
        echo = sslib.require_bundled(self, 'echo')
        soft, hard = scalelib.raise_nofile(4096)
        if hard != resource.RLIM_INFINITY and hard < N_SERVICES + 200:
            self.skipTest('hard RLIMIT_NOFILE %d is too low for %d listeners'
                          % (hard, N_SERVICES))
        names = {}

        def make():
            ports = scalelib.held_free_ports(N_SERVICES)
            names.clear()
            svcs = []
            for i, p in enumerate(ports):
                names[p] = 'svc%04d' % i
                svcs.append(sslib.svc(names[p], p, echo))
            return svcs

        t0 = time.monotonic()
        d = scalelib.start_with_retry(
            self, make, top={'max_children': 2048},
            preexec_fn=scalelib.soft_nofile_1024)
        ready = d.events('ready')[0]
        print('ready after %.0f ms: %s' % ((time.monotonic() - t0) * 1000,
                                            ready['_line']))
        self.assertEqual(ready['services'], str(N_SERVICES))
        self.assertEqual(ready['sockets'], str(N_SERVICES))

        # The daemon raised its own soft limit above the 1024 it was given.
        with open('/proc/%d/limits' % d.pid) as f:
            line = [l for l in f if l.startswith('Max open files')][0]
        d_soft = int(line.split()[3])
        self.assertGreater(d_soft, 1024, line)

        # Its listening sockets sit on descriptors far above 1023.
        inodes = set()
        for path in ('/proc/net/tcp',):
            with open(path) as f:
                for row in f.read().splitlines()[1:]:
                    fld = row.split()
                    if fld[3] == '0A' and int(fld[1].rsplit(':', 1)[1],
                                              16) in names:
                        inodes.add(int(fld[9]))
        listen_fds = [fd for fd, t in sslib.fd_targets(d.pid).items()
                      if re.match(r'socket:\[(\d+)\]$', t)
                      and int(t[8:-1]) in inodes]
        self.assertEqual(len(listen_fds), N_SERVICES)
        self.assertGreater(max(listen_fds), 1023)
        print('listening fds: %d, highest %d, above 1023: %d'
              % (len(listen_fds), max(listen_fds),
                 sum(fd > 1023 for fd in listen_fds)))

        # Every service answers with its own payload.
        t0 = time.monotonic()
        got = round_trips(sorted(names), lambda p: names[p].encode() + b'\n')
        print('%d round trips in %.0f ms'
              % (len(got), (time.monotonic() - t0) * 1000))
        bad = {names[p]: got.get(p) for p in names
               if got.get(p) != names[p].encode() + b'\n'}
        self.assertEqual(bad, {}, 'services that did not echo')

        self.assertEqual(d.wait_reaped(timeout=20.0), [])
        self.assertEqual(len(d.events('start')), N_SERVICES)
        self.assertEqual(d.stop(), 0)


if __name__ == '__main__':
    sslib.main()
