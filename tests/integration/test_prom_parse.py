#!/usr/bin/env python3
"""The Prometheus text that prom_out writes, read back by a real parser.

tests/unit/prom_sample prints samples whose label values and HELP texts are
every byte 0x01..0xff, quotes, backslashes, newlines, UTF-8 and broken
UTF-8; prometheus_client's text_string_to_metric_families (Debian package
python3-prometheus-client) must parse all of it back to the values meant.
Skips (77) when the package is missing.
"""

import math
import os
import subprocess
import sys
import unittest

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    # A python3 other than Debian's (pyenv, venv) does not see the package.
    sys.path.append('/usr/lib/python3/dist-packages')
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    print('SKIP: prometheus_client not installed '
          '(Debian package python3-prometheus-client)')
    sys.exit(77)

SAMPLE = os.path.join(os.environ.get('TOP_BUILDDIR', '.'), 'tests', 'unit',
                      'prom_sample')
FFFD = '\ufffd'


def expected_char(b):
    """What byte B alone becomes: itself below 0x80, U+FFFD above."""
    return chr(b) if b < 0x80 else FFFD


class PromParse(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        out = subprocess.run([SAMPLE], stdout=subprocess.PIPE, check=True,
                             timeout=10).stdout
        cls.text = out.decode('utf-8')  # strict: must be valid UTF-8
        cls.families = {f.name: f for f in
                        text_string_to_metric_families(cls.text)}

    def test_every_byte_as_label_value(self):
        fam = self.families['test_byte']
        self.assertEqual(fam.documentation,
                         'One sample per byte \\ \n as a label value.')
        self.assertEqual(fam.type, 'gauge')
        self.assertEqual(len(fam.samples), 255)
        for s in fam.samples:
            b = int(s.labels['byte'])
            self.assertEqual(s.value, b)
            self.assertEqual(s.labels['value'], expected_char(b),
                             'byte 0x%02x' % b)

    def test_every_byte_in_help(self):
        for b in range(1, 256):
            fam = self.families['test_help_%d' % b]
            # The client strips a counter's _total suffix only; these have none.
            self.assertEqual(fam.documentation,
                             'byte %d: %s.' % (b, expected_char(b)))
            self.assertEqual(fam.type, 'counter')
            self.assertEqual(fam.samples[0].value, b)

    def test_nasty_labels(self):
        fam = self.families['superserver_connections_refused']
        self.assertEqual(fam.type, 'counter')
        s = fam.samples[0]
        self.assertEqual(s.name, 'superserver_connections_refused_total')
        self.assertEqual(s.labels, {
            'service': 'a"b\\c\nd}e,f=g',
            'utf8': '\u00e9\u20ac\U0001f600',
            'broken': 'x' + FFFD * 2 + 'y' + FFFD * 3 + 'z' + FFFD * 4,
            'empty': '',
        })
        self.assertEqual(s.value, float(2 ** 64 - 1))

    def test_floats(self):
        got = {s.labels['k']: s.value
               for s in self.families['test_float'].samples}
        self.assertEqual(got['half'], 0.5)
        self.assertEqual(got['inf'], math.inf)
        self.assertEqual(got['ninf'], -math.inf)
        self.assertTrue(math.isnan(got['nan']))
        self.assertEqual(got['start'], 1764444444.125)


if __name__ == '__main__':
    prog = unittest.main(verbosity=2, exit=False)
    sys.exit(0 if prog.result.wasSuccessful() else 1)
