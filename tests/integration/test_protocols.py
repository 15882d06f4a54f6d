#!/usr/bin/env python3
"""Other socket kinds: udp wait, tcp wait, listen_fds, unix stream, and
reload keeping a socket with its queue; git daemon --inetd as a handler."""

import os
import shutil
import socket
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import request, svc  # noqa: E402


# tcp wait: accepts on fd 0 itself, answers "PID N\n" per connection, and
# leaves after SERVE connections (or 5 s of idleness).
TCP_WAIT = r'''
import os, socket, sys
serve = int(sys.argv[1]) if len(sys.argv) > 1 else 3
gate = sys.argv[2] if len(sys.argv) > 2 else None
if gate:
    import time
    for _ in range(1000):
        if os.path.exists(gate):
            break
        time.sleep(0.01)
ls = socket.socket(fileno=0)
ls.settimeout(5)
for n in range(serve):
    try:
        c, _ = ls.accept()
    except socket.timeout:
        break
    c.sendall(('%d %d\n' % (os.getpid(), n)).encode())
    c.close()
'''

# udp: answers one datagram with its environment
UDP_ENV = r'''
import os, socket
s = socket.socket(fileno=0)
data, peer = s.recvfrom(2048)
env = open('/proc/self/environ', 'rb').read().replace(b'\0', b'\n')
s.sendto(env, peer)
'''

# prints environment and the descriptors it got
WAIT_ENV = r'''
import os, socket
fds = {}
for n in os.listdir('/proc/self/fd'):
    try:
        fds[int(n)] = os.readlink('/proc/self/fd/' + n)
    except OSError:
        pass
env = open('/proc/self/environ', 'rb').read().replace(b'\0', b'\n')
ls = socket.socket(fileno=0)
ls.settimeout(5)
c, _ = ls.accept()
c.sendall(env + b'FDS=' + repr(sorted(fds.items())).encode() + b'\n'
          + b'PID=' + str(os.getpid()).encode() + b'\n')
c.close()
'''


def kv(out):
    return dict(l.split('=', 1) for l in out.decode().splitlines()
                if '=' in l)


# A nowait handler that reports the options of its connection (fd 0).
SOCKOPTS = r'''
import socket, sys
s = socket.socket(fileno=0)
print('keepalive=%d nodelay=%d' % (
    s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) != 0,
    s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0))
s.detach()
'''


def listen_backlog(port):
    """The backlog of the listening socket on 127.0.0.1:PORT, as ss(8)
    reports it (Send-Q of a listener), or None without ss."""
    ss = shutil.which('ss')
    if not ss:
        return None
    out = subprocess.run([ss, '-ltnH', 'sport = :%d' % port], stdout=subprocess.PIPE,
                         timeout=10).stdout.decode().split()
    return int(out[2]) if len(out) >= 3 else -1


class ProtocolsTest(sslib.DaemonTest):

    def test_udp_echo(self):
        echo = sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.daemon([{'name': 'uecho', 'listen': '127.0.0.1:%d' % port,
                          'protocol': 'udp', 'exec': echo}])
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        c.settimeout(5)
        for i in range(3):
            msg = ('datagram %d' % i).encode()
            c.sendto(msg, ('127.0.0.1', port))
            data, peer = c.recvfrom(2048)
            self.assertEqual(data, msg, d.log_text())
            self.assertEqual(peer, ('127.0.0.1', port))

    def test_udp_env(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        h = d.script('udpenv.py', UDP_ENV, python=True)
        d.write_config([{'name': 'uenv', 'listen': '127.0.0.1:%d' % port,
                         'protocol': 'udp', 'exec': h}])
        d.start()
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        c.settimeout(5)
        c.sendto(b'?', ('127.0.0.1', port))
        env = kv(c.recvfrom(65536)[0])
        self.assertEqual(env.get('PROTO'), 'UDP')
        self.assertEqual(env.get('UDPLOCALIP'), '127.0.0.1')
        self.assertEqual(env.get('UDPLOCALPORT'), str(port))
        self.assertEqual(env.get('SUPERSERVER_SERVICE'), 'uenv')

    def test_udp_nowait_rejected(self):
        port = sslib.free_port()
        d = sslib.Daemon([{'name': 'bad', 'listen': '127.0.0.1:%d' % port,
                           'protocol': 'udp', 'mode': 'nowait',
                           'exec': '/bin/cat'}])
        self.addCleanup(d.cleanup)
        code, out, err = sslib.run_tool(['-t', '-c', d.config_path])
        self.assertEqual(code, 1, out + err)
        self.assertTrue(err.startswith('superserverd: %s:' % d.config_path))

    def test_tcp_wait_serves_several(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        h = d.script('waiter.py', TCP_WAIT, python=True)
        d.write_config([svc('waiter', port, h, mode='wait',
                            args=[h, '3'])])
        d.start()
        answers = [request(port, timeout=10) for _ in range(3)]
        pids = {a.split()[0] for a in answers}
        self.assertEqual(len(pids), 1, 'one wait handler serves all: %r'
                         % answers)
        self.assertEqual([a.split()[1] for a in answers], [b'0', b'1', b'2'])
        ev = d.wait_event('exit', service='waiter')
        self.assertEqual(len(d.events('start', service='waiter')), 1)
        # the daemon watches the socket again: a new handler for the next
        self.assertRegex(request(port, timeout=10), rb'^\d+ 0\n$')

    def test_tcp_wait_env_and_listen_fds(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        h = d.script('waitenv.py', WAIT_ENV, python=True)
        d.write_config([svc('wenv', port, h, mode='wait', listen_fds=True)])
        d.start()
        env = kv(request(port, timeout=10))
        self.assertEqual(env.get('PROTO'), 'TCP')
        self.assertEqual(env.get('TCPLOCALIP'), '127.0.0.1')
        self.assertEqual(env.get('TCPLOCALPORT'), str(port))
        self.assertNotIn('TCPREMOTEIP', env, 'tcp wait: local vars only')
        self.assertEqual(env.get('LISTEN_FDS'), '1')
        self.assertEqual(env.get('LISTEN_PID'), env.get('PID'))
        fdmap = dict(eval(env['FDS']))
        self.assertEqual(sorted(fdmap), [0, 1, 2, 3], fdmap)
        self.assertEqual(fdmap[0], fdmap[3])

    def test_unix_stream(self):
        d = self.daemon(start=False)
        path = d.path('s.sock')
        d.write_config([{'name': 'ux', 'listen': 'unix:' + path,
                         'exec': '/usr/bin/env', 'socket_mode': '0640'}])
        d.start()
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(c.close)
        c.settimeout(5)
        c.connect(path)
        c.shutdown(socket.SHUT_WR)
        env = kv(sslib.recv_all(c))
        self.assertEqual(env.get('PROTO'), 'UNIX', d.log_text())
        self.assertEqual(env.get('UNIXREMOTEEUID'), str(os.geteuid()))
        self.assertEqual(env.get('UNIXREMOTEEGID'), str(os.getegid()))
        self.assertEqual(env.get('UNIXREMOTEPID'), str(os.getpid()))
        self.assertEqual(env.get('SUPERSERVER_SERVICE'), 'ux')

    def test_unix_socket_file_life_cycle(self):
        """A stale socket file is replaced; anything else at the path is
        refused, never removed; the file goes when the service is removed
        by a reload and at exit."""
        d = self.daemon(start=False)
        stale = d.path('stale.sock')
        old = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old.bind(stale)
        old.close()  # a socket file nobody listens on any more
        plain = d.path('plain.sock')
        with open(plain, 'w') as f:
            f.write('not a socket\n')
        ux = {'name': 'ux', 'listen': 'unix:' + stale, 'exec': '/bin/cat'}
        d.write_config([ux, {'name': 'bad', 'listen': 'unix:' + plain, 'exec': '/bin/cat'}])
        code, out, err = sslib.run_tool(['-f', '-c', d.config_path])
        self.assertEqual(code, 3, out + err)
        self.assertIn('%s exists and is not a socket' % plain, err)
        with open(plain) as f:
            self.assertEqual(f.read(), 'not a socket\n', 'never removed')
        d.write_config([ux, {'name': 'other', 'listen': 'unix:' + d.path('o.sock'),
                             'exec': '/bin/cat'}])
        d.start()
        self.assertTrue(stat.S_ISSOCK(os.stat(stale).st_mode))
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(c.close)
        c.settimeout(5)
        c.connect(stale)  # the stale file was replaced by a listening socket
        c.sendall(b'hi')
        c.shutdown(socket.SHUT_WR)
        self.assertEqual(sslib.recv_all(c), b'hi')
        ev = d.reload([ux])
        self.assertEqual(ev.get('closed'), '1', ev['_line'])
        self.assertFalse(os.path.exists(d.path('o.sock')), 'removed with its service')
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(stale), 'removed at exit')

    def test_reload_backlog_keeps_queue(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        h = d.script('waiter.py', TCP_WAIT, python=True)
        gate = d.path('go')
        base = dict(mode='wait', args=[h, '4', gate])
        d.write_config([svc('q', port, h, backlog=16, **base)])
        d.start()
        inode = sslib.socket_inode(d.pid, port)
        # the first client wakes the daemon, which starts the (gated)
        # handler; the others queue in the backlog
        socks = []
        for i in range(4):
            s = sslib.connect(port, timeout=15)
            self.addCleanup(s.close)
            socks.append(s)
            if i == 0:
                d.wait_event('start', service='q')
        ev = d.reload([svc('q', port, h, backlog=64, **base)])
        self.assertEqual(ev.get('result'), 'ok', ev)
        self.assertEqual(ev.get('kept_sockets'), '1', ev)
        self.assertEqual(sslib.socket_inode(d.pid, port), inode)
        open(gate, 'w').close()
        answers = [sslib.recv_all(s) for s in socks]
        self.assertEqual(sorted(a.split()[1] for a in answers),
                         [b'0', b'1', b'2', b'3'],
                         'queued connections lost: %r' % answers)

    def test_socket_options_in_effect_and_changed_in_place(self):
        """keepalive and nodelay as the handler's own socket has them
        (SPEC section 3), backlog as the kernel holds it; a reload changes
        all three on the socket it keeps (section 5)."""
        if not shutil.which('ss'):
            self.skipTest('ss (iproute2) is not installed: the backlog cannot be read')
        port, other = sslib.free_ports(2)
        d = self.daemon(start=False)
        h = d.script('sockopts.py', SOCKOPTS, python=True)
        on = svc('on', port, h, keepalive=True, nodelay=True, backlog=37)
        off = svc('off', other, h)  # the defaults: off, off, 128
        d.write_config([on, off])
        d.start()
        self.assertEqual(sslib.request(port), b'keepalive=1 nodelay=1\n', d.log_text())
        self.assertEqual(sslib.request(other), b'keepalive=0 nodelay=0\n', d.log_text())
        self.assertEqual((listen_backlog(port), listen_backlog(other)), (37, 128))
        inodes = (sslib.socket_inode(d.pid, port), sslib.socket_inode(d.pid, other))
        ev = d.reload([svc('on', port, h, backlog=53),
                       svc('off', other, h, keepalive=True, nodelay=True)])
        self.assertEqual((ev.get('result'), ev.get('kept_sockets')), ('ok', '2'), ev['_line'])
        self.assertEqual((sslib.socket_inode(d.pid, port), sslib.socket_inode(d.pid, other)),
                         inodes, 'the same sockets, changed in place')
        self.assertEqual(sslib.request(port), b'keepalive=0 nodelay=0\n', d.log_text())
        self.assertEqual(sslib.request(other), b'keepalive=1 nodelay=1\n', d.log_text())
        self.assertEqual((listen_backlog(port), listen_backlog(other)), (53, 128))

    @unittest.skipUnless(shutil.which('git'), 'git not installed')
    def test_git_daemon_inetd(self):
        git = shutil.which('git')
        port = sslib.free_port()
        d = self.daemon(start=False)
        base = d.path('repos')
        os.mkdir(base)
        genv = dict(os.environ, GIT_CONFIG_NOSYSTEM='1', HOME=d.tmpdir,
                    GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@example.org',
                    GIT_COMMITTER_NAME='t',
                    GIT_COMMITTER_EMAIL='t@example.org')

        def g(*args, cwd=None):
            r = subprocess.run([git] + list(args), cwd=cwd, env=genv,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout.decode())

        work = d.path('work')
        g('init', '-q', work)
        with open(os.path.join(work, 'README'), 'w') as f:
            f.write('served by superserver\n')
        g('add', 'README', cwd=work)
        g('commit', '-q', '-m', 'first', cwd=work)
        g('clone', '-q', '--bare', work, os.path.join(base, 'repo.git'))
        d.write_config([svc('git', port, git,
                            args=['git', 'daemon', '--inetd', '--export-all',
                                  '--base-path=' + base])])
        d.start()
        out = d.path('out')
        g('clone', '-q', 'git://127.0.0.1:%d/repo.git' % port, out)
        with open(os.path.join(out, 'README')) as f:
            self.assertEqual(f.read(), 'served by superserver\n')


if __name__ == '__main__':
    sslib.main()
