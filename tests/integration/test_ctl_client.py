#!/usr/bin/env python3
"""superserverctl and services/metrics-http against a fake daemon.

The daemon side of the control socket comes later; here a Python unix-socket
server stands in for it, answering canned responses in the protocol of
src/lib/ctl_proto.h, and records the request lines it got.  Checked: the
request each command sends, exit codes 0/1/2/3 and what goes to stdout and
stderr, the socket found through -c CONFIG, a daemon that never answers
(bounded by the client's timeout), and metrics-http's HTTP answers.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import sslib

BUILD = os.environ.get('TOP_BUILDDIR', '.')
CTL = os.path.join(BUILD, 'src', 'superserverctl')
METRICS_HTTP = os.path.join(os.environ.get('SERVICES_DIR') or
                            os.path.join(BUILD, 'services'), 'metrics-http')

METRICS = ('# HELP superserver_handlers_active Live handlers.\n'
           '# TYPE superserver_handlers_active gauge\n'
           'superserver_handlers_active{service="echo"} 3\n')


def drop_to_nobody():
    """preexec_fn: become nobody (its own group, no others)."""
    import pwd
    try:
        nobody = pwd.getpwnam('nobody')
    except KeyError:
        raise unittest.SkipTest('no user nobody')

    def become():
        os.setgroups([])
        os.setgid(nobody.pw_gid)
        os.setuid(nobody.pw_uid)
    return become


class FakeDaemon:
    """A unix stream server: for each connection, read one line, record it,
    send ANSWER(line) (bytes, or None to hang until stopped), close."""

    def __init__(self, path, answer):
        self.path = path
        self.answer = answer
        self.requests = []
        self.stop = threading.Event()
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            with conn:
                conn.settimeout(5)
                data = b''
                while b'\n' not in data and len(data) < 300:
                    chunk = conn.recv(300)
                    if not chunk:
                        break
                    data += chunk
                self.requests.append(data)
                out = self.answer(data)
                if out is None:
                    self.stop.wait(20)
                    continue
                try:
                    conn.sendall(out)
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        self.thread.join(25)
        self.sock.close()


def canned(line):
    """The fake daemon's answers, by request line."""
    table = {
        b'status\n': b'ok\nsuperserverd pid 42 version 0.1.0\n',
        b'json status\n': b'ok\n{"pid":42}\n',
        b'json handlers echo\n': b'ok\n[]\n',
        b'handlers nosuch\n': b'error: unknown service "nosuch"\n',
        b'reload\n': b'ok\nreload ok services=2 kept_sockets=2 opened=0 closed=0\n',
        b'metrics\n': b'ok\n' + METRICS.encode(),
        b'version\n': b'ok\n' + b'x' * (3 << 20),  # bigger than any buffer
    }
    return table.get(line, b'error: unexpected request\n')


class Base(unittest.TestCase):
    """A temp dir, the fake daemon's socket path in it, and runners."""

    def setUp(self):
        if not os.access(CTL, os.X_OK):
            self.fail('superserverctl not built (%s)' % CTL)
        self.tmp = tempfile.mkdtemp(prefix='ss-ctl-')
        self.addCleanup(shutil.rmtree, self.tmp, True)  # after the fakes stop
        self.path = os.path.join(self.tmp, 'ctl')

    def fake(self, answer=canned):
        d = FakeDaemon(self.path, answer)
        self.addCleanup(d.close)
        return d

    def ctl(self, *args, timeout=20, preexec_fn=None, program=CTL):
        p = subprocess.run([program] + list(args), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, preexec_fn=preexec_fn)
        return p.returncode, p.stdout, p.stderr.decode('utf-8', 'replace')

    def http(self, request, *args, preexec_fn=None, want_stderr=False,
             program=METRICS_HTTP):
        """metrics-http ARGS answering REQUEST on a pipe: (status, header
        fields, body), and its stderr when WANT_STDERR."""
        if not os.access(program, os.X_OK):
            self.fail('metrics-http not built (%s)' % program)
        p = subprocess.run([program] + list(args), input=request,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=20, preexec_fn=preexec_fn)
        self.assertEqual(p.returncode, 0, p.stderr)
        head, _, body = p.stdout.partition(b'\r\n\r\n')
        lines = head.decode().split('\r\n')
        status = int(lines[0].split()[1])
        fields = dict(line.split(': ', 1) for line in lines[1:])
        if want_stderr:
            return status, fields, body, p.stderr.decode('utf-8', 'replace')
        return status, fields, body

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path


class CtlTest(Base):

    # ---- exit 0

    def test_ok_text_and_json(self):
        d = self.fake()
        self.assertEqual(self.ctl('-s', self.path, 'status'),
                         (0, b'superserverd pid 42 version 0.1.0\n', ''))
        self.assertEqual(self.ctl('-s', self.path, '--json', 'status'),
                         (0, b'{"pid":42}\n', ''))
        self.assertEqual(self.ctl('--json', '-s', self.path, 'handlers', 'echo'),
                         (0, b'[]\n', ''))
        self.assertEqual(self.ctl('-s', self.path, 'metrics'),
                         (0, METRICS.encode(), ''))
        self.assertEqual(d.requests, [b'status\n', b'json status\n',
                                      b'json handlers echo\n', b'metrics\n'])

    def test_reload_ok(self):
        d = self.fake()
        code, out, err = self.ctl('-s', self.path, 'reload')
        self.assertEqual((code, err), (0, ''))
        self.assertEqual(out, b'reload ok services=2 kept_sockets=2 opened=0 closed=0\n')
        self.assertEqual(d.requests, [b'reload\n'])

    def test_large_answer(self):
        self.fake()
        code, out, err = self.ctl('-s', self.path, 'version')
        self.assertEqual((code, err), (0, ''))
        self.assertEqual(out, b'x' * (3 << 20))

    # ---- exit 1

    def test_reload_refused(self):
        line = 'superserver.conf:12: service "echo": key "listen": bad'
        self.fake(lambda req: ('error: %s\n' % line).encode())
        self.assertEqual(self.ctl('-s', self.path, 'reload'),
                         (1, b'', line + '\n'))

    def test_other_error(self):
        self.fake()
        self.assertEqual(self.ctl('-s', self.path, 'handlers', 'nosuch'),
                         (1, b'', 'superserverctl: unknown service "nosuch"\n'))

    # ---- exit 2

    def test_usage(self):
        d = self.fake()
        for args in ([], ['stop'], ['status', 'x'], ['reload', 'now'],
                     ['handlers', 'a', 'b'], ['handlers', 'a/b'],
                     ['--json', 'metrics'], ['-x', 'status'], ['-s']):
            code, out, err = self.ctl(*(['-s', self.path] + args))
            self.assertEqual(code, 2, (args, err))
            self.assertEqual(out, b'')
            self.assertTrue(err.startswith('superserverctl: ') or
                            err.startswith('usage:') or 'option' in err, err)
        self.assertEqual(d.requests, [])
        code, out, err = self.ctl('--help')
        self.assertEqual((code, err), (0, ''))
        self.assertIn(b'usage: superserverctl', out)

    # ---- exit 3

    def assertUnreachable(self, args, *words):
        code, out, err = self.ctl(*args)
        self.assertEqual(code, 3, err)
        self.assertEqual(out, b'')
        self.assertEqual(err.count('\n'), 1, err)
        for w in words:
            self.assertIn(w, err)

    def test_no_socket(self):
        self.assertUnreachable(['-s', self.path, 'status'], self.path,
                               'No such file or directory')

    def test_stale_socket(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(self.path)
        s.close()  # the file stays, nobody listens
        self.assertUnreachable(['-s', self.path, 'status'], self.path,
                               'Connection refused')

    def test_closed_without_answer(self):
        self.fake(lambda req: b'')
        self.assertUnreachable(['-s', self.path, 'status'], self.path,
                               'without an answer')
        self.fake_path_reset()
        self.fake(lambda req: b'ok')  # no complete first line
        self.assertUnreachable(['-s', self.path, 'status'], 'malformed')

    def fake_path_reset(self):
        self.path = os.path.join(self.tmp, 'ctl%d' % len(os.listdir(self.tmp)))

    def test_daemon_never_answers(self):
        self.fake(lambda req: None)
        t0 = time.monotonic()
        self.assertUnreachable(['-s', self.path, 'status'], self.path, 'in time')
        took = time.monotonic() - t0
        # it waits its 10 s, then gives up by itself (one that hung would
        # fail on ctl()'s 20 s subprocess limit)
        self.assertGreaterEqual(took, 10)

    # ---- the socket from -c CONFIG

    def test_socket_from_config(self):
        d = self.fake()
        conf = self.write('a.yaml', 'control: %s\nservices: []\n' % self.path)
        self.assertEqual(self.ctl('-c', conf, 'status')[0], 0)
        conf = self.write('b.conf', 'control = "%s";\n' % self.path)
        self.assertEqual(self.ctl('-c', conf, 'status')[0], 0)
        self.assertEqual(len(d.requests), 2)
        conf = self.write('c.yaml', 'control: "off"\n')
        self.assertUnreachable(['-c', conf, 'status'], conf, 'off')
        # -s wins over -c.
        self.assertEqual(self.ctl('-c', conf, '-s', self.path, 'status')[0], 0)

    def test_broken_config_falls_back(self):
        conf = self.write('bad.yaml', 'control: relative\n')
        # The default socket does not answer here: the line says why it was tried.
        code, out, err = self.ctl('-c', conf, 'status')
        if code == 0:
            self.skipTest('a daemon answers on the default socket here')
        self.assertEqual(code, 3)
        # Newcomer review N15: which socket was tried, then why.
        self.assertRegex(err, r'^superserverctl: cannot connect to \S+: .* \(the default '
                         r'socket, as the config could not be read: ')
        self.assertIn('bad.yaml:1: key "control": must be an absolute path', err)

    def test_version_without_a_daemon(self):
        # Newcomer review N16: the client's own version, no socket needed.
        for opt in ('-V', '--version'):
            code, out, err = self.ctl(opt)
            self.assertEqual((code, err), (0, ''), opt)
            self.assertRegex(out.decode(), r'^superserverctl \d+\.\d+\S*\n$')

    def test_unprivileged_client_reads_only_control(self):
        # Issue 24.4: a control_group member runs superserverctl and
        # metrics-http as an ordinary user with -c on the daemon's config.
        # Keys only root may set, an exec that is missing, an include and an
        # inetd_conf are the daemon's business: only `control` is read.
        ctl, metrics_http = CTL, METRICS_HTTP
        if os.geteuid() == 0:
            as_nobody = drop_to_nobody()
            os.chmod(self.tmp, 0o755)
            # a build under a 0700 folder (the package build's mktemp -d)
            import pwd
            nobody = pwd.getpwnam('nobody')
            ctl, metrics_http = (sslib.program_for(self, path, nobody.pw_uid, nobody.pw_gid)
                                 for path in (CTL, METRICS_HTTP))
        else:
            as_nobody = None
        d = self.fake()
        os.chmod(self.path, 0o777)
        conf = self.write('conf.yaml', (
            'control: %s\ncontrol_group: nogroup\n'
            'defaults: {user: nobody}\n'
            'inetd_conf: /nonexistent/inetd.conf\n'
            'include: ["conf.d/*.yaml"]\n'
            'services:\n'
            '  - {name: scrape, listen: "127.0.0.1:9105", exec: /nonexistent/metrics-http,\n'
            '     user: root, socket_owner: "root:root"}\n') % self.path)
        os.chmod(conf, 0o644)
        code, out, err = self.ctl('-c', conf, 'status', preexec_fn=as_nobody, program=ctl)
        self.assertEqual((code, err), (0, ''))
        status, _, body = self.http(b'GET /metrics HTTP/1.1\r\n\r\n', '-c', conf,
                                    preexec_fn=as_nobody, program=metrics_http)
        self.assertEqual((status, body), (200, METRICS.encode()))
        self.assertEqual(d.requests, [b'status\n', b'metrics\n'])


class MetricsHttpTest(Base):

    def test_metrics(self):
        d = self.fake()
        status, fields, body = self.http(
            b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n', '-s', self.path)
        self.assertEqual(status, 200)
        self.assertEqual(fields['Content-Type'],
                         'text/plain; version=0.0.4; charset=utf-8')
        self.assertEqual(body, METRICS.encode())
        self.assertEqual(int(fields['Content-Length']), len(body))
        status, fields, body = self.http(
            b'HEAD /metrics?x=1 HTTP/1.0\r\n\r\n', '-s', self.path)
        self.assertEqual((status, body), (200, b''))
        self.assertEqual(int(fields['Content-Length']), len(METRICS))
        self.assertEqual(d.requests, [b'metrics\n', b'metrics\n'])

    def test_socket_from_config(self):
        self.fake()
        conf = self.write('m.yaml', 'control: %s\n' % self.path)
        status, _, body = self.http(b'GET /metrics HTTP/1.1\r\n\r\n', '-c', conf)
        self.assertEqual((status, body), (200, METRICS.encode()))

    def test_other_requests(self):
        d = self.fake()
        for req, want in ((b'GET / HTTP/1.1\r\n\r\n', 404),
                          (b'GET /metricsx HTTP/1.1\r\n\r\n', 404),
                          (b'POST /metrics HTTP/1.1\r\n\r\n', 405),
                          (b'GET /metrics\r\n\r\n', 400),
                          (b'GET /metrics HTTP/2.0\r\n\r\n', 400),
                          (b'GET  /metrics HTTP/1.1\r\n\r\n', 400),
                          (b'GET /met\0rics HTTP/1.1\r\n\r\n', 400),
                          (b'GET /metrics HTTP/1.1\r\n', 400)):
            status, fields, body = self.http(req, '-s', self.path)
            self.assertEqual(status, want, req)
            self.assertEqual(fields['Content-Type'], 'text/plain; charset=utf-8')
        self.assertEqual(d.requests, [])

    def test_unreachable(self):
        # The reason goes to stderr (the admin's log), never to the HTTP
        # client: no socket path, config path or error text in the body.
        unavailable = (503, b'503 Service Unavailable\n')
        status, _, body, err = self.http(b'GET /metrics HTTP/1.1\r\n\r\n',
                                         '-s', self.path, want_stderr=True)
        self.assertEqual((status, body), unavailable)
        self.assertIn(self.path, err)
        conf = self.write('bad.yaml', 'control: relative\n')
        status, _, body, err = self.http(b'GET /metrics HTTP/1.1\r\n\r\n',
                                         '-c', conf, want_stderr=True)
        self.assertEqual((status, body), unavailable)
        self.assertIn('bad.yaml:1: key "control"', err)
        self.fake(lambda req: b'error: permission denied\n')
        status, _, body, err = self.http(b'GET /metrics HTTP/1.1\r\n\r\n',
                                         '-s', self.path, want_stderr=True)
        self.assertEqual((status, body), unavailable)
        self.assertEqual(err, 'metrics-http: %s: the daemon refused: permission denied\n'
                         % self.path)


if __name__ == '__main__':
    prog = unittest.main(verbosity=2, exit=False)
    sys.exit(0 if prog.result.wasSuccessful() else 1)
