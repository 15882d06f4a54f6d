#!/usr/bin/env python3
"""The pre-confined spawner of a confined service (superserver.conf(5),
SANDBOXING), as root: handlers are the daemon's children and carry the
service's confinement, inherited from the spawner (one seccomp filter, read
from each handler's own /proc/PID/status); the spawner holds no more than its
children need and no descriptor but its socket; a spawner killed under load
or stuck loses no connection and is restarted; reloads roll spawners over;
status, SIGUSR1 and the log name it; a connection counts from its
hand-over."""

import json
import os
import pwd
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import svc, wait_until  # noqa: E402

CAT = '/bin/cat'
CTL = os.path.join(os.environ.get('TOP_BUILDDIR', '.'), 'src', 'superserverctl')
NET_BIND, SETGID, SETUID = 1 << 10, 1 << 6, 1 << 7
GROUPS = ['mount', 'module', 'reboot', 'swap', 'raw-io', 'debug', 'keyring', 'bpf',
          'clock']
CONFINED = {'no_new_privileges': True, 'capabilities': ['CAP_NET_BIND_SERVICE'],
            'syscall_deny': GROUPS}


status, caps, comm = sslib.proc_status, sslib.cap_mask, sslib.proc_comm


def spawners(d, service, after=0):
    """Pids of the spawners started (or restarted) for SERVICE, in order."""
    return [int(e['pid']) for e in d.events('spawner', after=after, service=service)
            if e.get('action') in ('start', 'restart')]


def wait_spawner(d, service, after=0, count=1):
    got = wait_until(lambda: len(spawners(d, service, after)) >= count and
                     spawners(d, service, after))
    if not got:
        raise AssertionError('no spawner for %s\n%s' % (service, d.log_text()))
    return got[count - 1]


def start_pid(d, service, after=0, count=1):
    return int(d.wait_event('start', service=service, after=after, count=count)[count - 1]['pid'])


@unittest.skipUnless(os.geteuid() == 0,
                     'spawners confine as root would (capabilities, identity); '
                     'skipped when not root')
class SpawnerTest(sslib.DaemonTest):

    def test_handlers_are_the_daemons_children_confined_by_inheritance(self):
        try:
            nobody = pwd.getpwnam('nobody')
        except KeyError:
            self.skipTest('no user nobody')
        root_port, nobody_port, plain_port = sslib.free_ports(3)
        d = self.daemon([svc('root', root_port, CAT, **CONFINED),
                         svc('nb', nobody_port, CAT, user='nobody', **CONFINED),
                         svc('plain', plain_port, CAT)])
        conns = {name: sslib.connect(port) for name, port in
                 (('root', root_port), ('nb', nobody_port), ('plain', plain_port))}
        self.addCleanup(lambda: [c.close() for c in conns.values()])
        for name, keep_own in (('root', NET_BIND), ('nb', NET_BIND | SETUID | SETGID)):
            pid = start_pid(d, name)
            self.assertTrue(wait_until(lambda: comm(pid) == 'cat'), 'no exec')
            st = status(pid)
            self.assertEqual(int(st['PPid']), d.pid, name)
            self.assertEqual(st['NoNewPrivs'], '1', name)
            self.assertEqual(st['Seccomp'], '2', name)
            if 'Seccomp_filters' in st:  # one filter: inherited, not attached again
                self.assertEqual(st['Seccomp_filters'], '1', name)
            for key in ('CapBnd', 'CapPrm', 'CapEff'):
                self.assertEqual(caps(st, key), NET_BIND, '%s %s' % (name, key))
            self.assertEqual(caps(st, 'CapAmb'), NET_BIND if name == 'nb' else 0, name)
            if name == 'nb':
                self.assertEqual(st['Uid'].split()[0], str(nobody.pw_uid))
            # The spawner: the same confinement, its own capabilities cut to
            # what its children need to start, nothing open but its socket.
            sp = wait_spawner(d, name)
            self.assertEqual(comm(sp), 'spawn:' + name)
            sst = status(sp)
            self.assertEqual(int(sst['PPid']), d.pid)
            self.assertEqual((sst['NoNewPrivs'], sst['Seccomp']), ('1', '2'))
            self.assertEqual(caps(sst, 'CapBnd'), NET_BIND)
            self.assertEqual(caps(sst, 'CapPrm'), keep_own, name)
            self.assertEqual(caps(sst, 'CapEff'), keep_own, name)
            # Its copy of a connection is closed after the clone, on its own
            # time (the handler may have exec'd first): polled, not read once.
            self.assertTrue(wait_until(lambda: len(sslib.fd_targets(sp)) == 1),
                            sslib.fd_targets(sp))
            fds = sslib.fd_targets(sp)
            self.assertTrue(list(fds.values())[0].startswith('socket:'), fds)
            # The handler: its connection on 0 and 1, /dev/null on 2, no more.
            hfds = sslib.fd_targets(pid)
            self.assertEqual(sorted(hfds), [0, 1, 2], hfds)
            self.assertEqual(hfds[0], hfds[1])
            self.assertEqual(hfds[2], '/dev/null')
        self.assertEqual(spawners(d, 'plain'), [])  # unconfined: started by the daemon
        plain = start_pid(d, 'plain')
        self.assertEqual(int(status(plain)['PPid']), d.pid)

    def test_no_descriptor_leaks(self):
        port = sslib.free_port()
        d = self.daemon([svc('st', port, CAT, stderr='log', **CONFINED)])
        sp = wait_spawner(d, 'st')
        self.assertEqual(sslib.request(port, b'x'), b'x')
        d.wait_reaped()
        before = sslib.fd_targets(d.pid)
        for _ in range(20):
            self.assertEqual(sslib.request(port, b'ping\n'), b'ping\n')
        held = sslib.connect(port)
        self.addCleanup(held.close)
        pid = start_pid(d, 'st', count=22)
        self.assertTrue(wait_until(lambda: comm(pid) == 'cat'), 'no exec')
        hfds = sslib.fd_targets(pid)
        self.assertEqual(sorted(hfds), [0, 1, 2], hfds)
        self.assertTrue(hfds[2].startswith('pipe:'), hfds)  # stderr = log
        held.close()
        d.wait_reaped()
        self.assertTrue(wait_until(lambda: len(sslib.fd_targets(sp)) == 1),
                        sslib.fd_targets(sp))
        # Everything the daemon held for a connection (its copy, the pipe) is closed.
        self.assertTrue(wait_until(lambda: sslib.fd_targets(d.pid) == before),
                        (before, sslib.fd_targets(d.pid)))

    def test_spawner_killed_under_load_loses_no_connection(self):
        port = sslib.free_port()
        d = self.daemon([svc('day', port, sslib.service_exec('daytime'), **CONFINED)])
        first = wait_spawner(d, 'day')
        stop = threading.Event()
        outcomes = []  # per connection: 'served', 'closed' or the error

        def client():
            while not stop.is_set():
                try:
                    got = sslib.request(port, timeout=10)
                    outcomes.append('served' if got.endswith(b'\n') else 'closed')
                except OSError as e:
                    outcomes.append(repr(e))

        threads = [threading.Thread(target=client, daemon=True) for _ in range(8)]
        for t in threads:
            t.start()
        try:
            d.wait_event('start', count=50)
            os.kill(first, signal.SIGKILL)
            d.wait_event('spawner', action='exit', pid=first, signal='KILL')
            second = wait_spawner(d, 'day', count=2)
            self.assertNotEqual(second, first)
            mark = d.mark()
            d.wait_event('start', after=mark, count=50)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        self.assertFalse(any(t.is_alive() for t in threads), 'a client hangs')
        errors = [o for o in outcomes if o not in ('served', 'closed')]
        self.assertEqual(errors, [])
        # A connection closed unserved must have a logged reason.
        refusals = sum(int(e.get('count', 1)) for e in d.events('refuse', service='day'))
        self.assertEqual(outcomes.count('closed'), refusals, d.log_text()[-3000:])
        self.assertEqual(d.wait_reaped(), [])
        starts = d.events('start', service='day')
        self.assertEqual(len(starts), len(d.events('exit', service='day')))
        self.assertEqual(len(starts), outcomes.count('served'))
        self.assertFalse(sslib.alive(first))
        self.assertTrue(sslib.alive(second))
        self.assertEqual(int(status(second)['PPid']), d.pid)

    def test_stuck_spawner_is_replaced(self):
        port = sslib.free_port()
        d = self.daemon([svc('day', port, sslib.service_exec('daytime'), **CONFINED)])
        first = wait_spawner(d, 'day')
        os.kill(first, signal.SIGSTOP)
        self.addCleanup(lambda: sslib.alive(first) and os.kill(first, signal.SIGKILL))
        # Served, by the daemon itself, once the spawner is found stuck.
        self.assertTrue(sslib.request(port, timeout=30).endswith(b'\n'), d.log_text())
        d.wait_event('spawner', action='stalled', pid=first)
        d.wait_event('spawner', action='exit', pid=first, signal='KILL')
        second = wait_spawner(d, 'day', count=2)
        self.assertTrue(sslib.request(port).endswith(b'\n'))
        self.assertEqual(int(status(second)['PPid']), d.pid)
        self.assertEqual(d.wait_reaped(), [])

    def test_reload_rolls_spawners_over(self):
        port, gone_port = sslib.free_ports(2)
        conf = svc('st', port, CAT, **CONFINED)
        gone = svc('gone', gone_port, CAT, **CONFINED)
        d = self.daemon([conf, gone])
        first, gone_sp = wait_spawner(d, 'st'), wait_spawner(d, 'gone')
        held = sslib.connect(port)  # a handler of the first spawner, running on
        self.addCleanup(held.close)
        old_handler = start_pid(d, 'st')
        # Unchanged: the same spawner.
        self.assertEqual(d.reload([conf, gone])['result'], 'ok')
        self.assertEqual(spawners(d, 'st'), [first])
        # Changed plan: a new spawner serves, the old one retires and exits;
        # the service that went takes its spawner with it.
        mark = d.mark()
        changed = dict(conf, env={'GENERATION': '2'})
        self.assertEqual(d.reload([changed])['result'], 'ok')
        second = wait_spawner(d, 'st', after=mark)
        self.assertNotEqual(second, first)
        for old, name in ((first, 'st'), (gone_sp, 'gone')):
            d.wait_event('spawner', after=mark, service=name, pid=old, action='retire')
            d.wait_event('spawner', after=mark, service=name, pid=old, action='exit',
                         status=0)
            self.assertTrue(wait_until(lambda: not sslib.alive(old)), 'old spawner lives')
        self.assertEqual(sslib.request(port, b'x'), b'x')
        new_handler = start_pid(d, 'st', after=mark)
        self.assertEqual(int(status(second)['PPid']), d.pid)
        # The handler started before the reload still runs, and is reaped as before.
        self.assertTrue(sslib.alive(old_handler))
        held.close()
        d.wait_event('exit', service='st', pid=old_handler)
        d.wait_event('exit', service='st', pid=new_handler)
        # Confinement dropped: no spawner, handlers from the daemon again.
        mark = d.mark()
        self.assertEqual(d.reload([svc('st', port, CAT)])['result'], 'ok')
        d.wait_event('spawner', after=mark, pid=second, action='exit', status=0)
        self.assertEqual(sslib.request(port, b'y'), b'y')
        self.assertEqual(spawners(d, 'st', after=mark), [])
        self.assertEqual(d.wait_reaped(), [])

    def test_status_usr1_and_log_name_the_spawner(self):
        if not os.access(CTL, os.X_OK):
            self.fail('superserverctl not built (%s)' % CTL)
        port, plain = sslib.free_ports(2)
        d = self.daemon([], start=False)
        sock = d.path('ctl')
        d.write_config([svc('st', port, CAT, **CONFINED), svc('plain', plain, CAT)],
                       top={'control': sock})
        d.start()
        sp = wait_spawner(d, 'st')

        def ctl(*args):
            p = subprocess.run([CTL, '-s', sock] + list(args), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=20)
            self.assertEqual((p.returncode, p.stderr), (0, b''))
            return p.stdout.decode()

        rows = {r.get('service'): r for r in map(sslib.parse_kv, ctl('status').splitlines())}
        self.assertEqual(rows['st']['spawner'], str(sp))
        self.assertNotIn('spawner', rows['plain'])
        js = {s['name']: s for s in json.loads(ctl('--json', 'status'))['services']}
        self.assertEqual(js['st']['spawner'], sp)
        self.assertNotIn('spawner', js['plain'])
        mark = d.mark()
        d.send_signal(signal.SIGUSR1)
        self.assertEqual(d.wait_event('status', after=mark, service='st')[0]['spawner'], str(sp))

    def test_counted_from_hand_over(self):
        # Ten connections at once against instances = 3: the pids come back
        # later, but each connection counts from its hand-over.
        port = sslib.free_port()
        d = self.daemon([svc('st', port, CAT, instances=3, **CONFINED)])
        wait_spawner(d, 'st')
        conns = [sslib.connect(port) for _ in range(10)]
        self.addCleanup(lambda: [c.close() for c in conns])
        d.wait_event('start', count=3)
        self.assertEqual(sum(sslib.closed_at_once(c) for c in conns), 7)

        def refused():
            return sum(int(e.get('count', 1)) for e in
                       d.events('refuse', service='st', reason='instances'))
        wait_until(lambda: refused() >= 7)  # the summary comes when its second ends
        self.assertEqual(refused(), 7)
        self.assertEqual(len(d.events('start', service='st')), 3)

    def test_spawner_that_cannot_confine_itself(self):
        # A daemon without CAP_SETPCAP cannot drop from the bounding set: the
        # spawner says why and exits, and is not restarted until a reload;
        # connections are started (and fail the same step) by the daemon.
        if not os.path.exists('/usr/bin/setpriv'):
            self.skipTest('setpriv (util-linux) not installed')
        port = sslib.free_port()
        d = self.daemon([svc('st', port, CAT, capabilities=[])],
                        wrap=['/usr/bin/setpriv', '--bounding-set', '-setpcap'])
        err = d.wait_event('spawner', service='st', action='error')[0]
        self.assertEqual(err['error'], 'capabilities: Operation not permitted')
        d.wait_event('spawner', service='st', action='exit', status=1)
        s = sslib.connect(port)
        self.assertTrue(sslib.closed_at_once(s, timeout=10))
        s.close()
        failed = d.wait_event('exec_failed', service='st')[0]
        self.assertTrue(failed['error'].startswith('capabilities:'), failed)
        self.assertEqual(len(spawners(d, 'st')), 1)
        mark = d.mark()
        self.assertEqual(d.reload([svc('st', port, CAT, capabilities=[])])['result'], 'ok')
        d.wait_event('spawner', after=mark, service='st', action='error')


if __name__ == '__main__':
    sslib.main()
