#!/usr/bin/env python3
"""Handler identity and process settings (root only): user/group with
initgroups, chroot, chdir, rlimits, umask, nice."""

import grp
import os
import pwd
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import request, svc  # noqa: E402


CAT = '/bin/cat'
STATUS = ['cat', '/proc/self/status', '/proc/self/stat', '/proc/self/limits']

# A static handler for the chroot: says whether /MARKER exists where it runs.
CHROOT_C = r'''
#include <unistd.h>
int main(void)
{
    if (access("/MARKER", F_OK) == 0)
        write(1, "in-chroot\n", 10);
    else
        write(1, "not-in-chroot\n", 14);
    return 0;
}
'''


def parse_proc(out):
    """(status dict, stat fields after comm, limits text)."""
    text = out.decode()
    status_part, _, rest = text.partition('\nLimit ')
    lines = status_part.splitlines()
    stat_line = lines[-1]
    status = sslib.read_status('\n'.join(lines[:-1]))
    fields = stat_line.rsplit(')', 1)[1].split()
    return status, fields, 'Limit ' + rest


@unittest.skipUnless(os.geteuid() == 0,
                     'identity tests need root (user/group/chroot); '
                     'skipped when not root')
class IdentityTest(sslib.DaemonTest):

    def test_user_nobody(self):
        try:
            pw = pwd.getpwnam('nobody')
        except KeyError:
            self.skipTest('no user nobody')
        port = sslib.free_port()
        d = self.daemon([svc('who', port, CAT, args=STATUS, user='nobody')])
        status, _, _ = parse_proc(request(port))
        uids = status['Uid'].split()
        gids = status['Gid'].split()
        self.assertEqual(set(uids), {str(pw.pw_uid)}, status['Uid'])
        self.assertEqual(set(gids), {str(pw.pw_gid)}, status['Gid'])
        groups = {int(g) for g in status.get('Groups', '').split()}
        expected = set(os.getgrouplist('nobody', pw.pw_gid))
        self.assertEqual(groups - {pw.pw_gid}, expected - {pw.pw_gid},
                         'supplementary groups from initgroups(nobody)')
        self.assertNotIn(0, groups, 'root group kept')

    def test_user_and_group(self):
        try:
            pw = pwd.getpwnam('nobody')
            gr = grp.getgrnam('nogroup')
        except KeyError:
            self.skipTest('no nobody/nogroup')
        port = sslib.free_port()
        d = self.daemon([svc('who', port, CAT, args=STATUS, user='nobody',
                             group=str(gr.gr_gid))])
        status, _, _ = parse_proc(request(port))
        self.assertEqual(set(status['Gid'].split()), {str(gr.gr_gid)})
        self.assertEqual(set(status['Uid'].split()), {str(pw.pw_uid)})

    def test_rlimits_umask_nice(self):
        if os.environ.get('SS_UNDER_VALGRIND'):
            self.skipTest('valgrind refuses setrlimit(RLIMIT_NOFILE) in the handler')
        port = sslib.free_port()
        d = self.daemon([svc('proc', port, CAT, args=STATUS,
                             rlimits={'nofile': 64, 'core': 0},
                             umask='027', nice=5)])
        status, fields, limits = parse_proc(request(port))
        self.assertEqual(status.get('Umask'), '0027')
        self.assertEqual(int(fields[16]), 5, 'nice')
        row = [l for l in limits.splitlines()
               if l.startswith('Max open files')]
        self.assertTrue(row, limits)
        self.assertEqual(row[0].split()[3:5], ['64', '64'], row[0])
        row = [l for l in limits.splitlines()
               if l.startswith('Max core file size')]
        self.assertEqual(row[0].split()[4:6], ['0', '0'], row[0])

    def test_chdir(self):
        port = sslib.free_port()
        d = self.daemon(start=False)
        sub = d.path('sub dir')
        os.mkdir(sub)
        d.write_config([svc('pwd', port, '/bin/pwd', args=['pwd', '-P'],
                            chdir=sub)])
        d.start()
        self.assertEqual(request(port).decode().strip(),
                         os.path.realpath(sub))

    def test_chroot_static_handler(self):
        cc = shutil.which('cc') or shutil.which('gcc')
        if not cc:
            self.skipTest('no C compiler for the static chroot handler')
        port = sslib.free_port()
        d = self.daemon(start=False)
        src = d.path('h.c')
        with open(src, 'w') as f:
            f.write(CHROOT_C)
        binpath = d.path('static-handler')
        r = subprocess.run([cc, '-static', '-O', '-o', binpath, src],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            self.skipTest('cannot link a static binary: %s'
                          % r.stdout.decode()[-300:])
        root = d.path('root')
        # the handler at the same absolute path outside and inside the root,
        # so the test holds whichever side resolves `exec`
        inside = root + binpath
        os.makedirs(os.path.dirname(inside))
        shutil.copy2(binpath, inside)
        open(os.path.join(root, 'MARKER'), 'w').close()
        d.write_config([svc('jail', port, binpath, chroot=root)])
        d.start()
        self.assertEqual(request(port), b'in-chroot\n', d.log_text())


if __name__ == '__main__':
    sslib.main()
