#!/usr/bin/env python3
"""The listener keys freebind and bind_device (SPEC section 14) with real
sockets.  The whole test runs in a network namespace of its own (unshare,
as root), where it may add addresses and interfaces: a service on 192.0.2.1
with freebind binds before the address exists and is served once it is
added (without freebind the daemon cannot start); bind_device `lo` serves
loopback clients while a socket bound to another interface does not; an
unknown interface is a config error at file:line; a reload that changes
either key replaces the socket; -T writes both.  Without namespaces the
tests that need one skip with the reason, the others run on loopback.
"""

import ctypes
import os
import shutil
import socket
import subprocess

import sslib

CLONE_NEWNET = 0x40000000
NETNS = None  # None: in a namespace of our own; else why not


def enter_netns():
    """Move this process into a new network namespace with loopback up."""
    global NETNS
    if os.geteuid() != 0:
        NETNS = 'needs root (unshare CLONE_NEWNET)'
        return
    if shutil.which('ip') is None:  # a package build sees only its Build-Depends
        NETNS = 'ip (iproute2) is not installed'
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        NETNS = 'network namespaces unavailable: %s' % os.strerror(
            ctypes.get_errno())
        return
    if ip('link', 'set', 'lo', 'up').returncode != 0:
        NETNS = 'cannot bring loopback up in the namespace'


def ip(*args):
    return subprocess.run(['ip'] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=20)


class ListenOpts(sslib.DaemonTest):

    def need_netns(self):
        if NETNS is not None:
            self.skipTest(NETNS)

    def test_freebind_binds_an_address_the_host_does_not_have_yet(self):
        self.need_netns()
        port = sslib.free_port()
        echo = sslib.service_exec('echo')
        # Without freebind: no such address, the daemon cannot start.
        d = self.daemon([sslib.svc('late', port, echo, host='192.0.2.1')],
                        start=False)
        d.start(wait_ready=False)
        self.assertEqual(d.proc.wait(10), 3, d.log_text())
        self.assertIn('cannot listen on 192.0.2.1:%d' % port, d.log_text())
        self.assertIn('Cannot assign requested address', d.log_text())
        d = self.daemon([sslib.svc('late', port, echo, host='192.0.2.1',
                                   freebind=True)])
        with self.assertRaises(OSError):
            sslib.request(port, b'x\n', host='192.0.2.1', timeout=2.0)
        r = ip('addr', 'add', '192.0.2.1/32', 'dev', 'lo')
        self.addCleanup(ip, 'addr', 'del', '192.0.2.1/32', 'dev', 'lo')
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertServes(port, host='192.0.2.1', d=d)

    def test_bind_device(self):
        p_lo, p_other = sslib.free_ports(2)
        echo = sslib.service_exec('echo')
        services = [sslib.svc('lo', p_lo, echo, host='127.0.0.1',
                              bind_device='lo')]
        if NETNS is None:
            r = ip('link', 'add', 'ssv0', 'type', 'veth', 'peer', 'name',
                   'ssv1')
            if r.returncode == 0:
                services.append(sslib.svc('other', p_other, echo, host='*',
                                          bind_device='ssv0'))
        d = self.daemon(services)
        self.assertServes(p_lo, d=d)
        if len(services) == 1:
            return  # no second interface to bind elsewhere (no namespace)
        # Bound to ssv0, it takes nothing that arrives on lo.
        self.assertTrue(sslib.refused(p_other), d.log_text())

    def test_unknown_device_is_a_config_error(self):
        d = sslib.Daemon(services=[], syntax='yaml')
        self.addCleanup(d.cleanup)
        d.write_config(text='services:\n'
                            '  - name: x\n'
                            '    listen: "127.0.0.1:7"\n'
                            '    exec: /bin/cat\n'
                            '    bind_device: nosuchif0\n')
        p = subprocess.run([sslib.SUPERSERVERD, '-t', '-c', d.config_path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=20)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.decode().splitlines()[0],
                         'superserverd: %s:5: service "x": key "bind_device":'
                         ' no network interface "nosuchif0"' % d.config_path)

    def test_reload_that_changes_them_replaces_the_socket(self):
        port = sslib.free_port()
        echo = sslib.service_exec('echo')
        services = [sslib.svc('e', port, echo)]
        d = self.daemon(services)
        before = sslib.socket_inode(d.pid, port)
        services[0]['bind_device'] = 'lo'
        r = d.reload(services=services)
        self.assertEqual((r['result'], r['kept_sockets'], r['opened'],
                          r['closed']), ('ok', '0', '1', '1'), d.log_text())
        middle = sslib.socket_inode(d.pid, port)
        self.assertNotEqual(before, middle)
        services[0]['freebind'] = True
        r = d.reload(services=services)
        self.assertEqual((r['kept_sockets'], r['opened']), ('0', '1'))
        self.assertNotEqual(sslib.socket_inode(d.pid, port), middle)
        r = d.reload(services=services)  # unchanged: kept
        self.assertEqual((r['kept_sockets'], r['opened']), ('1', '0'))
        self.assertServes(port, d=d)
        dump = subprocess.run([sslib.SUPERSERVERD, '-T', '-c', d.config_path],
                              stdout=subprocess.PIPE, timeout=20).stdout
        self.assertIn(b'\n    freebind: true\n    bind_device: "lo"\n', dump)


if __name__ == '__main__':
    enter_netns()
    sslib.main()
