#!/usr/bin/env python3
"""The command line (SPEC section 2): -t, -T, errors and exit codes."""

import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import run_tool, svc  # noqa: E402

CAT = '/bin/cat'


class CliTest(sslib.FilesTest):
    tmp_prefix = 'ss-itest-cli-'

    def two_services(self, p1, p2):
        return {'services': [
            svc('alpha', p1, CAT),
            {'name': 'beta', 'listen': ['127.0.0.1:%d' % p2,
                                        '127.0.0.2:%d' % p2],
             'exec': '/usr/bin/env'},
        ]}

    def test_check_lists_services_then_ok(self):
        p1, p2 = sslib.free_ports(2)
        cfg = self.write('two.conf', sslib.to_libconfig(self.two_services(p1,
                                                                          p2)))
        # -t binds nothing: it succeeds while we hold the port ourselves
        hold = socket.socket()
        hold.bind(('127.0.0.1', p1))
        hold.listen(1)
        self.addCleanup(hold.close)
        code, out, err = run_tool(['-t', '-c', cfg])
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines(), [
            'alpha tcp/nowait 127.0.0.1:%d %s' % (p1, CAT),
            'beta tcp/nowait 127.0.0.1:%d,127.0.0.2:%d /usr/bin/env'
            % (p2, p2),
            'configuration OK'])

    def test_check_yaml(self):
        p1, p2 = sslib.free_ports(2)
        cfg = self.write('two.yaml', sslib.to_yaml(self.two_services(p1, p2)))
        code, out, err = run_tool(['-t', '-c', cfg])
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines()[-1], 'configuration OK')
        self.assertEqual(len(out.splitlines()), 3, out)

    def assertOneErrorLine(self, code, err, path, line, *needles):
        self.assertEqual(code, 1, 'exit code for an invalid config\n' + err)
        lines = err.splitlines()
        self.assertEqual(len(lines), 1,
                         'exactly one stderr line expected:\n' + err)
        prefix = 'superserverd: %s:%d: ' % (path, line)
        self.assertTrue(lines[0].startswith(prefix),
                        '%r does not start with %r' % (lines[0], prefix))
        for n in needles:
            self.assertIn(n, lines[0])

    def test_bad_type_libconfig_names_file_line_key(self):
        text = ('services = (\n'                       # 1
                '  { name = "echo";\n'                  # 2
                '    listen = "127.0.0.1:%d";\n'        # 3
                '    exec = "/bin/cat";\n'              # 4
                '    instances = "many"; }\n'           # 5
                ');\n' % sslib.free_port())
        cfg = self.write('bad.conf', text)
        code, out, err = run_tool(['-t', '-c', cfg])
        self.assertOneErrorLine(code, err, cfg, 5, '"echo"', '"instances"')
        self.assertNotIn('configuration OK', out)

    def test_bad_type_yaml_names_file_line_key(self):
        text = ('services:\n'                            # 1
                '  - name: echo\n'                       # 2
                '    listen: "127.0.0.1:%d"\n'           # 3
                '    exec: /bin/cat\n'                   # 4
                '    instances: many\n' % sslib.free_port())  # 5
        cfg = self.write('bad.yaml', text)
        code, out, err = run_tool(['-t', '-c', cfg])
        self.assertOneErrorLine(code, err, cfg, 5, '"echo"', '"instances"')

    def test_unknown_key_is_an_error(self):
        text = ('services = (\n'
                '  { name = "echo"; listen = "127.0.0.1:%d";\n'
                '    exec = "/bin/cat";\n'
                '    no_such_key = 1; }\n'
                ');\n' % sslib.free_port())
        cfg = self.write('unknown.conf', text)
        code, out, err = run_tool(['-t', '-c', cfg])
        self.assertOneErrorLine(code, err, cfg, 4, '"no_such_key"')

    def test_missing_exec_is_an_error(self):
        text = ('services = (\n'
                '  { name = "echo"; listen = "127.0.0.1:%d";\n'
                '    exec = "%s/nonexistent"; }\n'
                ');\n' % (sslib.free_port(), self.tmp))
        cfg = self.write('noexec.conf', text)
        code, out, err = run_tool(['-t', '-c', cfg])
        self.assertEqual(code, 1, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertTrue(err.startswith('superserverd: %s:' % cfg), err)

    def test_daemon_with_bad_config_exits_1(self):
        cfg = self.write('bad2.conf', 'services = ( { name = "x"; } );\n')
        code, out, err = run_tool(['-f', '-c', cfg])
        self.assertEqual(code, 1, err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertTrue(err.startswith('superserverd: %s:1: ' % cfg), err)

    def test_check_names_every_error_start_only_the_first(self):
        """-t prints every error in file order, one line each, then how many
        more past 20; starting the daemon prints only the first."""
        bad = 'services = (\n%s\n);\nmax_childs = 3;\n' % ',\n'.join(
            '{ name = "s%d"; listen = "127.0.0.1:%d"; exec = "%s"; nice = 40; }'
            % (i, 17700 + i, CAT) for i in range(22))
        cfg = self.write('many.conf', bad)
        code, out, err = run_tool(['-t', '-c', cfg])
        self.assertEqual((code, out), (1, ''), err)
        lines = err.splitlines()
        self.assertEqual(len(lines), 21, err)
        for i, line in enumerate(lines[:20]):
            self.assertEqual(line, 'superserverd: %s:%d: service "s%d": key "nice": '
                             'expected an integer between -20 and 19' % (cfg, i + 2, i))
        # 22 services and the top-level typo (line 25): 3 past the first 20
        self.assertEqual(lines[20], 'superserverd: %s: 3 more errors not shown' % cfg)
        code, out, err = run_tool(['-f', '-c', cfg])
        self.assertEqual(code, 1, err)
        self.assertEqual(err.splitlines(), lines[:1])

    def test_dump_is_yaml_accepted_by_check(self):
        p1, p2 = sslib.free_ports(2)
        cfg = self.write('orig.conf', sslib.to_libconfig(
            dict(self.two_services(p1, p2),
                 defaults={'instances': 7})))
        code, dump, err = run_tool(['-T', '-c', cfg])
        self.assertEqual(code, 0, err)
        # defaults applied (SPEC section 2): each service has the default's
        # value and every key's own default; no `defaults` map is left
        lines = dump.splitlines()
        self.assertNotIn('defaults:', [l.split(' ')[0] for l in lines])
        self.assertIn('max_children: 1024', lines)
        services = dump.split('\n  - name: ')[1:]
        self.assertEqual([b.split('\n')[0] for b in services], ['"alpha"', '"beta"'], dump)
        for block in services:
            for want in ('instances: 7', 'mode: nowait', 'protocol: tcp', 'backlog: 128',
                         'stderr: discard', 'timeout: 0', 'per_source: 0'):
                self.assertIn('\n    %s\n' % want, block + '\n', dump)
        again = self.write('dumped.yaml', dump)
        code, out2, err2 = run_tool(['-t', '-c', again])
        self.assertEqual(code, 0, 'dump not accepted by -t:\n%s\n%s'
                         % (err2, dump))
        code, out1, err1 = run_tool(['-t', '-c', cfg])
        self.assertEqual(out2, out1, 'same services after a -T round trip')

    def test_dump_is_normalized_fixed_point(self):
        p1, p2 = sslib.free_ports(2)
        cfg = self.write('orig.conf', sslib.to_libconfig(
            self.two_services(p1, p2)))
        code, dump, err = run_tool(['-T', '-c', cfg])
        self.assertEqual(code, 0, err)
        again = self.write('dumped.yaml', dump)
        code, dump2, err = run_tool(['-T', '-c', again])
        self.assertEqual(code, 0, err)
        def body(text):  # comments (e.g. naming the source file) aside
            return [l for l in text.splitlines()
                    if not l.lstrip().startswith('#')]
        self.maxDiff = None
        self.assertEqual(body(dump2), body(dump),
                         '-T of its own output must be stable')

    def test_dump_names_a_hostile_path_in_one_comment_line(self):
        # Review R3: a newline in the config's path must not start a line of
        # the dump (it would add a key, "b" here, to what a YAML reader sees).
        cfg = self.write('a\nb: evil.yaml', 'services: []\n')
        code, dump, err = run_tool(['-T', '-c', cfg])
        self.assertEqual(code, 0, err)
        self.assertNotRegex(dump, r'(?m)^b:', dump)
        self.assertIsNone(re.search(r'[\x00-\x09\x0b-\x1f\x7f]', dump), dump)
        self.assertTrue(dump.startswith('# effective configuration of '), dump)

    def test_empty_config_is_valid(self):
        cfg = self.write('empty.conf', '')
        code, out, err = run_tool(['-t', '-c', cfg])
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines(), ['configuration OK'])

    def test_usage_error_exit_2(self):
        """Every usage error: exit 2 and one line (SPEC section 2), naming
        what is wrong."""
        for args, says in ((['--no-such-option'], 'unknown option --no-such-option'),
                           (['-x'], 'unknown option -x'),
                           (['-c'], 'option -c needs an argument'),
                           (['--import-inetd'], 'option --import-inetd needs an argument'),
                           (['-l', 'bogus'], '-l: expected stderr or syslog'),
                           (['-t', 'extra'], 'unexpected argument "extra"')):
            code, out, err = run_tool(args)
            self.assertEqual(code, 2, '%s: %s' % (args, out + err))
            self.assertEqual(out, '', args)
            self.assertEqual(len(err.splitlines()), 1, '%s: %r' % (args, err))
            self.assertTrue(err.startswith('superserverd: ' + says), '%s: %r' % (args, err))

    def test_version_and_help_exit_0(self):
        for opt in ('-V', '--version', '-h', '--help'):
            code, out, err = run_tool([opt])
            self.assertEqual(code, 0, '%s: %s' % (opt, err))
            self.assertTrue(out.strip(), '%s prints something' % opt)
        code, out, err = run_tool(['-V'])
        self.assertRegex(out, r'\d+\.\d+')

    def test_default_config_path(self):
        """Without -c the daemon reads the default -h names (SPEC section 2:
        $(sysconfdir)/superserver/superserver.conf): -t without -c does
        exactly what -t -c DEFAULT does, whether that file exists or not."""
        code, out, err = run_tool(['-h'])
        m = re.search(r'-c, --config FILE +configuration \(default (\S+)\)', out)
        self.assertTrue(m, out)
        default = m.group(1)
        self.assertTrue(default.endswith('/superserver/superserver.conf'), default)
        self.assertEqual(run_tool(['-t']), run_tool(['-t', '-c', default]))
        if not os.path.exists(default):  # the usual case in a build tree
            code, out, err = run_tool(['-t'])
            self.assertEqual(code, 1, err)
            self.assertIn(default, err)

    def test_address_in_use_exit_3(self):
        port = sslib.free_port()
        hold = socket.socket()
        hold.bind(('127.0.0.1', port))
        hold.listen(1)
        self.addCleanup(hold.close)
        cfg = self.write('busy.conf', sslib.to_libconfig(
            {'services': [svc('busy', port, CAT)]}))
        code, out, err = run_tool(['-f', '-c', cfg], timeout=10)
        self.assertEqual(code, 3, out + err)
        lines = [l for l in err.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, 'one line on stderr:\n' + err)
        self.assertIn('busy', lines[0])
        self.assertIn('127.0.0.1:%d' % port, lines[0])
        self.assertRegex(lines[0], re.compile('in use', re.I))

    def test_pidfile_written_locked_removed(self):
        port = sslib.free_port()
        pidfile = os.path.join(self.tmp, 'ss.pid')
        d = self.daemon([svc('p', port, CAT)], args=['-p', pidfile])
        with open(pidfile) as f:
            self.assertEqual(f.read().strip(), str(d.pid))
        cfg2 = self.write('other.conf', sslib.to_libconfig(
            {'services': [svc('q', sslib.free_port(), CAT)]}))
        code, out, err = run_tool(['-f', '-c', cfg2, '-p', pidfile],
                                  timeout=10)
        self.assertEqual(code, 3, 'second instance on a locked pidfile\n'
                         + err)
        self.assertTrue(os.path.exists(pidfile))
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(pidfile), 'pidfile removed at exit')


if __name__ == '__main__':
    sslib.main()
