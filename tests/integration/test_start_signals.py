#!/usr/bin/env python3
"""Signals during start-up (issue 19.5, SPEC section 5): a SIGHUP that races
a start (logrotate, config management) is held from the first instant and
acted on once the loop runs: the daemon lives, serves, and logs a reload."""

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sslib  # noqa: E402
from sslib import svc  # noqa: E402

N_SERVICES = 1000  # a config that takes a few milliseconds to load
ATTEMPTS = 5       # starts tried until one is caught while holding signals


def bits(*sigs):
    return sum(1 << (s - 1) for s in sigs)


# What main() blocks before it loads the config (the caught signals and
# SIGCHLD); a signal handler running (sa_mask) or a spawn (sigfillset)
# blocks more.
HOLD = bits(signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGUSR1,
            signal.SIGUSR2, signal.SIGTTIN, signal.SIGTTOU, signal.SIGCHLD)
HUP = bits(signal.SIGHUP)


def masks(pid):
    """(blocked, shared pending) signal sets of PID, or None when gone."""
    try:
        with open('/proc/%d/status' % pid) as f:
            st = sslib.read_status(f.read())
    except OSError:
        return None
    return int(st['SigBlk'], 16), int(st['ShdPnd'], 16)


def holding(pid):
    m = masks(pid)
    return m is not None and m[0] == HOLD


class StartupSignalTest(sslib.DaemonTest):

    def start_caught_holding(self, services):
        """Start daemons until one is caught (and stopped with SIGSTOP)
        while it holds the signals, before it is ready; return it."""
        for _ in range(ATTEMPTS):
            d = self.daemon(start=False, services=services)
            d.start(wait_ready=False)
            deadline = time.monotonic() + sslib.READY_TIMEOUT
            while d.running() and time.monotonic() < deadline:
                if holding(d.pid):
                    os.kill(d.pid, signal.SIGSTOP)
                    if sslib.wait_until(lambda: (sslib.proc_stat(d.pid) or {}).get('state')
                                        == 'T') and holding(d.pid):
                        return d
                    os.kill(d.pid, signal.SIGCONT)  # it got past the hold meanwhile
                    break
                if d.events('ready'):
                    break
            d.stop()
        self.fail('never caught holding SIGHUP at start in %d starts' % ATTEMPTS)

    def test_sighup_storm_during_start(self):
        if os.environ.get('SS_UNDER_VALGRIND'):
            self.skipTest('valgrind keeps its own signal masks: /proc does not show the daemon\'s')
        sslib.require_bundled(self, 'echo')
        echo = sslib.service_exec('echo')
        # A free port can be taken by a test running beside this one between
        # free_ports() and the daemon's bind (1,000 of them here): such a
        # start fails with exit 3 and is tried again on fresh ports.
        for attempt in range(3):
            ports = sslib.free_ports(N_SERVICES)
            d = self.start_caught_holding([svc('s%d' % i, p, echo)
                                           for i, p in enumerate(ports)])
            os.kill(d.pid, signal.SIGHUP)  # its default action would kill it now
            blocked, pending = masks(d.pid)
            self.assertTrue(blocked & pending & HUP, 'SIGHUP held pending')
            os.kill(d.pid, signal.SIGCONT)
            sent = 1
            deadline = time.monotonic() + sslib.READY_TIMEOUT
            while d.running() and not d.events('ready') and time.monotonic() < deadline:
                os.kill(d.pid, signal.SIGHUP)  # and more while it goes on starting
                sent += 1
                time.sleep(0.0005)
            if d.running() or 'Address already in use' not in d.log_text():
                break
        self.assertTrue(d.running(), 'killed by a start-up SIGHUP (%d sent)\n%s'
                        % (sent, d.log_text()))
        d.wait_event('ready')
        ev = d.wait_event('reload')
        self.assertEqual(ev[0].get('result'), 'ok', ev[0]['_line'])
        self.assertServes(ports[0], d=d)
        self.assertServes(ports[-1], d=d)
        self.assertEqual(d.stop(), 0)


class OneShotSignalTest(sslib.FilesTest):
    """-t, -T, --import-inetd and --import-xinetd (issue 24.5): the hold on
    signals is the daemon's; a one-shot run stops on SIGINT and SIGTERM like
    any command.  Each run is kept busy honestly: its output is bigger than a
    pipe holds and nobody reads it, so it blocks in write()."""

    N = 4000  # services: each mode writes well over a pipe's 64 KiB

    def inputs(self):
        ports = range(20000, 20000 + self.N)
        cfg = self.write('big.yaml', 'services:\n' + ''.join(
            '  - {name: s%d, listen: "127.0.0.1:%d", exec: /bin/true}\n' % (p, p)
            for p in ports))
        inetd = self.write('inetd.conf', ''.join(
            '%d stream tcp nowait root /bin/true true\n' % p for p in ports))
        xinetd = self.write('xinetd.conf', ''.join(
            'service s%d\n{\n socket_type = stream\n wait = no\n user = root\n'
            ' server = /bin/true\n port = %d\n type = UNLISTED\n}\n' % (p, p) for p in ports))
        return {'-t': ['-t', '-c', cfg], '-T': ['-T', '-c', cfg],
                '--import-inetd': ['--import-inetd', inetd],
                '--import-xinetd': ['--import-xinetd', xinetd]}

    def blocked_writer(self, args):
        """Start superserverd ARGS; return it once it has written (so it is
        past its start) and its unread output has filled the pipe."""
        def default_signals():
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        p = subprocess.Popen([sslib.SUPERSERVERD] + args, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             preexec_fn=default_signals)
        self.addCleanup(p.wait)
        self.addCleanup(lambda: p.poll() is not None or p.kill())
        self.assertEqual(len(p.stdout.read(1)), 1, 'no output from %s' % args)
        self.assertTrue(sslib.wait_until(
            lambda: (sslib.proc_stat(p.pid) or {}).get('state') == 'S',
            timeout=sslib.READY_TIMEOUT), '%s never waited' % args)
        return p

    def test_one_shot_modes_stop_on_sigint_and_sigterm(self):
        if os.environ.get('SS_UNDER_VALGRIND'):
            self.skipTest('valgrind keeps its own signal masks')
        for mode, args in sorted(self.inputs().items()):
            for sig in (signal.SIGTERM, signal.SIGINT):
                with self.subTest(mode=mode, signal=sig.name):
                    p = self.blocked_writer(args)
                    blocked, _ = masks(p.pid)
                    self.assertFalse(blocked & bits(sig), '%s blocks %s' % (mode, sig.name))
                    os.kill(p.pid, sig)
                    try:
                        code = p.wait(timeout=sslib.WAIT_TIMEOUT)
                    except subprocess.TimeoutExpired:
                        self.fail('%s went on after %s' % (mode, sig.name))
                    self.assertEqual(code, -sig)


if __name__ == '__main__':
    sslib.main()
