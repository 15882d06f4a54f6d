"""Wait mode under misbehaving handlers, and refusals that cost no fork."""

import os
import socket

import sslib
from sslib import svc

ONE_SHOT_UDP = r'''
import socket, sys
s = socket.socket(fileno=0)
data, peer = s.recvfrom(2048)
s.sendto(b'got ' + data, peer)
'''


def udp_exchange(port, payload, timeout=1.0):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(timeout)
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


if __name__ == '__main__':
    sslib.main()
