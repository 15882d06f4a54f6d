#!/usr/bin/env python3
"""SIGHUP reload (SPEC section 5): services added and removed, unchanged
listen addresses keep the very same socket, broken configs are refused and
running handlers survive."""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import request, svc  # noqa: E402

CAT = '/bin/cat'


class ReloadTest(sslib.DaemonTest):

    def test_add_remove_keep(self):
        pa, pb, pc = sslib.free_ports(3)
        d = self.daemon([svc('a', pa, CAT), svc('b', pb, CAT)])
        self.assertServes(pa, d=d)
        self.assertServes(pb, d=d)
        inode_a = sslib.socket_inode(d.pid, pa)
        inode_b = sslib.socket_inode(d.pid, pb)
        self.assertIsNotNone(inode_a, 'daemon holds the socket of a')
        self.assertIsNotNone(inode_b)

        ev = d.reload([svc('a', pa, CAT), svc('c', pc, CAT)])
        self.assertEqual(ev.get('result'), 'ok', ev)
        self.assertEqual(ev.get('services'), '2', ev)
        self.assertEqual(ev.get('kept_sockets'), '1', ev)
        self.assertEqual(ev.get('opened'), '1', ev)
        self.assertEqual(ev.get('closed'), '1', ev)
        self.assertRegex(ev['_line'],
                         r'event=reload result=ok services=2 kept_sockets=1'
                         r' opened=1 closed=1')

        self.assertServes(pc, d=d)                  # added
        self.assertTrue(sslib.refused(pb), 'removed service b still listens')
        self.assertServes(pa, d=d)                  # kept ...
        self.assertEqual(sslib.socket_inode(d.pid, pa), inode_a,
                         'unchanged address must keep the same socket')
        self.assertIsNone(sslib.socket_inode(d.pid, pb))
        self.assertNotIn(inode_b, sslib.listening_inodes(pb))

    def test_changed_handler_options_keep_socket(self):
        pa = sslib.free_port()
        d = self.daemon([svc('a', pa, CAT)])
        inode = sslib.socket_inode(d.pid, pa)
        ev = d.reload([svc('a', pa, '/usr/bin/env', env={'X': '1'})])
        self.assertEqual(ev.get('result'), 'ok', ev)
        self.assertEqual(ev.get('kept_sockets'), '1', ev)
        self.assertEqual(ev.get('opened'), '0', ev)
        self.assertEqual(ev.get('closed'), '0', ev)
        self.assertEqual(sslib.socket_inode(d.pid, pa), inode)
        out = request(pa)
        self.assertIn(b'X=1\n', out, 'the new exec is used after reload')

    def test_reload_same_config_is_noop(self):
        pa, pb = sslib.free_ports(2)
        services = [svc('a', pa, CAT), svc('b', pb, CAT)]
        d = self.daemon(services)
        inodes = (sslib.socket_inode(d.pid, pa), sslib.socket_inode(d.pid, pb))
        ev = d.reload(services)
        self.assertEqual((ev.get('result'), ev.get('services'),
                          ev.get('kept_sockets'), ev.get('opened'),
                          ev.get('closed')), ('ok', '2', '2', '0', '0'), ev)
        self.assertEqual((sslib.socket_inode(d.pid, pa),
                          sslib.socket_inode(d.pid, pb)), inodes)

    def test_broken_config_keeps_old_services(self):
        pa, pb = sslib.free_ports(2)
        d = self.daemon([svc('a', pa, CAT)])
        inode = sslib.socket_inode(d.pid, pa)
        ev = d.reload(text='services = ( { name = "a"; listen = "127.0.0.1:%d";'
                      ' exec = "/bin/cat"; instances = "lots"; },\n'
                      '  { name = "b"; listen = "127.0.0.1:%d";'
                      ' exec = "/bin/cat"; } );\n' % (pa, pb))
        self.assertEqual(ev.get('result'), 'error', ev)
        self.assertTrue(ev.get('error'), 'error="..." names the problem')
        self.assertIn(d.config_path + ':', ev.get('error', ''),
                      'the error names file:line')
        self.assertRegex(d.events('reload')[-1]['_line'],
                         r'event=reload result=error error="')
        self.assertTrue(d.running())
        self.assertServes(pa, d=d)
        self.assertEqual(sslib.socket_inode(d.pid, pa), inode)
        self.assertTrue(sslib.refused(pb), 'nothing of the bad config opened')
        # a good config afterwards is applied
        ev = d.reload([svc('a', pa, CAT), svc('b', pb, CAT)])
        self.assertEqual(ev.get('result'), 'ok', ev)
        self.assertServes(pb, d=d)

    def test_syntax_error_on_reload(self):
        pa = sslib.free_port()
        d = self.daemon([svc('a', pa, CAT)])
        ev = d.reload(text='services = ( { name = "a"; \n')
        self.assertEqual(ev.get('result'), 'error', ev)
        self.assertTrue(d.running())
        self.assertServes(pa, d=d)

    def test_running_handler_survives_reload(self):
        pa, pb = sslib.free_ports(2)
        d = self.daemon(start=False)
        # held at its gate until the reload is done and checked: no window
        slow = sslib.gated_script(d, 'slow.sh', 'read line\necho "done $line"\n')
        d.write_config([svc('slow', pa, slow), svc('b', pb, CAT)])
        d.start()
        s = sslib.connect(pa)
        self.addCleanup(s.close)
        s.sendall(b'x1\n')
        ev = d.wait_event('start', service='slow')
        pid = int(ev[0]['pid'])
        # remove the slow service entirely: its handler must not be killed
        rl = d.reload([svc('b', pb, CAT)])
        self.assertEqual(rl.get('result'), 'ok', rl)
        self.assertTrue(sslib.alive(pid), 'handler killed by reload')
        self.assertEqual(d.events('exit', pid=pid), [], 'handler ended by reload')
        self.assertTrue(sslib.refused(pa), 'the removed service still listens')
        sslib.open_gate(d)
        self.assertEqual(sslib.recv_all(s), b'done x1\n', d.log_text())
        ex = d.wait_event('exit', pid=pid)
        self.assertEqual(ex[0].get('status'), '0', ex[0]['_line'])
        self.assertEqual(d.wait_reaped(), [])

    def test_reload_add_on_yaml(self):
        pa, pc = sslib.free_ports(2)
        d = self.daemon([svc('a', pa, CAT)], syntax='yaml')
        ev = d.reload([svc('a', pa, CAT), svc('c', pc, CAT)])
        self.assertEqual((ev.get('result'), ev.get('services'),
                          ev.get('kept_sockets'), ev.get('opened'),
                          ev.get('closed')), ('ok', '2', '1', '1', '0'), ev)
        self.assertServes(pc, d=d)

    def test_many_reloads_no_leak(self):
        pa, pb = sslib.free_ports(2)
        d = self.daemon([svc('a', pa, CAT)])
        before = len(sslib.fds(d.pid))
        for i in range(10):
            cfg = [svc('a', pa, CAT)] + ([svc('b', pb, CAT)] if i % 2 == 0
                                         else [])
            ev = d.reload(cfg)
            self.assertEqual(ev.get('result'), 'ok', ev)
        self.assertEqual(len(sslib.fds(d.pid)), before,
                         'descriptor count changed over reloads: %s'
                         % sslib.fd_targets(d.pid))
        self.assertServes(pa, d=d)


if __name__ == '__main__':
    sslib.main()
