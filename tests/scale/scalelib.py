"""Helpers for the scale tests (many services, many handlers, load timing).

Built on tests/integration/sslib.py: the same daemon harness, environment
and rules (loopback only, bounded polling, kill only what we started).
"""

import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'integration'))
import sslib  # noqa: E402

IN_USE = re.compile(r'Address already in use|EADDRINUSE')


def held_free_ports(n, host='127.0.0.1'):
    """N distinct ports free on HOST: bind N sockets to port 0 at once (so
    the kernel cannot hand one out twice), read their ports, close them.
    Another process may still take one before the daemon binds it: callers
    retry (see start_with_retry)."""
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            socks.append(s)
            s.bind((host, 0))
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def raise_nofile(want):
    """Raise this process's RLIMIT_NOFILE to at least WANT (soft and, when
    allowed, hard); children started afterwards inherit it.  Returns the
    resulting (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, want))
            hard = want
        except (ValueError, OSError):
            pass  # not root (or above fs.nr_open): take what we have
    new_soft = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if new_soft > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (new_soft, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def soft_nofile_1024():
    """preexec_fn: start the daemon with the classic soft limit of 1024 (the
    hard limit inherited), so its own raising step is what is tested."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(1024, hard), hard))


def start_with_retry(testcase, make_services, attempts=4, top=None, **kw):
    """Start a daemon (sslib.Daemon, cleaned up with TESTCASE) whose services
    come from make_services(); if it fails to bind because a port chosen free
    was taken meanwhile, regenerate and try again.  Returns the Daemon."""
    last = None
    for _ in range(attempts):
        d = sslib.Daemon(services=make_services(), top=top, **kw)
        testcase.addCleanup(d.cleanup)
        try:
            d.start()
            return d
        except AssertionError as e:
            last = e
            if d.running() or not IN_USE.search(d.log_text()):
                raise
    raise AssertionError('address in use %d times in a row: %s'
                         % (attempts, last))


class LogTail:
    """Incremental reader of a growing log file: counts events without
    re-reading what it has already seen (the log of 10,000 handlers is
    large)."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b''
        self.counts = {}

    def poll(self):
        with open(self.path, 'rb') as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        data = self.partial + data
        lines = data.split(b'\n')
        self.partial = lines.pop()
        for line in lines:
            m = re.search(rb'\bevent=(\w+)(?: service=(\S+))?', line)
            if m:
                key = (m.group(1).decode(), (m.group(2) or b'').decode())
                self.counts[key] = self.counts.get(key, 0) + 1
        return self

    def count(self, event, service=''):
        return self.counts.get((event, service), 0)

    def wait(self, event, service, n, timeout, proc=None):
        """Poll (bounded) until COUNT(event, service) >= N."""
        deadline = time.monotonic() + timeout
        while self.poll().count(event, service) < n:
            if proc is not None and proc.poll() is not None:
                raise AssertionError('daemon exited (%s) waiting for %d x '
                                     'event=%s service=%s' %
                                     (proc.returncode, n, event, service))
            if time.monotonic() > deadline:
                raise AssertionError('timeout %.0fs: %d of %d event=%s '
                                     'service=%s' % (timeout, self.count(
                                         event, service), n, event, service))
            time.sleep(0.02)


def first_byte_latency(port, n, data=b'x'):
    """N sequential new connections to an echo service: time from connect()
    to the first byte of the answer, in seconds, sorted."""
    out = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(sslib.IO_TIMEOUT)
        try:
            t0 = time.perf_counter()
            s.connect(('127.0.0.1', port))
            s.sendall(data)
            b = s.recv(1)
            t1 = time.perf_counter()
        finally:
            s.close()
        if b != data[:1]:
            raise AssertionError('echo answered %r' % b)
        out.append(t1 - t0)
    return sorted(out)


def percentile(sorted_values, p):
    """Nearest-rank percentile P (0-100) of sorted values."""
    if not sorted_values:
        return float('nan')
    k = max(0, min(len(sorted_values) - 1,
                   int(round(p / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def median(values):
    return statistics.median(values)


def ms(x):
    return '%.2f ms' % (x * 1000.0)


class PipedDaemon:
    """A superserverd whose log goes to a pipe read here, so the moment a log
    line is written can be timed to well under a millisecond (used for
    reload timing; only for configs that log little)."""

    def __init__(self, config_path, cwd):
        env = {'PATH': os.environ.get('PATH', sslib.HANDLER_PATH)}
        self.proc = subprocess.Popen(
            [sslib.SUPERSERVERD, '-f', '-c', config_path],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, env=env, cwd=cwd)
        self.buf = b''
        self.lines = []

    def read_until(self, regex, timeout=10.0):
        """Read log lines until one matches REGEX; return (line, monotonic
        time it was read)."""
        import selectors
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            while True:
                while b'\n' in self.buf:
                    line, self.buf = self.buf.split(b'\n', 1)
                    line = line.decode('utf-8', 'replace')
                    self.lines.append(line)
                    if rx.search(line):
                        return line, time.perf_counter()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError('timeout waiting for /%s/:\n%s'
                                         % (regex, '\n'.join(self.lines)))
                if sel.select(left):
                    chunk = os.read(self.proc.stdout.fileno(), 65536)
                    if not chunk:
                        raise AssertionError(
                            'daemon exited (%s) waiting for /%s/:\n%s'
                            % (self.proc.wait(), regex,
                               '\n'.join(self.lines)))
                    self.buf += chunk
        finally:
            sel.close()

    def signal_and_time(self, sig, regex, timeout=10.0):
        """Send SIG; return (seconds until a line matching REGEX, line)."""
        t0 = time.perf_counter()
        self.proc.send_signal(sig)
        line, t1 = self.read_until(regex, timeout)
        return t1 - t0, line

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc.stdout.close()


def vm_rss_kib(pid):
    """Resident memory of PID, in KiB."""
    with open('/proc/%d/status' % pid) as f:
        return int(sslib.read_status(f.read())['VmRSS'].split()[0])


def cpu_seconds(pid):
    """User + system CPU time of PID (not its children), in seconds."""
    with open('/proc/%d/stat' % pid) as f:
        fld = f.read().rsplit(')', 1)[1].split()
    return (int(fld[11]) + int(fld[12])) / os.sysconf('SC_CLK_TCK')
