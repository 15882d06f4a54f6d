"""Harness for the superserver integration tests.

Starts the real built daemon (`superserverd -f -c CFG`) on ephemeral loopback
ports with a temporary configuration, waits for readiness by polling its log
(bounded), and gives the tests small helpers: clients, signals, reload, stop,
and /proc inspection (zombies, fds, socket inodes).

Rules kept here: every wait is bounded polling (no fixed sleeps used as
synchronization), only loopback addresses are contacted, and clean-up kills
only processes this harness started (the daemon, and the handlers it logged),
by pid.

Environment (exported by tests/local.mk): SUPERSERVERD, SERVICES_DIR,
TESTS_SRCDIR, TOP_BUILDDIR, TOP_SRCDIR.  SS_KEEP_TMP=1 keeps temp dirs.
"""

import json
import os
import random
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

POLL = 0.01            # seconds between polls
READY_TIMEOUT = 10.0   # seconds for event=ready
WAIT_TIMEOUT = 5.0     # default for other waits
IO_TIMEOUT = 5.0       # client socket timeout

HANDLER_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
PYTHON = sys.executable or '/usr/bin/python3'


def _private_network():
    """As root, move this test process (and so every daemon, handler and
    client it starts) into a network namespace of its own with its own
    loopback: the ports a test picks can then be taken by nobody else (a
    test beside it, another build's tests on the same machine) between its
    choice and the daemon's bind.  Tests only use 127.0.0.0/8 and ::1, which
    the namespace has.  SS_SHARED_NETWORK=1, or not root: the host's."""
    if os.geteuid() != 0 or os.environ.get('SS_SHARED_NETWORK'):
        return False
    import ctypes
    import fcntl
    import struct
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x40000000) != 0:  # CLONE_NEWNET
        return False  # (a container without the capability): the host's network
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = fcntl.ioctl(s, 0x8913, struct.pack('16sH14x', b'lo', 0))  # SIOCGIFFLAGS
        flags = struct.unpack('16sH14x', req)[1] | 0x1  # IFF_UP
        fcntl.ioctl(s, 0x8914, struct.pack('16sH14x', b'lo', flags))  # SIOCSIFFLAGS
    return True


PRIVATE_NETWORK = _private_network()


def _find_daemon():
    path = os.environ.get('SUPERSERVERD')
    if not path and os.environ.get('TOP_BUILDDIR'):
        path = os.path.join(os.environ['TOP_BUILDDIR'], 'src', 'superserverd')
    return path


SUPERSERVERD = _find_daemon()
SERVICES_DIR = os.environ.get('SERVICES_DIR') or (
    os.path.join(os.environ['TOP_BUILDDIR'], 'services')
    if os.environ.get('TOP_BUILDDIR') else None)


def service_exec(name):
    """Absolute path of a bundled handler (echo, discard, ...)."""
    if not SERVICES_DIR:
        raise unittest.SkipTest('SERVICES_DIR not set')
    return os.path.join(os.path.abspath(SERVICES_DIR), name)


def require_bundled(testcase, name):
    path = service_exec(name)
    if not os.access(path, os.X_OK):
        testcase.fail('bundled handler %s is not built (%s)' % (name, path))
    return path


# ---------------------------------------------------------------- running

def main():
    """Run the calling module's tests verbosely; exit 0 when all passed, 1
    on a failure, 99 on a hard error (daemon not found), and 77 (SKIP) when
    any test was skipped, its reason printed: a skipped method is never
    reported as a pass (the passes of the file are said in the same line)."""
    if not SUPERSERVERD or not os.access(SUPERSERVERD, os.X_OK):
        print('superserverd not found (SUPERSERVERD=%r); run via make check'
              % SUPERSERVERD)
        sys.exit(99)
    print('daemon: %s; network: %s' % (SUPERSERVERD, 'a namespace of its own' if PRIVATE_NETWORK
                                          else "the host's"))
    sys.stdout.flush()
    prog = unittest.main(module='__main__', argv=sys.argv, verbosity=2,
                         exit=False)
    res = prog.result
    if not res.wasSuccessful():
        sys.exit(1)
    if res.skipped:
        for test, reason in res.skipped:
            print('SKIP: %s: %s' % (test.id(), reason))
        print('SKIP: %d of %d tests skipped; the other %d passed'
              % (len(res.skipped), res.testsRun, res.testsRun - len(res.skipped)))
        sys.exit(77)
    sys.exit(0)


# ---------------------------------------------------------------- ports

def _port_range():
    """Ports below the kernel's ephemeral range: a client connection of a
    test running beside this one never takes one of them as its local port
    between our check and the daemon's bind."""
    try:
        with open('/proc/sys/net/ipv4/ip_local_port_range') as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    return (10000, low) if low > 12000 else (low // 2, low)


_PORTS = random.SystemRandom()


def free_port(host='127.0.0.1'):
    """A port currently free on HOST, chosen at random below the ephemeral
    range (see _port_range)."""
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    lo, hi = _port_range()
    for _ in range(1000):
        port = _PORTS.randrange(lo, hi)
        s = socket.socket(fam, socket.SOCK_STREAM)
        try:
            s.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError('no free port in %d..%d on %s' % (lo, hi, host))


def free_ports(n, host='127.0.0.1'):
    ports = set()
    for _ in range(100 * n):
        ports.add(free_port(host))
        if len(ports) == n:
            return sorted(ports)
    raise RuntimeError('could not find %d free ports' % n)


def ipv6_loopback_ok():
    if not socket.has_ipv6:
        return False
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        return False
    try:
        s.bind(('::1', 0))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port_dual():
    """A port free on both 127.0.0.1 and ::1 (for `*:PORT`)."""
    for _ in range(100):
        p = free_port('127.0.0.1')
        if not ipv6_loopback_ok():
            return p
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            s.bind(('::1', p))
            return p
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError('no port free on both families')


# ---------------------------------------------------------------- clients

def connect(port, host='127.0.0.1', timeout=IO_TIMEOUT, source=None):
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        if source:
            s.bind((source, 0))
        s.connect((host, port))
    except BaseException:
        s.close()
        raise
    return s


def recv_all(s, limit=1 << 22):
    """Read until EOF (bounded by the socket timeout and LIMIT bytes).
    A reset counts as EOF."""
    chunks, total = [], 0
    while total < limit:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            break
        if not b:
            break
        chunks.append(b)
        total += len(b)
    return b''.join(chunks)


def unix_request(path, data, timeout=IO_TIMEOUT):
    """Connect to the unix stream socket PATH, send DATA, half-close, read
    the whole answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        return recv_all(s)
    finally:
        s.close()


def request(port, data=b'', host='127.0.0.1', timeout=IO_TIMEOUT,
            shut=True, source=None):
    """Connect, send DATA, half-close, read the whole answer."""
    s = connect(port, host, timeout, source)
    try:
        if data:
            s.sendall(data)
        if shut:
            try:
                s.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        return recv_all(s)
    finally:
        s.close()


def closed_at_once(s, timeout=3.0):
    """True if the server closes S (EOF or reset) without sending data
    within TIMEOUT."""
    s.settimeout(timeout)
    try:
        b = s.recv(1)
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return b == b''


def refused(port, host='127.0.0.1'):
    """True if nothing listens on HOST:PORT any more."""
    try:
        s = connect(port, host, timeout=2.0)
    except ConnectionRefusedError:
        return True
    try:
        # TCP self-connect: with nothing listening, the kernel may pick PORT
        # itself as our source port and connect the socket to itself
        return s.getsockname()[:2] == s.getpeername()[:2]
    finally:
        s.close()


def parallel(n, fn, timeout=30.0):
    """Run fn(i) for i in range(n) in threads started together; return the
    list of results (exceptions are returned as values)."""
    results = [None] * n
    barrier = threading.Barrier(n, timeout=timeout)

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except BaseException as e:  # reported by the caller
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,), daemon=True)
               for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    return results


# ---------------------------------------------------------------- /proc

def proc_stat(pid):
    """(state, ppid, pgrp, session, starttime) of PID, or None if gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    rest = data.rsplit(')', 1)[1].split()
    # rest[0] is field 3 (state)
    return {'state': rest[0], 'ppid': int(rest[1]), 'pgrp': int(rest[2]),
            'session': int(rest[3]), 'nice': int(rest[16]),
            'starttime': int(rest[19])}


def alive(pid):
    st = proc_stat(pid)
    return st is not None and st['state'] != 'Z'


def children_of(ppid):
    """{pid: state} of every process whose parent is PPID."""
    out = {}
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        st = proc_stat(int(name))
        if st and st['ppid'] == ppid:
            out[int(name)] = st['state']
    return out


def fds(pid):
    """Sorted open descriptor numbers of PID."""
    return sorted(int(x) for x in os.listdir('/proc/%d/fd' % pid))


def fd_targets(pid):
    out = {}
    for x in os.listdir('/proc/%d/fd' % pid):
        try:
            out[int(x)] = os.readlink('/proc/%d/fd/%s' % (pid, x))
        except OSError:
            pass
    return out


def _proc_net_tcp():
    """The fields of each TCP socket's row in /proc/net/tcp and tcp6."""
    for path in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(path) as f:
                lines = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fld = line.split()
            if len(fld) >= 10:
                yield fld


def listening_inodes(port):
    """Inodes of TCP sockets in LISTEN state on PORT (any address)."""
    return {int(fld[9]) for fld in _proc_net_tcp()
            if fld[3] == '0A' and int(fld[1].rsplit(':', 1)[1], 16) == port}


def tcp_unread(local_port, remote_port):
    """Bytes that arrived on the TCP connection LOCAL_PORT <- REMOTE_PORT
    (the daemon's end of a client's connection) and that its owner has not
    read yet, or None when there is no such connection (/proc/net/tcp)."""
    for fld in _proc_net_tcp():
        if (int(fld[1].rsplit(':', 1)[1], 16) == local_port and
                int(fld[2].rsplit(':', 1)[1], 16) == remote_port):
            return int(fld[4].split(':')[1], 16)
    return None


def socket_inode(pid, port):
    """Inode of the listening socket on PORT that PID holds open, or None.
    (/proc/net/tcp{,6} map the port to inodes; /proc/PID/fd says which
    of them PID holds.)"""
    inodes = listening_inodes(port)
    for target in fd_targets(pid).values():
        m = re.match(r'socket:\[(\d+)\]$', target)
        if m and int(m.group(1)) in inodes:
            return int(m.group(1))
    return None


def read_status(text):
    """Parse /proc/PID/status text into a dict of str."""
    out = {}
    for line in text.splitlines():
        if ':' in line:
            k, v = line.split(':', 1)
            out[k.strip()] = v.strip()
    return out


def proc_status(pid):
    """/proc/PID/status as read_status gives it."""
    with open('/proc/%d/status' % pid) as f:
        return read_status(f.read())


def cap_mask(status, key):
    """A capability set of a read_status dict (CapBnd, CapEff...) as an int."""
    return int(status[key], 16)


def proc_comm(pid):
    """The program PID runs (its name changes at exec), or None if gone."""
    try:
        with open('/proc/%d/comm' % pid) as f:
            return f.read().strip()
    except OSError:
        return None


# ---------------------------------------------------------------- logs

_KV = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|\S*)')


def parse_kv(line):
    """key=value pairs of a log line; quoted values are unquoted."""
    out = {}
    for k, v in _KV.findall(line):
        if v.startswith('"') and v.endswith('"') and len(v) >= 2:
            v = re.sub(r'\\(.)', r'\1', v[1:-1])
        out[k] = v
    return out


def parse_env(data):
    """KEY=VALUE lines (a handler running env) as a dict."""
    env = {}
    for line in data.decode('utf-8', 'replace').splitlines():
        k, sep, v = line.partition('=')
        if sep:
            env[k] = v
    return env


# ---------------------------------------------------------------- gates

# A handler body that waits (bounded: 30 s) until the file "go" exists in
# FOLDER, then runs the rest.  A test holds such a handler as long as it
# needs, so nothing depends on how long a handler happens to take.
GATE = ('i=0\nwhile [ ! -e "%s/go" ] && [ $i -lt 3000 ]; do '
        'sleep 0.01; i=$((i+1)); done\n')


def gated_script(d, name, body):
    """A handler script in D's folder: GATE, then BODY (shell)."""
    return d.script(name, GATE % d.tmpdir + body)


def open_gate(d):
    open(d.path('go'), 'w').close()


# ---------------------------------------------------------------- back-off

# A handler body that notes "PID NANOSECONDS" of its start in FOLDER/starts.
STAMP = 'echo "$$ $(date +%%s%%N)" >> "%s/starts"\n'


def assert_backoff_honoured(test, d, service, n):
    """Wait for N event=backoff lines of SERVICE (whose handler begins with
    STAMP) and the start after the last; check the delays double from the
    first, and that the start after each back-off came at least its delay
    after the start before it.  Only lower bounds on time: a slow machine
    can only make the gaps longer."""
    budget = WAIT_TIMEOUT + 2 * sum(100 << i for i in range(n)) / 1000

    def history():
        out = []  # ('start', pid) and ('backoff', ms), in log order
        for kv in d.events(service=service):
            if kv.get('event') == 'start':
                out.append(('start', kv['pid']))
            elif kv.get('event') == 'backoff':
                out.append(('backoff', int(kv['delay_ms'])))
        backoffs = [i for i, (what, _) in enumerate(out) if what == 'backoff']
        if len(backoffs) >= n and any(w == 'start' for w, _ in out[backoffs[n - 1]:]):
            return out
        return None
    order = wait_until(history, timeout=budget)
    test.assertTrue(order, 'no %d back-offs of %s, each followed by a start\n%s'
                    % (n, service, d.log_text()))
    delays = [ms for what, ms in order if what == 'backoff'][:n]
    test.assertEqual(delays, [min(delays[0] << i, 10000) for i in range(n)],
                     'back-off doubles\n' + d.log_text())
    stamps = {}

    def all_stamped():
        try:
            with open(d.path('starts')) as f:
                for line in f.read().splitlines():
                    pid, ns = line.split()
                    stamps[pid] = int(ns)
        except FileNotFoundError:
            pass
        return all(p in stamps for w, p in order if w == 'start')
    test.assertTrue(wait_until(all_stamped), 'every start stamped its time')
    seen = 0
    for i, (what, ms) in enumerate(order):
        if what != 'backoff' or seen == n:
            continue
        seen += 1
        before = [p for w, p in order[:i] if w == 'start'][-1]
        after = [p for w, p in order[i + 1:] if w == 'start'][0]
        gap_ms = (stamps[after] - stamps[before]) / 1e6
        test.assertGreaterEqual(gap_ms, ms, 'a start %.0f ms after the one before a '
                                'back-off of %d ms\n%s' % (gap_ms, ms, d.log_text()))


# ---------------------------------------------------------------- configs

def _lc_scalar(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    s = str(v).replace('\\', '\\\\').replace('"', '\\"')
    return '"%s"' % s


def _lc_value(v, ind):
    pad = '  ' * (ind + 1)
    if isinstance(v, dict):
        if not v:
            return '{ }'
        body = ''.join('%s%s = %s;\n' % (pad, k, _lc_value(x, ind + 1))
                       for k, x in v.items())
        return '{\n%s%s}' % (body, '  ' * ind)
    if isinstance(v, (list, tuple)):
        if any(isinstance(x, (dict, list, tuple)) for x in v):
            body = ',\n'.join(pad + _lc_value(x, ind + 1) for x in v)
            return '(\n%s\n%s)' % (body, '  ' * ind) if v else '( )'
        return '[' + ', '.join(_lc_scalar(x) for x in v) + ']'
    return _lc_scalar(v)


def to_libconfig(cfg):
    return ''.join('%s = %s;\n' % (k, _lc_value(v, 0))
                   for k, v in cfg.items())


def _y_scalar(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v))


def _y_flow(v):
    if isinstance(v, dict):
        return '{' + ', '.join('%s: %s' % (json.dumps(str(k)), _y_flow(x))
                               for k, x in v.items()) + '}'
    if isinstance(v, (list, tuple)):
        return '[' + ', '.join(_y_flow(x) for x in v) + ']'
    return _y_scalar(v)


def to_yaml(cfg):
    """Block style at the top and for the services list; flow style (JSON
    compatible) for values."""
    out = []
    for k, v in cfg.items():
        if k == 'services' and v:
            out.append('services:')
            for svc in v:
                first = True
                for sk, sv in svc.items():
                    out.append('%s%s: %s' % ('  - ' if first else '    ', sk,
                                             _y_flow(sv)))
                    first = False
        else:
            out.append('%s: %s' % (k, _y_flow(v)))
    return '\n'.join(out) + '\n'


def svc(name, port, exec_, host='127.0.0.1', **kw):
    """A service map listening on HOST:PORT (HOST may be '*' or '::1')."""
    if ':' in host:
        listen = '[%s]:%d' % (host, port)
    else:
        listen = '%s:%d' % (host, port)
    d = {'name': name, 'listen': listen, 'exec': exec_}
    d.update(kw)
    return d


# ---------------------------------------------------------------- daemon

class Daemon:
    """One superserverd under test, with its own temp dir, config and log."""

    def __init__(self, services=None, syntax='conf', text=None, top=None,
                 env=None, pass_fds=(), preexec_fn=None, args=(),
                 tmpdir=None, wrap=()):
        self.tmpdir = tmpdir or tempfile.mkdtemp(prefix='ss-itest-')
        os.chmod(self.tmpdir, 0o755)  # so handlers run as nobody can exec
        self.syntax = syntax
        self.config_path = os.path.join(
            self.tmpdir, 'superserver.' + ('yaml' if syntax == 'yaml'
                                           else 'conf'))
        self.log_path = os.path.join(self.tmpdir, 'daemon.log')
        self.proc = None
        self.extra_env = env or {}
        self.pass_fds = tuple(pass_fds)
        self.preexec_fn = preexec_fn
        self.extra_args = list(args)
        self.wrap = list(wrap)  # a program that execs the daemon (setpriv ...)
        self.handler_pids = set()
        self._starttime = None
        self.program = None  # the daemon to run, when not SUPERSERVERD
        self.write_config(services=services, text=text, top=top)

    # -- files

    def path(self, *parts):
        return os.path.join(self.tmpdir, *parts)

    def write_config(self, services=None, text=None, top=None, path=None):
        if text is None:
            cfg = dict(top or {})
            cfg['services'] = list(services or [])
            text = (to_yaml(cfg) if (path or self.config_path).endswith(
                ('.yaml', '.yml')) else to_libconfig(cfg))
        path = path or self.config_path
        tmp = path + '.tmp'
        with open(tmp, 'w') as f:
            f.write(text)
        os.rename(tmp, path)
        return path

    def config_text(self):
        with open(self.config_path) as f:
            return f.read()

    def script(self, name, body, python=False):
        """Write an executable handler script into the temp dir."""
        path = self.path(name)
        if python:
            text = '#!%s -S\n%s' % (PYTHON, body)
        else:
            text = '#!/bin/sh\n%s' % body
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, 0o755)
        return path

    # -- life cycle

    def start(self, wait_ready=True):
        env = {'PATH': os.environ.get('PATH', HANDLER_PATH)}
        for k in ('LANG', 'LC_ALL', 'ASAN_OPTIONS', 'UBSAN_OPTIONS',
                  'LSAN_OPTIONS'):
            if k in os.environ:
                env[k] = os.environ[k]
        env.update(self.extra_env)
        self.log = open(self.log_path, 'ab')
        argv = self.wrap + [self.program or SUPERSERVERD, '-f', '-c', self.config_path] + \
            self.extra_args
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, env=env, pass_fds=self.pass_fds,
            preexec_fn=self.preexec_fn, cwd=self.tmpdir)
        st = proc_stat(self.proc.pid)
        self._starttime = st['starttime'] if st else 0
        if wait_ready:
            self.wait_log(r'\bevent=ready\b', timeout=READY_TIMEOUT,
                          what='daemon readiness')
        return self

    def start_or_clean_up(self):
        """start(), removing everything on failure (for class-level daemons,
        where no per-test clean-up runs)."""
        try:
            return self.start()
        except BaseException:
            self.cleanup()
            raise

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=10.0, sig=signal.SIGTERM):
        """Send SIG (SIGTERM), wait (bounded), return the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError('daemon did not exit within %.1fs after %s'
                                 '\n%s' % (timeout, sig, self.log_text()))

    def cleanup(self):
        """Kill what we started (daemon, logged handlers) and remove tmp."""
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(3)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self._collect_handler_pids()
            for pid in sorted(self.handler_pids):
                self._kill_handler(pid)
            self.log.close()
        if os.environ.get('SS_KEEP_TMP'):
            print('kept %s' % self.tmpdir)
        else:
            shutil.rmtree(self.tmpdir, ignore_errors=True)

    def _collect_handler_pids(self):
        # A handler whose exit was logged is gone: its pid may belong to
        # anyone now, so it is never a candidate.
        exited = set()
        for line in self.log_lines():
            kv = parse_kv(line)
            if not kv.get('pid', '').isdigit():
                continue
            if kv.get('event') == 'start':
                self.handler_pids.add(int(kv['pid']))
            elif kv.get('event') == 'exit':
                exited.add(int(kv['pid']))
        self.handler_pids -= exited

    def _kill_handler(self, pid):
        # Only a process started after our daemon that is still its own
        # session leader (as handlers are) is taken to be ours.
        st = proc_stat(pid)
        if not st or st['state'] == 'Z':
            return
        if st['starttime'] < (self._starttime or 0):
            return
        if st['session'] != pid:
            return  # not a handler of ours (pids are reused)
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass

    # -- log

    def log_text(self):
        try:
            with open(self.log_path, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''

    def log_lines(self):
        """Complete lines of the daemon's log so far."""
        text = self.log_text()
        if not text.endswith('\n'):
            text = text.rsplit('\n', 1)[0] if '\n' in text else ''
        return text.splitlines()

    def events(self, event=None, after=0, before=None, **match):
        """Parsed key=value dicts of log lines (from index AFTER on, up to
        index BEFORE) with event=EVENT and the given key values."""
        out = []
        for line in self.log_lines()[after:before]:
            kv = parse_kv(line)
            if event is not None and kv.get('event') != event:
                continue
            if all(kv.get(k) == str(v) for k, v in match.items()):
                kv['_line'] = line
                out.append(kv)
        return out

    def wait_log(self, regex, timeout=WAIT_TIMEOUT, count=1, after=0,
                 what=None):
        """Poll until COUNT lines (from line index AFTER on) match REGEX;
        return the list of match objects.  Fails with the log on timeout or
        if the daemon exits first."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        while True:
            found = []
            for line in self.log_lines()[after:]:
                m = rx.search(line)
                if m:
                    found.append(m)
            if len(found) >= count:
                return found
            if self.proc is not None and self.proc.poll() is not None:
                # one last read: the line may have come with the exit
                found = [m for m in (rx.search(l)
                                     for l in self.log_lines()[after:]) if m]
                if len(found) >= count:
                    return found
                raise AssertionError(
                    'daemon exited (code %s) while waiting for %s (/%s/ x%d)'
                    '\n--- log ---\n%s' % (self.proc.returncode,
                                           what or 'log line', regex, count,
                                           self.log_text()))
            if time.monotonic() > deadline:
                raise AssertionError(
                    'timeout %.1fs waiting for %s (/%s/ x%d, saw %d)'
                    '\n--- log ---\n%s' % (timeout, what or 'log line', regex,
                                           count, len(found),
                                           self.log_text()))
            time.sleep(POLL)

    def wait_event(self, event, timeout=WAIT_TIMEOUT, count=1, after=0,
                   **match):
        """Like wait_log, on parsed events; returns the list of dicts."""
        deadline = time.monotonic() + timeout
        while True:
            evs = self.events(event, after=after, **match)
            if len(evs) >= count:
                return evs
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    '%s waiting for event=%s %s x%d (saw %d)\n--- log ---\n%s'
                    % ('daemon exited (code %s)' % self.proc.returncode
                       if self.proc.poll() is not None else
                       'timeout %.1fs' % timeout, event, match, count,
                       len(evs), self.log_text()))
            time.sleep(POLL)

    def mark(self):
        """Index of the next log line (for `after=`)."""
        return len(self.log_lines())

    # -- reload

    def reload(self, services=None, text=None, top=None, timeout=WAIT_TIMEOUT):
        """Rewrite the config, SIGHUP, wait for the next event=reload line;
        return it parsed."""
        self.write_config(services=services, text=text, top=top)
        after = self.mark()
        self.send_signal(signal.SIGHUP)
        m = self.wait_log(r'\bevent=reload\b', timeout=timeout, after=after,
                          what='reload')
        kv = parse_kv(m[0].string)
        kv['_line'] = m[0].string
        return kv

    # -- processes

    def zombies(self):
        return [p for p, s in children_of(self.pid).items() if s == 'Z']

    def live_children(self):
        return sorted(p for p, s in children_of(self.pid).items()
                      if s != 'Z')

    def wait_reaped(self, service=None, timeout=WAIT_TIMEOUT):
        """Wait until every logged event=start has its event=exit (for
        SERVICE, or all), then return the daemon's zombie children."""
        deadline = time.monotonic() + timeout
        while True:
            m = {} if service is None else {'service': service}
            starts = {e['pid'] for e in self.events('start', **m)}
            exits = {e['pid'] for e in self.events('exit', **m)}
            if starts <= exits:
                break
            if time.monotonic() > deadline:
                raise AssertionError(
                    'handlers without event=exit after %.1fs: %s\n'
                    '--- log ---\n%s' % (timeout, sorted(starts - exits),
                                         self.log_text()))
            time.sleep(POLL)
        # the exit line is written after waitpid; allow /proc to catch up
        wait_until(lambda: self.zombies() == [], timeout=1.0)
        return self.zombies()


def wait_until(pred, timeout=WAIT_TIMEOUT, interval=POLL, default=False):
    """Poll PRED until it returns a truthy value (returned) or TIMEOUT
    (returns DEFAULT)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            return default
        time.sleep(interval)


class DaemonTest(unittest.TestCase):
    """Base class: self.daemon(...) starts a daemon cleaned up after the
    test; failures print its log."""

    def daemon(self, services=None, start=True, **kw):
        d = Daemon(services=services, **kw)
        self.addCleanup(d.cleanup)
        if start:
            d.start()
        return d

    def assertServes(self, port, data=b'ping\n', host='127.0.0.1', d=None,
                     expect=None):
        try:
            got = request(port, data, host)
        except OSError as e:
            self.fail('%s:%d: %r%s' % (host, port, e,
                                        '\n--- log ---\n' + d.log_text()
                                        if d else ''))
        self.assertEqual(got, data if expect is None else expect,
                         d.log_text() if d else None)


class FilesTest(DaemonTest):
    """A DaemonTest with a temp dir of its own (self.tmp, world-readable so
    handlers run as other users can read it) and self.write(name, text)."""

    tmp_prefix = 'ss-itest-'

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix=self.tmp_prefix)
        os.chmod(self.tmp, 0o755)
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
        return path


# ---------------------------------------------------------------- client programs

def read_line(pipe, timeout=WAIT_TIMEOUT):
    """What a child writes to PIPE up to its first newline (or EOF, or
    TIMEOUT seconds, polled: never a read that blocks past the deadline)."""
    got, deadline = b'', time.monotonic() + timeout
    while b'\n' not in got and time.monotonic() < deadline:
        ready, _, _ = select.select([pipe], [], [], POLL * 10)
        if ready:
            b = os.read(pipe.fileno(), 4096)
            if not b:
                break
            got += b
    return got


def reap(p):
    """Clean-up of a client program this test started: killed by its pid if
    still running, waited for, its pipes closed."""
    if p.poll() is None:
        p.kill()
    p.wait(5)
    for f in (p.stdin, p.stdout, p.stderr):
        if f is not None and not f.closed:
            f.close()


# ---------------------------------------------------------------- other users

def runnable_as(path, uid, gid):
    """May UID (primary group GID, no other groups) execute PATH?  False
    when a folder above it is not searchable by that user, as in a clone
    under a 0700 folder (/root, a `mktemp -d` folder)."""
    pid = os.fork()
    if pid == 0:  # the child only makes system calls, then leaves
        try:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            os._exit(0 if os.access(path, os.X_OK) else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def program_for(testcase, path, uid, gid):
    """PATH, or when UID cannot reach it a copy in a temporary folder every
    user can reach (removed after the test).  A script (check-valgrind's
    wrapper runs files of the source tree) cannot be moved so: the test is
    skipped, saying why."""
    if runnable_as(path, uid, gid):
        return path
    with open(path, 'rb') as f:
        if f.read(2) == b'#!':
            testcase.skipTest('uid %d cannot reach %s (a folder above it is not '
                              'searchable by others), and it is a script that '
                              'cannot be copied elsewhere: clone where others '
                              'may read' % (uid, path))
    folder = tempfile.mkdtemp(prefix='ss-others-')
    testcase.addCleanup(shutil.rmtree, folder, True)
    os.chmod(folder, 0o755)
    copy = os.path.join(folder, os.path.basename(path))
    shutil.copy2(path, copy)
    return copy


# The daemon's view of a folder in a mount namespace of its own: an empty
# read-only tmpfs ($1: the folder; $2: its first ancestor that exists here,
# under a writable tmpfs so the folder can be made).  Nothing can be bound
# there, whatever holds the host's folder meanwhile.
READONLY_FOLDER = r'''set -e
mount -t tmpfs -o mode=0755,size=64k superserver-test-top "$2"
mkdir -p "$1"
mount -t tmpfs -o ro,mode=0755,size=64k superserver-test-ro "$1"
shift 2
exec "$@"
'''


def readonly_folder_wrap(testcase, folder):
    """A Daemon's wrap: FOLDER is empty and read-only for that daemon alone
    (root and util-linux's unshare; else the test is skipped, saying why)."""
    if os.geteuid() != 0:
        testcase.skipTest('a mount namespace of its own needs root; not root')
    if not shutil.which('unshare'):
        testcase.skipTest('unshare (util-linux) is not installed')
    top = folder
    while not os.path.isdir(top):
        top = os.path.dirname(top)
    return ['unshare', '-m', '--propagation', 'private', '--', '/bin/sh', '-c',
            READONLY_FOLDER, 'sh', folder, top]


def default_control_path(testcase):
    """The control socket a root daemon uses when its config names none
    (what -T says of an empty config)."""
    folder = tempfile.mkdtemp(prefix='ss-default-')
    testcase.addCleanup(shutil.rmtree, folder, True)
    path = os.path.join(folder, 'empty.yaml')
    with open(path, 'w') as f:
        f.write('services: []\n')
    code, out, err = run_tool(['-T', '-c', path])
    testcase.assertEqual(code, 0, err)
    m = re.search(r'^control: "(.*)"$', out, re.M)
    testcase.assertTrue(m, out)
    return m.group(1)


def run_tool(args, timeout=10.0, env=None, cwd=None):
    """Run superserverd with ARGS (not as a daemon); return
    (code, stdout, stderr) as text."""
    e = {'PATH': os.environ.get('PATH', HANDLER_PATH)}
    if env:
        e.update(env)
    p = subprocess.run([SUPERSERVERD] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, env=e, cwd=cwd)
    return (p.returncode, p.stdout.decode('utf-8', 'replace'),
            p.stderr.decode('utf-8', 'replace'))
