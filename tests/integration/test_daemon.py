"""Running as a system daemon: pidfile, daemonizing, systemd readiness
notifications, socket activation, and refusing untrusted files as root."""

import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading

import sslib
from sslib import svc, wait_until


def echo_exec():
    return sslib.service_exec('echo')


class PidfileTest(sslib.DaemonTest):
    def setUp(self):
        sslib.require_bundled(self, 'echo')
        self.port = sslib.free_port()

    def test_pidfile_written_locked_and_removed(self):
        d = self.daemon(start=False, services=[svc('e', self.port, echo_exec())])
        pidfile = d.path('ss.pid')
        d.extra_args = ['-p', pidfile]
        d.start()
        with open(pidfile) as f:
            self.assertEqual(int(f.read().strip()), d.pid)
        # A second instance on the same pidfile fails with exit 3 and one line.
        other = sslib.free_port()
        d.write_config(services=[svc('e', other, echo_exec())], path=d.path('two.conf'))
        code, out, err = sslib.run_tool(['-f', '-c', d.path('two.conf'), '-p', pidfile])
        self.assertEqual(code, 3, err)
        self.assertRegex(err, r'^superserverd: pidfile .* is locked by a running '
                              r'instance \(pid %d\)\n$' % d.pid)
        self.assertTrue(sslib.refused(other), 'the second instance bound nothing')
        self.assertEqual(d.stop(), 0)
        self.assertFalse(os.path.exists(pidfile), 'pidfile removed at exit')

    def test_stale_pidfile_is_replaced(self):
        d = self.daemon(start=False, services=[svc('e', self.port, echo_exec())])
        pidfile = d.path('stale.pid')
        with open(pidfile, 'w') as f:
            f.write('999999\n')  # nobody holds its lock
        d.extra_args = ['-p', pidfile]
        d.start()
        with open(pidfile) as f:
            self.assertEqual(int(f.read().strip()), d.pid)
        self.assertServes(self.port, d=d)


class DaemonizeTest(sslib.DaemonTest):
    def test_detaches_and_serves(self):
        sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = sslib.Daemon(services=[svc('e', port, echo_exec())])
        pidfile = d.path('bg.pid')
        proc = subprocess.run([sslib.SUPERSERVERD, '-c', d.config_path, '-p', pidfile,
                               '-l', 'stderr'],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=10)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        pid = wait_until(lambda: os.path.exists(pidfile) and
                         open(pidfile).read().strip())
        self.assertTrue(pid, 'pidfile written by the detached daemon')
        pid = int(pid)

        def stop():
            if sslib.alive(pid):
                os.kill(pid, signal.SIGTERM)
                wait_until(lambda: not sslib.alive(pid))
            d.cleanup()
        self.addCleanup(stop)
        self.assertNotEqual(os.getsid(pid), pid, 'double fork: not a session leader')
        self.assertEqual(os.readlink('/proc/%d/cwd' % pid), '/')
        for fd in (0, 1, 2):
            self.assertEqual(os.readlink('/proc/%d/fd/%d' % (pid, fd)), '/dev/null')
        self.assertEqual(sslib.request(port, b'bg\n'), b'bg\n')
        os.kill(pid, signal.SIGTERM)
        self.assertTrue(wait_until(lambda: not os.path.exists(pidfile)),
                        'pidfile removed at exit')


class PidfileStartTest(sslib.DaemonTest):
    """Issue 19.4: the pidfile is complete when the starting command returns,
    and a path that is not a regular file is refused, never used or removed."""

    STARTS = 20

    def start_bg(self, d, pidfile):
        return subprocess.run([sslib.SUPERSERVERD, '-c', d.config_path, '-p', pidfile],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=10)

    def test_pidfile_complete_when_start_returns(self):
        sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.daemon(start=False, services=[svc('e', port, echo_exec())])
        pidfile = d.path('ss.pid')
        live = []

        def stop_all():
            for pid in live:
                if sslib.alive(pid):
                    os.kill(pid, signal.SIGTERM)
                    wait_until(lambda: not sslib.alive(pid))
        self.addCleanup(stop_all)
        for i in range(3 if os.environ.get('SS_UNDER_VALGRIND') else self.STARTS):
            proc = self.start_bg(d, pidfile)
            with open(pidfile) as f:  # at once: no waiting allowed here
                text = f.read()
            self.assertEqual(proc.returncode, 0, proc.stderr)
            self.assertRegex(text, r'^[0-9]+\n$', 'start %d: pidfile %r' % (i, text))
            pid = int(text)
            live.append(pid)
            with open('/proc/%d/cmdline' % pid, 'rb') as f:  # (comm is valgrind's under it)
                self.assertIn(b'superserverd', f.read())
            self.assertTrue(sslib.alive(pid))
            self.assertEqual(os.readlink('/proc/%d/fd/2' % pid), '/dev/null')
            os.kill(pid, signal.SIGTERM)
            self.assertTrue(wait_until(lambda: not sslib.alive(pid)
                                       and not os.path.exists(pidfile)),
                            'start %d: stopped, pidfile removed' % i)

    def assert_refused(self, d, path, background=False):
        args = ['-c', d.config_path, '-p', path] if background else \
            ['-f', '-c', d.config_path, '-p', path]
        code, out, err = sslib.run_tool(args)
        self.assertEqual(code, 3, out + err)
        self.assertEqual(err, 'superserverd: pidfile %s is not a regular file\n' % path)

    def test_fifo_pidfile_refused_and_left_alone(self):
        d = self.daemon(start=False, services=[svc('e', sslib.free_port(), echo_exec())])
        fifo = d.path('fifo.pid')
        os.mkfifo(fifo, 0o644)
        for background in (False, True):
            self.assert_refused(d, fifo, background)
            self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode), 'the FIFO is still there')

    def test_directory_and_symlink_pidfile_refused(self):
        d = self.daemon(start=False, services=[svc('e', sslib.free_port(), echo_exec())])
        folder = d.path('dir.pid')
        os.mkdir(folder)
        self.assert_refused(d, folder)
        self.assertTrue(os.path.isdir(folder))
        target, link = d.path('target'), d.path('link.pid')
        with open(target, 'w') as f:
            f.write('keep\n')
        os.symlink(target, link)
        self.assert_refused(d, link)
        self.assertTrue(os.path.islink(link))
        with open(target) as f:
            self.assertEqual(f.read(), 'keep\n')

    def test_relative_pidfile_removed_at_exit(self):
        """The daemon changes to / but removes the pidfile it was given."""
        sslib.require_bundled(self, 'echo')
        port = sslib.free_port()
        d = self.daemon(start=False, services=[svc('e', port, echo_exec())])
        proc = subprocess.run([sslib.SUPERSERVERD, '-c', d.config_path, '-p', 'rel.pid'],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=10,
                              cwd=d.tmpdir)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(d.path('rel.pid')) as f:
            pid = int(f.read())
        self.addCleanup(lambda: sslib.alive(pid) and os.kill(pid, signal.SIGTERM))
        os.kill(pid, signal.SIGTERM)
        self.assertTrue(wait_until(lambda: not os.path.exists(d.path('rel.pid'))),
                        'relative pidfile removed at exit')


class NotifyTest(sslib.DaemonTest):
    def test_ready_reloading_stopping(self):
        sslib.require_bundled(self, 'echo')
        tmp = tempfile.mkdtemp(prefix='ss-notify-')
        path = os.path.join(tmp, 'notify')
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        sock.bind(path)
        sock.settimeout(sslib.WAIT_TIMEOUT)
        d = self.daemon(services=[svc('e', sslib.free_port(), echo_exec())],
                        env={'NOTIFY_SOCKET': path})
        self.assertEqual(sock.recv(256), b'READY=1')
        d.send_signal(signal.SIGHUP)
        self.assertEqual(sock.recv(256), b'RELOADING=1')
        self.assertEqual(sock.recv(256), b'READY=1')
        self.assertEqual(d.stop(), 0)
        self.assertEqual(sock.recv(256), b'STOPPING=1')


class SocketActivationTest(sslib.DaemonTest):
    def test_passed_socket_is_used(self):
        sslib.require_bundled(self, 'echo')
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(lsock.close)
        lsock.bind(('127.0.0.1', 0))
        lsock.listen(16)
        port = lsock.getsockname()[1]
        inode = os.fstat(lsock.fileno()).st_ino
        fd = lsock.fileno()

        def as_fd3():
            os.dup2(fd, 3)
        d = self.daemon(start=False, services=[svc('e', port, echo_exec())])
        # LISTEN_PID must be the daemon's own pid: a shell that execs it.
        d.extra_env = {'LISTEN_FDS': '1'}
        real = sslib.SUPERSERVERD
        wrapper = d.script('activate.sh',
                           'LISTEN_PID=$$ exec %s "$@"\n' % real)
        sslib.SUPERSERVERD = wrapper
        try:
            d.preexec_fn = as_fd3
            d.pass_fds = (3,)
            d.start()
        finally:
            sslib.SUPERSERVERD = real
        lsock.close()  # only the daemon holds it now
        self.assertServes(port, d=d)
        self.assertEqual(sslib.socket_inode(d.pid, port), inode,
                         'the passed socket, not a new one')


# The daemon's /dev in a mount namespace of its own: a tmpfs holding only
# null and, when given a socket ($1), log bound to it.  So syslog is tested
# the same way on a host whose logger owns /dev/log and on one without it.
PRIVATE_DEV = r'''set -e
mount -t tmpfs -o mode=0755,size=64k superserver-test-dev /dev
mknod -m 666 /dev/null c 1 3
if [ -n "$1" ]; then : > /dev/log; mount --bind "$1" /dev/log; fi
shift
exec "$@"
'''


def private_dev(devlog):
    """argv that runs the rest of a command line with PRIVATE_DEV's /dev."""
    return ['unshare', '-m', '--propagation', 'private', '--', '/bin/sh', '-c',
            PRIVATE_DEV, 'sh', devlog or '']


class SyslogSink:
    """A datagram socket standing in for /dev/log; a thread collects what
    arrives, and wait() polls it with a bound."""

    def __init__(self, path):
        self.path = path
        self.lines = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.open = True
        self.thread = threading.Thread(target=self._collect, daemon=True)
        self.thread.start()

    def _collect(self):
        while self.open:
            try:
                self.lines.append(self.sock.recv(65536).decode('utf-8', 'replace'))
            except socket.timeout:
                continue
            except OSError:
                return

    def close(self):
        self.open = False
        self.thread.join(5)
        self.sock.close()

    def wait(self, needle, timeout=sslib.WAIT_TIMEOUT):
        """The first collected message containing NEEDLE (fails on timeout)."""
        found = wait_until(lambda: [m for m in list(self.lines) if needle in m],
                           timeout=timeout)
        if not found:
            raise AssertionError('no syslog message with %r within %.1fs; got %r'
                                 % (needle, timeout, self.lines))
        return found[0]


class SyslogTest(sslib.DaemonTest):
    """-l syslog, and syslog by default when detached (SPEC sections 2 and 6):
    every line goes to syslog with facility daemon, none to stderr."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest('needs root for a mount namespace with its own /dev/log; not root')
        if not shutil.which('unshare'):
            self.skipTest('unshare (util-linux) is not installed')
        sslib.require_bundled(self, 'echo')
        self.port = sslib.free_port()

    def sink(self, d):
        sink = SyslogSink(d.path('log.sock'))
        self.addCleanup(sink.close)
        return sink

    def test_events_go_to_syslog_facility_daemon(self):
        d = self.daemon(start=False)
        sink = self.sink(d)
        d.write_config(services=[svc('e', self.port, echo_exec(), deny=['127.0.0.2/32'])],
                       top={'control': d.path('ctl.sock')})
        d.wrap = private_dev(sink.path)
        d.extra_args = ['-l', 'syslog']
        d.start(wait_ready=False)
        # <30> is facility daemon (3) at priority info (6); the ident carries the pid.
        pre = r'^<%d>.*superserverd\[%d\]: '
        self.assertRegex(sink.wait('event=control '),
                         pre % (30, d.pid) + r'event=control path=%s$' % re.escape(d.path('ctl.sock')))
        self.assertRegex(sink.wait('event=ready '), pre % (30, d.pid) + r'event=ready ')
        self.assertEqual(sslib.request(self.port, b'sys\n'), b'sys\n')
        self.assertRegex(sink.wait('event=start service=e '),
                         pre % (30, d.pid) + r'event=start service=e pid=\d+ '
                                             r'peer=127\.0\.0\.1:\d+$')
        sink.wait('event=exit service=e ')
        # a refusal at notice (5), a failed reload at err (3)
        s = sslib.connect(self.port, source='127.0.0.2')
        s.close()
        self.assertRegex(sink.wait('reason=deny'), pre % (29, d.pid) + r'event=refuse ')
        d.write_config(text='services = (\n')
        d.send_signal(signal.SIGHUP)
        self.assertRegex(sink.wait('event=reload result=error'), pre % (27, d.pid))
        self.assertEqual(d.stop(), 0)
        sink.wait('event=stop')
        self.assertEqual(d.log_text(), '', 'nothing on stderr with -l syslog')

    def test_detached_start_logs_to_syslog_by_default(self):
        d = self.daemon(start=False)
        sink = self.sink(d)
        d.write_config(services=[svc('e', self.port, echo_exec())],
                       top={'control': d.path('ctl.sock')})
        pidfile = d.path('bg.pid')
        proc = subprocess.run(private_dev(sink.path) + [sslib.SUPERSERVERD, '-c', d.config_path,
                                                        '-p', pidfile],
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(pidfile) as f:
            pid = int(f.read())

        def stop():
            if sslib.alive(pid):
                os.kill(pid, signal.SIGTERM)
                wait_until(lambda: not sslib.alive(pid))
        self.addCleanup(stop)
        self.assertEqual((proc.stdout, proc.stderr), (b'', b''),
                         'a detached start prints nothing: its log is syslog')
        # (the control socket is opened before the fork: its line has the starter's pid)
        self.assertRegex(sink.wait('event=control '), r'^<30>.*superserverd\[\d+\]: ')
        self.assertRegex(sink.wait('event=ready '), r'^<30>.*superserverd\[%d\]: ' % pid)
        self.assertEqual(sslib.request(self.port, b'bg\n'), b'bg\n')
        sink.wait('event=start service=e ')
        os.kill(pid, signal.SIGTERM)
        sink.wait('event=stop')

    def test_runs_without_a_system_logger(self):
        """No /dev/log at all: the lines are lost, the daemon is not."""
        d = self.daemon(start=False, services=[svc('e', self.port, echo_exec())],
                        wrap=private_dev(None), args=['-l', 'syslog'])
        d.start(wait_ready=False)
        # (its socket in /proc, not a probe connection: no log says when)
        self.assertTrue(wait_until(lambda: sslib.socket_inode(d.pid, self.port)
                                   or not d.running()), 'the daemon listens')
        self.assertTrue(d.running(), d.log_text())
        self.assertEqual(sslib.request(self.port, b'quiet\n'), b'quiet\n')
        self.assertEqual(d.stop(), 0)
        self.assertEqual(d.log_text(), '', 'nothing on stderr with -l syslog')


# The default control socket's folder on a tmpfs of a mount namespace of its
# own ($1: its first folder that exists here; $2: the folder), so two daemons
# can fight over the default path without touching the host's.
PRIVATE_RUN = r'''set -e
mount -t tmpfs -o mode=0755,size=64k superserver-test-run "$1"
mkdir -p "$2"
shift 2
exec "$@"
'''


class DefaultControlPathTest(sslib.DaemonTest):
    """SPEC section 9: the default path held by another daemon: warn once,
    run without a control socket; a reload tries it again."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest('the default control socket is a root daemon\'s; not root')
        for tool in ('unshare', 'nsenter'):
            if not shutil.which(tool):
                self.skipTest('%s (util-linux) is not installed' % tool)

    def test_default_path_taken_warns_once_and_runs_without(self):
        port = sslib.free_port()
        first = self.daemon(start=False, services=[])
        path = sslib.default_control_path(self)
        folder = os.path.dirname(path)
        top = folder
        while not os.path.isdir(top):
            top = os.path.dirname(top)
        first.wrap = ['unshare', '-m', '--propagation', 'private', '--', '/bin/sh', '-c',
                         PRIVATE_RUN, 'sh', top, folder]
        first.start()
        first.wait_event('control', path=path)
        second = self.daemon(start=False, services=[svc('e', port, echo_exec())],
                             wrap=['nsenter', '-t', str(first.pid), '-m', '--'])
        second.start()
        # said in its first turn, after ready
        second.wait_log(r'event=warning message=.*running without a control socket')
        warnings = second.events('warning')
        self.assertEqual(len(warnings), 1, second.log_text())
        self.assertIn(path, warnings[0]['message'])
        self.assertIn('running without a control socket', warnings[0]['message'])
        self.assertEqual(second.events('control', path=path), [])
        self.assertEqual(sslib.request(port, b'served\n'), b'served\n')  # it serves
        # the first still answers there (it was never taken over)
        ctl = os.path.join(os.environ.get('TOP_BUILDDIR', '.'), 'src', 'superserverctl')
        out = subprocess.run(['nsenter', '-t', str(first.pid), '-m', '--', ctl, '-s', path,
                              'status'], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn('pid=%d ' % first.pid, out.stdout.decode())
        # once the first is gone, a reload of the second takes the default
        mark = second.mark()
        self.assertEqual(first.stop(), 0)
        self.assertEqual(second.reload(services=[svc('e', port, echo_exec())])['result'], 'ok')
        second.wait_event('control', after=mark, path=path)
        self.assertEqual(len(second.events('warning')), 1, 'warned once')


class NofileLimitTest(sslib.DaemonTest):
    def test_daemon_raises_its_own_limit_handlers_keep_the_inherited_one(self):
        import resource
        if os.environ.get('SS_UNDER_VALGRIND'):
            self.skipTest('valgrind virtualizes RLIMIT_NOFILE (it keeps descriptors of its own)')
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard < 2048:
            self.skipTest('hard RLIMIT_NOFILE %d too low to tell the limits apart' % hard)
        port = sslib.free_port()
        d = self.daemon(start=False, services=[])
        h = d.script('limit.sh', 'ulimit -n\n')
        d.write_config(services=[svc('n', port, h)])

        def low_soft():
            resource.setrlimit(resource.RLIMIT_NOFILE, (512, hard))
        d.preexec_fn = low_soft
        d.start()
        self.assertEqual(sslib.request(port, b''), b'512\n', d.log_text())
        with open('/proc/%d/limits' % d.pid) as f:
            line = [l for l in f if l.startswith('Max open files')][0]
        self.assertEqual(int(line.split()[3]), hard, line)


class StrictModesTest(sslib.DaemonTest):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest('checks of untrusted files apply to a root daemon; not root')

    def test_group_writable_config_refused(self):
        d = sslib.Daemon(services=[svc('e', sslib.free_port(), '/bin/cat')])
        self.addCleanup(d.cleanup)
        os.chmod(d.config_path, 0o664)
        code, out, err = sslib.run_tool(['-t', '-c', d.config_path])
        self.assertEqual(code, 1, out + err)
        self.assertEqual(err, 'superserverd: %s: refusing a config file writable by group or '
                              'others (mode 0664) while running as root\n' % d.config_path)

    def test_config_not_owned_by_root_refused(self):
        d = sslib.Daemon(services=[svc('e', sslib.free_port(), '/bin/cat')])
        self.addCleanup(d.cleanup)
        os.chown(d.config_path, 65534, 65534)
        code, out, err = sslib.run_tool(['-t', '-c', d.config_path])
        self.assertEqual(code, 1, out + err)
        self.assertIn('not owned by root (owner uid 65534)', err)

    def test_world_writable_exec_refused(self):
        d = sslib.Daemon(services=[svc('e', sslib.free_port(), '/bin/cat')])
        self.addCleanup(d.cleanup)
        h = d.script('h.sh', 'exec cat\n')
        os.chmod(h, 0o777)
        d.write_config(services=[svc('e', sslib.free_port(), h)])
        code, out, err = sslib.run_tool(['-t', '-c', d.config_path])
        self.assertEqual(code, 1, out + err)
        self.assertRegex(err, r'^superserverd: .*:\d+: service "e": key "exec": "%s" is '
                              r'writable by group or others \(mode 0777\); refusing it while '
                              r'running as root\n$' % h)

    def test_included_file_checked_too(self):
        d = sslib.Daemon(text='include = ["conf.d/*.conf"];\n')
        self.addCleanup(d.cleanup)
        os.mkdir(d.path('conf.d'))
        inc = d.write_config(services=[svc('e', sslib.free_port(), '/bin/cat')],
                             path=d.path('conf.d', 'x.conf'))
        code, out, err = sslib.run_tool(['-t', '-c', d.config_path])
        self.assertEqual(code, 0, err)
        os.chmod(inc, 0o666)
        code, out, err = sslib.run_tool(['-t', '-c', d.config_path])
        self.assertEqual(code, 1, out + err)
        self.assertIn('conf.d/x.conf: refusing a config file writable', err)


if __name__ == '__main__':
    sslib.main()
