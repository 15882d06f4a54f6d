"""A live inetd.conf (`inetd_conf`): the real daemon reads it with its
config, watches its folder and reloads by itself when it changes, as
update-inetd changes it (a new file renamed over the old one).  Lines it
cannot translate are warned with file:line and the rest served; a file that
cannot be read at all keeps the old services; a deleted file has none."""

import os
import shutil
import subprocess

import sslib

# A reload follows a change after the 200 ms debounce: this is only a bound.
RELOAD_TIMEOUT = 5.0


def line(port, exec_, *args):
    return '127.0.0.1:%d\tstream\ttcp\tnowait\troot\t%s\t%s\n' % (
        port, exec_, ' '.join(args or (os.path.basename(exec_),)))


class InetdLiveTest(sslib.FilesTest):
    def setUp(self):
        super().setUp()
        self.echo = sslib.require_bundled(self, 'echo')
        self.conf = os.path.join(self.tmp, 'inetd.conf')

    def replace(self, text):
        """Write TEXT as update-inetd does: a new file renamed over."""
        tmp = self.conf + '.new'
        with open(tmp, 'w') as f:
            f.write(text)
        os.rename(tmp, self.conf)

    def start(self, text=None, services=()):
        if text is not None:
            self.replace(text)
        return self.daemon(services=list(services), syntax='yaml',
                           top={'inetd_conf': self.conf})

    def wait_reload(self, d, after, result='ok'):
        ev = d.wait_event('reload', timeout=RELOAD_TIMEOUT, after=after)[0]
        self.assertEqual(ev.get('result'), result, d.log_text())
        return ev

    def assertGone(self, port, d):
        self.assertTrue(sslib.wait_until(lambda: sslib.refused(port)),
                        '127.0.0.1:%d still served\n%s' % (port, d.log_text()))

    def test_rename_adds_then_off_removes(self):
        port, other = sslib.free_ports(2)
        d = self.start('# empty\n',
                       [sslib.svc('main', other, self.echo)])
        self.assertTrue(sslib.refused(port))
        after = d.mark()
        self.replace('# empty\n' + line(port, self.echo))
        self.wait_reload(d, after)
        self.assertServes(port, d=d)
        after = d.mark()
        self.replace('# empty\n#<off># ' + line(port, self.echo))
        self.wait_reload(d, after)
        self.assertGone(port, d)
        self.assertServes(other, d=d)  # the main config's service stays

    def test_debug_events_with_v_or_log_level_debug(self):
        """-v and `log_level: debug` log the debug events (here the watch's
        event=inetd_conf_changed); without either, none."""
        runs = {'plain': ({}, []), 'v': ({}, ['-v']), 'level': ({'log_level': 'debug'}, [])}
        for name, (top, args) in sorted(runs.items()):
            d = self.daemon(start=False, services=[], syntax='yaml', args=args)
            conf = d.path('inetd.conf')
            with open(conf, 'w') as f:
                f.write('# empty\n')
            d.write_config(services=[], top=dict(top, inetd_conf=conf))
            d.start()
            after = d.mark()
            with open(conf + '.new', 'w') as f:
                f.write('# changed\n')
            os.rename(conf + '.new', conf)
            self.wait_reload(d, after)
            changed = d.events('inetd_conf_changed', after=after, path=conf)
            self.assertEqual(len(changed), 0 if name == 'plain' else 1,
                             '%s:\n%s' % (name, d.log_text()))

    def test_broken_line_warned_rest_served(self):
        good, dup, clash = sslib.free_ports(3)
        text = ('bogus line\n' + line(good, self.echo) +
                line(dup, self.echo) + line(clash, '/nonexistent/handler'))
        # the main config already has a service named like the second line
        d = self.start(text, [sslib.svc(str(dup), clash + 0, self.echo)])
        self.assertServes(good, d=d)
        log = d.log_text()
        self.assertRegex(log, r'%s:1: cannot translate: too few fields' %
                         self.conf)
        self.assertRegex(log, r'%s:3: service \\"%d\\": key \\"name\\": '
                         r'duplicate service name' % (self.conf, dup))
        self.assertRegex(log, r'%s:4: service \\"%d\\": key \\"exec\\"' %
                         (self.conf, clash))
        self.assertTrue(sslib.refused(dup))
        # -t: the same warnings on stderr, and the config is OK
        code, out, err = sslib.run_tool(['-t', '-c', d.config_path])
        self.assertEqual(code, 0, err)
        self.assertIn('%d tcp/nowait 127.0.0.1:%d' % (good, good), out)
        self.assertRegex(err, r'warning: %s:1: cannot translate' % self.conf)
        self.assertEqual(len(err.strip().splitlines()), 3, err)

    def test_missing_then_created_then_deleted(self):
        port = sslib.free_port()
        d = self.start()  # no inetd.conf yet: a warning, no service
        self.assertRegex(d.log_text(), r'%s: does not exist' % self.conf)
        after = d.mark()
        self.replace(line(port, self.echo))
        self.wait_reload(d, after)
        self.assertServes(port, d=d)
        after = d.mark()
        os.unlink(self.conf)
        self.wait_reload(d, after)
        self.assertGone(port, d)

    def test_unreadable_file_keeps_old_services(self):
        port = sslib.free_port()
        d = self.start(line(port, self.echo))
        self.assertServes(port, d=d)
        after = d.mark()
        os.unlink(self.conf)
        os.mkdir(self.conf)  # not a file at all: as a failed SIGHUP
        ev = self.wait_reload(d, after, result='error')
        self.assertIn('not a regular file', ev['_line'])
        self.assertServes(port, d=d)
        after = d.mark()
        os.rmdir(self.conf)
        self.replace(line(port, self.echo))
        self.wait_reload(d, after)
        self.assertServes(port, d=d)

    def test_fixing_the_mode_is_noticed(self):
        """A root daemon refuses an inetd.conf others may write; putting its
        mode right (a chmod: no write, no rename) reloads it at once."""
        if os.geteuid() != 0:
            self.skipTest('only a root daemon checks the mode of inetd_conf')
        old, new = sslib.free_ports(2)
        d = self.start(line(old, self.echo))
        self.assertServes(old, d=d)
        after = d.mark()
        tmp = self.conf + '.new'
        with open(tmp, 'w') as f:
            f.write(line(new, self.echo))
        os.chmod(tmp, 0o666)
        os.rename(tmp, self.conf)
        ev = self.wait_reload(d, after, result='error')
        self.assertIn('writable by group or others', ev['_line'])
        self.assertServes(old, d=d)
        after = d.mark()
        os.chmod(self.conf, 0o644)
        self.wait_reload(d, after)
        self.assertServes(new, d=d)
        self.assertGone(old, d)

    def test_watch_follows_reload(self):
        """inetd_conf moved to another folder by a SIGHUP: the new one is
        watched."""
        port = sslib.free_port()
        d = self.start('')
        other = os.path.join(self.tmp, 'sub')
        os.mkdir(other)
        self.conf = os.path.join(other, 'inetd.conf')
        self.replace('')
        kv = d.reload(services=[], top={'inetd_conf': self.conf})
        self.assertEqual(kv.get('result'), 'ok', d.log_text())
        after = d.mark()
        self.replace(line(port, self.echo))
        self.wait_reload(d, after)
        self.assertServes(port, d=d)

    def test_update_inetd(self):
        tool = shutil.which('update-inetd')
        if tool is None:
            self.skipTest('update-inetd is not installed '
                          '(apt-get install update-inetd)')
        port = sslib.free_port()
        d = self.start('')
        # UPDATE_INETD_FAKE_IT: it must signal no inetd; the watch suffices.
        env = dict(os.environ, UPDATE_INETD_FAKE_IT='1')

        def run(*args):
            p = subprocess.run([tool, '--file', self.conf] + list(args),
                               stdin=subprocess.DEVNULL, env=env, timeout=30,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            self.assertEqual(p.returncode, 0, p.stdout)

        after = d.mark()
        run('--add', '127.0.0.1:%d stream tcp nowait root %s echo' %
            (port, self.echo))
        self.wait_reload(d, after)
        self.assertServes(port, d=d)
        after = d.mark()
        run('--disable', '127.0.0.1:%d' % port)
        self.wait_reload(d, after)
        self.assertGone(port, d)
        with open(self.conf) as f:
            self.assertIn('#<off>#', f.read())


if __name__ == '__main__':
    sslib.main()
