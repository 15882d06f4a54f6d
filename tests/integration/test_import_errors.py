#!/usr/bin/env python3
"""--import-inetd (SPEC section 2): untranslatable lines named by number on
stderr, exit 1 when nothing translates, output accepted by -t."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import run_tool  # noqa: E402



class ImportTest(sslib.FilesTest):
    tmp_prefix = 'ss-itest-imp-'

    def check(self, path):
        return run_tool(['-t', '-c', path])

    def test_import_inetd(self):
        inetd = self.write('inetd.conf', (
            '# classic inetd.conf\n'
            'echo   stream  tcp  nowait  root  /bin/cat  cat\n'
            '\n'
            'this line is garbage\n'
            'daytime dgram  udp  wait    root  /bin/date date -u\n'))
        code, out, err = run_tool(['--import-inetd', inetd])
        self.assertEqual(code, 0, err)
        self.assertRegex(err.replace(inetd, 'FILE'), r'\b4\b',
                         'the untranslatable line is named by its number')
        self.assertEqual(len(err.splitlines()), 1, err)
        y = self.write('imported.yaml', out)
        code, out2, err2 = self.check(y)
        self.assertEqual(code, 0, 'import output rejected by -t:\n%s\n%s'
                         % (err2, out))
        lines = out2.splitlines()
        self.assertEqual(lines[-1], 'configuration OK')
        self.assertEqual(len(lines), 3, out2)
        self.assertTrue(any(' tcp/nowait ' in l and l.endswith(' /bin/cat')
                            for l in lines), out2)
        self.assertTrue(any(' udp/wait ' in l and l.endswith(' /bin/date')
                            for l in lines), out2)

    def test_import_nothing_translatable(self):
        inetd = self.write('junk.conf', 'junk\nmore junk\n')
        code, out, err = run_tool(['--import-inetd', inetd])
        self.assertEqual(code, 1, out + err)


if __name__ == '__main__':
    sslib.main()
