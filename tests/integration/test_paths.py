#!/usr/bin/env python3
"""Compiled-in paths follow configure (issue 20, item 1): configure the
same tree twice with different prefixes and the second daemon names the
second prefix in -h (default config, default control socket) and in
--import-inetd (handler folder of internal services).  A --prefix=/usr or /
build keeps its control socket in /run (SPEC section 9, issue 23 item 1),
unless --runstatedir says otherwise.

In an in-tree build the test works on a copy of the built tree (timestamps
kept), so the second configure meets objects built for the first prefix,
as an admin's tree does; in a VPATH build (distcheck) it configures a fresh
build folder from the source tree.  Only the daemon is built."""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402

# What configure --prefix sets, and where the build is; anything else the
# build was configured with (--enable-werror, CC=...) is passed on unchanged.
PATH_OPTIONS = ('--prefix', '--exec-prefix', '--sysconfdir', '--libexecdir',
                '--localstatedir', '--runstatedir', '--srcdir', '--cache-file')


def build_env():
    """The environment without the outer make's jobserver and variables."""
    env = dict(os.environ)
    for k in ('MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES'):
        env.pop(k, None)
    return env


class ReconfigureTest(unittest.TestCase):

    def setUp(self):
        self.top = os.environ.get('TOP_BUILDDIR')
        self.src = os.environ.get('TOP_SRCDIR')
        if not self.top or not self.src or not shutil.which('make'):
            raise unittest.SkipTest('needs TOP_BUILDDIR, TOP_SRCDIR and make')
        self.tmp = tempfile.mkdtemp(prefix='ss-reconf-')
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        r = self.run_cmd([os.path.join(self.top, 'config.status'), '--config'],
                         cwd=self.top)
        self.args = [a for a in shlex.split(r.stdout)
                     if not a.startswith(PATH_OPTIONS)]
        if os.path.realpath(self.top) == os.path.realpath(self.src):
            self.build = os.path.join(self.tmp, 'tree')
            shutil.copytree(self.top, self.build, symlinks=True,
                            ignore=shutil.ignore_patterns(
                                '.git', '*.log', '*.trs', 'superserver-*'))
            self.configure = os.path.join(self.build, 'configure')
        else:
            self.build = os.path.join(self.tmp, 'build')
            os.mkdir(self.build)
            self.configure = os.path.join(os.path.abspath(self.src),
                                          'configure')
        self.inetd = os.path.join(self.tmp, 'inetd.conf')
        with open(self.inetd, 'w') as f:
            f.write('echo\tstream\ttcp\tnowait\troot\tinternal\n')

    def run_cmd(self, argv, cwd):
        r = subprocess.run(argv, cwd=cwd, env=build_env(), capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            self.fail('%s failed (%d):\n%s%s' % (' '.join(argv), r.returncode,
                                                 r.stdout[-2000:],
                                                 r.stderr[-4000:]))
        return r

    def configure_and_build(self, prefix):
        self.run_cmd([self.configure, '--prefix=' + prefix] + self.args,
                     cwd=self.build)
        self.run_cmd(['make', '-j2', 'src/superserverd'], cwd=self.build)
        return os.path.join(self.build, 'src', 'superserverd')

    def runstatedir(self, *options):
        """RUNSTATEDIR of the paths.h a configure with OPTIONS gives."""
        self.run_cmd([self.configure] + list(options) + self.args,
                     cwd=self.build)
        self.run_cmd(['make', 'src/lib/paths.h'], cwd=self.build)
        with open(os.path.join(self.build, 'src', 'lib', 'paths.h')) as f:
            m = re.search(r'^#define RUNSTATEDIR "(.*)"$', f.read(), re.M)
        self.assertTrue(m, 'paths.h defines RUNSTATEDIR')
        return m.group(1)

    def assert_paths(self, daemon, prefix):
        r = self.run_cmd([daemon, '-h'], cwd=self.tmp)
        self.assertIn('%s/etc/superserver/superserver.conf' % prefix,
                      r.stdout)
        self.assertRegex(r.stdout, r'(?m)^control socket .*: %s$'
                         % re.escape('%s/var/run/superserverd.ctl' % prefix))
        r = self.run_cmd([daemon, '--import-inetd', self.inetd], cwd=self.tmp)
        self.assertIn('%s/libexec/superserver/echo' % prefix, r.stdout)

    def test_second_configure_rebuilds_with_second_paths(self):
        first = os.path.join(self.tmp, 'first')
        second = os.path.join(self.tmp, 'second')
        self.assert_paths(self.configure_and_build(first), first)
        self.assert_paths(self.configure_and_build(second), second)

    def test_system_prefix_puts_the_control_socket_in_run(self):
        # README's Install line, and the same for a root-prefix build.
        self.assertEqual(self.runstatedir('--prefix=/usr', '--sysconfdir=/etc'),
                         '/run')
        self.assertEqual(self.runstatedir('--prefix=/'), '/run')
        self.assertEqual(self.runstatedir('--prefix=/usr', '--localstatedir=/var'),
                         '/run')
        # An explicit --runstatedir wins; other prefixes keep autoconf's.
        here = os.path.join(self.tmp, 'run')
        self.assertEqual(self.runstatedir('--prefix=/usr', '--runstatedir=' + here),
                         here)
        self.assertEqual(self.runstatedir('--prefix=' + self.tmp),
                         self.tmp + '/var/run')


if __name__ == '__main__':
    sslib.main()
