"""make install DESTDIR=...: the layout SPEC section 7 promises, the
installed daemon serving the installed sample config, safe defaults in that
sample, and a reinstall / uninstall that leave an edited config alone."""

import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import unittest

import sslib


def make(target, dest):
    """make TARGET DESTDIR=DEST in the build tree; the output on success."""
    r = subprocess.run(['make', '-C', os.environ['TOP_BUILDDIR'], target,
                        'DESTDIR=' + dest],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise AssertionError('make %s failed:\n%s%s' % (target, r.stdout, r.stderr))
    return r.stdout


def tree(dest):
    """Every file and folder under DEST, relative to it."""
    out = set()
    for root, dirs, names in os.walk(dest):
        for n in dirs + names:
            out.add(os.path.relpath(os.path.join(root, n), dest))
    return out


class InstallTest(sslib.DaemonTest):
    @classmethod
    def setUpClass(cls):
        top = os.environ.get('TOP_BUILDDIR')
        if not top or not shutil.which('make'):
            raise unittest.SkipTest('needs TOP_BUILDDIR and make')
        cls.dest = tempfile.mkdtemp(prefix='ss-install-')
        # As under /: handlers run as nobody must be able to reach their files.
        os.chmod(cls.dest, 0o755)
        make('install', cls.dest)
        cls.files = set(f for f in tree(cls.dest)
                        if os.path.isfile(os.path.join(cls.dest, f)))

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
        self.find(r'sbin/superserverctl$')
        for h in ('echo', 'discard', 'daytime', 'chargen', 'time', 'hello-http',
                  'metrics-http'):
            self.assertTrue(os.access(self.find(r'libexec/superserver/%s$' % h), os.X_OK))
        self.find(r'etc/superserver/superserver\.conf$')
        self.find(r'etc/superserver/superserver\.yaml$')
        self.find(r'man/man8/superserverd\.8$')
        self.find(r'man/man5/superserver\.conf\.5$')
        self.find(r'man/man8/superserverctl\.8$')
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
        if os.geteuid() != 0:
            # Only a daemon started as root may run handlers as nobody, or
            # in another group.
            text = re.sub(r'^ *(user|group|control_group) *[=:] *"?\w+"?;? *$', '',
                          text, flags=re.M)
        else:
            # The group make install creates only when it installs onto this
            # system (test_docs.py runs that); a staged install does not.
            text = re.sub(r'^( *(group|control_group) *[=:] *"?)superserver\b',
                          r'\g<1>' + grp.getgrgid(pwd.getpwnam('nobody').pw_gid).gr_name,
                          text, flags=re.M)
        # Its fixed loopback ports may be in use on a shared machine: move them.
        ports = sorted(set(re.findall(r':(\d{4})\b', text)))
        free = sslib.free_ports(len(ports))
        for old, new in zip(ports, free):
            text = re.sub(r':%s\b' % old, ':%d' % new, text)
        echo_port = free[ports.index('7007')]
        http_port = free[ports.index('8080')]
        d = sslib.Daemon(text=text, syntax=syntax)
        self.addCleanup(d.cleanup)
        d.program = daemon
        d.start()
        self.assertServes(echo_port, b'installed\n', d=d)
        reply = sslib.request(http_port, b'GET / HTTP/1.0\r\n\r\n')
        self.assertTrue(reply.startswith(b'HTTP/1.1 200 OK\r\n'), reply)
        self.assertEqual(d.stop(), 0, d.log_text())

    def test_installed_samples_run_handlers_as_nobody(self):
        for syntax, line in (('conf', r'^    user = "nobody";$'),
                             ('yaml', r'^  user: nobody$')):
            with self.subTest(syntax=syntax):
                with open(self.find(r'etc/superserver/superserver\.%s$' % syntax)) as f:
                    self.assertRegex(f.read(), re.compile(line, re.M))
                # ... while the copy for the build tree runs them as the
                # invoking user (Quick start).
                local = os.path.join(os.environ['TOP_BUILDDIR'], 'etc',
                                     'superserver.local.' + syntax)
                with open(local) as f:
                    self.assertNotRegex(f.read(), re.compile(line, re.M))


class ReinstallTest(unittest.TestCase):
    """An admin's edits survive make install and make uninstall."""

    def setUp(self):
        if not os.environ.get('TOP_BUILDDIR') or not shutil.which('make'):
            raise unittest.SkipTest('needs TOP_BUILDDIR and make')
        self.dest = tempfile.mkdtemp(prefix='ss-reinstall-')
        self.addCleanup(shutil.rmtree, self.dest, ignore_errors=True)

    def one(self, pattern, files):
        hits = sorted(f for f in files if re.search(pattern, f))
        self.assertEqual(len(hits), 1, '%s in:\n%s' % (pattern, '\n'.join(sorted(files))))
        return os.path.join(self.dest, hits[0])

    def test_edited_config_kept_by_install_and_uninstall(self):
        make('install', self.dest)
        files = tree(self.dest)
        conf = self.one(r'etc/superserver/superserver\.conf$', files)
        yaml = self.one(r'etc/superserver/superserver\.yaml$', files)
        handlers = os.path.dirname(self.one(r'libexec/superserver/echo$', files))
        self.assertFalse([f for f in files if f.endswith('.sample')],
                         'a first install writes no .sample')
        with open(conf) as f:
            sample = f.read()
        edited = sample + '# edited by the admin\n'
        with open(conf, 'w') as f:
            f.write(edited)

        out = make('install', self.dest)
        with open(conf) as f:
            self.assertEqual(f.read(), edited, 'install overwrote the edited config')
        with open(conf + '.sample') as f:
            self.assertEqual(f.read(), sample)
        self.assertIn('kept', out)
        self.assertFalse(os.path.exists(yaml + '.sample'),
                         'an unedited config is simply replaced')

        make('uninstall', self.dest)
        with open(conf) as f:
            self.assertEqual(f.read(), edited, 'uninstall removed the edited config')
        self.assertFalse(os.path.exists(conf + '.sample'))
        self.assertFalse(os.path.exists(yaml), 'the unedited sample is removed')
        self.assertFalse(os.path.exists(handlers), 'the handler folder is removed')
        left = [f for f in tree(self.dest)
                if os.path.isfile(os.path.join(self.dest, f))]
        self.assertEqual(left, [os.path.relpath(conf, self.dest)])



if __name__ == '__main__':
    sslib.main()
