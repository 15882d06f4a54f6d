#!/usr/bin/env python3
"""Special files among the config files (issue 19): a FIFO, a device or a
folder where a config file (or an importer's input, main or included) should be is
refused at once by name, never opened in a way that blocks: `-t`, a start, a
reload (the old config keeps serving) and the import all return promptly."""

import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import run_tool, svc  # noqa: E402

CAT = '/bin/cat'
PROMPT = 5.0  # seconds: far more than a refusal takes, far less than a hang


class SpecialFilesTest(sslib.FilesTest):
    tmp_prefix = 'ss-itest-special-'

    def fifo(self, name):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.mkfifo(path, 0o600)
        return path

    def assertPromptRefusal(self, args, path, kind):
        t0 = time.monotonic()
        code, out, err = run_tool(args, timeout=PROMPT)
        self.assertLess(time.monotonic() - t0, PROMPT)
        self.assertEqual(code, 1, out + err)
        self.assertEqual(err, 'superserverd: %s: not a regular file (%s)\n'
                         % (path, kind))

    def test_check_a_fifo(self):
        path = self.fifo('superserver.conf')
        self.assertPromptRefusal(['-t', '-c', path], path, 'a fifo')

    def test_check_a_device_and_a_folder(self):
        self.assertPromptRefusal(['-t', '-c', '/dev/null'], '/dev/null',
                                 'a character device')
        self.assertPromptRefusal(['-t', '-c', self.tmp], self.tmp,
                                 'a directory')

    def test_include_glob_matching_a_fifo(self):
        self.write('conf.d/a.conf', sslib.to_libconfig(
            {'services': [svc('a', sslib.free_port(), CAT)]}))
        fifo = self.fifo('conf.d/b.conf')
        main = self.write('main.conf', 'include = ["conf.d/*.conf"];\n')
        self.assertPromptRefusal(['-t', '-c', main], fifo, 'a fifo')

    def test_start_with_a_fifo_exits(self):
        path = self.fifo('superserver.conf')
        self.assertPromptRefusal(['-f', '-c', path], path, 'a fifo')

    def test_import_inetd_of_a_fifo(self):
        path = self.fifo('inetd.conf')
        self.assertPromptRefusal(['--import-inetd', path], path, 'a fifo')

    def test_import_xinetd_of_special_files(self):
        # Adversarial review 2, finding 7: a FIFO (main or included) blocked
        # open() for ever; /dev/zero was read until memory ran out and then
        # dropped without a word.  Each is refused at once, by name.
        fifo = self.fifo('xinetd.conf')
        self.assertPromptRefusal(['--import-xinetd', fifo], fifo, 'a fifo')
        inc = self.fifo('xinetd.d/fifo')
        svc_text = ('service echo\n{\n\ttype = INTERNAL UNLISTED\n\tport = 7\n'
                    '\tsocket_type = stream\n\twait = no\n}\n')
        for target, kind in ((inc, 'a fifo'), ('/dev/zero', 'a character device')):
            conf = self.write('main.conf', svc_text + 'include %s\n' % target)
            t0 = time.monotonic()
            code, out, err = run_tool(['--import-xinetd', conf], timeout=PROMPT)
            self.assertLess(time.monotonic() - t0, PROMPT)
            self.assertEqual(code, 0, err)
            self.assertIn('name: "echo"', out)
            self.assertEqual(err, 'superserverd: %s:8: %s: not a regular file (%s)\n'
                             % (conf, target, kind))

    def test_reload_with_a_fifo_in_conf_d(self):
        pa, pb = sslib.free_ports(2)
        d = self.daemon(text='include = ["conf.d/*.conf"];\n' +
                        sslib.to_libconfig({'services': [svc('a', pa, CAT)]}),
                        start=False)
        os.mkdir(d.path('conf.d'))
        d.write_config(services=[svc('b', pb, CAT)],
                       path=d.path('conf.d', 'b.conf'))
        d.start()
        self.assertServes(pa, d=d)
        self.assertServes(pb, d=d)
        os.mkfifo(d.path('conf.d', 'c.conf'), 0o600)
        after = d.mark()
        d.send_signal(signal.SIGHUP)
        ev = d.wait_event('reload', timeout=PROMPT, after=after)[0]
        self.assertEqual(ev.get('result'), 'error', ev['_line'])
        self.assertIn('c.conf: not a regular file (a fifo)', ev.get('error', ''),
                      ev['_line'])
        # the old config keeps serving, and the loop still answers signals
        self.assertServes(pa, d=d)
        self.assertServes(pb, d=d)
        d.stop()
        self.assertEqual(d.proc.returncode, 0, d.log_text())


if __name__ == '__main__':
    sslib.main()
