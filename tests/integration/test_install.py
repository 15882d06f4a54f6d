"""make install DESTDIR=...: the layout SPEC section 7 promises, and the
installed daemon serving the installed sample config."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import sslib


class InstallTest(sslib.DaemonTest):
    @classmethod
    def setUpClass(cls):
        top = os.environ.get('TOP_BUILDDIR')
        if not top or not shutil.which('make'):
            raise unittest.SkipTest('needs TOP_BUILDDIR and make')
        cls.dest = tempfile.mkdtemp(prefix='ss-install-')
        r = subprocess.run(['make', '-C', top, 'install', 'DESTDIR=' + cls.dest],
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise AssertionError('make install failed:\n' + r.stdout + r.stderr)
        cls.files = set()
        for root, _, names in os.walk(cls.dest):
            for n in names:
                cls.files.add(os.path.relpath(os.path.join(root, n), cls.dest))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dest, ignore_errors=True)

    def find(self, pattern):
        hits = sorted(f for f in self.files if re.search(pattern, f))
        self.assertTrue(hits, 'nothing installed matches %s:\n%s'
                        % (pattern, '\n'.join(sorted(self.files))))
        return os.path.join(self.dest, hits[0])

    def test_layout(self):
        self.find(r'sbin/superserverd$')
        for h in ('echo', 'discard', 'daytime', 'chargen', 'time', 'hello-http'):
            self.assertTrue(os.access(self.find(r'libexec/superserver/%s$' % h), os.X_OK))
        self.find(r'etc/superserver/superserver\.conf$')
        self.find(r'etc/superserver/superserver\.yaml$')
        self.find(r'man/man8/superserverd\.8$')
        self.find(r'man/man5/superserver\.conf\.5$')
        self.find(r'systemd/system/superserverd\.service$')

    def test_installed_daemon_serves_installed_sample(self):
        for syntax in ('conf', 'yaml'):
            with self.subTest(syntax=syntax):
                self._serve_sample(syntax)

    def _serve_sample(self, syntax):
        daemon = self.find(r'sbin/superserverd$')
        sample = self.find(r'etc/superserver/superserver\.%s$' % syntax)
        with open(sample) as f:
            text = f.read()
        # The sample names handlers where they install; here that is under DESTDIR.
        execs = re.findall(r'(/[^"\s]*)/superserver/echo\b', text)
        self.assertTrue(execs, 'sample names the installed echo handler')
        text = text.replace(execs[0] + '/superserver/', self.dest + execs[0] + '/superserver/')
        # Its fixed loopback ports may be in use on a shared machine: move them.
        ports = sorted(set(re.findall(r':(\d{4})\b', text)))
        free = sslib.free_ports(len(ports))
        for old, new in zip(ports, free):
            text = re.sub(r':%s\b' % old, ':%d' % new, text)
        echo_port = free[ports.index('7007')]
        http_port = free[ports.index('8080')]
        d = sslib.Daemon(text=text, syntax=syntax)
        self.addCleanup(d.cleanup)
        real = sslib.SUPERSERVERD
        sslib.SUPERSERVERD = daemon
        try:
            d.start()
        finally:
            sslib.SUPERSERVERD = real
        self.assertServes(echo_port, b'installed\n', d=d)
        reply = sslib.request(http_port, b'GET / HTTP/1.0\r\n\r\n')
        self.assertTrue(reply.startswith(b'HTTP/1.1 200 OK\r\n'), reply)
        self.assertEqual(d.stop(), 0, d.log_text())



if __name__ == '__main__':
    sslib.main()
