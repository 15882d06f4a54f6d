"""TLS the inetd way: the daemon speaks no TLS; stunnel4 in inetd mode is
the handler, terminates TLS on the connection it is given, and runs the
real handler (the bundled echo) behind it.  This is the recipe in README.md
and superserver.conf(5), run as written with a fresh self-signed
certificate.  Skips (77) without stunnel4 or openssl."""

import os
import shutil
import socket
import ssl
import subprocess
import sys

import sslib

STUNNEL = shutil.which('stunnel4') or shutil.which('stunnel')
OPENSSL = shutil.which('openssl')

# The recipe's stunnel configuration: no [section] and no accept, which is
# what puts stunnel in inetd mode (the connection is its stdin/stdout).
STUNNEL_CONF = """\
cert = {dir}/cert.pem
key = {dir}/key.pem
syslog = no
debug = warning
pid =
exec = {exec_}
execArgs = echo
"""


class TlsTest(sslib.FilesTest):
    def setUp(self):
        super().setUp()
        if not STUNNEL or not OPENSSL:
            self.skipTest('needs stunnel4 and openssl (apt-get install stunnel4 openssl)')
        echo = sslib.require_bundled(self, 'echo')
        p = subprocess.run(
            [OPENSSL, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
             '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
             '-keyout', os.path.join(self.tmp, 'key.pem'),
             '-out', os.path.join(self.tmp, 'cert.pem')],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout)
        os.chmod(os.path.join(self.tmp, 'key.pem'), 0o600)
        conf = self.write('stunnel.conf', STUNNEL_CONF.format(dir=self.tmp, exec_=echo))
        self.cert = os.path.join(self.tmp, 'cert.pem')
        self.port = sslib.free_port()
        self.d = self.daemon([sslib.svc('tls-echo', self.port, STUNNEL,
                                        args=['stunnel4', conf], stderr='log')])

    def tls_client(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        raw = sslib.connect(self.port)
        try:
            return ctx.wrap_socket(raw, server_hostname='127.0.0.1')
        except BaseException:
            raw.close()
            raise

    def read_line(self, s, limit=4096):
        buf = b''
        while not buf.endswith(b'\n') and len(buf) < limit:
            b = s.recv(limit)
            if not b:
                break
            buf += b
        return buf

    def test_line_echoed_over_tls(self):
        with self.tls_client() as s:
            self.assertEqual(s.version()[:3], 'TLS')
            s.sendall(b'over tls\n')
            self.assertEqual(self.read_line(s), b'over tls\n', self.d.log_text())
        self.d.wait_event('start', service='tls-echo')

    def test_two_clients_at_once(self):
        a, b = self.tls_client(), self.tls_client()
        with a, b:
            b.sendall(b'second\n')
            a.sendall(b'first\n')
            self.assertEqual(self.read_line(a), b'first\n')
            self.assertEqual(self.read_line(b), b'second\n')

    def test_plaintext_is_not_echoed(self):
        s = sslib.connect(self.port)
        with s:
            s.sendall(b'GET / HTTP/1.0\r\n\r\n')
            got = sslib.recv_all(s, limit=4096)
        self.assertNotIn(b'GET', got)

    def test_openssl_s_client(self):
        """The check from the recipe: openssl s_client verifies the
        certificate and gets the line back (its stdin stays open until it has: at EOF s_client
        closes the connection)."""
        p = subprocess.Popen(
            [OPENSSL, 's_client', '-connect', '127.0.0.1:%d' % self.port, '-brief',
             '-CAfile', self.cert, '-verify_return_error'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.addCleanup(sslib.reap, p)
        try:
            p.stdin.write(b'via s_client\n')
            p.stdin.flush()
            self.assertEqual(sslib.read_line(p.stdout), b'via s_client\n', self.d.log_text())
        finally:
            p.stdin.close()  # -brief, not -quiet: at EOF it says goodbye and exits
        self.assertEqual(p.wait(sslib.WAIT_TIMEOUT), 0)


if __name__ == '__main__':
    sslib.main()
