"""--import-inetd end to end: the YAML it prints loads with -t, and a daemon
started on it serves the translated services."""

import os
import pwd
import socket

import sslib

INETD_CONF = """\
# a classic inetd.conf
{port}\tstream\ttcp\tnowait\troot\tinternal
{port}\tdgram\tudp\twait\troot\tinternal
{cat}\tstream\ttcp\tnowait.100\troot\t/bin/cat\tcat
bogus\traw\ttcp\tnowait\troot\t/bin/true
"""


class ImportTest(sslib.DaemonTest):
    def test_translated_config_loads_and_serves(self):
        sslib.require_bundled(self, 'echo')
        port, cat_port = sslib.free_ports(2)
        d = sslib.Daemon(services=[])
        self.addCleanup(d.cleanup)
        src = d.path('inetd.conf')
        with open(src, 'w') as f:
            f.write(INETD_CONF.format(port=port, cat=cat_port).replace(
                '%d\tstream\ttcp\tnowait\troot\tinternal' % port,
                'echo\tstream\ttcp\tnowait\troot\tinternal').replace(
                '%d\tdgram' % port, 'echo\tdgram'))
        code, out, err = sslib.run_tool(['--import-inetd', src])
        self.assertEqual(code, 0, err)
        # Exactly one line, naming the raw-socket line.
        self.assertRegex(err, r'^superserverd: %s:5: cannot translate: [^\n]+\n$' % src)
        self.assertIn('rate: "100/60"', out)
        # The bundled handlers live in the build tree here, not where they install.
        handler_dir = os.path.dirname(sslib.service_exec('echo'))
        text = out
        for line in out.splitlines():
            if line.strip().startswith('exec: ') and '/echo' in line:
                installed = line.split('"')[1].rsplit('/', 1)[0]
                text = out.replace(installed + '/', handler_dir + '/')
                break
        # echo's port 7 is privileged and may be taken: move it to a free one.
        text = text.replace('"*:7"', '"*:%d"' % port)
        d.write_config(text=text, path=d.path('imported.yaml'))
        d.config_path = d.path('imported.yaml')
        code, out, err = sslib.run_tool(['-t', '-c', d.config_path])
        self.assertEqual(code, 0, err)
        self.assertIn('configuration OK', out)
        d.start()
        self.assertServes(port, b'imported\n', d=d)
        self.assertServes(cat_port, b'cat\n', d=d)

    def test_unix_line_serves(self):
        """An OpenBSD/FreeBSD "unix" line becomes a unix: listener that serves."""
        d = sslib.Daemon(services=[])
        self.addCleanup(d.cleanup)
        path = d.path('cat.sock')
        src = d.path('inetd.conf')
        user = pwd.getpwuid(os.geteuid()).pw_name
        with open(src, 'w') as f:
            f.write('%s\tstream\tunix\tnowait\t%s\t/bin/cat\tcat\n' % (path, user))
        code, out, err = sslib.run_tool(['--import-inetd', src])
        self.assertEqual(code, 0, err)
        self.assertEqual(err, '')
        self.assertIn('name: "cat"', out)
        self.assertIn('listen: "unix:%s"' % path, out)
        d.write_config(text=out, path=d.path('imported.yaml'))
        d.config_path = d.path('imported.yaml')
        d.start()
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(c.close)
        c.settimeout(5)
        c.connect(path)
        c.sendall(b'over unix\n')
        c.shutdown(socket.SHUT_WR)
        self.assertEqual(sslib.recv_all(c), b'over unix\n', d.log_text())


if __name__ == '__main__':
    sslib.main()
