#!/usr/bin/env python3
"""Live upgrade in place (SPEC section 13, issue 28): `superserverctl upgrade`
and SIGUSR2 check the binary now at the daemon's own path with -t, then
re-execute it with the same pid, carrying every socket, handler, pool, wait
slot, PROXY connection, source table, ban and counter; a failed upgrade
changes nothing; a new image that cannot read the carried state starts from
the config with the inherited sockets.

Each daemon runs from a copy of the built binary in its own temp dir, which
the tests replace as a package upgrade would (a new file renamed over the
path), or delete, or replace with a script.  Under `make check-valgrind`
that copy runs under valgrind, and so does every image an upgrade starts
(--trace-children, handlers skipped); valgrind writes to the daemon's
stderr, which the tests read for errors and leaks."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import svc  # noqa: E402

BUILD = os.environ.get('TOP_BUILDDIR', '.')
REAL = os.path.join(BUILD, 'src', 'superserverd')
CTL = os.path.join(BUILD, 'src', 'superserverctl')
VALGRIND = bool(os.environ.get('SS_UNDER_VALGRIND'))
# Upgrades in a row: each one under valgrind is a few seconds.
IN_A_ROW = 3 if VALGRIND else 20
UPGRADE_TIMEOUT = 120 if VALGRIND else 60
# A handler's `timeout` that outlasts an upgrade (under valgrind, some seconds).
HANDLER_TIMEOUT = 30 if VALGRIND else 4
# Valgrind's report lines on the daemon's stderr that mean a failure.
VG_BAD = re.compile(r'^==\d+== (Invalid |Conditional jump|Use of uninitialised|Syscall param'
                    r'|Mismatched free|Source and destination overlap|.* are definitely lost)')


def version_of(path):
    out = subprocess.run([path, '-V'], stdout=subprocess.PIPE, check=True).stdout
    return out.decode().split()[1]


VERSION = version_of(REAL)


def read_pid(path):
    with open(path) as f:
        return int(f.read())


class UpgradeTest(sslib.DaemonTest):

    # ---- the daemon and its binary

    def upgradable(self, services, top=None, **kw):
        """A daemon with a control socket, run from a copy of the binary at
        D.binary (under valgrind, through a wrapper that runs valgrind)."""
        d = sslib.Daemon(services=[], **kw)
        self.addCleanup(d.cleanup)
        d.sock = d.path('ctl')
        d.top = dict(top or {}, control=d.sock)
        d.write_config(services=services, top=d.top)
        os.makedirs(d.path('sbin'))
        d.binary = d.path('sbin', 'superserverd')
        shutil.copy2(REAL, d.binary)
        d.program = self.valgrind_wrapper(d) if VALGRIND else d.binary
        d.start()
        sslib.wait_until(lambda: os.path.exists(d.sock), timeout=sslib.READY_TIMEOUT)
        self.addCleanup(self.no_valgrind_errors, d)
        return d

    def valgrind_wrapper(self, d):
        """Run D.binary under valgrind, every image an upgrade starts too
        (handlers and the test's scripts, named h-*, are not traced)."""
        path = d.path('vg-superserverd')
        with open(path, 'w') as f:
            f.write('#!/bin/sh\nexec valgrind --quiet --leak-check=full '
                    '--errors-for-leak-kinds=definite --track-fds=no --log-fd=2 '
                    '--trace-children=yes '
                    "--trace-children-skip='/bin/*,/usr/*,*/services/*,*/h-*' "
                    '"%s" "$@"\n' % d.binary)
        os.chmod(path, 0o755)
        return path

    def no_valgrind_errors(self, d):
        """Valgrind said nothing, in any image (leaks: at the last one's exit)."""
        if not VALGRIND:
            return
        if d.running():
            d.stop(timeout=60)
        bad = [line for line in d.log_lines() if VG_BAD.match(line)]
        self.assertEqual(bad, [], d.log_text())

    def replace_binary(self, d, text=None, mode=0o755):
        """Put a new file at D's path as a package would (written beside it,
        renamed over it): a fresh copy of the build's binary, or TEXT.  Its
        inode."""
        tmp = d.binary + '.new'
        if text is None:
            shutil.copy2(REAL, tmp)
        else:
            with open(tmp, 'w') as f:
                f.write(text)
        os.chmod(tmp, mode)
        os.rename(tmp, d.binary)
        return os.stat(d.binary).st_ino

    def wrapper_script(self, body):
        """A script for D's path that does BODY, then execs the real binary."""
        return '#!/bin/sh\n%s\nexec "%s" "$@"\n' % (body, REAL)

    # ---- asking

    def ctl(self, d, *args, timeout=UPGRADE_TIMEOUT):
        p = subprocess.run([CTL, '-s', d.sock] + list(args), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stdout.decode(), p.stderr.decode('utf-8', 'replace')

    def ok(self, d, *args):
        code, out, err = self.ctl(d, *args)
        self.assertEqual((code, err), (0, ''), d.log_text())
        return out

    def upgrade(self, d, count=None):
        """Upgrade D; the event=upgrade line of the new image."""
        n = len(d.events('upgrade')) + 1 if count is None else count
        out = self.ok(d, 'upgrade')
        self.assertEqual(out, 'upgrade ok version=%s pid=%d\n' % (VERSION, d.pid))
        return d.wait_event('upgrade', count=n, timeout=UPGRADE_TIMEOUT)[n - 1]

    def status(self, d):
        return json.loads(self.ok(d, '--json', 'status'))

    def service_status(self, d, name):
        return [x for x in self.status(d)['services'] if x['name'] == name][0]

    def handlers(self, d, service=None):
        return json.loads(self.ok(d, '--json', 'handlers', *([service] if service else [])))

    def metrics(self, d):
        """{(name, labels): value} of the metrics answer."""
        out = {}
        for line in self.ok(d, 'metrics').splitlines():
            if line.startswith('#') or not line:
                continue
            key, value = line.rsplit(' ', 1)
            out[key] = float(value)
        return out

    # ---- handlers the tests start

    def hold_script(self, d, name='h-hold'):
        """A handler that says its pid, then lives until its client closes."""
        return d.script(name, 'echo "pid=$$"\nexec cat >/dev/null\n')

    def held(self, port, d):
        """A connection to PORT whose handler has said its pid: (sock, pid)."""
        s = sslib.connect(port)
        line = self.read_line(s)
        m = re.match(rb'pid=(\d+)\n', line)
        self.assertIsNotNone(m, (line, d.log_text()))
        return s, int(m.group(1))

    @staticmethod
    def read_line(s):
        got = b''
        s.settimeout(sslib.IO_TIMEOUT)
        while not got.endswith(b'\n'):
            b = s.recv(1)
            if not b:
                break
            got += b
        return got

    def own_fds(self, d):
        """D's descriptors and what they are, valgrind's own (high) left out."""
        return {fd: t for fd, t in sslib.fd_targets(d.pid).items() if fd < 1024}

    def settled_fds(self, d):
        """own_fds once the daemon is done with a connection it just
        handed over (the same two samples 0.1 s apart)."""
        seen = [self.own_fds(d)]

        def settled():
            time.sleep(0.1)
            seen.append(self.own_fds(d))
            return seen[-1] == seen[-2]
        sslib.wait_until(settled, timeout=10)
        return seen[-1]

    def holding(self):
        """A daemon serving a `hold` handler, one of which runs: (daemon,
        port, connection, handler pid, the socket's inode)."""
        port = sslib.free_port()
        d = self.upgradable([])
        d.reload(services=[svc('hold', port, self.hold_script(d))], top=d.top)
        s, pid = self.held(port, d)
        return d, port, s, pid, sslib.socket_inode(d.pid, port)

    def fd_count(self, d):
        return len(sslib.fds(d.pid))

    def quiet_fd_count(self, d, expect=None):
        """D's descriptors between two connections of a load (an accepted
        one is open for a moment): down to EXPECT, or the fewest seen in a
        second."""
        seen = [self.fd_count(d)]
        if expect is None:
            sslib.wait_until(lambda: seen.append(self.fd_count(d)), timeout=1.0)
        else:
            sslib.wait_until(lambda: seen.append(self.fd_count(d)) or seen[-1] <= expect,
                             timeout=5.0)
        return min(seen)

    def rss_kib(self, d):
        with open('/proc/%d/status' % d.pid) as f:
            return int(sslib.read_status(f.read())['VmRSS'].split()[0])


class InPlace(UpgradeTest):
    """The same process, the same sockets, a new program."""

    def test_same_pid_sockets_and_a_new_image(self):
        sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.upgradable([svc('echo', port, sslib.service_exec('echo'))])
        inode = sslib.socket_inode(d.pid, port)
        new_ino = self.replace_binary(d)
        ev = self.upgrade(d)
        self.assertEqual((ev['result'], ev['version'], ev['from'], ev['handlers'], ev['sockets']),
                         ('ok', VERSION, VERSION, '0', '1'))
        self.assertTrue(d.running())
        self.assertEqual(sslib.socket_inode(d.pid, port), inode)  # the same socket
        if not VALGRIND:  # under valgrind the process's program is valgrind's
            self.assertEqual(os.stat('/proc/%d/exe' % d.pid).st_ino, new_ino)
        self.assertServes(port, d=d)
        st = self.status(d)
        self.assertEqual((st['pid'], st['upgrades']), (d.pid, 1))
        self.assertIn(' upgrades=1', self.ok(d, 'status').splitlines()[0])
        # JSON, then SIGUSR2: the same, counted.
        self.replace_binary(d)
        self.assertEqual(json.loads(self.ok(d, '--json', 'upgrade')),
                         {'result': 'ok', 'version': VERSION, 'pid': d.pid})
        d.wait_event('upgrade', count=2, timeout=UPGRADE_TIMEOUT)
        d.send_signal(signal.SIGUSR2)
        d.wait_event('upgrade', count=3, timeout=UPGRADE_TIMEOUT)
        self.assertEqual(self.status(d)['upgrades'], 3)
        self.assertEqual(sslib.socket_inode(d.pid, port), inode)
        self.assertServes(port, d=d)
        self.assertEqual(d.wait_reaped(), [])

    def test_every_descriptor_close_on_exec_after(self):
        """The new image holds every descriptor it was handed (sockets, a
        wait service's, a stderr pipe, a PROXY connection, the control
        socket) close-on-exec again: none but 0, 1, 2 reaches a handler."""
        ports = sslib.free_ports(3)
        d = self.upgradable([])
        stderr_h = d.script('h-stderr', 'echo "pid=$$"\necho "said" >&2\nexec cat >/dev/null\n')
        udp_h = d.script('h-udp', 'exec sleep 120\n')
        d.reload(services=[
            svc('err', ports[0], stderr_h, stderr='log'),
            svc('udp', ports[1], udp_h, protocol='udp', mode='wait', stderr='log'),
            svc('px', ports[2], stderr_h, proxy_protocol='v1', proxy_from=['127.0.0.0/8'],
                proxy_timeout=60),
        ], top=d.top)
        s, pid = self.held(ports[0], d)
        d.wait_event('stderr', pid=pid)
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        c.sendto(b'start', ('127.0.0.1', ports[1]))
        d.wait_event('start', service='udp')
        p = sslib.connect(ports[2])
        p.sendall(b'PROXY TCP4 192.0.2.7 192.0.2.1 4567 80')
        self.assertTrue(sslib.wait_until(lambda: self.service_status(d, 'px')['pending'] == 1))
        self.replace_binary(d)
        self.assertEqual(self.upgrade(d)['handlers'], '2')
        fds = self.settled_fds(d)
        kinds = [t.split(':')[0] for t in fds.values()]
        # 3 listening sockets, the control socket, the PROXY connection; 2 pipes
        self.assertGreaterEqual((kinds.count('socket'), kinds.count('pipe')), (5, 2), fds)
        inheritable = []
        for fd in sorted(fds):
            if fd <= 2:
                continue
            with open('/proc/%d/fdinfo/%d' % (d.pid, fd)) as f:
                flags = int(re.search(r'flags:\s*(\d+)', f.read()).group(1), 8)
            if not flags & 0o2000000:  # O_CLOEXEC
                inheritable.append((fd, fds[fd]))
        self.assertEqual(inheritable, [])
        p.close()
        s.close()
        d.wait_event('exit', pid=pid, service='err')

    def test_twenty_in_a_row_under_load(self):
        """Connections all along, none refused or failed; descriptors and
        memory as they were."""
        sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.upgradable([svc('echo', port, sslib.service_exec('echo'), backlog=1024)])
        stop = threading.Event()
        results = {'ok': 0, 'bad': []}
        lock = threading.Lock()

        def load(i):
            n = 0
            while not stop.is_set():
                data = b'load %d %d\n' % (i, n)
                try:
                    got = sslib.request(port, data, timeout=30)
                    good = got == data
                except OSError as e:
                    good, got = False, repr(e)
                with lock:
                    if good:
                        results['ok'] += 1
                    else:
                        results['bad'].append(got)
                n += 1

        threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(4)]
        for t in threads:
            t.start()
        fds, rss = [], []
        try:
            for k in range(IN_A_ROW):
                before = results['ok']
                self.replace_binary(d)
                self.upgrade(d, count=k + 1)
                # served after this upgrade, by the new image
                self.assertTrue(sslib.wait_until(lambda: results['ok'] > before + 4,
                                                 timeout=30), d.log_text()[-3000:])
                fds.append(self.quiet_fd_count(d, fds[0] if fds else None))
                rss.append(self.rss_kib(d))
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        self.assertEqual(results['bad'], [], d.log_text()[-3000:])
        self.assertGreater(results['ok'], IN_A_ROW * 4)
        # Between connections the daemon holds its fixed set of descriptors.
        self.assertEqual(max(fds), min(fds), fds)
        self.assertLessEqual(max(rss[1:]), rss[1] + 1024, rss)  # KiB: no growth per upgrade
        self.assertEqual(self.status(d)['upgrades'], IN_A_ROW)
        refused = self.service_status(d, 'echo')['refused']
        self.assertEqual(refused, 0)
        self.assertEqual(d.wait_reaped(timeout=30), [])


class Handlers(UpgradeTest):
    """Handlers started before an upgrade are the new image's."""

    def test_listed_counted_reaped_and_timed(self):
        ports = sslib.free_ports(3)
        d = self.upgradable([])
        hold = self.hold_script(d)
        d.reload(services=[
            svc('one', ports[0], hold, instances=1),
            svc('persrc', ports[1], hold, per_source=1),
            svc('timed', ports[2], d.script('h-sleep', 'echo "pid=$$"\nexec sleep 120\n'),
                timeout=HANDLER_TIMEOUT),
        ], top=d.top)
        a, a_pid = self.held(ports[0], d)
        b, b_pid = self.held(ports[1], d)
        t0 = time.monotonic()
        c, c_pid = self.held(ports[2], d)
        before = {h['pid']: h for h in self.handlers(d)}
        self.replace_binary(d)
        ev = self.upgrade(d)
        self.assertEqual(ev['handlers'], '3')
        after = {h['pid']: h for h in self.handlers(d)}
        self.assertEqual(sorted(after), sorted([a_pid, b_pid, c_pid]))
        for pid, h in after.items():
            self.assertEqual((h['service'], h['peer']), (before[pid]['service'],
                                                         before[pid]['peer']))
            self.assertGreaterEqual(h['age_ms'], before[pid]['age_ms'])  # its start kept
        self.assertEqual(self.status(d)['live'], 3)
        # instances and per_source still count them
        mark = d.mark()
        for port, why in ((ports[0], 'instances'), (ports[1], 'per_source')):
            s = sslib.connect(port)
            self.assertTrue(sslib.closed_at_once(s), d.log_text())
            s.close()
            d.wait_event('refuse', after=mark, reason=why)
        # reaped, logged with its service, counted
        a.close()
        ex = d.wait_event('exit', after=mark, pid=a_pid)[0]
        self.assertEqual((ex['service'], ex['status']), ('one', '0'))
        self.assertServes_hold(ports[0], d)
        # `timeout` kills it at its deadline, counted from its start
        ex = d.wait_event('exit', after=mark, pid=c_pid, timeout=HANDLER_TIMEOUT + 60)[0]
        self.assertGreaterEqual(time.monotonic() - t0, HANDLER_TIMEOUT)
        self.assertEqual((ex['service'], ex.get('signal')), ('timed', 'TERM'))
        self.assertGreaterEqual(int(ex['duration_ms']), HANDLER_TIMEOUT * 1000)
        d.wait_event('timeout', after=mark, pid=c_pid, signal='TERM')
        c.close()
        m = self.metrics(d)
        self.assertEqual(m['superserver_handler_exits_total{service="timed",outcome="timeout"}'], 1)
        b.close()
        self.assertEqual(d.wait_reaped(timeout=30), [])

    def test_max_children_counts_carried_handlers(self):
        """The global cap counts the handlers carried over: at the cap, the
        next connection is refused (reason=max_children) until one exits."""
        port = sslib.free_port()
        d = self.upgradable([], top={'max_children': 2})
        d.reload(services=[svc('hold', port, self.hold_script(d))], top=d.top)
        a, a_pid = self.held(port, d)
        b, b_pid = self.held(port, d)
        self.replace_binary(d)
        self.assertEqual(self.upgrade(d)['handlers'], '2')
        mark = d.mark()
        s = sslib.connect(port)
        self.assertTrue(sslib.closed_at_once(s), d.log_text())
        s.close()
        d.wait_event('refuse', after=mark, service='hold', reason='max_children')
        self.assertEqual(d.events('start', after=mark), [])
        a.close()
        d.wait_event('exit', after=mark, pid=a_pid, service='hold')
        c, c_pid = self.held(port, d)  # room for one again
        self.assertEqual(sorted(h['pid'] for h in self.handlers(d)), sorted([b_pid, c_pid]))
        b.close()
        c.close()
        self.assertEqual(d.wait_reaped(), [])

    def assertServes_hold(self, port, d):
        s, _ = self.held(port, d)
        s.close()

    def test_stderr_pipe_carried(self):
        """A `stderr = log` handler's pipe is read by the new image, with
        the part of a line written before the upgrade."""
        port = sslib.free_port()
        d = self.upgradable([])
        h = d.script('h-stderr', 'echo "pid=$$"\nprintf "before-" >&2\nread x\n'
                     'echo "after" >&2\n')
        d.reload(services=[svc('err', port, h, stderr='log')], top=d.top)
        s, pid = self.held(port, d)
        self.replace_binary(d)
        self.upgrade(d)
        s.sendall(b'go\n')
        ev = d.wait_event('stderr', pid=pid)[0]
        self.assertEqual((ev['service'], ev['line']), ('err', 'before-after'))
        s.close()
        d.wait_event('exit', pid=pid, service='err')


class State(UpgradeTest):
    """Bans, counters, pools, wait slots and PROXY connections go over."""

    def test_ban_and_counters_survive(self):
        sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.upgradable([svc('rl', port, sslib.service_exec('echo'),
                                 per_source_rate='1/60', ban=60)])
        self.assertServes(port, d=d)
        s = sslib.connect(port)
        self.assertTrue(sslib.closed_at_once(s))
        s.close()
        d.wait_event('refuse', service='rl', reason='per_source_rate')
        st_before = self.status(d)
        m_before = self.metrics(d)
        self.replace_binary(d)
        self.upgrade(d)
        st_after = self.status(d)
        self.assertEqual(st_after['start_time'], st_before['start_time'])
        self.assertGreaterEqual(st_after['uptime_ms'], st_before['uptime_ms'])
        self.assertEqual(self.service_status(d, 'rl'),
                         [x for x in st_before['services'] if x['name'] == 'rl'][0])
        m_after = self.metrics(d)
        for key, value in m_before.items():  # never reset: none went back
            self.assertGreaterEqual(m_after.get(key, -1), value, key)
        self.assertEqual(m_after['superserver_connections_accepted_total{service="rl"}'], 1)
        # the ban holds
        mark = d.mark()
        s = sslib.connect(port)
        self.assertTrue(sslib.closed_at_once(s))
        s.close()
        d.wait_event('refuse', after=mark, service='rl', reason='banned')

    def test_prefork_pool_keeps_its_workers(self):
        port = sslib.free_port()
        d = self.upgradable([])
        worker = d.script('h-worker', 'exec sleep 120\n')
        d.reload(services=[svc('pool', port, worker, mode='prefork', workers=3)], top=d.top)
        sslib.wait_until(lambda: len(self.handlers(d, 'pool')) == 3)
        before = sorted(h['pid'] for h in self.handlers(d, 'pool'))
        self.assertEqual(len(before), 3)
        self.replace_binary(d)
        self.upgrade(d)
        self.assertEqual(sorted(h['pid'] for h in self.handlers(d, 'pool')), before)
        # still its pool: a worker that dies is replaced, the others stay
        mark = d.mark()
        os.kill(before[0], signal.SIGKILL)
        d.wait_event('exit', after=mark, pid=before[0], service='pool')
        d.wait_event('start', after=mark, service='pool')
        now = sorted(h['pid'] for h in self.handlers(d, 'pool'))
        self.assertEqual(len(now), 3)
        self.assertEqual(set(now) & set(before), set(before[1:]))
        for pid in now:
            os.kill(pid, signal.SIGTERM)

    def test_udp_wait_goes_on(self):
        """The handler holding a udp wait socket over the upgrade serves on,
        and once it exits the new image starts the next one."""
        port = sslib.free_port()
        d = self.upgradable([])
        h = d.script('h-udp', '''
import os, socket
s = socket.socket(fileno=0)
for _ in range(2):
    data, peer = s.recvfrom(512)
    s.sendto(b'%d %s' % (os.getpid(), data), peer)
''', python=True)
        d.reload(services=[svc('udp', port, h, protocol='udp', mode='wait')], top=d.top)
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        c.settimeout(sslib.IO_TIMEOUT)
        self.addCleanup(c.close)
        c.sendto(b'one', ('127.0.0.1', port))
        first, msg = c.recv(512).split(b' ', 1)
        self.assertEqual(msg, b'one')
        self.replace_binary(d)
        self.assertEqual(self.upgrade(d)['handlers'], '1')
        c.sendto(b'two', ('127.0.0.1', port))
        pid, msg = c.recv(512).split(b' ', 1)
        self.assertEqual((pid, msg), (first, b'two'))  # the same handler
        d.wait_event('exit', pid=int(first), service='udp')
        c.sendto(b'three', ('127.0.0.1', port))
        pid, msg = c.recv(512).split(b' ', 1)
        self.assertEqual(msg, b'three')
        self.assertNotEqual(pid, first)  # a new one, started by the new image
        d.wait_event('start', pid=int(pid), service='udp')

    def test_proxy_connection_waits_on(self):
        """A connection whose PROXY header is half sent when the upgrade
        comes is finished by the new image, its client the header's."""
        port = sslib.free_port()
        d = self.upgradable([])
        h = d.script('h-env', 'echo "$TCPREMOTEIP $TCPREMOTEPORT"\n')
        d.reload(services=[svc('px', port, h, proxy_protocol='v1',
                                     proxy_from=['127.0.0.0/8'], proxy_timeout=60)], top=d.top)
        s = sslib.connect(port)
        s.sendall(b'PROXY TCP4 192.0.2.7 192.0.2.1 4567 80')
        self.assertTrue(sslib.wait_until(lambda: self.service_status(d, 'px')['pending'] == 1))
        self.replace_binary(d)
        self.upgrade(d)
        self.assertEqual(self.service_status(d, 'px')['pending'], 1)
        s.sendall(b'\r\n')
        self.assertEqual(self.read_line(s), b'192.0.2.7 4567\n')
        s.close()
        d.wait_event('start', service='px', peer='192.0.2.7:4567')


class Operator(UpgradeTest):
    """What the operator set, and the confined services' spawners."""

    def test_pause_and_drain_survive(self):
        sslib.require_bundled(self, 'echo')
        p1, p2 = sslib.free_ports(2)
        echo = sslib.service_exec('echo')
        d = self.upgradable([svc('paused', p1, echo), svc('drained', p2, echo)])
        self.ok(d, 'pause', 'paused')
        self.ok(d, 'drain', 'drained')
        self.replace_binary(d)
        self.upgrade(d)
        self.assertEqual((self.service_status(d, 'paused')['state'],
                          self.service_status(d, 'drained')['state']), ('paused', 'draining'))
        self.assertTrue(sslib.refused(p2))  # the kernel refuses, as before
        mark = d.mark()
        s = sslib.connect(p1)  # waits in the backlog, unserved
        s.sendall(b'held\n')
        s.shutdown(socket.SHUT_WR)
        self.assertEqual(self.service_status(d, 'paused')['accepted'], 0)
        self.ok(d, 'resume', 'paused')
        self.assertEqual(sslib.recv_all(s), b'held\n')
        s.close()
        d.wait_event('start', after=mark, service='paused')  # logged once the turn is over
        self.ok(d, 'resume', 'drained')
        self.assertServes(p2, d=d)

    def test_spawners_replaced_their_handlers_kept(self):
        if os.geteuid() != 0:
            self.skipTest('a confined service\'s spawner confines as root would; not root')
        port = sslib.free_port()
        d = self.upgradable([])
        d.reload(services=[svc('conf', port, self.hold_script(d), no_new_privileges=True)],
                 top=d.top)
        s, pid = self.held(port, d)
        old = self.service_status(d, 'conf')['spawner']
        self.replace_binary(d)
        mark = d.mark()
        self.upgrade(d)
        self.assertEqual([h['pid'] for h in self.handlers(d)], [pid])
        new = sslib.wait_until(lambda: self.service_status(d, 'conf').get('spawner'))
        self.assertTrue(new and new != old, (old, new))
        # the old spawner saw its socket's end, went, and was reaped quietly
        self.assertTrue(sslib.wait_until(lambda: not sslib.alive(old)), d.log_text())
        self.assertTrue(sslib.wait_until(lambda: sslib.proc_stat(old) is None))
        self.assertEqual(d.events('exit', after=mark, pid=old), [])
        t, pid2 = self.held(port, d)  # through the new spawner
        t.close()
        s.close()
        d.wait_event('exit', pid=pid, service='conf')
        d.wait_event('exit', pid=pid2, service='conf')
        self.assertEqual(d.wait_reaped(), [])


class AsADaemon(UpgradeTest):
    """Detached with a pidfile, or under systemd's notify protocol."""

    def test_detached_with_pidfile(self):
        if VALGRIND:
            self.skipTest('valgrind keeps its own copy of the starting command\'s stderr (its '
                          'log): the command never sees the end of it')
        sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = sslib.Daemon(services=[])
        self.addCleanup(d.cleanup)
        d.sock = d.path('ctl')
        d.write_config(services=[svc('echo', port, sslib.service_exec('echo'))],
                       top={'control': d.sock})
        d.binary = d.path('superserverd')
        shutil.copy2(REAL, d.binary)
        pidfile = d.path('d.pid')
        start = subprocess.run([d.binary, '-c', d.config_path, '-p', pidfile, '-l', 'stderr'],
                               stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        self.assertEqual(start.returncode, 0, start.stderr)
        pid = read_pid(pidfile)

        def stop():
            if sslib.alive(pid):
                os.kill(pid, signal.SIGTERM)
                sslib.wait_until(lambda: not sslib.alive(pid), timeout=60)
        self.addCleanup(stop)
        self.replace_binary(d)
        code, out, err = self.ctl(d, 'upgrade')
        self.assertEqual((code, out, err), (0, 'upgrade ok version=%s pid=%d\n' % (VERSION, pid),
                                            ''))
        self.assertEqual(read_pid(pidfile), pid)
        self.assertEqual(os.readlink('/proc/%d/cwd' % pid), '/')
        self.assertNotEqual(os.getsid(pid), pid)  # still not a session leader
        self.assertEqual(sslib.request(port, b'bg\n'), b'bg\n')
        # the pidfile's lock went over with it
        code, _, err = sslib.run_tool(['-f', '-c', d.config_path, '-p', pidfile])
        self.assertEqual(code, 3, err)
        self.assertIn('locked by a running instance (pid %d)' % pid, err)
        os.kill(pid, signal.SIGTERM)
        self.assertTrue(sslib.wait_until(lambda: not os.path.exists(pidfile), timeout=60))

    def test_notify_reloading_then_ready_same_pid(self):
        sslib.require_bundled(self, 'echo')
        tmp = tempfile.mkdtemp(prefix='ss-notify-')
        self.addCleanup(shutil.rmtree, tmp, True)
        path = os.path.join(tmp, 'notify')
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        sock.bind(path)
        sock.settimeout(UPGRADE_TIMEOUT)
        d = self.upgradable([svc('echo', sslib.free_port(), sslib.service_exec('echo'))],
                            env={'NOTIFY_SOCKET': path})
        self.assertEqual(sock.recv(256), b'READY=1')
        self.replace_binary(d)
        self.upgrade(d)
        self.assertEqual(sock.recv(256), b'RELOADING=1')
        self.assertEqual(sock.recv(256), b'READY=1\nMAINPID=%d' % d.pid)
        # a failed one: RELOADING=1 only once the check passed, READY=1 after
        self.replace_binary(d, '#!/bin/sh\nexit 1\n')
        self.assertEqual(self.ctl(d, 'upgrade')[0], 1)
        self.replace_binary(d)
        self.upgrade(d)
        self.assertEqual(sock.recv(256), b'RELOADING=1')
        self.assertEqual(sock.recv(256), b'READY=1\nMAINPID=%d' % d.pid)


class Failures(UpgradeTest):
    """An upgrade that cannot be made changes nothing."""

    def assert_nothing_changed(self, d, port, pid, inode, why):
        errors = len(d.events('upgrade', result='error'))
        code, out, err = self.ctl(d, 'upgrade')
        self.assertEqual((code, out), (1, ''), d.log_text())
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn(why, err)
        ev = d.wait_event('upgrade', count=errors + 1, result='error')[errors]
        self.assertIn(why, ev['error'])
        self.assertTrue(d.running())
        self.assertEqual(sslib.socket_inode(d.pid, port), inode)
        self.assertEqual([h['pid'] for h in self.handlers(d)], [pid])
        self.assertEqual(self.status(d)['upgrades'], 0)
        self.assertFalse(d.events('upgrade', result='ok'))
        return err

    def test_missing_not_executable_failing_check_bad_config(self):
        d, port, s, pid, inode = self.holding()

        os.rename(d.binary, d.binary + '.gone')
        self.assert_nothing_changed(d, port, pid, inode,
                                    '%s: No such file or directory' % d.binary)
        os.rename(d.binary + '.gone', d.binary)
        os.chmod(d.binary, 0o644)
        self.assert_nothing_changed(d, port, pid, inode, '%s: not an executable file' % d.binary)
        self.replace_binary(d, '#!/bin/sh\necho "superserverd: this build refuses" >&2\n'
                               'exit 1\n')
        err = self.assert_nothing_changed(d, port, pid, inode, '-t failed (exit 1)')
        self.assertIn('superserverd: this build refuses', err)
        self.replace_binary(d)
        good = d.config_text()
        d.write_config(text=good + 'bogus_key = 1;\n')
        err = self.assert_nothing_changed(d, port, pid, inode, d.config_path + ':')
        self.assertIn('bogus_key', err)
        # and then it works, the handler carried
        d.write_config(text=good)
        self.assertEqual(self.upgrade(d)['handlers'], '1')
        self.assertEqual([h['pid'] for h in self.handlers(d)], [pid])
        s.close()
        d.wait_event('exit', pid=pid, service='hold')

    def test_exec_that_fails_leaves_it_serving(self):
        """The check passes, then the exec fails (the binary went in
        between): the daemon goes on as it was, its descriptors
        close-on-exec again, its signals as they were."""
        d, port, s, pid, inode = self.holding()
        fds_before = self.settled_fds(d)
        self.replace_binary(d, self.wrapper_script('[ "$1" = -t ] && rm -f "$0"'))
        err = self.assert_nothing_changed(d, port, pid, inode,
                                          'execve %s: No such file or directory' % d.binary)
        self.assertNotIn('-t failed', err)
        self.assertEqual(self.settled_fds(d), fds_before)
        for fd in fds_before:
            if fd > 2:
                with open('/proc/%d/fdinfo/%d' % (d.pid, fd)) as f:
                    flags = int(re.search(r'flags:\s*(\d+)', f.read()).group(1), 8)
                self.assertTrue(flags & 0o2000000, 'fd %d lost close-on-exec' % fd)
        with open('/proc/%d/status' % d.pid) as f:
            blocked = int(sslib.read_status(f.read())['SigBlk'], 16)
        if not VALGRIND:  # valgrind keeps masks of its own
            self.assertEqual(blocked, 1 << (signal.SIGCHLD - 1))
        d.send_signal(signal.SIGUSR1)  # its signals still reach it
        d.wait_event('status_daemon')
        self.replace_binary(d)
        self.assertEqual(self.upgrade(d)['handlers'], '1')
        s.close()

    def test_sigusr2_during_an_upgrade_logged_and_ignored(self):
        """superserverd(8): a SIGUSR2 while an upgrade is under way is
        logged and ignored: never queued for later, never a second one."""
        sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.upgradable([svc('echo', port, sslib.service_exec('echo'))])
        flag = d.path('checking')
        # The check of the new binary waits (30 s at most) while FLAG exists.
        self.replace_binary(d, self.wrapper_script(
            'if [ "$1" = -t ]; then touch "%s"; i=0; '
            'while [ -e "%s" ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done; fi'
            % (flag, flag)))
        d.send_signal(signal.SIGUSR2)
        self.assertTrue(sslib.wait_until(lambda: os.path.exists(flag), timeout=30))
        mark = d.mark()
        d.send_signal(signal.SIGUSR2)
        ev = d.wait_event('warning', after=mark)[0]
        self.assertEqual(ev['message'], 'SIGUSR2: upgrade: busy: an upgrade is already under way')
        os.unlink(flag)
        ok = d.wait_event('upgrade', result='ok', timeout=UPGRADE_TIMEOUT)
        self.assertEqual(self.status(d)['upgrades'], 1)
        self.assertServes(port, d=d)
        # Nothing left over: the next upgrade is the second, not busy.
        self.replace_binary(d)
        self.upgrade(d, count=2)
        self.assertEqual(self.status(d)['upgrades'], 2)
        self.assertEqual(len(d.events('upgrade')), 2, d.log_text())
        self.assertEqual(len(ok), 1)

    def test_one_at_a_time_and_served_meanwhile(self):
        """While the new binary's check runs the daemon serves; a second
        upgrade asked meanwhile is told it is busy."""
        sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.upgradable([svc('echo', port, sslib.service_exec('echo'))])
        flag = d.path('checking')
        self.replace_binary(d, self.wrapper_script(
            'if [ "$1" = -t ]; then touch "%s"; while [ -e "%s" ]; do sleep 0.05; done; fi'
            % (flag, flag)))
        first = subprocess.Popen([CTL, '-s', d.sock, 'upgrade'], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        self.addCleanup(sslib.reap, first)
        self.assertTrue(sslib.wait_until(lambda: os.path.exists(flag), timeout=30))
        self.assertServes(port, d=d)  # the check runs in a child: the loop goes on
        code, out, err = self.ctl(d, 'upgrade')
        self.assertEqual((code, out), (1, ''))
        self.assertIn('busy', err)
        os.unlink(flag)
        out, err = first.communicate(timeout=UPGRADE_TIMEOUT)
        self.assertEqual((first.returncode, err), (0, b''))
        self.assertEqual(out.decode(), 'upgrade ok version=%s pid=%d\n' % (VERSION, d.pid))
        self.assertServes(port, d=d)


class Fallback(UpgradeTest):
    """A new image that cannot read the carried state starts from the
    config with the inherited sockets, and says so."""

    def fall_back(self, damage, reason):
        d, port, s, pid, inode = self.holding()
        # The new binary: the real one, after damaging the record it is handed.
        self.replace_binary(d, self.wrapper_script(
            'if [ -n "$SUPERSERVER_UPGRADE_STATE" ]; then %s "/proc/self/fd/$SUPERSERVER_UPGRADE_STATE"; fi'
            % damage))
        code, out, err = self.ctl(d, 'upgrade')
        self.assertEqual((code, out), (1, ''), d.log_text())
        self.assertIn('the carried state could not be read (%s)' % reason, err)
        self.assertIn('started from the config with the inherited sockets', err)
        ev = d.wait_event('upgrade', result='error')[0]
        self.assertIn(reason, ev['error'])
        self.assertEqual((ev['version'], ev['sockets']), (VERSION, '1'))
        self.assertTrue(d.running())
        self.assertEqual(sslib.socket_inode(d.pid, port), inode)  # never closed
        t, pid2 = self.held(port, d)  # served from the config
        t.close()
        d.wait_event('exit', pid=pid2, service='hold')
        # the handler it could not place is reaped all the same
        self.assertEqual(self.handlers(d), [])
        s.close()
        ex = d.wait_event('exit', pid=pid)[0]
        self.assertEqual(ex['service'], '-')
        self.assertEqual(d.wait_reaped(), [])
        # what the record named is closed: a fresh start's descriptors
        fresh = self.upgradable([svc('hold', sslib.free_port(), self.hold_script(d))])
        self.assertEqual(self.fd_count(d), self.fd_count(fresh))

    def test_corrupt_record(self):
        self.fall_back('%s -c "import os,sys; f=os.open(sys.argv[1], os.O_RDWR); '
                       'b=os.pread(f, 1, 40); os.pwrite(f, bytes([b[0] ^ 1]), 40)"'
                       % sslib.PYTHON, 'checksum mismatch')

    def test_truncated_record(self):
        self.fall_back('truncate -s 10', 'not a carried state record (10 bytes)')

    def test_proxy_connections_closed_with_a_reason(self):
        """The connections waiting for a PROXY header go with the record
        they were named in, each service's counted in one refusal line
        (SPEC section 13: "closed with a logged reason")."""
        ports = sslib.free_ports(2)
        d = self.upgradable([])
        h = d.script('h-env', 'echo "$TCPREMOTEIP"\n')
        px = dict(proxy_protocol='v1', proxy_from=['127.0.0.0/8'], proxy_timeout=60)
        d.reload(services=[svc('px', ports[0], h, **px), svc('py', ports[1], h, **px)],
                 top=d.top)
        waiting = [sslib.connect(ports[0]), sslib.connect(ports[0]), sslib.connect(ports[1])]
        for s in waiting:
            s.sendall(b'PROXY TCP4 192.0.2.7 192.0.2.1 4567 80')
        self.assertTrue(sslib.wait_until(
            lambda: [self.service_status(d, n)['pending'] for n in ('px', 'py')] == [2, 1]))
        self.replace_binary(d, self.wrapper_script(
            'if [ -n "$SUPERSERVER_UPGRADE_STATE" ]; then '
            'truncate -s 10 "/proc/self/fd/$SUPERSERVER_UPGRADE_STATE"; fi'))
        code, out, err = self.ctl(d, 'upgrade')
        self.assertEqual(code, 1, d.log_text())
        self.assertIn('started from the config with the inherited sockets', err)
        for s in waiting:  # closed, not left open and forgotten
            s.settimeout(sslib.IO_TIMEOUT)
            try:
                self.assertEqual(s.recv(64), b'')
            except ConnectionResetError:
                pass
            s.close()
        refusals = {e['service']: e for e in d.events('refuse', reason='proxy_untrusted')}
        self.assertEqual({n: e.get('count') for n, e in refusals.items()},
                         {'px': '2', 'py': '1'}, d.log_text())
        # counted in the services the new image started from the config
        for name, n in (('px', 2), ('py', 1)):
            st = self.service_status(d, name)
            self.assertEqual((st['pending'], st['refused_by'].get('proxy_untrusted')), (0, n), st)
        self.assertEqual(self.fd_count(d), self.fd_count(
            self.upgradable([svc('px', sslib.free_port(), h, **px),
                             svc('py', sslib.free_port(), h, **px)])))


if __name__ == '__main__':
    sslib.main()
