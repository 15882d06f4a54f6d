"""Helpers for the soak and fault tests (tests/soak/), on top of sslib.

sslib re-reads the whole daemon log on every poll, which is fine for the
integration tests and far too slow for a log of 100,000 connections; here a
LogTail reads only what was appended since its last look and keeps running
counts.  Also: /proc figures (CPU ticks, RSS, descriptors), a bounded
multi-threaded client load, and the identity/rlimit set-up used with
preexec_fn.

Every loop here is bounded both in count and in time; only loopback is
contacted; nothing is ever killed here except by pid, by the caller.
"""

import os
import queue
import re
import resource
import signal
import sys
import threading
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_HERE, '..', 'integration'))

import sslib  # noqa: E402
from sslib import *  # noqa: E402,F401,F403

CLK_TCK = os.sysconf('SC_CLK_TCK')


def say(fmt, *args):
    """A figure for the test log (tests/soak/*.log)."""
    print('FIGURE: ' + (fmt % args if args else fmt))
    sys.stdout.flush()


# ---------------------------------------------------------------- /proc

def cpu_seconds(pid):
    """utime + stime of PID, in seconds."""
    with open('/proc/%d/stat' % pid) as f:
        rest = f.read().rsplit(')', 1)[1].split()
    # rest[0] is field 3; utime is field 14, stime field 15
    return (int(rest[11]) + int(rest[12])) / CLK_TCK


def proc_status(pid):
    with open('/proc/%d/status' % pid) as f:
        return sslib.read_status(f.read())


def rss_kb(pid):
    return int(proc_status(pid)['VmRSS'].split()[0])


def fd_count(pid):
    return len(os.listdir('/proc/%d/fd' % pid))


def uid_processes(uid):
    """Pids of the processes whose real uid is UID."""
    out = []
    for name in os.listdir('/proc'):
        if not name.isdigit():
            continue
        try:
            st = proc_status(int(name))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if int(st.get('Uid', '-1').split()[0]) == uid:
            out.append(int(name))
    return out


def unused_uid(lo=61000, hi=61999):
    """A uid with no passwd entry and no process: a private identity for
    RLIMIT_NPROC, which counts every process of the uid on the host."""
    import pwd
    busy = set()
    for name in os.listdir('/proc'):
        if name.isdigit():
            try:
                busy.add(int(proc_status(int(name))['Uid'].split()[0]))
            except (OSError, KeyError):
                pass
    for uid in range(lo + os.getpid() % 500, hi):
        if uid in busy:
            continue
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
    raise RuntimeError('no unused uid in %d..%d' % (lo, hi))


def limits(nofile=None, nproc=None, uid=None, gid=None):
    """A preexec_fn: set the limits (soft and hard, since the daemon raises
    its soft NOFILE to the hard one) and then, if asked, the identity."""
    def fn():
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        if nproc is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
        if gid is not None:
            os.setgroups([])
            os.setgid(gid)
        if uid is not None:
            os.setuid(uid)
    return fn


# ---------------------------------------------------------------- log

class LogTail:
    """Incremental reader of a Daemon's log: parses only new complete lines.

    Keeps the number of start and exit events, the set of live handler pids
    (start without exit yet; pids may be reused over a long run, and a
    handler's exit line always follows its start line), and per-event
    counts.  Lines of the rarer events (ALWAYS) and those matching KEEP (a
    regex) are kept parsed in .kept.
    """

    ALWAYS = (r'^event=(reload|warning|fatal|refuse|status|timeout|'
              r'exec_failed|backoff|ready|stop)\b')

    def __init__(self, daemon, keep=None):
        self.d = daemon
        self.pos = 0
        self.partial = b''
        self.starts = 0
        self.exits = 0
        self.live = set()
        self.counts = {}
        self.kept = []
        self.keep = re.compile(self.ALWAYS + ('|' + keep if keep else ''))
        self.handler_pids = set()

    def poll(self):
        """Read what was appended; return the list of new parsed lines that
        match KEEP."""
        try:
            with open(self.d.log_path, 'rb') as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return []
        self.pos += len(data)
        data = self.partial + data
        lines = data.split(b'\n')
        self.partial = lines.pop()
        new = []
        for raw in lines:
            line = raw.decode('utf-8', 'replace')
            m = re.match(r'event=(\S+)', line)
            ev = m.group(1) if m else ''
            self.counts[ev] = self.counts.get(ev, 0) + 1
            if ev in ('start', 'exit'):
                pm = re.search(r'\bpid=(\d+)', line)
                pid = int(pm.group(1)) if pm else 0
                if ev == 'start':
                    self.starts += 1
                    self.live.add(pid)
                    self.handler_pids.add(pid)
                else:
                    self.exits += 1
                    self.live.discard(pid)
            if self.keep.search(line):
                kv = sslib.parse_kv(line)
                kv['_line'] = line
                self.kept.append(kv)
                new.append(kv)
        return new

    def count(self, event):
        return self.counts.get(event, 0)

    def wait(self, pred, timeout=sslib.WAIT_TIMEOUT, what='condition'):
        """Poll until PRED(self) is true; fail with a short log excerpt if the
        daemon exits or TIMEOUT passes."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            if pred(self):
                return
            if not self.d.running():
                self.poll()
                if pred(self):
                    return
                raise AssertionError('daemon exited (code %s) waiting for %s\n'
                                     '--- log tail ---\n%s' % (
                                         self.d.proc.returncode, what,
                                         self.tail_text()))
            if time.monotonic() > deadline:
                raise AssertionError('timeout %.1fs waiting for %s\n'
                                     '--- log tail ---\n%s' % (
                                         timeout, what, self.tail_text()))
            time.sleep(sslib.POLL)

    def wait_kept(self, regex, timeout=sslib.WAIT_TIMEOUT, count=1):
        """Wait for COUNT new kept lines matching REGEX (seen from now on);
        return them."""
        rx = re.compile(regex)
        start = len(self.kept)
        got = []

        def pred(t):
            got[:] = [k for k in t.kept[start:] if rx.search(k['_line'])]
            return len(got) >= count
        self.wait(pred, timeout, 'log /%s/ x%d' % (regex, count))
        return got

    def wait_reaped(self, timeout=30.0):
        """Every handler started so far has its exit line, and the daemon
        has no zombie child."""
        self.wait(lambda t: not t.live, timeout,
                  'every event=start to have its event=exit')
        sslib.wait_until(lambda: self.d.zombies() == [], timeout=2.0)

    def tail_text(self, nbytes=4000):
        try:
            with open(self.d.log_path, 'rb') as f:
                f.seek(0, 2)
                size = f.tell()
                f.seek(max(0, size - nbytes))
                return f.read().decode('utf-8', 'replace')
        except FileNotFoundError:
            return ''


def kill_logged_handlers(d, tail):
    """Clean-up for long runs: sslib's cleanup parses the whole log; give it
    the pids we already know instead (it kills only those still alive, its
    own session leaders, started after the daemon)."""
    d.handler_pids |= tail.live


def status_dump(d, tail, services, timeout=sslib.WAIT_TIMEOUT):
    """SIGUSR1; return {service: parsed event=status line}."""
    start = len(tail.kept)
    d.send_signal(signal.SIGUSR1)
    want = set(services)

    def pred(t):
        seen = {k.get('service') for k in t.kept[start:]
                if k.get('event') == 'status'}
        return want <= seen
    tail.wait(pred, timeout, 'event=status for %s' % sorted(want))
    out = {}
    for k in tail.kept[start:]:
        if k.get('event') == 'status':
            out[k['service']] = k
    return out


def reload(d, tail, services=None, text=None, top=None, timeout=10.0):
    """Rewrite the config, SIGHUP, wait for the next event=reload line (TAIL
    must keep them); return it parsed."""
    d.write_config(services=services, text=text, top=top)
    start = len(tail.kept)
    d.send_signal(signal.SIGHUP)
    got = []

    def pred(t):
        got[:] = [k for k in t.kept[start:] if k.get('event') == 'reload']
        return bool(got)
    tail.wait(pred, timeout, 'event=reload')
    return got[0]


# ---------------------------------------------------------------- load

def echo_once(port, payload, timeout=sslib.IO_TIMEOUT):
    """One connection to an echo service; None if answered right, else a
    short description of the failure."""
    try:
        got = sslib.request(port, payload, timeout=timeout)
    except OSError as e:
        return '%s: %r' % (port, e)
    if got != payload:
        return '%s: wrong answer %r' % (port, got[:60])
    return None


class _LoadRun:
    """What both loads share: t0/t1, ok/failed counts, start() and join()."""

    @property
    def elapsed(self):
        return (self.t1 or time.monotonic()) - self.t0

    def rate(self):
        return (self.ok + self.failed) / self.elapsed if self.elapsed else 0.0

    def run(self):
        return self.start().join()


class Load(_LoadRun):
    """THREADS client threads, each making connections round-robin over
    PORTS until TOTAL connections were made in all or DEADLINE (monotonic)
    passes.  Failures are kept (first 20) and counted."""

    def __init__(self, ports, total, threads=8, seconds=60.0, tag=b'x'):
        self.ports = list(ports)
        self.total = total
        self.nthreads = threads
        self.seconds = seconds
        self.tag = tag
        self.lock = threading.Lock()
        self.issued = 0
        self.ok = 0
        self.failed = 0
        self.failures = []
        self.per_port = {p: 0 for p in self.ports}
        self.threads = []
        self.t0 = self.t1 = None
        self.stop_flag = False

    def _next(self):
        with self.lock:
            if self.stop_flag or self.issued >= self.total or \
                    time.monotonic() > self.deadline:
                return None
            i = self.issued
            self.issued += 1
            return i

    def _run(self, k):
        while True:
            i = self._next()
            if i is None:
                return
            port = self.ports[i % len(self.ports)]
            payload = b'%s %d %d\n' % (self.tag, k, i)
            err = echo_once(port, payload)
            with self.lock:
                self.per_port[port] += 1
                if err is None:
                    self.ok += 1
                else:
                    self.failed += 1
                    if len(self.failures) < 20:
                        self.failures.append(err)

    def start(self):
        self.t0 = time.monotonic()
        self.deadline = self.t0 + self.seconds
        for k in range(self.nthreads):
            t = threading.Thread(target=self._run, args=(k,), daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def done(self):
        return all(not t.is_alive() for t in self.threads)

    def join(self, extra=30.0):
        """Wait for the threads (bounded: the deadline plus EXTRA for the
        last connections' own timeouts)."""
        end = self.deadline + extra
        for t in self.threads:
            t.join(max(0.0, end - time.monotonic()))
        self.t1 = time.monotonic()
        return self

    def stop(self):
        self.stop_flag = True



def _load_proc(ports, total, threads, seconds, tag, q):
    try:
        ld = Load(ports, total, threads=threads, seconds=seconds,
                  tag=tag).run()
        q.put((ld.ok, ld.failed, ld.failures, ld.per_port))
    except BaseException as e:  # reported by the parent
        q.put((0, 0, ['load process: %r' % e], {}))


class MultiLoad(_LoadRun):
    """A Load split over PROCS client processes (Python threads alone cannot
    keep a forking server busy: the GIL).  TOTAL connections in all, or
    until SECONDS pass.  Only the processes started here are joined, and
    terminated (by their Process object) if they overstay."""

    def __init__(self, ports, total, procs=4, threads=4, seconds=60.0,
                 tag=b'x'):
        import multiprocessing
        self.mp = multiprocessing.get_context('fork')
        self.ports = list(ports)
        self.total = total
        self.nprocs = procs
        self.threads = threads
        self.seconds = seconds
        self.tag = tag
        self.procs = []
        self.ok = self.failed = 0
        self.failures = []
        self.per_port = {p: 0 for p in self.ports}
        self.t0 = self.t1 = None

    def start(self):
        self.q = self.mp.Queue()
        self.t0 = time.monotonic()
        share = [self.total // self.nprocs] * self.nprocs
        share[0] += self.total - sum(share)
        for k in range(self.nprocs):
            p = self.mp.Process(target=_load_proc, daemon=True, args=(
                self.ports, share[k], self.threads, self.seconds,
                self.tag + b'%d' % k, self.q))
            p.start()
            self.procs.append(p)
        return self

    def running(self):
        return any(p.is_alive() for p in self.procs)

    def join(self, extra=30.0):
        end = self.t0 + self.seconds + extra
        got = 0
        while got < len(self.procs) and time.monotonic() < end:
            try:
                ok, failed, failures, per_port = self.q.get(timeout=0.5)
            except queue.Empty:
                # a load process that died without its report is noticed
                # now, not at the deadline
                dead = [p.exitcode for p in self.procs
                        if not p.is_alive() and p.exitcode != 0]
                if dead:
                    self.failures.append('load process(es) died, exit codes %s' % dead)
                    break
                continue
            got += 1
            self.ok += ok
            self.failed += failed
            self.failures.extend(failures)
            for p, n in per_port.items():
                self.per_port[p] = self.per_port.get(p, 0) + n
        self.t1 = time.monotonic()
        for p in self.procs:
            p.join(max(0.0, end - time.monotonic()))
            if p.is_alive():
                p.terminate()
                p.join(5)
        if got < len(self.procs):
            self.failures.append('%d load processes did not report'
                                 % (len(self.procs) - got))
            self.failed += 1
        return self

