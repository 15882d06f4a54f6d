#!/usr/bin/env python3
"""Configuration rules seen through the daemon (SPEC section 3): includes
of both syntaxes, errors that are never ignored, enabled = false."""

import os
import shutil
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import run_tool, svc  # noqa: E402

CAT = '/bin/cat'


class ConfigTest(sslib.FilesTest):
    tmp_prefix = 'ss-itest-cfg-'

    def check(self, path):
        return run_tool(['-t', '-c', path])

    def assertConfigError(self, path, line=None, *needles):
        code, out, err = self.check(path)
        self.assertEqual(code, 1, 'expected an invalid config\n' + out + err)
        lines = err.splitlines()
        self.assertEqual(len(lines), 1, err)
        prefix = 'superserverd: %s:' % path
        if line is not None:
            prefix += '%d: ' % line
        self.assertTrue(lines[0].startswith(prefix),
                        '%r should start with %r' % (lines[0], prefix))
        for n in needles:
            self.assertIn(n, lines[0])
        return lines[0]

    def test_include_both_syntaxes(self):
        p1, p2, p3 = sslib.free_ports(3)
        self.write('conf.d/b.conf', sslib.to_libconfig(
            {'services': [svc('inc-conf', p2, CAT)]}))
        self.write('conf.d/a.yaml', sslib.to_yaml(
            {'services': [svc('inc-yaml', p3, CAT)]}))
        self.write('conf.d/ignored.txt', 'not a config')
        main = self.write('main.conf', sslib.to_libconfig({
            'include': ['conf.d/*.conf', 'conf.d/*.yaml'],
            'services': [svc('main', p1, CAT)]}))
        code, out, err = self.check(main)
        self.assertEqual(code, 0, err)
        names = [l.split()[0] for l in out.splitlines()[:-1]]
        self.assertEqual(sorted(names), ['inc-conf', 'inc-yaml', 'main'])
        # deterministic: the same order every time
        self.assertEqual(self.check(main)[1], out)
        # and the daemon serves all three
        with open(main) as f:
            d = self.daemon(text=f.read(), start=False)
        os.makedirs(d.path('conf.d'))
        for f in ('b.conf', 'a.yaml'):
            shutil.copy(os.path.join(self.tmp, 'conf.d', f), d.path('conf.d'))
        d.start()
        for p in (p1, p2, p3):
            self.assertServes(p, d=d)

    def test_include_may_hold_services_only(self):
        inc = self.write('conf.d/x.conf', 'max_children = 3;\n')
        main = self.write('main.conf', 'include = ["conf.d/*.conf"];\n')
        code, out, err = self.check(main)
        self.assertEqual(code, 1, out + err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertTrue(err.startswith('superserverd: %s:1: ' % inc),
                        'the error names the included file: ' + err)
        self.assertIn('"max_children"', err)

    def test_error_in_included_file_names_that_file(self):
        inc = self.write('conf.d/bad.yaml',
                         'services:\n  - name: x\n    listen: "127.0.0.1:%d"\n'
                         '    exec: /bin/cat\n    backlog: lots\n'
                         % sslib.free_port())
        main = self.write('main.conf', 'include = ["conf.d/*.yaml"];\n')
        code, out, err = self.check(main)
        self.assertEqual(code, 1, err)
        self.assertTrue(err.startswith('superserverd: '), err)
        self.assertIn(inc + ':5: ', err)
        self.assertIn('"backlog"', err)

    def test_duplicate_names(self):
        p1, p2 = sslib.free_ports(2)
        path = self.write('dup.conf', sslib.to_libconfig(
            {'services': [svc('same', p1, CAT), svc('same', p2, CAT)]}))
        self.assertConfigError(path, None, '"same"')

    def test_yml_extension_is_yaml(self):
        """SPEC section 2: .yml is YAML, as .yaml is (and only YAML)."""
        port = sslib.free_port()
        path = self.write('main.yml', sslib.to_yaml({'services': [svc('y', port, CAT)]}))
        code, out, err = self.check(path)
        self.assertEqual((code, out.splitlines()[0]), (0, 'y tcp/nowait 127.0.0.1:%d %s'
                                                           % (port, CAT)), err)
        d = self.daemon(start=False)
        d.config_path = path
        d.start()
        self.assertServes(port, d=d)
        # libconfig text in a .yml file is read as YAML, and is wrong there
        bad = self.write('other.yml', sslib.to_libconfig({'services': [svc('y', port, CAT)]}))
        self.assertConfigError(bad, 1, 'expected a map of settings at the top, got a string')

    def test_same_port_conflicts(self):
        p = sslib.free_port()
        for a, b in (('127.0.0.1', '127.0.0.1'), ('*', '127.0.0.1')):
            path = self.write('conflict.conf', sslib.to_libconfig(
                {'services': [svc('one', p, CAT, host=a),
                              svc('two', p, CAT, host=b)]}))
            self.assertConfigError(
                path, None, 'service "two": key "listen": "%s:%d" collides with "%s:%d" of '
                'service "one" (%s:' % (b, p, a, p, path))
        # different addresses on one port are fine
        path = self.write('ok.conf', sslib.to_libconfig(
            {'services': [svc('one', p, CAT, host='127.0.0.1'),
                          svc('two', p, CAT, host='127.0.0.2')]}))
        self.assertEqual(self.check(path)[0], 0)

    def test_wrong_types(self):
        p = sslib.free_port()
        for key, val in (('backlog', 'x'), ('nodelay', 'yes'),
                         ('args', 'notalist'), ('env', ['A']),
                         ('instances', -1), ('mode', 'sometimes'),
                         ('rate', 'fast')):
            path = self.write('t.conf', sslib.to_libconfig(
                {'services': [svc('s', p, CAT, **{key: val})]}))
            self.assertConfigError(path, None, '"%s"' % key)

    def test_exec_must_be_absolute(self):
        path = self.write('rel.conf', sslib.to_libconfig(
            {'services': [svc('s', sslib.free_port(), 'cat')]}))
        self.assertConfigError(path, None, '"exec"')

    def test_disabled_is_validated_and_opens_nothing(self):
        pa, pb = sslib.free_ports(2)
        bad = self.write('bad.conf', sslib.to_libconfig(
            {'services': [svc('off', pa, CAT, enabled=False, backlog='x')]}))
        self.assertConfigError(bad, None, '"backlog"')
        d = self.daemon([svc('off', pa, CAT, enabled=False),
                         svc('on', pb, CAT)])
        self.assertServes(pb, d=d)
        self.assertTrue(sslib.refused(pa))
        # Counted as services only when enabled, at start as on reload.
        self.assertEqual(d.events('ready')[0].get('services'), '1', d.log_text())
        after = d.mark()
        d.send_signal(signal.SIGUSR1)
        ev = d.wait_event('status_daemon', after=after)
        self.assertEqual(ev[0].get('services'), '1', ev[0]['_line'])
        ev = d.reload([svc('off', pa, CAT, enabled=False), svc('on', pb, CAT)])
        self.assertEqual(ev.get('services'), '1', ev['_line'])

    def test_empty_config_runs_idle(self):
        d = self.daemon(text='')
        self.assertTrue(d.running())
        self.assertEqual(d.stop(), 0)

    @unittest.skipUnless(os.geteuid() == 0, 'needs root to run -t as nobody')
    def test_user_needs_root(self):
        path = self.write('user.conf', sslib.to_libconfig(
            {'services': [svc('s', sslib.free_port(), CAT, user='nobody')]}))
        os.chmod(path, 0o644)
        self.assertEqual(self.check(path)[0], 0, 'root may set user')
        import subprocess
        daemon = sslib.program_for(self, sslib.SUPERSERVERD, 65534, 65534)
        p = subprocess.run([daemon, '-t', '-c', path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           preexec_fn=lambda: (os.setgroups([]),
                                               os.setgid(65534),
                                               os.setuid(65534)))
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 1, 'user set by a non-root daemon\n'
                         + err)
        self.assertIn('"user"', err)
        self.assertEqual(len(err.splitlines()), 1, err)


    @unittest.skipUnless(os.geteuid() == 0, 'folder checks apply to a root daemon')
    def test_unsafe_folders_refused_as_root(self):
        inc = self.write('conf.d/a.conf', sslib.to_libconfig(
            {'services': [svc('a', sslib.free_port(), CAT)]}))
        main = self.write('main.conf', 'include = ["conf.d/*.conf"];\n')
        conf_d = os.path.dirname(inc)
        self.assertEqual(self.check(main)[0], 0)
        os.chmod(conf_d, 0o777)
        self.assertConfigError(inc, None, 'folder %s is writable by others '
                               '(mode 0777); refusing a config file there '
                               'while running as root' % conf_d)
        os.chmod(conf_d, 0o1777)  # sticky, like /tmp: accepted
        self.assertEqual(self.check(main)[0], 0)
        # an exec in a folder anyone may write
        os.chmod(conf_d, 0o755)
        bindir = os.path.join(self.tmp, 'bin')
        os.mkdir(bindir)
        os.chmod(bindir, 0o777)
        h = self.write('bin/h', '#!/bin/sh\nexec cat\n')
        os.chmod(h, 0o755)
        self.write('conf.d/a.conf', sslib.to_libconfig(
            {'services': [svc('x', sslib.free_port(), h)]}))
        self.assertConfigError(inc, None, 'service "x": key "exec": "%s": folder '
                               '%s is writable by others (mode 0777); '
                               'refusing it while running as root'
                               % (h, bindir))

if __name__ == '__main__':
    sslib.main()
