"""Wait mode under misbehaving handlers, refusals that cost no fork, and
admission on the source of the datagram that would start a udp handler
(SPEC section 3: "Admission keys where the daemon does not accept")."""

import os
import signal
import socket
import threading
import time

import sslib
from sslib import svc

ONE_SHOT_UDP = r'''
import socket, sys
s = socket.socket(fileno=0)
data, peer = s.recvfrom(2048)
s.sendto(b'got ' + data, peer)
'''


# Like ONE_SHOT_UDP, and notes the source of the datagram it was handed.
MARKING_UDP = r'''
import socket, sys
s = socket.socket(fileno=0)
data, peer = s.recvfrom(2048)
with open(sys.argv[1], 'a') as f:
    f.write(peer[0] + '\n')
s.sendto(b'got ' + data, peer)
'''


# Like MARKING_UDP, then stays (holding its socket, counted as a live
# handler of the datagram's source) until the file argv[2] exists (30 s at
# most).
HOLDING_UDP = MARKING_UDP + r'''
import os, time
for _ in range(3000):
    if os.path.exists(sys.argv[2]):
        break
    time.sleep(0.01)
'''


def udp_unread(port):
    """Datagrams' bytes queued on the udp socket bound to 127.0.0.1:PORT
    and not read yet (/proc/net/udp rx_queue), or None when there is none."""
    with open('/proc/net/udp') as f:
        for line in f.read().splitlines()[1:]:
            fld = line.split()
            if fld[1] == '0100007F:%04X' % port:
                return int(fld[4].split(':')[1], 16)
    return None


def udp_client(source=None, timeout=1.0):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(timeout)
    if source:
        c.bind((source, 0))
    return c


def udp_exchange(port, payload, timeout=1.0, source=None):
    c = udp_client(source, timeout)
    try:
        c.sendto(payload, ('127.0.0.1', port))
        return c.recvfrom(2048)[0]
    except socket.timeout:
        return None
    finally:
        c.close()


class WaitModeTest(sslib.DaemonTest):
    def test_handler_exiting_at_once_is_backed_off_not_disabled(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        lazy = d.script('lazy.sh', sslib.STAMP % d.tmpdir)  # reads nothing, exits 0
        d.write_config(services=[svc('lazy', port, lazy, protocol='udp')])
        d.start()
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        c.sendto(b'never read', ('127.0.0.1', port))  # stays queued: the socket stays readable
        # after its grace, doubling back-offs, each honoured (no counting in a window)
        sslib.assert_backoff_honoured(self, d, 'lazy', 3)
        # Never disabled: the fixed handler (reload) answers, the queued datagram first.
        h = d.script('oneshot.py', ONE_SHOT_UDP, python=True)
        ev = d.reload(services=[svc('lazy', port, h, protocol='udp')])
        self.assertEqual(ev.get('kept_sockets'), '1', ev['_line'])
        c.settimeout(15)  # the back-off in force may still run its course
        self.assertEqual(c.recv(2048), b'got never read', d.log_text())
        self.assertEqual(udp_exchange(port, b'again', timeout=5), b'got again', d.log_text())

    def test_quick_one_shot_handler_is_not_backed_off(self):
        """Each datagram sent once (loopback loses none): a lost one or a
        slow start fails here instead of being resent away."""
        port = sslib.free_port()
        d = self.daemon(start=False, services=[])
        h = d.script('oneshot.py', ONE_SHOT_UDP, python=True)
        d.write_config(services=[svc('quick', port, h, protocol='udp')])
        d.start()
        for i in range(15):
            payload = b'n%d' % i
            got = udp_exchange(port, payload, timeout=sslib.WAIT_TIMEOUT)
            self.assertEqual(got, b'got ' + payload, d.log_text())
        self.assertEqual(d.events('backoff'), [], d.log_text())


class RefusalCostsNoForkTest(sslib.DaemonTest):
    def test_denied_connections_start_nothing(self):
        port = sslib.free_port()
        d = self.daemon(start=False, services=[])
        marker = d.path('forked')
        h = d.script('mark.sh', 'echo x >> %s\n' % marker)
        d.write_config(services=[svc('denied', port, h, deny=['127.0.0.0/8'])])
        d.start()
        for _ in range(200):
            s = sslib.connect(port)
            self.assertTrue(sslib.closed_at_once(s))
            s.close()
        after = d.mark()
        d.send_signal(__import__('signal').SIGUSR1)
        ev = d.wait_event('status', service='denied', after=after)
        self.assertIn('refused=200', ev[0]['_line'])
        self.assertIn('accepted=0', ev[0]['_line'])
        # Every handler process the daemon creates is logged (start, then exit,
        # even one that fails before exec): none was, and none ran.
        self.assertEqual(d.events('start'), [])
        self.assertEqual(d.events('exit'), [])
        self.assertFalse(os.path.exists(marker))
        self.assertEqual(d.live_children(), [])


class UdpAdmissionTest(sslib.DaemonTest):
    """allow/deny, per_source, per_source_rate, ban and rate on the source
    of each datagram that would start a udp wait handler: a refused one is
    read and dropped before any fork, logged and counted; an admitted one
    is the handler's.  Over `instances` (the load) it stays queued."""

    DENIED, ALLOWED = '127.0.0.2', '127.0.0.3'

    def service(self, **keys):
        port = sslib.free_port()
        d = self.daemon(start=False, services=[])
        self.marks = d.path('marks')
        h = d.script('mark.py', MARKING_UDP, python=True)
        d.write_config(services=[svc('dgram', port, h, protocol='udp',
                                     args=[h, self.marks], **keys)])
        d.start()
        return d, port

    def one_of_two_held(self, **keys):
        """The service on two ports, its handlers holding their socket until
        the gate opens (sslib.open_gate; at the end in any case), and one
        running: started by DENIED's datagram to the first port.  (daemon,
        ports, DENIED's client.)"""
        ports = sslib.free_ports(2)
        d = self.daemon(start=False, services=[])
        self.marks = d.path('marks')
        h = d.script('hold.py', HOLDING_UDP, python=True)
        d.write_config(services=[svc('dgram', ports[0], h, protocol='udp',
                                     listen=['127.0.0.1:%d' % p for p in ports],
                                     args=[h, self.marks, d.path('go')], **keys)])
        d.start()
        self.addCleanup(sslib.open_gate, d)
        held = udp_client(self.DENIED, timeout=5)
        self.addCleanup(held.close)
        held.sendto(b'first', ('127.0.0.1', ports[0]))
        self.assertEqual(held.recv(2048), b'got first', d.log_text())
        return d, ports, held

    def handed(self):
        """The sources of the datagrams handlers were handed, in order."""
        try:
            with open(self.marks) as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    def refused(self, d, port, payload, why, client=None):
        """PAYLOAD sent from DENIED (through CLIENT, or a new one) to PORT
        is refused for WHY, logged with its source as the peer: the client."""
        c = client or udp_client(self.DENIED)
        if not client:
            self.addCleanup(c.close)
        c.sendto(payload, ('127.0.0.1', port))
        ev = d.wait_event('refuse', service='dgram', reason=why)
        self.assertEqual(ev[0]['peer'].split(':')[0], self.DENIED, ev[0]['_line'])
        return c

    def status(self, d):
        after = d.mark()
        d.send_signal(signal.SIGUSR1)
        return d.wait_event('status', service='dgram', after=after)[0]

    def test_denied_datagram_starts_nothing_allowed_one_served(self):
        d, port = self.service(deny=[self.DENIED + '/32'])
        self.refused(d, port, b'denied', 'deny')
        self.assertEqual(d.events('start'), [], d.log_text())
        got = udp_exchange(port, b'allowed', timeout=5, source=self.ALLOWED)
        self.assertEqual(got, b'got allowed', d.log_text())
        d.wait_event('exit', service='dgram')
        self.assertEqual(self.handed(), [self.ALLOWED])
        self.assertEqual(len(d.events('start', service='dgram')), 1)
        st = self.status(d)
        self.assertEqual(st.get('refused'), '1', st['_line'])
        self.assertEqual(st.get('refused_deny'), '1', st['_line'])
        self.assertEqual(st.get('accepted'), '1', st['_line'])

    def test_per_source_rate_then_ban(self):
        d, port = self.service(per_source_rate='1/60', ban=60)
        self.assertEqual(udp_exchange(port, b'one', timeout=5, source=self.DENIED),
                         b'got one', d.log_text())
        d.wait_event('exit', service='dgram')
        c = self.refused(d, port, b'two', 'per_source_rate')
        self.refused(d, port, b'three', 'banned', client=c)  # now banned
        # Another source has its own rate: served.
        self.assertEqual(udp_exchange(port, b'four', timeout=5, source=self.ALLOWED),
                         b'got four', d.log_text())
        d.wait_event('exit', service='dgram', count=2)
        self.assertEqual(self.handed(), [self.DENIED, self.ALLOWED])
        self.assertEqual(len(d.events('start', service='dgram')), 2)
        st = self.status(d)
        self.assertEqual(st.get('refused_per_source_rate'), '1', st['_line'])
        self.assertEqual(st.get('refused_banned'), '1', st['_line'])

    def test_rate_drops_the_datagram(self):
        """`rate` on a udp wait service: over it, the datagram that would
        start a handler is refused as its source's, read and dropped."""
        d, port = self.service(rate='1/60')
        self.assertEqual(udp_exchange(port, b'one', timeout=5, source=self.ALLOWED),
                         b'got one', d.log_text())
        d.wait_event('exit', service='dgram')
        self.refused(d, port, b'two', 'rate')
        # read and dropped, not left queued for a later handler
        self.assertTrue(sslib.wait_until(lambda: udp_unread(port) == 0), udp_unread(port))
        self.assertEqual(len(d.events('start', service='dgram')), 1)
        self.assertEqual(self.handed(), [self.ALLOWED])
        st = self.status(d)
        self.assertEqual((st.get('refused'), st.get('refused_rate')), ('1', '1'), st['_line'])
        self.assertEqual(st.get('accepted'), '1', st['_line'])

    def test_per_source_counts_the_source_handlers_on_every_socket(self):
        """`per_source` on a udp wait service: the live handlers a source's
        datagrams started, on any of the service's sockets.  One socket is
        held by the handler a source started: that source's datagram to the
        other socket is refused (read and dropped), another source's starts
        a handler there."""
        d, ports, held = self.one_of_two_held(per_source=1)
        self.refused(d, ports[1], b'second', 'per_source', client=held)
        self.assertTrue(sslib.wait_until(lambda: udp_unread(ports[1]) == 0),
                        udp_unread(ports[1]))
        # the other source's datagram is the one the next handler gets
        self.assertEqual(udp_exchange(ports[1], b'other', timeout=5, source=self.ALLOWED),
                         b'got other', d.log_text())
        self.assertEqual(self.handed(), [self.DENIED, self.ALLOWED])
        sslib.open_gate(d)
        d.wait_event('exit', service='dgram', count=2)
        st = self.status(d)
        self.assertEqual((st.get('refused'), st.get('refused_per_source')), ('1', '1'),
                         st['_line'])
        self.assertEqual(st.get('accepted'), '2', st['_line'])

    def test_instances_keeps_the_datagram_queued(self):
        """`instances` (like `max_children`) is about the load, not the
        datagram: over it, the datagram stays queued and the socket is
        looked at again after a back-off, so it starts a handler once one
        has exited (superserver.conf(5))."""
        d, ports, _ = self.one_of_two_held(instances=1)
        waiting = udp_client(self.ALLOWED, timeout=sslib.WAIT_TIMEOUT)
        self.addCleanup(waiting.close)
        waiting.sendto(b'queued', ('127.0.0.1', ports[1]))
        ev = d.wait_event('refuse', service='dgram', reason='instances')
        self.assertEqual(ev[0]['peer'], '127.0.0.1:%d' % ports[1], ev[0]['_line'])
        self.assertNotEqual(udp_unread(ports[1]), 0)  # still there
        self.assertEqual(len(d.events('start', service='dgram')), 1)
        sslib.open_gate(d)
        self.assertEqual(waiting.recv(2048), b'got queued', d.log_text())
        self.assertEqual(self.handed(), [self.DENIED, self.ALLOWED])

    def test_flood_of_denied_datagrams_forks_nothing(self):
        d, port = self.service(deny=[self.DENIED + '/32'])
        stop = threading.Event()
        sent = [0]

        def flood():
            f = udp_client(self.DENIED)
            try:
                while not stop.is_set():
                    f.sendto(b'x' * 32, ('127.0.0.1', port))
                    sent[0] += 1
            finally:
                f.close()
        t = threading.Thread(target=flood)
        t.start()
        self.addCleanup(t.join)
        self.addCleanup(stop.set)
        # The allowed source is served all along.  UDP may lose a datagram
        # when the socket's buffer is full of the flood: a client sends
        # again, as any UDP client does.
        served = 0
        c = udp_client(self.ALLOWED, timeout=0.5)
        self.addCleanup(c.close)
        for i in range(5):
            payload = b'a%d' % i
            deadline = time.monotonic() + 10
            got = None
            while got != b'got ' + payload and time.monotonic() < deadline:
                c.sendto(payload, ('127.0.0.1', port))
                try:
                    got = c.recvfrom(2048)[0]
                except socket.timeout:
                    pass
            self.assertEqual(got, b'got ' + payload, d.log_text()[-3000:])
            served += 1
        stop.set()
        t.join()
        self.assertGreater(sent[0], 1000)
        starts = sslib.wait_until(
            lambda: len(d.events('exit', service='dgram')) >= len(
                d.events('start', service='dgram')) and d.events('start'))
        self.assertTrue(starts)
        # Every handler was started for (and handed) an allowed datagram.
        handed = self.handed()
        self.assertEqual(set(handed), {self.ALLOWED}, handed)
        self.assertEqual(len(handed), len(d.events('start', service='dgram')))
        st = self.status(d)
        self.assertGreater(int(st.get('refused_deny', '0')), 0, st['_line'])
        self.assertTrue(d.running())


if __name__ == '__main__':
    sslib.main()
