#!/usr/bin/env python3
"""Exercise each bundled handler directly, without the daemon.

Each handler is started the way superserverd starts it: a connected socket
(nowait), a datagram socket (udp wait) or a listening socket (tcp wait,
prefork) on fd 0 and 1.  The handlers are found in $SERVICES_DIR (the build
tree's services/ folder, exported by the test harness).
"""
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

SERVICES_DIR = os.environ.get("SERVICES_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 10
failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures.append(what)


def spawn(name, sock, env=None):
    """Run handler NAME with SOCK on its stdin and stdout."""
    return subprocess.Popen([os.path.join(SERVICES_DIR, name)], stdin=sock, stdout=sock,
                            env=env or {"PATH": "/usr/bin:/bin"}, close_fds=True)


def finish(proc, what, timeout=TIMEOUT):
    """Expect PROC to exit 0 by itself."""
    try:
        rc = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        rc = "still running"
    check(rc == 0, "%s: exit status %s" % (what, rc))


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(TIMEOUT)


def recv_all(sock):
    sock.settimeout(TIMEOUT)
    chunks = []
    while True:
        b = sock.recv(65536)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def stream_pair(name, env=None):
    """A connected TCP socket pair on loopback; the handler gets the accepted end."""
    lsn = socket.create_server(("127.0.0.1", 0))
    cli = socket.create_connection(lsn.getsockname())
    srv, _ = lsn.accept()
    lsn.close()
    proc = spawn(name, srv, env)
    srv.close()
    cli.settimeout(TIMEOUT)
    return cli, proc


def udp_rx_queue(port):
    """Bytes waiting in the receive queue of the 127.0.0.1:PORT udp socket."""
    with open("/proc/net/udp") as f:
        for line in f.read().splitlines()[1:]:
            fld = line.split()
            if fld[1] == "0100007F:%04X" % port:
                return int(fld[4].split(":")[1], 16)
    return None


def wait_drained(port, timeout=TIMEOUT):
    """Poll (bounded) until the handler has read everything sent to PORT."""
    deadline = time.monotonic() + timeout
    while udp_rx_queue(port) != 0:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def dgram_service(name):
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.bind(("127.0.0.1", 0))
    srv.setblocking(False)  # the daemon's sockets may be non-blocking: handlers must cope
    proc = spawn(name, srv)
    addr = srv.getsockname()
    srv.close()
    cli = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    cli.settimeout(TIMEOUT)
    return cli, addr, proc


def listen_service(name, env=None):
    lsn = socket.create_server(("127.0.0.1", 0))
    lsn.setblocking(False)
    proc = spawn(name, lsn, env)
    addr = lsn.getsockname()
    lsn.close()
    return addr, proc


CHARS = bytes(range(32, 127))
CYCLE = b"".join(CHARS[i:] [:72] + CHARS[:max(0, i - 23)] + b"\r\n" for i in range(95))
DAYTIME_RE = re.compile(rb"^(Sun|Mon|Tues|Wednes|Thurs|Fri|Satur)day, [A-Z][a-z]+ \d{1,2}, "
                        rb"\d{4} \d\d:\d\d:\d\d-UTC\r\n$")


def test_echo():
    cli, proc = stream_pair("echo")
    data = os.urandom(300000)
    cli.sendall(data[:100000])
    got = b""
    while len(got) < 100000:
        got += cli.recv(65536)
    cli.sendall(data[100000:])
    cli.shutdown(socket.SHUT_WR)
    got += recv_all(cli)
    check(got == data, "echo tcp: 300000 bytes come back unchanged")
    finish(proc, "echo tcp")

    a, b = socket.socketpair()
    proc = spawn("echo", b)
    b.close()
    a.sendall(b"hello\n")
    a.shutdown(socket.SHUT_WR)
    check(recv_all(a) == b"hello\n", "echo unix stream")
    finish(proc, "echo unix stream")

    cli, addr, proc = dgram_service("echo")
    for msg in (b"one", b"", b"x" * 1400):
        cli.sendto(msg, addr)
        check(cli.recvfrom(65536)[0] == msg, "echo udp: datagram of %d bytes" % len(msg))
    stop(proc)

    addr, proc = listen_service("echo")
    for i in range(2):
        c = socket.create_connection(addr, TIMEOUT)
        c.sendall(b"conn %d" % i)
        c.shutdown(socket.SHUT_WR)
        check(recv_all(c) == b"conn %d" % i, "echo on a listening socket, connection %d" % i)
        c.close()
    stop(proc)


def test_discard():
    cli, proc = stream_pair("discard")
    cli.sendall(os.urandom(1 << 20))
    cli.shutdown(socket.SHUT_WR)
    check(recv_all(cli) == b"", "discard tcp: nothing comes back")
    cli.close()
    finish(proc, "discard tcp")

    # No answer, proven by order rather than by a silent while: the handler
    # reads its datagrams one at a time, so once it has taken a second one
    # from its queue it is done with the first, answer or not.
    cli, addr, proc = dgram_service("discard")
    cli.sendto(b"drop me", addr)
    cli.sendto(b"and me", addr)
    check(wait_drained(addr[1]), "discard udp: both datagrams read")
    cli.setblocking(False)
    try:
        cli.recvfrom(100)
        check(False, "discard udp: no answer")
    except BlockingIOError:
        check(True, "discard udp: no answer")
    check(proc.poll() is None, "discard udp: still serving")
    stop(proc)


def test_daytime():
    before = time.time()
    cli, proc = stream_pair("daytime")
    line = recv_all(cli)
    after = time.time()
    check(DAYTIME_RE.match(line) is not None, "daytime tcp: %r" % line)
    minutes = {time.strftime("%Y %H:%M", time.gmtime(t)).encode() for t in (before, after)}
    check(any(m in line for m in minutes), "daytime tcp: it is UTC now (%r)" % line)
    cli.close()  # the handler lingers until the client closes (or 2 s)
    finish(proc, "daytime tcp")

    cli, proc = stream_pair("daytime")
    cli.sendall(b"some input the handler never reads\r\n" * 100)
    line = recv_all(cli)
    check(DAYTIME_RE.match(line) is not None, "daytime tcp with unread input: line arrives")
    cli.close()
    finish(proc, "daytime tcp with unread input")

    cli, addr, proc = dgram_service("daytime")
    for _ in range(2):
        cli.sendto(b"?", addr)
        check(DAYTIME_RE.match(cli.recvfrom(512)[0]) is not None, "daytime udp")
    stop(proc)


def test_time():
    def near(raw):
        value = int.from_bytes(raw, "big")
        now = (int(time.time()) + 2208988800) & 0xFFFFFFFF
        return len(raw) == 4 and abs(value - now) <= 2

    cli, proc = stream_pair("time")
    check(near(recv_all(cli)), "time tcp: 4 bytes, seconds since 1900")
    cli.close()
    finish(proc, "time tcp")

    cli, addr, proc = dgram_service("time")
    cli.sendto(b"", addr)
    check(near(cli.recvfrom(512)[0]), "time udp")
    stop(proc)

    addr, proc = listen_service("time")
    c = socket.create_connection(addr, TIMEOUT)
    check(near(recv_all(c)), "time on a listening socket")
    stop(proc)


def test_chargen():
    cli, proc = stream_pair("chargen")
    got = b""
    while len(got) < 3 * len(CYCLE):
        got += cli.recv(65536)
    check(got[:3 * len(CYCLE)] == CYCLE * 3, "chargen tcp: the RFC 864 pattern")
    check(got[:74] == CHARS[:72] + b"\r\n", "chargen tcp: first line")
    cli.close()
    finish(proc, "chargen tcp: ends when the client leaves")

    cli, addr, proc = dgram_service("chargen")
    lengths = set()
    for _ in range(30):
        cli.sendto(b"x", addr)
        d = cli.recvfrom(1024)[0]
        lengths.add(len(d))
        if len(d) > 512 or d not in CYCLE * 2:
            check(False, "chargen udp: %d bytes of the pattern" % len(d))
            break
    else:
        check(True, "chargen udp: at most 512 bytes of the pattern")
    check(len(lengths) > 1, "chargen udp: lengths vary")
    stop(proc)


def http(request, addr=None, half_close=True):
    if addr is None:
        cli, proc = stream_pair("hello-http")
    else:
        cli, proc = socket.create_connection(addr, TIMEOUT), None
    cli.sendall(request)
    if half_close:
        cli.shutdown(socket.SHUT_WR)
    answer = recv_all(cli)
    cli.close()
    if proc:
        finish(proc, "hello-http %r" % request[:30])
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.") else None
    return status, head, body


def test_hello_http():
    status, head, body = http(b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: t\r\n\r\n")
    check(status == 200 and body == b"hello from superserver\n", "hello-http GET: 200 and body")
    check(b"\r\nContent-Length: 23\r\n" in head + b"\r\n", "hello-http GET: Content-Length")
    check(b"\r\nContent-Type: text/plain" in head, "hello-http GET: text/plain")
    check(b"\r\nConnection: close" in head, "hello-http GET: Connection: close")
    status, head, body = http(b"HEAD /x HTTP/1.0\r\n\r\n")
    check(status == 200 and body == b"", "hello-http HEAD: no body")
    status, _, _ = http(b"\r\nGET / HTTP/1.0\n\n", half_close=False)
    check(status == 200, "hello-http: leading CRLF and bare LF accepted")
    status, _, _ = http(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabcde")
    check(status == 405, "hello-http POST: 405")
    for bad in (b"garbage\r\n\r\n", b"GET /\r\n\r\n", b"GET  / HTTP/1.1\r\n\r\n",
                b"GET / HTTP/1.1\r\n folded\r\n\r\n", b"GET / HTTP/1.1\r\nNo colon\r\n\r\n",
                b"GET / HTTP/1.1\r\nA: \x00\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\r\n\r\n",
                b"GET / HTTP/1.1\r\n"):
        status, _, _ = http(bad)
        check(status == 400, "hello-http malformed %r: 400" % bad[:24])
    status, _, _ = http(b"GET / HTTP/2.0\r\n\r\n")
    check(status == 505, "hello-http HTTP/2.0: 505")
    status, _, _ = http(b"GET / HTTP/1.1\r\n" + b"X-Pad: " + b"a" * 10000 + b"\r\n\r\n")
    check(status == 431, "hello-http oversized head: 431")
    cli, proc = stream_pair("hello-http")
    cli.close()
    finish(proc, "hello-http: client leaves without a word")

    addr, proc = listen_service("hello-http")
    for i in range(3):
        status, _, body = http(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", addr, half_close=False)
        check(status == 200, "hello-http on a listening socket, request %d" % i)
    stop(proc)


def main():
    for name in ("echo", "discard", "daytime", "chargen", "time", "hello-http"):
        if not os.access(os.path.join(SERVICES_DIR, name), os.X_OK):
            print("handler %s not built in %s" % (name, SERVICES_DIR), file=sys.stderr)
            return 99
    for test in (test_echo, test_discard, test_daytime, test_time, test_chargen,
                 test_hello_http):
        test()
    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
