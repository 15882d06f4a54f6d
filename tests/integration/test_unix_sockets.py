#!/usr/bin/env python3
"""unix: listeners (issue 19): a path another program listens on is never
taken over (exit 3 at start, result=error on reload), a stale socket file is
replaced, our own socket is replaced when a reload needs a new one, and
socket_mode/socket_owner are applied without following what is at the path."""

import os
import socket
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import svc  # noqa: E402

# A wait-mode handler that holds the listening socket until GATE exists.
HOLD = '''import os, sys, time
gate = sys.argv[1]
for _ in range(1000):
    if os.path.exists(gate):
        break
    time.sleep(0.01)
'''


# A unix datagram (udp, wait) handler: answers each datagram to its sender
# until none is left for a moment.
DGRAM_ECHO = '''import socket
s = socket.socket(fileno=0)
s.settimeout(1.0)
try:
    while True:
        data, peer = s.recvfrom(4096)
        s.sendto(b'got ' + data, peer)
except socket.timeout:
    pass
'''


def unix_svc(name, path, **kw):
    d = {'name': name, 'listen': 'unix:' + path, 'exec': '/bin/cat'}
    d.update(kw)
    return d


class UnixInUseTest(sslib.DaemonTest):

    def listening(self, path, type_=socket.SOCK_STREAM, backlog=8):
        s = socket.socket(socket.AF_UNIX, type_)
        self.addCleanup(s.close)
        s.bind(path)
        if type_ == socket.SOCK_STREAM:
            s.listen(backlog)
        return s

    def assert_in_use_at_start(self, d, name, path):
        code, out, err = sslib.run_tool(['-f', '-c', d.config_path])
        self.assertEqual(code, 3, out + err)
        self.assertEqual(err, 'superserverd: service "%s": cannot listen on unix:%s: '
                         '%s is in use by another program\n' % (name, path, path))

    def assert_still_theirs(self, s, path):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(c.close)
        c.settimeout(5)
        c.connect(path)
        s.settimeout(5)
        conn, _ = s.accept()  # the connection reached the other program
        conn.close()

    def test_stream_listener_in_use_exit_3(self):
        d = self.daemon(start=False)
        path = d.path('busy.sock')
        s = self.listening(path)
        d.write_config([unix_svc('ux', path)])
        self.assert_in_use_at_start(d, 'ux', path)
        self.assert_still_theirs(s, path)

    def test_full_backlog_still_in_use(self):
        d = self.daemon(start=False)
        path = d.path('full.sock')
        s = self.listening(path, backlog=0)
        clients = []
        for _ in range(16):  # fill the queue nobody accepts from
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.addCleanup(c.close)
            c.setblocking(False)
            try:
                c.connect(path)
            except BlockingIOError:
                break
            clients.append(c)
        else:
            self.fail('the backlog never filled')
        d.write_config([unix_svc('ux', path)])
        self.assert_in_use_at_start(d, 'ux', path)
        self.assertTrue(stat.S_ISSOCK(os.lstat(path).st_mode))

    def test_datagram_socket_in_use_exit_3(self):
        d = self.daemon(start=False)
        path = d.path('dgram.sock')
        s = self.listening(path, socket.SOCK_DGRAM)
        d.write_config([unix_svc('ud', path, protocol='udp', mode='wait')])
        self.assert_in_use_at_start(d, 'ud', path)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        c.sendto(b'still theirs', path)
        s.settimeout(5)
        self.assertEqual(s.recv(64), b'still theirs')

    def test_stale_files_replaced(self):
        d = self.daemon(start=False)
        paths = {t: d.path('stale-%s.sock' % n) for t, n in
                 ((socket.SOCK_STREAM, 'st'), (socket.SOCK_DGRAM, 'dg'))}
        for t, p in paths.items():
            s = socket.socket(socket.AF_UNIX, t)
            s.bind(p)
            s.close()  # the file stays, nobody holds the socket
        echo = d.script('dgram-echo.py', DGRAM_ECHO, python=True)
        d.write_config([unix_svc('st', paths[socket.SOCK_STREAM]),
                        unix_svc('dg', paths[socket.SOCK_DGRAM], protocol='udp',
                                 mode='wait', exec=echo)])
        d.start()
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(c.close)
        c.settimeout(5)
        c.connect(paths[socket.SOCK_STREAM])
        c.sendall(b'hi')
        c.shutdown(socket.SHUT_WR)
        self.assertEqual(sslib.recv_all(c), b'hi')
        # the datagram one is served too, on the replaced file
        self.assertEqual(self.dgram_exchange(d, paths[socket.SOCK_DGRAM], b'dg'), b'got dg')

    def dgram_exchange(self, d, path, payload):
        """Send PAYLOAD from a bound unix datagram socket; the answer."""
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        c.bind(d.path('client-%d.sock' % len(os.listdir(d.tmpdir))))
        c.settimeout(sslib.WAIT_TIMEOUT)
        c.sendto(payload, path)
        return c.recv(4096)

    def test_unix_datagram_served(self):
        """A unix datagram listener (protocol udp, wait): the handler gets
        the socket and answers each sender; the next datagram starts it
        again once it has exited."""
        d = self.daemon(start=False)
        path = d.path('dg.sock')
        echo = d.script('dgram-echo.py', DGRAM_ECHO, python=True)
        d.write_config([unix_svc('dg', path, protocol='udp', mode='wait', exec=echo)])
        d.start()
        self.assertTrue(stat.S_ISSOCK(os.lstat(path).st_mode))
        self.assertEqual(self.dgram_exchange(d, path, b'one'), b'got one')
        first = d.wait_event('start', service='dg')[0]
        d.wait_event('exit', service='dg', pid=first['pid'], timeout=10)
        self.assertEqual(self.dgram_exchange(d, path, b'two'), b'got two')
        d.wait_event('start', service='dg', count=2)

    def test_reload_onto_a_path_in_use_is_an_error(self):
        d = self.daemon(start=False)
        mine, busy = d.path('mine.sock'), d.path('busy.sock')
        s = self.listening(busy)
        d.write_config([unix_svc('a', mine)])
        d.start()
        ev = d.reload([unix_svc('a', mine), unix_svc('b', busy)])
        self.assertEqual(ev.get('result'), 'error', ev['_line'])
        self.assertIn('%s is in use by another program' % busy, ev.get('error', ''))
        self.assert_still_theirs(s, busy)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(c.close)
        c.settimeout(5)
        c.connect(mine)  # the old config still serves
        c.sendall(b'x')
        c.shutdown(socket.SHUT_WR)
        self.assertEqual(sslib.recv_all(c), b'x')

    def test_reload_replaces_our_own_socket_held_by_a_handler(self):
        """A new socket_mode needs a new socket at the same path while a wait
        handler still holds the old one listening: that one is ours."""
        d = self.daemon(start=False)
        path, gate = d.path('w.sock'), d.path('gate')
        h = d.script('hold.py', HOLD, python=True)
        base = dict(mode='wait', exec=h, args=[h, gate])
        d.write_config([unix_svc('w', path, socket_mode='0600', **base)])
        d.start()
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(c.close)
        c.connect(path)  # wakes the daemon: the handler gets the socket
        d.wait_event('start', service='w')
        ev = d.reload([unix_svc('w', path, socket_mode='0660', **base)])
        self.assertEqual(ev.get('result'), 'ok', ev['_line'])
        self.assertEqual(stat.S_IMODE(os.lstat(path).st_mode), 0o660)
        open(gate, 'w').close()
        d.wait_event('exit', service='w')


class UnixOwnerTest(sslib.DaemonTest):
    """socket_mode/socket_owner as root (they need it)."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest('socket_owner needs root')
        import pwd
        try:
            self.nobody = pwd.getpwnam('nobody')
        except KeyError:
            self.skipTest('no user nobody')

    def test_mode_and_owner_of_the_socket_file(self):
        d = self.daemon(start=False)
        path = d.path('own.sock')
        d.write_config([unix_svc('o', path, socket_mode='0640',
                                 socket_owner='nobody:%d' % self.nobody.pw_gid)])
        old = os.umask(0o077)  # the daemon's umask must not decide the mode
        try:
            d.start()
        finally:
            os.umask(old)
        st = os.lstat(path)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o640)
        self.assertEqual((st.st_uid, st.st_gid), (self.nobody.pw_uid, self.nobody.pw_gid))

    def test_symlink_at_the_path_is_not_followed(self):
        d = self.daemon(start=False)
        target, path = d.path('target'), d.path('link.sock')
        with open(target, 'w') as f:
            f.write('precious\n')
        os.chmod(target, 0o600)
        os.symlink(target, path)
        d.write_config([unix_svc('o', path, socket_mode='0666', socket_owner='nobody')])
        code, out, err = sslib.run_tool(['-f', '-c', d.config_path])
        self.assertEqual(code, 3, out + err)
        self.assertIn('%s exists and is not a socket' % path, err)
        st = os.stat(target)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        self.assertEqual((st.st_uid, st.st_gid), (0, 0))
        self.assertTrue(os.path.islink(path), 'the link is left alone')


if __name__ == '__main__':
    sslib.main()
