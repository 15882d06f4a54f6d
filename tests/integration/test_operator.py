#!/usr/bin/env python3
"""The operator's commands (SPEC section 14) with the real daemon, the real
superserverctl and real sockets: pause (a connection waits in the kernel's
queue and is served after resume), drain (the kernel refuses: ECONNREFUSED,
for tcp on IPv4, IPv6 and dual-stack, udp and unix sockets, and a prefork
pool; what was queued is served first) and resume; the state across a
reload, in status (text and JSON) and in the metrics; bans by hand from two
loopback sources, listed as log_peer shows them, lifted with the source's
per_source_rate bucket; the fail2ban action README shows, run from its text;
each command logged with the caller's uid; unknown services exit 1.
"""

import configparser
import json
import os
import re
import socket
import subprocess
import unittest

import sslib

BUILD = os.environ.get('TOP_BUILDDIR', '.')
SRCDIR = os.environ.get('TOP_SRCDIR', '.')
CTL = os.path.join(BUILD, 'src', 'superserverctl')


def accept_queue(port):
    """Connections waiting in the accept queue of the TCP listener on PORT
    (/proc/net/tcp's rx_queue of a LISTEN socket is its accept backlog)."""
    n = 0
    for path in ('/proc/net/tcp', '/proc/net/tcp6'):
        with open(path) as f:
            for line in f.read().splitlines()[1:]:
                fld = line.split()
                if fld[3] == '0A' and int(fld[1].rsplit(':', 1)[1], 16) == port:
                    n += int(fld[4].split(':')[1], 16)
    return n


def connect_refused(port, host='127.0.0.1'):
    """True when a connect to HOST:PORT is refused (ECONNREFUSED)."""
    try:
        s = sslib.connect(port, host, timeout=2.0)
    except ConnectionRefusedError:
        return True
    s.close()
    return False


def udp_exchange(port, data, host='127.0.0.1', timeout=3.0):
    """Send DATA to HOST:PORT from a connected udp socket; the answer, or
    the OSError the kernel reported (ECONNREFUSED after an ICMP)."""
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.connect((host, port))
        s.send(data)
        return s.recv(4096)
    except OSError as e:
        return e
    finally:
        s.close()


class OperatorTest(sslib.DaemonTest):

    def setUp(self):
        if not os.access(CTL, os.X_OK):
            self.fail('superserverctl not built (%s)' % CTL)

    def start(self, services, top=None):
        self.d = sslib.Daemon(services=[])
        self.addCleanup(self.d.cleanup)
        self.sock = self.d.path('ctl')
        self.top = dict({'control': self.sock}, **(top or {}))
        self.d.write_config(services=services, top=self.top)
        self.d.start()
        return self.d

    def ctl(self, *args):
        p = subprocess.run([CTL, '-s', self.sock] + list(args),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=20)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def ok(self, *args):
        code, out, err = self.ctl(*args)
        self.assertEqual((code, err), (0, ''), out + self.d.log_text())
        return out

    def state(self, name):
        for line in self.ok('status').splitlines()[1:]:
            kv = sslib.parse_kv(line)
            if kv['service'] == name:
                return kv['state']
        self.fail('no status row for %s' % name)

    def echo(self, name, port, **kw):
        return sslib.svc(name, port, sslib.service_exec('echo'), **kw)


class Hold(OperatorTest):

    def test_paused_connection_waits_in_the_queue_and_is_served_on_resume(self):
        port = sslib.free_port()
        d = self.start([self.echo('echo', port)])
        self.assertEqual(self.ok('pause', 'echo'), 'service=echo state=paused\n')
        self.assertEqual(self.state('echo'), 'paused')
        after = d.mark()
        s = sslib.connect(port)  # the kernel completes it: none is refused
        try:
            s.sendall(b'queued\n')
            s.shutdown(socket.SHUT_WR)
            # It sits in the listener's accept queue, not accepted.
            self.assertTrue(sslib.wait_until(lambda: accept_queue(port) == 1),
                            d.log_text())
            self.assertEqual(d.events('start', after=after), [])
            self.assertEqual(self.ok('resume', 'echo'),
                             'service=echo state=running\n')
            self.assertEqual(sslib.recv_all(s), b'queued\n')
        finally:
            s.close()
        self.assertEqual(self.state('echo'), 'running')
        self.assertServes(port, d=d)
        ev = d.wait_event('control', command='pause', service='echo')[0]
        self.assertEqual((ev['uid'], ev['result']), (str(os.getuid()), 'ok'))
        d.wait_event('control', command='resume', service='echo', result='ok')

    def test_drained_is_refused_by_the_kernel_and_served_after_resume(self):
        port = sslib.free_port()
        d = self.start([self.echo('echo', port)])
        self.assertServes(port, d=d)
        self.assertEqual(self.ok('drain', 'echo'), 'service=echo state=draining\n')
        self.assertTrue(connect_refused(port))
        self.assertEqual(self.state('echo'), 'draining')
        self.ok('resume', 'echo')
        self.assertServes(port, d=d)
        d.wait_event('control', command='drain', service='echo', result='ok')

    def test_drain_serves_what_the_queue_held(self):
        port = sslib.free_port()
        d = self.start([self.echo('echo', port)])
        self.ok('pause', 'echo')
        s = sslib.connect(port)
        try:
            s.sendall(b'was queued\n')
            s.shutdown(socket.SHUT_WR)
            self.assertTrue(sslib.wait_until(lambda: accept_queue(port) == 1))
            self.ok('drain', 'echo')  # accepted and served, then refused
            self.assertEqual(sslib.recv_all(s), b'was queued\n', d.log_text())
        finally:
            s.close()
        self.assertTrue(connect_refused(port))
        self.ok('resume', 'echo')
        self.assertServes(port, d=d)

    def test_drain_ipv6_and_dual_stack(self):
        if not sslib.ipv6_loopback_ok():
            self.skipTest('no IPv6 loopback')
        p6, pd = sslib.free_port('::1'), sslib.free_port_dual()
        d = self.start([self.echo('six', p6, host='::1'),
                        self.echo('dual', pd, host='*')])
        for name in ('six', 'dual'):
            self.ok('drain', name)
        self.assertTrue(connect_refused(p6, '::1'))
        self.assertTrue(connect_refused(pd, '::1'))
        self.assertTrue(connect_refused(pd, '127.0.0.1'))
        for name in ('six', 'dual'):
            self.ok('resume', name)
        self.assertServes(p6, host='::1', d=d)
        self.assertServes(pd, host='::1', d=d)
        self.assertServes(pd, host='127.0.0.1', d=d)

    def test_drain_udp_wait(self):
        port = sslib.free_port()
        d = self.start([self.echo('udp', port, protocol='udp')])
        self.assertEqual(udp_exchange(port, b'one'), b'one', d.log_text())
        # The handler still holds the socket (it exits when idle): the
        # kernel refuses for it too.
        self.ok('drain', 'udp')
        got = udp_exchange(port, b'two')
        self.assertIsInstance(got, ConnectionRefusedError, got)
        self.ok('resume', 'udp')
        self.assertEqual(udp_exchange(port, b'three'), b'three', d.log_text())

    def test_drain_unix_stream_gets_a_new_socket_on_resume(self):
        path = os.path.join(sslib.Daemon(services=[]).tmpdir, 'u.sock')
        self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))
        svc = {'name': 'u', 'listen': 'unix:' + path,
               'exec': sslib.service_exec('echo')}
        d = self.start([svc])

        def exchange():
            return sslib.unix_request(path, b'ping\n')
        self.assertEqual(exchange(), b'ping\n')
        self.ok('drain', 'u')
        with self.assertRaises(ConnectionRefusedError):
            exchange()
        self.ok('resume', 'u')
        self.assertEqual(exchange(), b'ping\n', d.log_text())

    def test_prefork_pause_is_refused_and_drain_stops_the_pool(self):
        port = sslib.free_port()
        d = self.start([self.echo('pool', port, mode='prefork', workers=2)])
        self.assertServes(port, d=d)
        code, out, err = self.ctl('pause', 'pool')
        self.assertEqual(code, 1)
        self.assertIn('prefork workers accept connections themselves', err)
        self.assertEqual(self.state('pool'), 'running')
        d.wait_event('control', command='pause', service='pool',
                     result='error')
        self.ok('drain', 'pool')
        self.assertTrue(connect_refused(port))
        self.ok('resume', 'pool')
        self.assertServes(port, d=d)

    def test_state_survives_a_reload(self):
        port, port2, port3 = sslib.free_ports(3)
        services = [self.echo('a', port), self.echo('b', port2)]
        d = self.start(services)
        self.ok('pause', 'a')
        self.ok('drain', 'b')
        # A reload that keeps a's socket, and gives b a new one (reuseport
        # changes): a stays paused, b's new socket is drained too.
        services[1]['reuseport'] = True
        services.append(self.echo('c', port3))
        d.write_config(services=services, top=self.top)
        self.assertEqual(self.ok('reload'),
                         'reload ok services=3 kept_sockets=1 opened=2 closed=1\n')
        self.assertEqual(self.state('a'), 'paused')
        self.assertEqual(self.state('b'), 'draining')
        self.assertEqual(self.state('c'), 'running')
        self.assertTrue(connect_refused(port2))
        s = sslib.connect(port)
        try:
            s.sendall(b'after reload\n')
            s.shutdown(socket.SHUT_WR)
            self.assertTrue(sslib.wait_until(lambda: accept_queue(port) == 1))
            self.ok('resume', 'a')
            self.assertEqual(sslib.recv_all(s), b'after reload\n')
        finally:
            s.close()
        self.ok('resume', 'b')
        self.assertServes(port2, d=d)
        self.assertServes(port3, d=d)

    def test_status_json_and_metrics_show_the_state(self):
        port = sslib.free_port()
        self.start([self.echo('echo', port)])
        self.assertEqual(json.loads(self.ok('--json', 'drain', 'echo')),
                         {'service': 'echo', 'state': 'draining'})
        st = json.loads(self.ok('--json', 'status'))
        self.assertEqual(st['services'][0]['state'], 'draining')
        metrics = self.ok('metrics')
        self.assertIn('\nsuperserver_service_state{service="echo",'
                      'state="draining"} 1\n', metrics)
        self.assertIn('\nsuperserver_service_state{service="echo",'
                      'state="running"} 0\n', metrics)
        self.ok('resume', 'echo')

    def test_unknown_service_exits_1(self):
        self.start([self.echo('echo', sslib.free_port())])
        for args in (('pause', 'nope'), ('drain', 'nope'), ('resume', 'nope'),
                     ('bans', 'nope'), ('ban', 'nope', '127.0.0.2', '60'),
                     ('unban', 'nope', '127.0.0.2')):
            code, out, err = self.ctl(*args)
            self.assertEqual((code, out), (1, ''), args)
            self.assertEqual(err, 'superserverctl: unknown service "nope"\n')
        code, out, err = self.ctl('ban', 'echo', 'not-an-address', '60')
        self.assertEqual(code, 2, err)  # a usage error, caught by the client
        self.assertIn('invalid address', err)


class Bans(OperatorTest):

    def client(self, port, source):
        """What SOURCE gets from the echo service: its line, or b'' when the
        connection is closed without a word (refused)."""
        return sslib.request(port, b'hello\n', source=source)

    def bans(self, *args):
        return [sslib.parse_kv(line)
                for line in self.ok('bans', *args).splitlines()]

    def test_ban_and_unban_from_two_sources(self):
        port = sslib.free_port()
        d = self.start([self.echo('echo', port)])
        self.assertEqual(self.ok('ban', 'echo', '127.0.0.2', '600'),
                         'service=echo source=127.0.0.2 seconds=600\n')
        after = d.mark()
        self.assertEqual(self.client(port, '127.0.0.2'), b'')
        self.assertEqual(self.client(port, '127.0.0.3'), b'hello\n')
        d.wait_event('refuse', after=after, service='echo', reason='banned')
        rows = self.bans()
        self.assertEqual([(r['service'], r['source']) for r in rows],
                         [('echo', '127.0.0.2')])
        self.assertTrue(590 <= int(rows[0]['seconds_left']) <= 600, rows)
        listed = json.loads(self.ok('--json', 'bans', 'echo'))
        self.assertEqual([(b['service'], b['source']) for b in listed],
                         [('echo', '127.0.0.2')])
        self.assertEqual(self.ok('unban', 'echo', '127.0.0.2'),
                         'source=127.0.0.2 lifted=1\n')
        self.assertEqual(self.client(port, '127.0.0.2'), b'hello\n')
        self.assertEqual(self.bans(), [])
        code, out, err = self.ctl('unban', 'echo', '127.0.0.2')
        self.assertEqual((code, err),
                         (1, 'superserverctl: no ban on 127.0.0.2 in echo\n'))
        ev = d.wait_event('control', command='ban', service='echo')[0]
        self.assertEqual((ev['source'], ev['seconds'], ev['uid']),
                         ('127.0.0.2', '600', str(os.getuid())))
        d.wait_event('control', command='unban', source='127.0.0.2',
                     result='error')

    def test_unban_resets_the_per_source_rate_bucket(self):
        port = sslib.free_port()
        d = self.start([self.echo('ssh', port, per_source_rate='1/3600',
                                  ban=600)])
        self.assertEqual(self.client(port, '127.0.0.2'), b'hello\n')
        d.wait_reaped()
        self.assertEqual(self.client(port, '127.0.0.2'), b'')  # its rate
        self.assertEqual(self.client(port, '127.0.0.2'), b'')  # its ban
        d.wait_event('refuse', service='ssh', reason='banned')
        self.assertEqual([r['source'] for r in self.bans('ssh')],
                         ['127.0.0.2'])
        self.ok('unban', 'all', '127.0.0.2')
        # A full bucket again: served, not refused for its rate.
        self.assertEqual(self.client(port, '127.0.0.2'), b'hello\n')

    def test_listing_follows_log_peer(self):
        p1, p2 = sslib.free_ports(2)
        self.start([self.echo('pre', p1, log_peer='prefix'),
                    self.echo('none', p2, log_peer='none')])
        self.ok('ban', 'pre', '127.0.0.2', '60')
        self.ok('ban', 'none', '127.0.0.3', '60')
        rows = {r['service']: r['source'] for r in self.bans()}
        self.assertEqual(rows, {'pre': '127.0.0.0/24', 'none': '-'})
        if sslib.ipv6_loopback_ok():
            self.ok('ban', 'pre', '2001:db8:1:2::7', '60')
            self.assertIn('2001:db8:1::/48',
                          [r['source'] for r in self.bans('pre')])
        self.ok('unban', 'all', '127.0.0.3')

    def test_ipv6_bans_its_64(self):
        if not sslib.ipv6_loopback_ok():
            self.skipTest('no IPv6 loopback')
        port = sslib.free_port('::1')
        self.start([self.echo('six', port, host='::1')])
        self.ok('ban', 'six', '::1', '60')
        self.assertEqual(sslib.request(port, b'x\n', host='::1'), b'')
        self.assertEqual([r['source'] for r in self.bans()], ['::/64'])
        self.ok('unban', 'six', '::/64')  # as listed
        self.assertEqual(sslib.request(port, b'x\n', host='::1'), b'x\n')

    def test_uid_ban_on_a_unix_listener(self):
        path = os.path.join(sslib.Daemon(services=[]).tmpdir, 'b.sock')
        self.addCleanup(lambda: os.path.exists(path) and os.unlink(path))
        self.start([{'name': 'u', 'listen': 'unix:' + path,
                     'exec': sslib.service_exec('echo')}])

        def exchange():
            """What the service answers; b'' when it closes without a word
            (a refused client may find it closed before it writes)."""
            try:
                return sslib.unix_request(path, b'hi\n')
            except (BrokenPipeError, ConnectionResetError):
                return b''
        me = 'uid:%d' % os.getuid()
        self.assertEqual(exchange(), b'hi\n')
        self.assertEqual(self.ok('ban', 'u', me, '60'),
                         'service=u source=%s seconds=60\n' % me)
        self.assertEqual(exchange(), b'')
        self.assertEqual([r['source'] for r in self.bans('u')], [me])
        code, out, err = self.ctl('ban', 'u', '127.0.0.2', '60')
        self.assertEqual(code, 1)
        self.assertIn('unix: sockets only', err)
        self.ok('unban', 'u', me)
        self.assertEqual(exchange(), b'hi\n')

    def test_ban_where_the_daemon_does_not_accept_exits_1(self):
        p1, p2 = sslib.free_ports(2)
        self.start([self.echo('pool', p1, mode='prefork', workers=1),
                    self.echo('tw', p2, mode='wait')])
        for name in ('pool', 'tw'):
            code, out, err = self.ctl('ban', name, '127.0.0.2', '60')
            self.assertEqual(code, 1, err)
            self.assertIn('the daemon sees no source', err)


class Fail2banAction(OperatorTest):
    """README's fail2ban action, from its text: fail2ban's tag substitution
    (<ip>, <bantime> and the action's [Init] values) is done here, then the
    two command lines run as fail2ban would run them (through sh)."""

    def action_file(self):
        with open(os.path.join(SRCDIR, 'README.md')) as f:
            text = f.read()
        m = re.search(r'```ini\n# /etc/fail2ban/action\.d/superserver\.conf\n'
                      r'(.*?)```', text, re.S)
        self.assertIsNotNone(m, 'README has no fail2ban action')
        cp = configparser.ConfigParser(interpolation=None)
        cp.read_string(m.group(1))
        return cp

    def run_action(self, cp, key, tags):
        line = cp.get('Definition', key)
        values = dict(cp.items('Init'))
        values.update(tags)
        line = re.sub(r'<(\w+)>', lambda t: values[t.group(1)], line)
        self.assertTrue(line.startswith('superserverctl '), line)
        line = CTL + line[len('superserverctl'):]
        return subprocess.run(['/bin/sh', '-c', line], timeout=20,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def test_readme_action_bans_and_unbans(self):
        cp = self.action_file()
        service = cp.get('Init', 'service')
        port = sslib.free_port()
        self.start([self.echo(service, port)])
        # The socket is the action's `socket` value, given per jail as the
        # service is: here the test daemon's.
        tags = {'socket': self.sock, 'ip': '127.0.0.2', 'bantime': '600'}
        p = self.run_action(cp, 'actionban', tags)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sslib.request(port, b'x\n', source='127.0.0.2'), b'')
        self.assertEqual(sslib.request(port, b'x\n', source='127.0.0.3'),
                         b'x\n')
        p = self.run_action(cp, 'actionunban', tags)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(sslib.request(port, b'x\n', source='127.0.0.2'),
                         b'x\n')


if __name__ == '__main__':
    sslib.main()
