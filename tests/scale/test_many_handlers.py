#!/usr/bin/env python3
"""10,000 live handlers held open at once, new-connection latency unchanged.

Not part of the default `make check` (it forks 10,000 processes): run with
`make check-scale`.  The client side (this process) holds 10,000 connected
sockets, so it raises its own RLIMIT_NOFILE (and, as root, the hard limit,
which the daemon inherits and raises its soft limit to).

Latency is measured on a second (echo) service: connect -> first byte of a
round trip, 3 batches of 200 sequential connections, with 0 and with
10,000 live handlers; median and p99 of each batch are printed, and the
ratio of the best batch medians (loaded / idle) is asserted < 2x.
Afterwards every handler must be reaped (no zombies) and the daemon's
descriptor count back where it started.

The control socket with all N live: `superserverctl handlers` lists all N
(its time is printed), the same latency batches are measured while such
dumps run five times a second in another process, and their p99 must stay within
DUMP_P99_RATIO of the batches without a dump (the dump is streamed in chunks,
so it never holds the loop).  A dump whose reader stops after the first chunk
while 1,000 handlers exit goes on with whole rows, each pid once; one whose
reader closes mid-dump is dropped.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import scalelib
from scalelib import sslib

N_HANDLERS = int(os.environ.get('SS_SCALE_HANDLERS', '10000'))
LAT_N = 200
BATCHES = 3
CHUNK = 500               # connections opened before waiting for their starts
START_TIMEOUT = 120.0     # for all N handlers to start
REAP_TIMEOUT = 120.0      # for all N to exit and be reaped
MEDIAN_RATIO = 2.0
DUMP_P99_RATIO = 1.5
DUMP_ROUNDS = 3
CTL = os.path.join(os.environ.get('TOP_BUILDDIR', '.'), 'src', 'superserverctl')


def hold_exec():
    top = os.environ.get('TOP_BUILDDIR')
    path = os.path.join(top, 'tests', 'scale', 'hold') if top else None
    if not path or not os.access(path, os.X_OK):
        raise unittest.SkipTest('tests/scale/hold is not built (TOP_BUILDDIR=%r)'
                                % top)
    return os.path.abspath(path)


def mem_available_kib():
    with open('/proc/meminfo') as f:
        for line in f:
            if line.startswith('MemAvailable:'):
                return int(line.split()[1])
    return 0


def fmt(lat):
    return 'median %s, p99 %s, max %s' % (
        scalelib.ms(scalelib.median(lat)),
        scalelib.ms(scalelib.percentile(lat, 99)), scalelib.ms(lat[-1]))


class ManyHandlers(unittest.TestCase):

    def setUp(self):
        with open('/proc/sys/kernel/pid_max') as f:
            if int(f.read()) < N_HANDLERS + 2000:
                self.skipTest('kernel.pid_max too low for %d handlers'
                              % N_HANDLERS)
        if mem_available_kib() < 4 * 1024 * 1024:
            self.skipTest('less than 4 GiB of memory available')
        soft, hard = scalelib.raise_nofile(N_HANDLERS + 2048)
        if soft < N_HANDLERS + 1024:
            self.skipTest('RLIMIT_NOFILE %d/%d too low for %d client sockets '
                          '(run as root to raise the hard limit)'
                          % (soft, hard, N_HANDLERS))
        self.clients = []
        self.addCleanup(self.close_clients)

    def close_clients(self):
        for s in self.clients:
            s.close()
        self.clients = []

    def latency(self, what):
        """BATCHES batches of LAT_N connections; the batch with the middle
        median is kept: one noisy batch of a shared machine is outvoted, a
        slowness that shows in most batches is not."""
        batches = []
        for _ in range(BATCHES):
            cpu0 = scalelib.cpu_seconds(self.daemon_pid)
            batches.append(scalelib.first_byte_latency(self.probe_port, LAT_N))
            cpu = (scalelib.cpu_seconds(self.daemon_pid) - cpu0) / LAT_N
            print('latency, %-20s %s; daemon CPU %s per connection'
                  % (what + ':', fmt(batches[-1]), scalelib.ms(cpu)),
                  flush=True)
        return sorted(batches, key=scalelib.median)[len(batches) // 2]

    def ctl_handlers(self):
        p = subprocess.run([CTL, '-s', self.ctl_sock, 'handlers'],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        self.assertEqual((p.returncode, p.stderr), (0, b''))
        return p.stdout.decode().splitlines()

    def dumping_latency(self):
        """Latency batches while superserverctl handlers runs five times a
        second, as a monitoring system polling hard would: a dump (10-30 ms)
        is in progress a good part of the time, so a dump that held the loop
        would show in the p99; back to back, the dumps' own CPU on a
        two-core machine would be measured instead."""
        loop = subprocess.Popen(
            ['nice', '-n', '19', '/bin/sh', '-c', 'i=0; while [ $i -lt 2000 ]; do "$0" -s "$1" '
             'handlers >/dev/null || exit 1; sleep 0.2; i=$((i+1)); done', CTL,
             self.ctl_sock], stdin=subprocess.DEVNULL)
        try:
            return self.latency('%d live, dumping' % N_HANDLERS)
        finally:
            if loop.poll() is None:
                loop.terminate()
            loop.wait(30)

    def control_dumps(self, loaded, tail, d):
        """The control socket with N live (see the docstring at the top).
        Ends 1,000 of the hold handlers."""
        if not os.access(CTL, os.X_OK):
            self.fail('superserverctl not built (%s)' % CTL)
        t0, cpu0 = time.perf_counter(), scalelib.cpu_seconds(d.pid)
        rows = self.ctl_handlers()
        took, cpu = time.perf_counter() - t0, scalelib.cpu_seconds(d.pid) - cpu0
        dump_bytes = sum(len(r) + 1 for r in rows)
        self.assertEqual(sum(r.startswith('service=hold ') for r in rows),
                         N_HANDLERS)
        print('superserverctl handlers with %d live: %d rows, %d bytes in %s '
              '(daemon CPU %s)' % (N_HANDLERS, len(rows), dump_bytes,
                                   scalelib.ms(took), scalelib.ms(cpu)),
              flush=True)

        # Latency while dumps run in another process (bounded: at most 2,000
        # dumps, stopped when the batches are done).  The clients run at
        # nice 19: on a small machine their own CPU would otherwise be
        # measured, not the daemon's loop.  DUMP_ROUNDS rounds, each a
        # fresh batch without dumps then one with; the majority decides: one
        # round spoiled by a shared machine's noise is outvoted, a daemon
        # whose dumps hold the loop in most rounds fails.
        rounds = []
        for _ in range(DUMP_ROUNDS):
            without = self.latency('%d live, not dumping' % N_HANDLERS)
            during = self.dumping_latency()
            p99, p99_idle = (scalelib.percentile(during, 99),
                             scalelib.percentile(without, 99))
            print('p99 during handlers dumps %s, without %s: %.2fx (limit %.1fx)'
                  % (scalelib.ms(p99), scalelib.ms(p99_idle), p99 / p99_idle,
                     DUMP_P99_RATIO), flush=True)
            rounds.append((p99 / p99_idle, during, without))
            passed = sum(r[0] < DUMP_P99_RATIO for r in rounds)
            if passed > DUMP_ROUNDS // 2 or len(rounds) - passed > DUMP_ROUNDS // 2:
                break
        passed = [r for r in rounds if r[0] < DUMP_P99_RATIO]
        worst = max(rounds, key=lambda r: r[0])
        self.assertGreater(len(passed), DUMP_ROUNDS // 2,
                           'p99 latency during dumps over %.1fx in %d of %d rounds; the worst: '
                           'during %s; without %s' % (DUMP_P99_RATIO, len(rounds) - len(passed),
                                                      len(rounds), fmt(worst[1]), fmt(worst[2])))

        # A reader that stops after the first chunk while 1,000 exit: the
        # rest of its dump has only the survivors, every row whole.
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(self.ctl_sock)
        s.sendall(b'handlers\n')
        first = s.recv(4096)
        self.assertTrue(first.startswith(b'ok\n'), first[:100])
        # The newest: their rows come last, after what the socket took.
        gone, self.clients = self.clients[-1000:], self.clients[:-1000]
        for c in gone:
            c.close()
        tail.wait('exit', 'hold', 1000, REAP_TIMEOUT, d.proc)
        body = (first + sslib.recv_all(s, 1 << 24))[3:].decode()
        s.close()
        lines = body.splitlines()
        self.assertTrue(body.endswith('\n'))
        pids = [int(sslib.parse_kv(r)['pid']) for r in lines]
        self.assertEqual(len(set(pids)), len(pids))
        self.assertGreaterEqual(len(lines), N_HANDLERS - 1000)
        self.assertLessEqual(len(lines), N_HANDLERS)
        # When the dump is far bigger than a socket buffer, the daemon was
        # mid-dump at the exits: the handlers listed last are gone.
        with open('/proc/sys/net/core/wmem_default') as f:
            if dump_bytes > 2 * int(f.read()) + 1000 * 80:
                self.assertEqual(len(lines), N_HANDLERS - 1000)
        print('a dump read slowly while 1,000 handlers exited: %d rows'
              % len(lines), flush=True)
        # Readers that close mid-dump: dropped, the next dump is whole.
        for _ in range(5):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(self.ctl_sock)
            c.sendall(b'handlers\n')
            c.recv(1000)
            c.close()
        self.assertEqual(len(self.ctl_handlers()), N_HANDLERS - 1000)

    def test_10000_live_handlers(self):
        hold = hold_exec()
        echo = sslib.require_bundled(self, 'echo')
        ports = {}

        def make():
            ports['hold'], ports['probe'] = scalelib.held_free_ports(2)
            return [sslib.svc('hold', ports['hold'], hold, backlog=4096),
                    sslib.svc('probe', ports['probe'], echo)]

        ctl_dir = tempfile.mkdtemp(prefix='ss-scale-ctl-')
        self.addCleanup(shutil.rmtree, ctl_dir, True)
        self.ctl_sock = os.path.join(ctl_dir, 'ctl')
        d = scalelib.start_with_retry(
            self, make, top={'max_children': N_HANDLERS + 1000,
                             'control': self.ctl_sock})
        tail = scalelib.LogTail(d.log_path)
        self.probe_port = ports['probe']
        self.daemon_pid = d.pid
        fds_at_start = len(sslib.fds(d.pid))

        scalelib.first_byte_latency(ports['probe'], 20)  # warm up
        base = self.latency('0 live handlers')

        # N connections, CHUNK at a time, each waiting for its handler.
        t0 = time.monotonic()
        deadline = t0 + START_TIMEOUT
        while len(self.clients) < N_HANDLERS:
            for _ in range(min(CHUNK, N_HANDLERS - len(self.clients))):
                self.clients.append(sslib.connect(ports['hold'], timeout=10))
            tail.wait('start', 'hold', len(self.clients),
                      max(1.0, deadline - time.monotonic()), d.proc)
        started = time.monotonic() - t0
        # Each handler says "+" once it runs: all N are live at once.
        for s in self.clients:
            self.assertEqual(s.recv(1), b'+')
        live = time.monotonic() - t0
        self.assertEqual(tail.poll().count('exit', 'hold'), 0)
        kids = sslib.children_of(d.pid)
        self.assertEqual(sum(st != 'Z' for st in kids.values()), N_HANDLERS)
        print('%d handlers started in %.1f s, all live after %.1f s; '
              'daemon RSS %d KiB, %d fds; memory available %d MiB'
              % (N_HANDLERS, started, live, scalelib.vm_rss_kib(d.pid),
                 len(sslib.fds(d.pid)), mem_available_kib() // 1024),
              flush=True)

        loaded = self.latency('%d live handlers' % N_HANDLERS)
        ratio = scalelib.median(loaded) / scalelib.median(base)
        p99_ratio = (scalelib.percentile(loaded, 99) /
                     scalelib.percentile(base, 99))
        print('ratio loaded/idle: median %.2fx, p99 %.2fx'
              % (ratio, p99_ratio), flush=True)
        self.control_dumps(loaded, tail, d)
        # A hold handler still answers (echo) with all N live.
        s = self.clients[-1]
        s.sendall(b'still here')
        got = b''
        while len(got) < 10:
            b = s.recv(64)
            if not b:
                break
            got += b
        self.assertEqual(got, b'still here')

        # Close everything: all N exit, are reaped, descriptors return.
        t0 = time.monotonic()
        self.close_clients()
        tail.wait('exit', 'hold', N_HANDLERS, REAP_TIMEOUT, d.proc)
        reaped = time.monotonic() - t0
        self.assertTrue(sslib.wait_until(
            lambda: not sslib.children_of(d.pid), timeout=10.0),
            'children left: %s' % sslib.children_of(d.pid))
        self.assertTrue(sslib.wait_until(
            lambda: len(sslib.fds(d.pid)) == fds_at_start, timeout=5.0),
            'fds %d, at start %d' % (len(sslib.fds(d.pid)), fds_at_start))
        statuses = [e for e in d.events('exit', service='hold')
                    if e.get('status') != '0']
        self.assertEqual(statuses[:5], [], 'hold handlers that failed')
        print('all %d exited and reaped %.1f s after the close; daemon fds '
              '%d as at start' % (N_HANDLERS, reaped, fds_at_start),
              flush=True)

        self.assertLess(ratio, MEDIAN_RATIO,
                        'new-connection latency with %d live handlers: %s; '
                        'idle: %s' % (N_HANDLERS, fmt(loaded), fmt(base)))
        self.assertEqual(d.stop(), 0)


if __name__ == '__main__':
    sslib.main()
