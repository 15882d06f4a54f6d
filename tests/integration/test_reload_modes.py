"""Reload that only switches a service between nowait, wait and prefork
keeps its very socket (SPEC section 5: only protocol, reuseport and unix
socket_mode/socket_owner may need a new one)."""

import sslib
from sslib import svc, wait_until


class ReloadModesTest(sslib.DaemonTest):
    def test_switch_modes_keeps_socket(self):
        sslib.require_bundled(self, 'echo')
        echo = sslib.service_exec('echo')
        port = sslib.free_port()
        d = self.daemon(services=[svc('e', port, echo)])
        self.assertServes(port, b'nowait\n', d=d)
        inode = sslib.socket_inode(d.pid, port)
        self.assertTrue(inode)
        marks = {}
        d.wait_event('start', service='e')  # the nowait handler's line is out
        # (the first nowait request may still meet a retiring worker: no count)
        for mode, extra, starts in (('wait', {}, 1), ('prefork', {'workers': 2}, 2),
                                    ('nowait', {}, 0)):
            with self.subTest(mode=mode):
                marks[mode] = d.mark()
                ev = d.reload(services=[svc('e', port, echo, mode=mode, **extra)])
                self.assertEqual(ev.get('result'), 'ok', ev['_line'])
                self.assertEqual(ev.get('kept_sockets'), '1', ev['_line'])
                self.assertEqual(sslib.socket_inode(d.pid, port), inode, d.log_text())
                self.assertServes(port, mode.encode() + b'\n', d=d)
                # its handlers' start lines are written before the next mark:
                # the daemon writes its log once a turn, maybe after answering
                d.wait_event('start', service='e', after=marks[mode], count=starts)
        # Leaving prefork retired the pool: none of its workers stays alive.
        lines = d.log_lines()[marks['prefork']:marks['nowait']]
        workers = [int(sslib.parse_kv(l)['pid']) for l in lines if 'event=start ' in l]
        self.assertEqual(len(workers), 2, '\n'.join(lines))
        self.assertTrue(wait_until(lambda: not any(sslib.alive(p) and p in d.live_children()
                                                   for p in workers)),
                        'prefork workers outlived their pool\n' + d.log_text())


if __name__ == '__main__':
    sslib.main()
