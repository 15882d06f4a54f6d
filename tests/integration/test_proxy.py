#!/usr/bin/env python3
"""PROXY protocol in the daemon (SPEC section 8): headers read before
admission, admission and the handler's environment on the real client, the
refusal reasons, pending connections (cap, timeout, reload), health checks
closed without a handler (proxy_local: close, SPEC section 14), and real
senders: haproxy (send-proxy, send-proxy-v2, and its health checks with
check-send-proxy against per_source_rate and ban) and curl
--haproxy-protocol."""

import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import svc  # noqa: E402

ENV = '/usr/bin/env'
CAT = '/bin/cat'
V2_SIG = b'\r\n\r\n\x00\r\nQUIT\n'
CLIENT = '203.0.113.7'


def v1(src=CLIENT, dst='192.0.2.1', sport=51234, dport=443, fam='TCP4'):
    return ('PROXY %s %s %s %d %d\r\n' % (fam, src, dst, sport, dport)).encode()


def tlv(t, value):
    return struct.pack('!BH', t, len(value)) + value


def v2(src=CLIENT, dst='192.0.2.1', sport=51234, dport=443, tlvs=b'',
       local=False, length=None):
    if local:
        return V2_SIG + b'\x20\x00' + struct.pack('!H', 0)
    if ':' in src:
        addrs = (socket.inet_pton(socket.AF_INET6, src) +
                 socket.inet_pton(socket.AF_INET6, dst))
        fam = b'\x21'
    else:
        addrs = socket.inet_aton(src) + socket.inet_aton(dst)
        fam = b'\x11'
    body = addrs + struct.pack('!HH', sport, dport) + tlvs
    n = len(body) if length is None else length
    return V2_SIG + b'\x21' + fam + struct.pack('!H', n) + body


parse_env = sslib.parse_env

# A handler that reads its whole input before it answers with its
# environment: a client's bytes are never left unread, so the handler's
# close is a FIN, never a reset that could cut the answer or fail the
# client's shutdown() (ENOTCONN).
DRAIN_ENV = 'cat >/dev/null\nexec /usr/bin/env\n'
# One that answers first and then waits for the client's end: a client
# that half-closes only after the answer came cannot race a balancer that
# gives up on a client gone before the server's connection was made.
ENV_THEN_WAIT = '/usr/bin/env\necho __END__\nexec cat >/dev/null\n'


def exchange(port, chunks, timeout=sslib.IO_TIMEOUT, pause=0.0, source=None):
    """Connect, send each chunk (PAUSE seconds apart), half-close, read."""
    s = sslib.connect(port, timeout=timeout, source=source)
    try:
        for c in chunks:
            s.sendall(c)
            if pause:
                time.sleep(pause)
        s.shutdown(socket.SHUT_WR)
        return sslib.recv_all(s)
    finally:
        s.close()


def closed_after(port, data, source=None):
    """Send DATA (a header) on a new connection to PORT: did the daemon
    close it at once (a refusal)?"""
    s = sslib.connect(port, source=source)
    try:
        s.sendall(data)
        return sslib.closed_at_once(s, timeout=5.0)
    finally:
        s.close()


def status_line(d, name):
    after = d.mark()
    d.send_signal(signal.SIGUSR1)
    return d.wait_event('status', after=after, service=name)[0]


def proxy_svc(name, port, exec_, **kw):
    kw.setdefault('proxy_protocol', 'any')
    kw.setdefault('proxy_from', ['127.0.0.1/32'])
    return svc(name, port, exec_, **kw)


class ProxyTest(sslib.DaemonTest):
    """One daemon with a few PROXY services."""

    @classmethod
    def setUpClass(cls):
        names = ['env', 'echo', 'deny', 'persrc', 'untrusted', 'direct',
                 'v1only', 'short', 'long', 'cap', 'hc', 'psrate', 'inst', 'bytes']
        cls.p = dict(zip(names, sslib.free_ports(len(names))))
        d = sslib.Daemon()
        cls.d = d
        sleeper = d.script('sleep.sh', 'echo started\nexec sleep 30\n')
        drain_env = d.script('drain-env.sh', DRAIN_ENV)
        p = cls.p
        cls.sock_path = d.path('proxy.sock')
        d.write_config([
            proxy_svc('env', p['env'], ENV),
            proxy_svc('echo', p['echo'], CAT),
            proxy_svc('deny', p['deny'], ENV, deny=['203.0.113.0/24']),
            proxy_svc('persrc', p['persrc'], sleeper, per_source=1),
            proxy_svc('untrusted', p['untrusted'], CAT,
                      proxy_from=['127.0.0.2/32']),
            proxy_svc('direct', p['direct'], drain_env, proxy_from=['127.0.0.2/32'],
                      proxy_others='direct'),
            proxy_svc('v1only', p['v1only'], CAT, proxy_protocol='v1'),
            proxy_svc('short', p['short'], CAT, proxy_timeout=1),
            proxy_svc('long', p['long'], CAT, proxy_timeout=60),
            proxy_svc('cap', p['cap'], CAT, backlog=2),
            proxy_svc('hc', p['hc'], ENV, proxy_local='close',
                      per_source_rate='1/3600', ban=600),
            proxy_svc('psrate', p['psrate'], ENV, per_source_rate='1/60'),
            proxy_svc('inst', p['inst'], sleeper, instances=1),
            # a header a byte at a time, each byte awaited: minutes under valgrind
            proxy_svc('bytes', p['bytes'], CAT, proxy_timeout=300),
            {'name': 'unixenv', 'listen': 'unix:' + cls.sock_path,
             'exec': ENV, 'proxy_protocol': 'v1',
             'proxy_from': ['127.0.0.1/32']},
        ])
        d.start_or_clean_up()

    @classmethod
    def tearDownClass(cls):
        cls.d.cleanup()

    def refusal(self, service, reason, after):
        """The refusal's line: its own (with peer=), or, when others of its
        kind came within the same second, the summary (count=N)."""
        return self.d.wait_event('refuse', after=after, service=service,
                                 reason=reason)[0]

    # ---------------------------------------------------------- environment

    def test_v2_environment_is_the_clients(self):
        tlvs = (tlv(0x02, b'www.example.org') + tlv(0x01, b'h2') +
                tlv(0x20, b'\x01' + b'\x00' * 4 + tlv(0x21, b'TLSv1.3')))
        after = self.d.mark()
        s = sslib.connect(self.p['env'])
        try:
            s.sendall(v2(sport=40001, dport=8443, tlvs=tlvs))
            s.shutdown(socket.SHUT_WR)
            lb_port = s.getsockname()[1]
            env = parse_env(sslib.recv_all(s))
        finally:
            s.close()
        self.assertEqual(env.get('PROTO'), 'TCP')
        self.assertEqual(env.get('TCPREMOTEIP'), CLIENT)
        self.assertEqual(env.get('TCPREMOTEPORT'), '40001')
        self.assertEqual(env.get('REMOTE_ADDR'), CLIENT)
        self.assertEqual(env.get('REMOTE_PORT'), '40001')
        self.assertEqual(env.get('TCPLOCALIP'), '192.0.2.1')
        self.assertEqual(env.get('TCPLOCALPORT'), '8443')
        self.assertEqual(env.get('SUPERSERVER_PROXY_PEER'),
                         '127.0.0.1:%d' % lb_port)
        self.assertEqual(env.get('PROXY_AUTHORITY'), 'www.example.org')
        self.assertEqual(env.get('PROXY_ALPN'), 'h2')
        self.assertEqual(env.get('SSL_PROTOCOL'), 'TLSv1.3')
        ev = self.d.wait_event('start', after=after, service='env')[0]
        self.assertEqual(ev['peer'], '%s:40001' % CLIENT)
        self.assertEqual(ev['via'], '127.0.0.1:%d' % lb_port)

    def test_v1_and_ipv6_header(self):
        env = parse_env(exchange(self.p['env'], [
            v1(src='2001:db8::7', dst='2001:db8::1', fam='TCP6')]))
        self.assertEqual(env.get('TCPREMOTEIP'), '2001:db8::7')
        self.assertEqual(env.get('TCPLOCALIP'), '2001:db8::1')
        self.assertNotIn('PROXY_AUTHORITY', env)
        self.assertTrue(env.get('SUPERSERVER_PROXY_PEER', '')
                        .startswith('127.0.0.1:'))

    def test_unix_listener_with_tcp_header_is_tcp(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(sslib.IO_TIMEOUT)
        try:
            s.connect(self.sock_path)
            s.sendall(v1())
            s.shutdown(socket.SHUT_WR)
            env = parse_env(sslib.recv_all(s))
        finally:
            s.close()
        self.assertEqual(env.get('PROTO'), 'TCP')
        self.assertEqual(env.get('TCPREMOTEIP'), CLIENT)
        self.assertEqual(env.get('TCPLOCALPORT'), '443')
        self.assertNotIn('UNIXREMOTEEUID', env)

    def test_local_health_check_served_with_socket_endpoints(self):
        s = sslib.connect(self.p['env'])
        try:
            s.sendall(v2(local=True))
            s.shutdown(socket.SHUT_WR)
            port = s.getsockname()[1]
            env = parse_env(sslib.recv_all(s))
        finally:
            s.close()
        self.assertEqual(env.get('TCPREMOTEIP'), '127.0.0.1')
        self.assertEqual(env.get('TCPREMOTEPORT'), str(port))
        self.assertEqual(env.get('TCPLOCALPORT'), str(self.p['env']))
        self.assertNotIn('SUPERSERVER_PROXY_PEER', env)
        got = exchange(self.p['env'], [b'PROXY UNKNOWN\r\n'])
        self.assertEqual(parse_env(got).get('TCPREMOTEIP'), '127.0.0.1')

    def test_local_health_check_closed_without_admission(self):
        """proxy_local: close: LOCAL and UNKNOWN are closed after the header,
        more of them than per_source_rate allows, with no handler and no
        refusal or ban; a real client is served afterwards."""
        after = self.d.mark()
        for header in (v2(local=True), b'PROXY UNKNOWN\r\n') * 3:
            s = sslib.connect(self.p['hc'])
            try:
                s.sendall(header + b'ignored\n')
                self.assertTrue(sslib.closed_at_once(s), header)
            finally:
                s.close()
        got = exchange(self.p['hc'], [v2(src='203.0.113.9')])
        self.assertEqual(parse_env(got).get('TCPREMOTEIP'), '203.0.113.9')
        starts = self.d.events('start', after=after, service='hc')
        self.assertEqual([e['peer'].split(':')[0] for e in starts],
                         ['203.0.113.9'], self.d.log_text())
        self.assertEqual(self.d.events('refuse', after=after, service='hc'),
                         [])

    # ---------------------------------------------------------- byte-exact

    def test_payload_in_the_header_segment_reaches_handler_exactly(self):
        payload = bytes(range(256)) * 64 + V2_SIG + b'PROXY TCP4 x\r\n'
        for hdr in (v1(), v2()):
            self.assertEqual(exchange(self.p['echo'], [hdr + payload]),
                             payload)

    def test_header_one_byte_at_a_time(self):
        """Each byte its own segment (TCP_NODELAY), seen in the daemon's
        socket before a SIGUSR1 asks for a status line (which comes after
        the events of its turn, so after the daemon looked at that byte):
        the daemon has seen every partial header (it peeks: the bytes stay
        unread), kept the connection pending until the last byte, and
        served the payload exactly."""
        payload = b'after the header\r\n\x00\xff'
        for hdr in (v1(), v2(tlvs=tlv(0x02, b'a.example'))):
            s = sslib.connect(self.p['bytes'])
            try:
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                cport = s.getsockname()[1]
                for i in range(len(hdr)):
                    s.sendall(hdr[i:i + 1])
                    # arrived (loopback may defer it under load); the whole
                    # header is read by the daemon: none left unread
                    unread = i + 1 if i + 1 < len(hdr) else 0
                    self.assertTrue(sslib.wait_until(
                        lambda: sslib.tcp_unread(self.p['bytes'], cport) == unread),
                        'byte %d: %s unread in the daemon\'s socket, not %d' % (
                            i + 1, sslib.tcp_unread(self.p['bytes'], cport), unread))
                    # pending until the header is whole, then handed over
                    self.assertEqual(status_line(self.d, 'bytes').get('pending'),
                                     '1' if i + 1 < len(hdr) else '0',
                                     'after %d of %d header bytes' % (i + 1, len(hdr)))
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                self.assertEqual(sslib.recv_all(s), payload)
            finally:
                s.close()

    # ---------------------------------------------------------- bad headers

    def assertRefused(self, port, service, data, reason, shut=False):
        after = self.d.mark()
        s = sslib.connect(port)
        cport = s.getsockname()[1]
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
            self.assertTrue(sslib.closed_at_once(s, timeout=5.0))
        finally:
            s.close()
        ev = self.refusal(service, reason, after)
        if 'peer' in ev:
            self.assertEqual(ev['peer'].split(':')[0], '127.0.0.1')
        # no handler for this connection (by its own port: a line of an
        # earlier test's handler may be written after the mark)
        self.assertEqual(self.d.events('start', service=service,
                                       peer='127.0.0.1:%d' % cport), [])

    def test_garbage_is_proxy_invalid(self):
        self.assertRefused(self.p['echo'], 'echo', b'GET / HTTP/1.0\r\n\r\n',
                           'proxy_invalid')

    def test_overlong_v1_is_proxy_invalid(self):
        self.assertRefused(self.p['echo'], 'echo',
                           b'PROXY TCP4 ' + b'1' * 120, 'proxy_invalid')

    def test_v2_over_4096_is_proxy_invalid(self):
        self.assertRefused(self.p['echo'], 'echo', v2(length=5000)[:16],
                           'proxy_invalid')

    def test_v2_to_a_v1_only_service_is_proxy_invalid(self):
        self.assertRefused(self.p['v1only'], 'v1only', v2(),
                           'proxy_invalid')

    def test_incomplete_header_then_close_is_proxy_invalid(self):
        self.assertRefused(self.p['echo'], 'echo', b'PROXY TCP4 1.2',
                           'proxy_invalid', shut=True)

    def test_timeout(self):
        """proxy_timeout 1 closes a silent connection after a second, while
        one of the 60 s service opened at the same time still waits: the
        configured value, told apart by order, not by a clock's bound."""
        after = self.d.mark()
        t0 = time.monotonic()  # before connect: the daemon's deadline starts later
        s = sslib.connect(self.p['short'])
        longer = sslib.connect(self.p['long'])
        try:
            s.sendall(b'PROXY TCP4 ')
            longer.sendall(b'PROXY TCP4 ')
            self.assertTrue(sslib.closed_at_once(s, timeout=30.0))
            elapsed = time.monotonic() - t0
            self.refusal('short', 'proxy_timeout', after)
            self.assertGreaterEqual(elapsed, 1.0, 'closed before its proxy_timeout')
            self.assertFalse(sslib.closed_at_once(longer, timeout=0.01),
                             'the service with proxy_timeout 60 closed too')
            self.assertEqual(self.d.events('refuse', after=after, service='long'), [])
        finally:
            s.close()
            longer.close()

    # ---------------------------------------------------------- trust

    def test_untrusted_peer_refused(self):
        self.assertRefused(self.p['untrusted'], 'untrusted', v2(),
                           'proxy_untrusted')

    def test_untrusted_peer_direct_is_served_untouched(self):
        env = parse_env(exchange(self.p['direct'], [v1()]))
        self.assertEqual(env.get('TCPREMOTEIP'), '127.0.0.1')
        self.assertNotIn('SUPERSERVER_PROXY_PEER', env)
        # trusted (127.0.0.2) peers of the same service do send headers
        env = parse_env(exchange(self.p['direct'], [v1()], source='127.0.0.2'))
        self.assertEqual(env.get('TCPREMOTEIP'), CLIENT)
        self.assertEqual(env.get('SUPERSERVER_PROXY_PEER', '').split(':')[0],
                         '127.0.0.2')

    # ---------------------------------------------------------- admission

    def test_deny_applies_to_the_headers_source(self):
        after = self.d.mark()
        self.assertTrue(closed_after(self.p['deny'], v2()))
        ev = self.refusal('deny', 'deny', after)
        self.assertEqual(ev['peer'], '%s:51234' % CLIENT)
        env = parse_env(exchange(self.p['deny'], [v2(src='198.51.100.1')]))
        self.assertEqual(env.get('TCPREMOTEIP'), '198.51.100.1')

    def test_per_source_applies_to_the_headers_source(self):
        after = self.d.mark()
        first = sslib.connect(self.p['persrc'])
        try:
            first.sendall(v1(src='198.51.100.9'))
            self.assertEqual(first.recv(8), b'started\n')
            # same client, same balancer: refused; another client: served
            self.assertTrue(closed_after(self.p['persrc'], v1(src='198.51.100.9', sport=2)))
            ev = self.refusal('persrc', 'per_source', after)
            self.assertEqual(ev['peer'], '198.51.100.9:2')
            other = sslib.connect(self.p['persrc'])
            try:
                other.sendall(v1(src='198.51.100.10'))
                self.assertEqual(other.recv(8), b'started\n')
            finally:
                other.close()
        finally:
            first.close()
        for e in self.d.events('start', after=after, service='persrc'):
            os.kill(int(e['pid']), signal.SIGTERM)

    def test_per_source_rate_applies_to_the_headers_source(self):
        """Each real client has its own bucket: the balancer's address,
        the same for all of them, is not what is counted."""
        after = self.d.mark()
        for src in ('198.51.100.21', '198.51.100.22'):
            env = parse_env(exchange(self.p['psrate'], [v1(src=src)]))
            self.assertEqual(env.get('TCPREMOTEIP'), src)
        self.assertTrue(closed_after(self.p['psrate'], v1(src='198.51.100.21', sport=3)))
        ev = self.refusal('psrate', 'per_source_rate', after)
        self.assertEqual(ev.get('peer'), '198.51.100.21:3', ev['_line'])

    def test_instances_counts_the_headers_connections(self):
        after = self.d.mark()
        first = sslib.connect(self.p['inst'])
        try:
            first.sendall(v1(src='198.51.100.31'))
            self.assertEqual(first.recv(8), b'started\n')
            self.assertTrue(closed_after(self.p['inst'], v1(src='198.51.100.32', sport=4)))
            ev = self.refusal('inst', 'instances', after)
            self.assertEqual(ev.get('peer'), '198.51.100.32:4', ev['_line'])
        finally:
            first.close()
        for e in self.d.events('start', after=after, service='inst'):
            os.kill(int(e['pid']), signal.SIGTERM)

    # ---------------------------------------------------------- pending

    def test_cap_and_status(self):
        after = self.d.mark()
        held = [sslib.connect(self.p['cap']) for _ in range(2)]
        try:
            self.assertTrue(sslib.wait_until(
                lambda: status_line(self.d, 'cap').get('pending') == '2'))
            s = sslib.connect(self.p['cap'])
            try:
                self.assertTrue(sslib.closed_at_once(s, timeout=5.0))
            finally:
                s.close()
            self.refusal('cap', 'proxy_pending', after)
            # the waiting ones are still served when their header comes
            held[0].sendall(v1() + b'still here')
            held[0].shutdown(socket.SHUT_WR)
            self.assertEqual(sslib.recv_all(held[0]), b'still here')
        finally:
            for h in held:
                h.close()
        self.assertTrue(sslib.wait_until(
            lambda: status_line(self.d, 'cap').get('pending') == '0'))


class ProxyLimitsTest(sslib.DaemonTest):
    """rate and max_children refuse a PROXY client by its header's address
    (SPEC section 8: admission on the real client)."""

    def refused_as(self, d, port, src, sport, reason, service):
        after = d.mark()
        self.assertTrue(closed_after(port, v1(src=src, sport=sport)))
        ev = d.wait_event('refuse', after=after, service=service, reason=reason)[0]
        self.assertEqual(ev.get('peer'), '%s:%d' % (src, sport), ev['_line'])

    def test_rate_and_max_children(self):
        rated, held = sslib.free_ports(2)
        d = self.daemon(start=False)
        sleeper = d.script('sleep.sh', 'echo started\nexec sleep 30\n')
        d.write_config([proxy_svc('rated', rated, ENV, rate='1/60'),
                        proxy_svc('held', held, sleeper)], top={'max_children': 1})
        d.start()
        env = parse_env(exchange(rated, [v1(src='198.51.100.41')]))
        self.assertEqual(env.get('TCPREMOTEIP'), '198.51.100.41')
        d.wait_reaped()
        self.refused_as(d, rated, '198.51.100.42', 5, 'rate', 'rated')
        first = sslib.connect(held)
        try:
            first.sendall(v1(src='198.51.100.43'))
            self.assertEqual(first.recv(8), b'started\n')
            self.refused_as(d, held, '198.51.100.44', 6, 'max_children', 'held')
        finally:
            first.close()
            for e in d.events('start', service='held'):
                os.kill(int(e['pid']), signal.SIGTERM)


class ProxyReloadTest(sslib.DaemonTest):

    def test_reload_keeps_or_closes_pending(self):
        port, other = sslib.free_ports(2)
        keep = proxy_svc('keep', port, CAT)
        gone = proxy_svc('gone', other, CAT)
        d = self.daemon([keep, gone])
        a = sslib.connect(port)
        b = sslib.connect(other)
        try:
            a.sendall(b'PROXY TCP4 ')
            self.assertTrue(sslib.wait_until(
                lambda: status_line(d, 'keep').get('pending') == '1'))
            after = d.mark()
            keep2 = dict(keep, env={'X': '1'})
            self.assertEqual(d.reload([keep2])['result'], 'ok')
            # the removed service's waiting connection is closed
            self.assertTrue(sslib.closed_at_once(b, timeout=5.0))
            d.wait_event('refuse', after=after, service='gone',
                         reason='proxy_untrusted')
            # the kept one is served with the rest of its header
            a.sendall(b'1.2.3.4 5.6.7.8 1 2\r\npayload')
            a.shutdown(socket.SHUT_WR)
            self.assertEqual(sslib.recv_all(a), b'payload')
            # the peer no longer trusted after a reload: closed
            c = sslib.connect(port)
            try:
                c.sendall(b'PROXY ')
                self.assertTrue(sslib.wait_until(
                    lambda: status_line(d, 'keep').get('pending') == '1'))
                after = d.mark()
                d.reload([dict(keep2, proxy_from=['127.0.0.9/32'])])
                self.assertTrue(sslib.closed_at_once(c, timeout=5.0))
                d.wait_event('refuse', after=after, service='keep',
                             reason='proxy_untrusted')
            finally:
                c.close()
        finally:
            a.close()
            b.close()

    def test_stop_closes_pending(self):
        port = sslib.free_port()
        d = self.daemon([proxy_svc('p', port, CAT)])
        s = sslib.connect(port)
        try:
            self.assertTrue(sslib.wait_until(
                lambda: status_line(d, 'p').get('pending') == '1'))
            self.assertEqual(d.stop(), 0)
            self.assertTrue(sslib.closed_at_once(s, timeout=5.0))
        finally:
            s.close()


def haproxy_cfg(server1, server2):
    """haproxy.cfg: frontends f1 and f2 (ports %(f1)d, %(f2)d) in front of
    the daemon's %(port)d, their servers with the options SERVER1, SERVER2."""
    return '''global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 10s
    timeout server 10s
    timeout check 5s
frontend f1
    bind 127.0.0.1:%%(f1)d
    default_backend b1
backend b1
    server s1 127.0.0.1:%%(port)d %s
frontend f2
    bind 127.0.0.1:%%(f2)d
    default_backend b2
backend b2
    server s2 127.0.0.1:%%(port)d %s
''' % (server1, server2)


HAPROXY_CFG = haproxy_cfg('send-proxy', 'send-proxy-v2')
# Health checks every 20 ms, each a v2 LOCAL header (two checkers).
HAPROXY_CHECKS_CFG = haproxy_cfg(*['send-proxy-v2 check check-send-proxy inter 20ms'] * 2)


class RealSendersTest(sslib.DaemonTest):

    def start_haproxy(self, d, port, template=HAPROXY_CFG):
        haproxy = shutil.which('haproxy') or (
            '/usr/sbin/haproxy' if os.access('/usr/sbin/haproxy', os.X_OK)
            else None)
        if not haproxy:
            self.skipTest('haproxy is not installed (apt-get install haproxy)')
        f1, f2 = sslib.free_ports(2)
        cfg = d.path('haproxy.cfg')
        with open(cfg, 'w') as f:
            f.write(template % {'f1': f1, 'f2': f2, 'port': port})
        log = open(d.path('haproxy.log'), 'wb')
        self.addCleanup(log.close)
        proc = subprocess.Popen([haproxy, '-f', cfg, '-db'],
                                stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT)

        def stop():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.addCleanup(stop)

        # listening, seen in /proc: a probe connection would reach the daemon
        sslib.wait_until(lambda: (sslib.listening_inodes(f1) and
                                  sslib.listening_inodes(f2)) or proc.poll() is not None,
                         timeout=10)
        if proc.poll() is not None or not sslib.listening_inodes(f2):
            with open(d.path('haproxy.log')) as f:
                self.fail('haproxy is not listening: %s' % f.read())
        return f1, f2

    def test_haproxy_send_proxy_v1_and_v2(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        handler = d.script('env-then-wait.sh', ENV_THEN_WAIT)
        d.write_config([proxy_svc('env', port, handler)])
        d.start()
        f1, f2 = self.start_haproxy(d, port)
        for front in (f1, f2):
            after = d.mark()
            s = sslib.connect(front, source='127.0.0.5')
            try:
                cport = s.getsockname()[1]
                # the answer first, then our end: haproxy drops a client that
                # closes before it has connected to the server
                got = b''
                while not got.endswith(b'__END__\n'):
                    b = s.recv(65536)
                    self.assertTrue(b, 'haproxy closed before the answer: %r\n%s'
                                    % (got, d.log_text()))
                    got += b
                s.shutdown(socket.SHUT_WR)
                self.assertEqual(sslib.recv_all(s), b'')
            finally:
                s.close()
            env = parse_env(got)
            self.assertEqual(env.get('TCPREMOTEIP'), '127.0.0.5', d.log_text())
            self.assertEqual(env.get('TCPREMOTEPORT'), str(cport))
            self.assertEqual(env.get('TCPLOCALPORT'), str(front))
            lb = env.get('SUPERSERVER_PROXY_PEER', '')
            self.assertEqual(lb.split(':')[0], '127.0.0.1')
            ev = d.wait_event('start', after=after, service='env',
                              peer='127.0.0.5:%d' % cport)[0]
            self.assertEqual(ev['via'], lb)

    def health_checks(self, d, service):
        """superserver_proxy_health_checks_total of SERVICE, from metrics."""
        ctl = os.path.join(os.environ.get('TOP_BUILDDIR', '.'), 'src',
                           'superserverctl')
        out = subprocess.run([ctl, '-s', d.path('ctl'), 'metrics'],
                             stdout=subprocess.PIPE, timeout=20).stdout
        want = ('superserver_proxy_health_checks_total{service="%s"} '
                % service).encode()
        for line in out.splitlines():
            if line.startswith(want):
                return int(line[len(want):])
        return 0

    def test_haproxy_health_checks_start_nothing_and_ban_nobody(self):
        """The fleet recipe: haproxy's `send-proxy-v2 check check-send-proxy`
        (a v2 LOCAL header per check; two backends, so two checkers) against
        a service with per_source_rate and ban.  With proxy_local: close,
        many more checks than the rate allows start no handler and ban
        nobody, and clients are served through haproxy; with the default
        (serve), the checks ban the balancer.  (haproxy's v1 checks carry
        the check connection's own addresses, not UNKNOWN: they are
        ordinary connections, which is why the recipe uses v2.)"""
        port, served = sslib.free_ports(2)
        d = sslib.Daemon()
        self.addCleanup(d.cleanup)
        d.write_config([
            proxy_svc('ssh', port, ENV, proxy_from=['127.0.0.0/8'],
                      proxy_local='close', per_source_rate='3/60', ban=600),
            proxy_svc('old', served, ENV, proxy_from=['127.0.0.0/8'],
                      per_source_rate='3/60', ban=600)],
            top={'control': d.path('ctl')})
        d.start()
        f1, f2 = self.start_haproxy(d, port, HAPROXY_CHECKS_CFG)
        self.assertTrue(sslib.wait_until(
            lambda: self.health_checks(d, 'ssh') >= 20, timeout=20),
            d.log_text())
        for front in (f1, f2):
            # No half-close: haproxy takes a client's FIN while it connects
            # to the server for an abort.  env writes and exits.
            s = sslib.connect(front, source='127.0.0.5')
            try:
                env = parse_env(sslib.recv_all(s))
            finally:
                s.close()
            self.assertEqual(env.get('TCPREMOTEIP'), '127.0.0.5', d.log_text())
        starts = d.events('start', service='ssh')
        # The clients only (haproxy's readiness is seen in /proc, no probe
        # connection): never a check.
        self.assertEqual({e['peer'].split(':')[0] for e in starts},
                         {'127.0.0.5'}, d.log_text())
        self.assertEqual(d.events('refuse', service='ssh'), [])
        # The same checks against a service that serves them: the balancer
        # itself is refused for its rate, then banned.
        f3, f4 = self.start_haproxy(d, served, HAPROXY_CHECKS_CFG)
        d.wait_event('refuse', service='old', reason='banned', timeout=20)

    def test_curl_haproxy_protocol(self):
        if not shutil.which('curl'):
            self.skipTest('curl is not installed')
        port = sslib.free_port()
        d = sslib.Daemon()
        self.addCleanup(d.cleanup)
        http = d.script('http.sh', r'''
while IFS= read -r line; do
    case "$line" in ''|"$(printf '\r')") break ;; esac
done
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n'
printf 'client=%s:%s via=%s\n' "$REMOTE_ADDR" "$REMOTE_PORT" "$SUPERSERVER_PROXY_PEER"
''')
        d.write_config([proxy_svc('web', port, http, proxy_protocol='v1',
                                  proxy_from=['127.0.0.0/8'])])
        d.start()
        out = subprocess.run(
            ['curl', '-sS', '--max-time', '10', '--haproxy-protocol',
             '--interface', '127.0.0.5', 'http://127.0.0.1:%d/' % port],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr + d.log_text().encode())
        text = out.stdout.decode()
        self.assertTrue(text.startswith('client=127.0.0.5:'), text)
        ev = d.wait_event('start', service='web')[0]
        self.assertEqual(ev['peer'].split(':')[0], '127.0.0.5')
        self.assertEqual(ev['via'].split(':')[0], '127.0.0.5')


if __name__ == '__main__':
    sslib.main()
