#!/usr/bin/env python3
"""The daemon's control socket (SPEC section 9) with the real daemon and
superserverctl: each command in text and JSON, the synchronous reload (a
good and a broken config), who may ask (root, the daemon's own uid, a
control_group member, a refused other: superserverctl run as nobody), a
client that hangs or never reads not stalling anyone, one that closes
mid-dump, a second daemon not taking the socket over, and the metrics
read back by prometheus_client (python3-prometheus-client) against
counters this test caused.
"""

import grp
import json
import os
import pwd
import socket
import stat
import subprocess
import sys
import time
import unittest

import sslib

BUILD = os.environ.get('TOP_BUILDDIR', '.')
CTL = os.path.join(BUILD, 'src', 'superserverctl')

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    # A python3 other than Debian's (pyenv, venv) does not see the package.
    sys.path.append('/usr/lib/python3/dist-packages')
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        text_string_to_metric_families = None


def as_user(uid, gid, groups=()):
    """preexec_fn: become UID with primary GID and supplementary GROUPS."""
    def become():
        os.setgroups(list(groups))
        os.setgid(gid)
        os.setuid(uid)
    return become


def other_group():
    """A group nobody is not in (neither primary nor supplementary)."""
    nobody = pwd.getpwnam('nobody')
    for g in grp.getgrall():
        if g.gr_gid not in (0, nobody.pw_gid) and 'nobody' not in g.gr_mem:
            return g.gr_gid
    raise unittest.SkipTest('no group to use as control_group')


def raw(path, data, timeout=5.0):
    """Send DATA on the control socket; the whole answer (b'' when the
    daemon closed at once)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.sendall(data)
        return sslib.recv_all(s)
    except (BrokenPipeError, ConnectionResetError):
        return b''
    finally:
        s.close()


class ControlBase(sslib.DaemonTest):

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest('needs root (SO_PEERCRED peers of other uids)')
        if not os.access(CTL, os.X_OK):
            self.fail('superserverctl not built (%s)' % CTL)

    # superserverctl; Permissions runs it as other users, from a copy they
    # can reach when the build tree is out of their reach.
    ctl_program = CTL

    def ctl(self, *args, preexec_fn=None, timeout=20):
        p = subprocess.run([self.ctl_program, '-s', self.sock] + list(args),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout,
                           preexec_fn=preexec_fn)
        return (p.returncode, p.stdout.decode('utf-8'),
                p.stderr.decode('utf-8', 'replace'))

    def ok(self, *args, **kw):
        code, out, err = self.ctl(*args, **kw)
        self.assertEqual((code, err), (0, ''), out)
        return out

    def start(self, services, top=None, d=None, **kw):
        """Start a daemon (D, or a new one) with its control socket in its
        temp dir; self.sock is its path, self.top the config's top keys."""
        if d is None:
            d = sslib.Daemon(services=[], **kw)
            self.addCleanup(d.cleanup)
        self.sock = d.path('ctl')
        self.top = {'control': self.sock}
        self.top.update(top or {})
        d.write_config(services=services, top=self.top)
        d.start()
        return d


def kv_rows(text):
    return [sslib.parse_kv(line) for line in text.splitlines()]


class Commands(ControlBase):

    def setUp(self):
        super().setUp()
        self.port, self.dport, self.fport = sslib.free_ports(3)
        self.d = sslib.Daemon(services=[])
        self.addCleanup(self.d.cleanup)
        self.start(self.services(), d=self.d)

    def services(self, extra=()):
        fail = self.d.script('fail.sh', 'exit 3\n')
        echo = sslib.service_exec('echo')
        return [sslib.svc('echo', self.port, echo),
                sslib.svc('denied', self.dport, echo, deny=['127.0.0.0/8']),
                sslib.svc('fail', self.fport, fail)] + list(extra)

    def test_version(self):
        self.assertRegex(self.ok('version'), r'^superserverd \d+\.\d+\S*\n$')
        v = json.loads(self.ok('--json', 'version'))
        self.assertRegex(v['version'], r'^\d+\.\d+')

    def test_status_text_and_json(self):
        for _ in range(2):
            self.assertServes(self.port, d=self.d)
        self.d.wait_reaped()
        rows = kv_rows(self.ok('status'))
        self.assertEqual(rows[0]['pid'], str(self.d.pid))
        self.assertEqual(rows[0]['services'], '3')
        svcs = {r['service']: r for r in rows[1:]}
        self.assertEqual(sorted(svcs), ['denied', 'echo', 'fail'])
        self.assertEqual(svcs['echo']['mode'], 'nowait')
        self.assertEqual(svcs['echo']['listen'], '127.0.0.1:%d' % self.port)
        self.assertEqual(svcs['echo']['accepted'], '2')
        self.assertEqual(svcs['echo']['live'], '0')

        st = json.loads(self.ok('--json', 'status'))
        self.assertEqual(st['pid'], self.d.pid)
        self.assertGreaterEqual(st['uptime_ms'], 0)
        js = {s['name']: s for s in st['services']}
        self.assertEqual(js['echo']['accepted'], 2)
        self.assertEqual(js['echo']['listen'], ['127.0.0.1:%d' % self.port])
        self.assertEqual(js['denied']['refused_by']['deny'], 0)

    def test_handlers_text_and_json(self):
        conns = [sslib.connect(self.port) for _ in range(3)]
        self.addCleanup(lambda: [c.close() for c in conns])
        starts = self.d.wait_event('start', count=3, service='echo')
        pids = sorted(int(e['pid']) for e in starts)
        rows = kv_rows(self.ok('handlers'))
        self.assertEqual(sorted(int(r['pid']) for r in rows), pids)
        for r in rows:
            self.assertEqual(r['service'], 'echo')
            self.assertRegex(r['peer'], r'^127\.0\.0\.1:\d+$')
            self.assertGreaterEqual(int(r['age_ms']), 0)
        hs = json.loads(self.ok('--json', 'handlers', 'echo'))
        self.assertEqual(sorted(h['pid'] for h in hs), pids)
        self.assertEqual(json.loads(self.ok('--json', 'handlers', 'fail')), [])
        self.assertEqual(self.ok('handlers', 'denied'), '')
        code, out, err = self.ctl('handlers', 'nosuch')
        self.assertEqual((code, out), (1, ''))
        self.assertIn('unknown service "nosuch"', err)

    def test_reload_good_then_broken(self):
        port2 = sslib.free_port()
        self.d.write_config(
            services=self.services([
                sslib.svc('echo2', port2, sslib.service_exec('echo'))]),
            top=self.top)
        self.assertEqual(self.ok('reload'),
                         'reload ok services=4 kept_sockets=3 opened=1 '
                         'closed=0\n')
        # Synchronous: serving the new service when the command returns.
        self.assertServes(port2, d=self.d)
        self.d.write_config(text=self.d.config_text() + 'bogus = 1;\n')
        mark = self.d.mark()
        code, out, err = self.ctl('reload')
        self.assertEqual((code, out), (1, ''))
        self.assertRegex(err, r'^%s:\d+: .*bogus.*\n$'
                         % self.d.config_path.replace('.', r'\.'))
        self.d.wait_event('reload', after=mark, result='error')
        self.assertServes(port2, d=self.d)  # the old config serves on
        self.d.write_config(services=self.services(),
                            top=self.top)
        r = json.loads(self.ok('--json', 'reload'))
        self.assertEqual(r, {'result': 'ok', 'services': 3, 'kept_sockets': 3,
                             'opened': 0, 'closed': 1})
        self.assertTrue(sslib.refused(port2))

    def test_bad_requests(self):
        for req, msg in ((b'frobnicate\n', b'error: '),
                         (b'status extra\n', b'error: '),
                         (b'x' * 300, b'error: request line too long')):
            got = raw(self.sock, req)
            self.assertTrue(got.startswith(msg), (req, got))
            self.assertEqual(got.count(b'\n'), 1, got)
        self.assertEqual(raw(self.sock, b'version\n'),
                         b'ok\nsuperserverd ' +
                         self.ok('version').split()[1].encode() + b'\n')

    def test_metrics_against_caused_counters(self):
        if text_string_to_metric_families is None:
            self.skipTest('prometheus_client not installed '
                          '(Debian package python3-prometheus-client)')
        for _ in range(3):
            self.assertServes(self.port, d=self.d)
        for _ in range(2):
            sslib.request(self.fport, b'')
        for _ in range(2):
            s = sslib.connect(self.dport)
            self.assertTrue(sslib.closed_at_once(s))
            s.close()
        self.d.wait_reaped()
        self.d.wait_event('exit', count=2, service='fail')
        self.ok('reload')
        text = self.ok('metrics')
        fams = {f.name: f for f in text_string_to_metric_families(text)}

        def value(fam, **labels):
            got = [s.value for s in fams[fam].samples
                   if all(s.labels.get(k) == v for k, v in labels.items())]
            self.assertEqual(len(got), 1, (fam, labels, fams[fam].samples))
            return got[0]

        acc = 'superserver_connections_accepted'
        ref = 'superserver_connections_refused'
        ex = 'superserver_handler_exits'
        self.assertEqual(fams[acc].type, 'counter')
        self.assertEqual(value(acc, service='echo'), 3)
        self.assertEqual(value(acc, service='fail'), 2)
        self.assertEqual(value(acc, service='denied'), 0)
        self.assertEqual(value(ref, service='denied', reason='deny'), 2)
        self.assertEqual(value(ref, service='echo', reason='deny'), 0)
        self.assertEqual(value(ex, service='echo', outcome='ok'), 3)
        self.assertEqual(value(ex, service='echo', outcome='error'), 0)
        self.assertEqual(value(ex, service='fail', outcome='error'), 2)
        self.assertEqual(value(ex, service='fail', outcome='signal'), 0)
        self.assertEqual(value(ex, service='fail', outcome='timeout'), 0)
        self.assertEqual(value('superserver_handlers_active', service='echo'),
                         0)
        self.assertEqual(value('superserver_handler_spawn_failures',
                               service='fail'), 0)
        self.assertEqual(value('superserver_reloads', result='ok'), 1)
        self.assertEqual(value('superserver_reloads', result='error'), 0)
        self.assertEqual(value('superserver_build_info',
                               version=self.ok('version').split()[1]), 1)
        start = fams['superserver_start_time_seconds'].samples[0].value
        self.assertLess(abs(start - time.time()), 60)


class Permissions(ControlBase):
    """Root, the daemon's own uid, control_group members; anyone else is
    refused by the socket's mode or, when an admin opened the mode, by
    the daemon's SO_PEERCRED check (one error line, logged)."""

    def setUp(self):
        super().setUp()
        self.nobody = pwd.getpwnam('nobody')
        self.port = sslib.free_port()
        self.ctl_program = sslib.program_for(self, CTL, self.nobody.pw_uid,
                                             self.nobody.pw_gid)

    def test_control_group(self):
        gid = other_group()
        d = self.start([sslib.svc('echo', self.port,
                                  sslib.service_exec('echo'))],
                       top={'control_group': gid})
        st = os.lstat(self.sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid),
                         (0o660, 0, gid))
        uid, ngid = self.nobody.pw_uid, self.nobody.pw_gid
        self.ok('version')  # root
        # A member by a supplementary group, and by the primary one.
        self.ok('version', preexec_fn=as_user(uid, ngid, [gid]))
        self.ok('version', preexec_fn=as_user(uid, gid, []))
        # Not a member: the mode keeps it out (connect: permission denied).
        code, out, err = self.ctl('version', preexec_fn=as_user(uid, ngid))
        self.assertEqual((code, out), (3, ''))
        self.assertIn('ermission denied', err)
        # An admin opened the mode: the daemon refuses it itself.
        os.chmod(self.sock, 0o666)
        mark = d.mark()
        code, out, err = self.ctl('status', preexec_fn=as_user(uid, ngid))
        self.assertEqual((code, out), (1, ''))
        self.assertEqual(err, 'superserverctl: permission denied\n')
        ev = d.wait_event('control_refused', after=mark)[0]
        self.assertEqual(ev['uid'], str(uid))
        self.assertTrue(ev['pid'].isdigit(), ev)
        self.ok('version', preexec_fn=as_user(uid, ngid, [gid]))

    def test_mode_0600_and_own_uid(self):
        uid, gid = self.nobody.pw_uid, self.nobody.pw_gid
        d = sslib.Daemon(services=[], preexec_fn=as_user(uid, gid))
        self.addCleanup(d.cleanup)
        d.program = sslib.program_for(self, sslib.SUPERSERVERD, uid, gid)
        run = d.path('run')
        os.mkdir(run)
        os.chown(run, uid, gid)
        self.sock = os.path.join(run, 'ctl')
        d.write_config(services=[], top={'control': self.sock})
        d.start()
        st = os.lstat(self.sock)
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid),
                         (0o600, uid))
        self.ok('version', preexec_fn=as_user(uid, gid))   # its own uid
        self.ok('version')                                  # root
        # any other uid (one no account has: nothing to depend on)
        taken = {p.pw_uid for p in pwd.getpwall()}
        other = next(u for u in range(64000, 65000) if u not in taken)
        code, _, _ = self.ctl('version', preexec_fn=as_user(other, gid))
        self.assertEqual(code, 3)  # the mode
        os.chmod(self.sock, 0o666)
        mark = d.mark()
        code, out, err = self.ctl('version', preexec_fn=as_user(other, gid))
        self.assertEqual((code, err), (1, 'superserverctl: permission denied\n'))
        d.wait_event('control_refused', after=mark, uid=other)


class Robustness(ControlBase):

    def test_hanging_and_non_reading_clients(self):
        """A client that sends nothing, one that sends half a line and one
        that asks for a big answer and never reads stall no one; the first
        two are closed after 10 s."""
        port = sslib.free_port()
        ports = sslib.free_ports(300)
        echo = sslib.service_exec('echo')
        name = 'svc-with-a-rather-long-name-to-make-the-metrics-big-%03d'
        services = [sslib.svc('echo', port, echo)] + [
            sslib.svc(name % i, p, echo) for i, p in enumerate(ports)
            if p != port][:250]
        d = self.start(services)
        fds0 = len(sslib.fds(d.pid))
        t0 = time.monotonic()  # before the silent ones connect
        hang = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        hang.connect(self.sock)
        half = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        half.connect(self.sock)
        half.sendall(b'stat')
        stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stuck.connect(self.sock)
        stuck.sendall(b'metrics\n')
        self.assertEqual(stuck.recv(3), b'ok\n')  # and nothing more read
        for c in (hang, half, stuck):
            self.addCleanup(c.close)
        # Everyone else is served while the three are still held: a daemon
        # that waited on one of them would answer only after its 10 s idle
        # limit closed it (order, not a clock's bound).
        for _ in range(5):
            self.assertEqual(len(kv_rows(self.ok('status'))), 252)
            self.assertServes(port, d=d)
        for c in (hang, half):
            c.setblocking(False)
            self.assertRaises(BlockingIOError, c.recv, 1)  # open, nothing sent
            c.setblocking(True)
        d.wait_reaped()  # handlers_active must not change between the two dumps
        full = self.ok('metrics')
        self.assertGreater(len(full), 300000)  # more than a socket buffer
        self.assertTrue(full.endswith('superserver_build_info{version="%s"} 1\n'
                                      % self.ok('version').split()[1]))
        # The silent ones are closed after their 10 s.
        for c in (hang, half):
            c.settimeout(15)
            self.assertEqual(c.recv(10), b'')
        self.assertGreater(time.monotonic() - t0, 9.0)
        d.wait_event('control_timeout', count=2)
        # A client that closes mid-dump: the daemon drops it.
        stuck.close()
        for _ in range(3):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(self.sock)
            s.sendall(b'metrics\n')
            s.recv(1000)
            s.close()
        self.assertTrue(sslib.wait_until(
            lambda: len(sslib.fds(d.pid)) == fds0, timeout=15),
            'fds %d, at start %d' % (len(sslib.fds(d.pid)), fds0))
        self.assertEqual(self.ok('metrics'), full)
        self.assertTrue(d.running())

    def test_too_many_clients(self):
        d = self.start([])
        conns = []
        self.addCleanup(lambda: [c.close() for c in conns])
        for _ in range(64):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.connect(self.sock)
            conns.append(c)
        # The 65th is closed at once; once one leaves, service is back.
        self.assertTrue(sslib.wait_until(
            lambda: raw(self.sock, b'version\n') == b'', timeout=5))
        conns.pop().close()
        self.assertTrue(sslib.wait_until(
            lambda: raw(self.sock, b'version\n').startswith(b'ok\n'),
            timeout=5))
        d.wait_event('control_refused', reason='busy')

    def test_socket_never_taken_over(self):
        d = self.start([])
        ino = os.lstat(self.sock).st_ino
        # A second daemon with the same configured path: exit 3, one line.
        code, out, err = sslib.run_tool(['-f', '-c', d.config_path])
        self.assertEqual((code, out), (3, ''))
        self.assertEqual(err, 'superserverd: control socket %s: another '
                         'daemon answers there\n' % self.sock)
        self.assertEqual(os.lstat(self.sock).st_ino, ino)
        self.ok('version')
        # Moving on reload: the old path goes, the new one answers.
        new = d.path('ctl2')
        d.write_config(services=[], top={'control': new})
        self.ok('reload')
        self.assertFalse(os.path.exists(self.sock))
        self.sock = new
        self.ok('version')
        # A reload to a path another daemon holds fails, nothing changes.
        other = sslib.Daemon(services=[])
        self.addCleanup(other.cleanup)
        taken = other.path('ctl')
        other.write_config(services=[], top={'control': taken})
        other.start()
        d.write_config(services=[], top={'control': taken})
        code, out, err = self.ctl('reload')
        self.assertEqual(code, 1)
        self.assertIn('another daemon answers there', err)
        self.ok('version')
        # Stop: the file goes; a stale one is replaced at the next start.
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(new))
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(new)
        stale.close()
        d.write_config(services=[], top={'control': new})
        d.start(wait_ready=False)  # the log holds the first start's lines
        d.wait_log(r'\bevent=ready\b', count=2, timeout=sslib.READY_TIMEOUT)
        self.ok('version')


class SocketFile(ControlBase):
    """The socket's file (issue 24.3): its mode and group are set on the
    file the daemon made, never through the path (whoever can write the
    folder may have put anything there), and a reload makes it again when
    it is gone."""

    def test_never_chmods_through_a_planted_symlink(self):
        nobody = pwd.getpwnam('nobody')
        d = sslib.Daemon(services=[])
        self.addCleanup(d.cleanup)
        pub = d.path('pub')
        os.mkdir(pub)
        os.chown(pub, nobody.pw_uid, nobody.pw_gid)  # the folder is nobody's
        self.sock = os.path.join(pub, 'ctl')
        d.write_config(services=[], top={'control': self.sock})
        d.start()
        victim = d.path('victim.txt')
        with open(victim, 'w') as f:
            f.write('precious\n')
        os.chmod(victim, 0o644)
        # What the folder's owner may do: swap the socket for a symlink.
        def plant():
            os.unlink(self.sock)
            os.symlink(victim, self.sock)
        subprocess.run(['true'], preexec_fn=lambda: (as_user(nobody.pw_uid, nobody.pw_gid)(),
                                                     plant()), check=True)
        self.assertTrue(os.path.islink(self.sock))
        for top in ({'control': self.sock},
                    {'control': self.sock, 'control_group': other_group()}):
            ev = d.reload(services=[], top=top)
            self.assertEqual(oct(stat.S_IMODE(os.stat(victim).st_mode)), oct(0o644))
            self.assertEqual(os.stat(victim).st_gid, 0)
            # The daemon's socket is no longer at its path: not a silent reload.
            self.assertEqual(ev['result'], 'error', ev['_line'])
            self.assertIn(self.sock, ev['error'])
            self.assertTrue(os.path.islink(self.sock), 'the symlink is left alone')
        # Once the path is free again, a reload makes the socket anew.
        os.unlink(self.sock)
        self.assertEqual(d.reload(services=[], top=top)['result'], 'ok')
        st = os.lstat(self.sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        self.ok('version')

    def test_removed_socket_made_again_on_reload(self):
        d = self.start([])
        os.unlink(self.sock)
        mark = d.mark()
        ev = d.reload(services=[], top=self.top)
        self.assertEqual(ev['result'], 'ok', ev['_line'])
        d.wait_event('control', after=mark, path=self.sock)
        self.assertEqual(self.ok('version').split()[0], 'superserverd')
        self.assertEqual(self.ok('reload').split()[:2], ['reload', 'ok'])
        self.assertNotIn('control socket', '\n'.join(d.log_lines()[mark:]))

    def test_quiet_reloads_without_the_default_socket(self):
        # No `control` key as root: the default path, in a folder this
        # daemon alone sees read-only (another test's daemon may hold the
        # host's or let it go at any moment: never the case here)
        default = sslib.default_control_path(self)
        d = self.daemon(start=False, services=[],
                        wrap=sslib.readonly_folder_wrap(self, os.path.dirname(default)))
        d.start()
        d.wait_log(r'event=warning message=.*running without a control socket',
                   what='the warning of the first turn')
        mark = d.mark()
        for _ in range(3):
            self.assertEqual(d.reload(services=[])['result'], 'ok')
        self.assertEqual(d.events('control', after=mark), [], d.log_text())


if __name__ == '__main__':
    sslib.main()
