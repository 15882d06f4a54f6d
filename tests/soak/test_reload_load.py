#!/usr/bin/env python3
"""Reload under load: client processes make >= 10,000 connections to two
services that stay configured while the config is reloaded >= 50 times,
adding, removing and changing other services (and the stable ones' options
that keep their socket), with invalid configs in between.  Not one
connection to a stable service may fail; afterwards no zombie, and the
daemon holds as many descriptors as before."""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import soaklib as sl  # noqa: E402

CONNECTIONS = 12000
MIN_RELOADS = 50
MAX_RELOADS = 400
LOAD_SECONDS = 150.0


class ReloadUnderLoadTest(sl.DaemonTest):

    def test_reloads_lose_no_connection(self):
        p1, p2, x1, x2, x3 = sl.free_ports(5)
        echo = sl.require_bundled(self, 'echo')
        discard = sl.require_bundled(self, 'discard')

        def base(**s1_opts):
            return [sl.svc('stable1', p1, echo, **s1_opts),
                    sl.svc('stable2', p2, echo)]

        d = self.daemon(base())
        tail = sl.LogTail(d)
        self.addCleanup(sl.kill_logged_handlers, d, tail)
        self.assertServes(p1, d=d)
        self.assertServes(p2, d=d)
        tail.wait_reaped()
        fds_before = sl.fd_count(d.pid)
        inode1, inode2 = sl.socket_inode(d.pid, p1), sl.socket_inode(d.pid, p2)

        good_text = sl.to_libconfig({'services': base()})
        variants = [
            ('add', lambda i: base() + [sl.svc('extra1', x1, echo)], x1),
            ('add2', lambda i: base() + [sl.svc('extra1', x1, echo),
                                         sl.svc('extra2', x2, echo)], x2),
            ('change', lambda i: base(env={'GEN': str(i)}) +
             [sl.svc('extra2', x2, echo, args=[echo, 'gen%d' % i])], x2),
            ('syntax', 'services = ( { name = "broken"; ', None),
            ('options', lambda i: [sl.svc('stable1', p1, echo, backlog=256),
                                   sl.svc('stable2', p2, echo, keepalive=True,
                                          nodelay=True),
                                   sl.svc('extra3', x3, discard,
                                          enabled=False)], None),
            ('unknown-key', lambda i: base(no_such_key=1), None),
            ('swap', lambda i: base() + [sl.svc('extra1', x3, echo),
                                         sl.svc('extra3', x1, discard)], x3),
            ('missing-exec', lambda i: base() + [
                sl.svc('extra1', x1, d.path('no-such-handler'))], None),
            ('base', lambda i: base(), None),
        ]
        invalid = {'syntax', 'unknown-key', 'missing-exec'}

        load = sl.MultiLoad([p1, p2], CONNECTIONS, procs=4, threads=4,
                            seconds=LOAD_SECONDS, tag=b'reload').start()
        results = {'ok': 0, 'error': 0}
        during = 0
        probes = probe_fail = 0
        bad = []
        t0 = time.monotonic()
        for i in range(MAX_RELOADS):
            if not load.running() and i >= MIN_RELOADS:
                break
            name, v, probe = variants[i % len(variants)]
            if isinstance(v, str):
                rl = sl.reload(d, tail, text=v)
            else:
                rl = sl.reload(d, tail, services=v(i))
            results[rl.get('result')] = results.get(rl.get('result'), 0) + 1
            want = 'error' if name in invalid else 'ok'
            if rl.get('result') != want:
                bad.append('%s: %s' % (name, rl['_line']))
            if load.running():
                during += 1
            if probe:   # the service just added or moved answers
                probes += 1
                if sl.echo_once(probe, b'probe %d\n' % i) is not None:
                    probe_fail += 1
        t_reload = time.monotonic() - t0
        load.join()
        rl = sl.reload(d, tail, text=good_text)
        self.assertEqual(rl.get('result'), 'ok', rl['_line'])
        tail.wait_reaped(timeout=30.0)
        zombies = d.zombies()
        fds_after = sl.wait_until(
            lambda: sl.fd_count(d.pid) == fds_before and fds_before,
            timeout=5.0) or sl.fd_count(d.pid)
        sl.say('reload under load: %d connections (%d ok, %d failed) in '
               '%.1fs = %.0f/s; %d reloads in %.1fs (%d while the load ran): '
               '%d ok, %d rejected as invalid; %d probes of added services, '
               '%d failed', load.ok + load.failed, load.ok, load.failed,
               load.elapsed, load.rate(), sum(results.values()), t_reload,
               during, results['ok'], results['error'], probes, probe_fail)
        sl.say('reload under load: zombies %d; daemon fds %d before, %d '
               'after; handlers started %d, exited %d', len(zombies),
               fds_before, fds_after, tail.starts, tail.exits)
        self.assertEqual(load.failed, 0, load.failures)
        self.assertGreaterEqual(load.ok, 10000)
        self.assertGreaterEqual(during, MIN_RELOADS)
        self.assertEqual(bad, [])
        self.assertEqual(probe_fail, 0)
        self.assertEqual(zombies, [])
        self.assertEqual(fds_after, fds_before)
        # The stable services kept their very sockets through it all.
        self.assertEqual(sl.socket_inode(d.pid, p1), inode1)
        self.assertEqual(sl.socket_inode(d.pid, p2), inode2)
        self.assertTrue(d.running())
        self.assertEqual(d.stop(), 0)


if __name__ == '__main__':
    sl.main()
