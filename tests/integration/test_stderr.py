#!/usr/bin/env python3
"""`stderr` (SPEC section 3): discard, socket, log."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import request, svc  # noqa: E402


NOISY = 'echo "to stdout"\necho "oops: went wrong" >&2\necho second >&2\n'


class StderrTest(sslib.DaemonTest):

    def setUp(self):
        self.ports = dict(zip(['discard', 'socket', 'log'],
                              sslib.free_ports(3)))
        d = self.daemon(start=False)
        h = d.script('noisy.sh', NOISY)
        d.write_config([svc(k, p, h, stderr=k)
                        for k, p in self.ports.items()])
        d.start()
        self.d = d

    def test_discard(self):
        self.assertEqual(request(self.ports['discard']), b'to stdout\n')
        ev = self.d.wait_event('exit', service='discard')
        self.assertEqual(self.d.events('stderr'), [])

    def test_socket(self):
        out = request(self.ports['socket'])
        self.assertEqual(sorted(out.decode().splitlines()),
                         sorted(['to stdout', 'oops: went wrong', 'second']))

    def test_log(self):
        d = self.d
        self.assertEqual(request(self.ports['log']), b'to stdout\n')
        ex = d.wait_event('exit', service='log')
        pid = ex[0]['pid']
        d.wait_log(r'\bevent=stderr service=log pid=%s '
                   r'line="oops: went wrong"' % pid)
        ev = d.wait_event('stderr', service='log', count=2)
        self.assertEqual([e['line'] for e in ev],
                         ['oops: went wrong', 'second'])


# Raw bytes a handler may write: 8-bit CSI, C1 controls as UTF-8, U+2028, a
# NUL mid-line, invalid UTF-8, then printable UTF-8 that stays as it is.
RAW = (b'csi\x9b31m c1\xc2\x9b nel\xc2\x85 ls\xe2\x80\xa8 '
       b'nul\x00after \xff\xfe ok\xc3\xbc\n')
ESCAPED = ('"csi\\x9b31m c1\\u009b nel\\u0085 ls\\u2028 '
           'nul\\x00after \\xff\\xfe ok\u00fc"')


class StderrBytesTest(sslib.DaemonTest):

    def test_raw_bytes_escaped_whole_line_kept(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        h = d.script('raw.py', 'import sys\nsys.stderr.buffer.write(%r)\n'
                     'sys.stderr.flush()\n' % RAW, python=True)
        d.write_config([svc('raw', port, h, stderr='log')])
        d.start()
        request(port)
        d.wait_event('stderr', service='raw')
        with open(d.log_path, 'rb') as f:
            data = f.read()
        text = data.decode('utf-8')  # strict: nothing invalid reached it
        lines = [l for l in text.splitlines() if 'service=raw' in l and
                 'event=stderr' in l]
        self.assertEqual(len(lines), 1, text)
        self.assertTrue(lines[0].endswith(' line=' + ESCAPED), lines[0])
        for c in text:
            self.assertFalse(0x80 <= ord(c) <= 0x9f or c in '\u2028\u2029'
                             or c == '\0', 'raw %r in the log' % c)


if __name__ == '__main__':
    sslib.main()
