#!/bin/sh
# make check-deb: build the Debian package from a dist tarball (so the
# build sees exactly what is distributed), run lintian, install it with
# dpkg -i, check where everything landed and that the installed daemon
# checks its packaged config and serves; then, the installed daemon
# running on its packaged config (started by systemd when systemd runs,
# else by this script in the foreground), add a line to /etc/inetd.conf
# with update-inetd and check it is served without a signal, and that
# removing it stops it; then purge and check that nothing is left.  Needs
# root and dpkg-dev, debhelper, lintian, fakeroot, update-inetd (exit 77
# with the reason otherwise).  Prints the time of each phase.
#
# usage: test_deb.sh superserver-VERSION.tar.gz
set -u

TARBALL=${1:?usage: test_deb.sh superserver-VERSION.tar.gz}
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

for tool in dpkg-buildpackage dh lintian fakeroot dpkg-checkbuilddeps update-inetd; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip "$tool missing (apt-get install -y dpkg-dev debhelper lintian fakeroot update-inetd)"
done
[ "$(id -u)" = 0 ] || skip "dpkg -i needs root"
if dpkg-query -W -f='${Status}' superserver 2>/dev/null | grep -q 'ok installed'; then
    skip "a superserver package is installed already: not replacing it"
fi

# This package Provides and Conflicts with inet-superserver (two of them
# would serve /etc/inetd.conf twice), as xinetd and inetutils-inetd do:
# any installed package that provides or conflicts with it is in the way.
conflicting=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev} ${Conflicts} ${Provides}\n' \
    2>/dev/null | awk '$1 != "superserver" && $2 ~ /^.i/ && /inet-superserver/ { print $1 }')
[ -z "$conflicting" ] ||
    skip "installed package(s) providing or conflicting with inet-superserver: $conflicting"

work=$(mktemp -d /tmp/ss-deb.XXXXXX) || exit 1
daemon_pid=
installed=no
inetd_conf_before=no
[ -e /etc/inetd.conf ] && inetd_conf_before=yes
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    [ "$installed" = yes ] && dpkg --purge superserver >/dev/null 2>&1
    if [ -n "${SS_KEEP_TMP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

phase_start=$(date +%s)
phase() {
    now=$(date +%s)
    echo "time: $1: $((now - phase_start)) s"
    phase_start=$now
}

# -- build
tar -C "$work" -xzf "$TARBALL" || fail "cannot unpack $TARBALL"
src=$(ls -d "$work"/superserver-*/) || fail "no superserver-*/ in $TARBALL"
(cd "$src" && dpkg-checkbuilddeps) >"$work/deps.log" 2>&1 ||
    skip "build dependencies missing: $(cat "$work/deps.log")"
if ! (cd "$src" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) \
    >"$work/build.log" 2>&1; then
    tail -40 "$work/build.log"
    fail "dpkg-buildpackage failed"
fi
deb=$(ls "$work"/superserver_*.deb 2>/dev/null) || fail "no superserver_*.deb built"
[ "$(echo "$deb" | wc -l)" = 1 ] || fail "more than one .deb: $deb"
ok "built $(basename "$deb")"
phase build

# -- lintian: no errors; warnings are printed (and listed in the report)
lintian --fail-on error --info --display-info "$work"/superserver_*.changes >"$work/lintian.log" 2>&1
rc=$?
cat "$work/lintian.log"
[ $rc = 0 ] || fail "lintian found errors"
ok "lintian: no errors ($(grep -c '^W:' "$work/lintian.log") warnings, $(grep -c '^I:' "$work/lintian.log") infos)"
phase lintian

# -- the package's metadata
info=$(dpkg-deb -f "$deb" Package Provides Depends)
echo "$info" | grep -q '^Provides: .*inet-superserver' || fail "no Provides: inet-superserver"
dpkg-deb -f "$deb" Conflicts | grep -q 'inet-superserver' || fail "no Conflicts: inet-superserver"
dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/superserver/superserver.conf "$work/control/conffiles" ||
    fail "superserver.conf is not a conffile: $(cat "$work/control/conffiles")"
ok "Provides inet-superserver; conffiles: $(tr '\n' ' ' <"$work/control/conffiles")"

# -- install
dpkg -i "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i failed"; }
installed=yes
dpkg -L superserver >"$work/files"
phase install
for f in /usr/sbin/superserverd /usr/libexec/superserver/echo /usr/libexec/superserver/discard \
    /usr/libexec/superserver/daytime /usr/libexec/superserver/chargen \
    /usr/libexec/superserver/time /usr/libexec/superserver/hello-http; do
    [ -x "$f" ] || fail "$f is not installed"
done
for f in /usr/share/man/man8/superserverd.8.gz /usr/share/man/man5/superserver.conf.5.gz \
    /lib/systemd/system/superserverd.service /etc/superserver/superserver.conf \
    /usr/share/doc/superserver/examples/superserver.yaml /etc/inetd.conf; do
    [ -f "$f" ] || fail "$f is not installed"
done
[ -d /etc/superserver/conf.d ] || fail "/etc/superserver/conf.d is missing"
grep -q '^ExecStart=/usr/sbin/superserverd -f -c /etc/superserver/superserver.conf$' \
    /lib/systemd/system/superserverd.service || fail "the unit's ExecStart is not the packaged one"
[ -L /etc/systemd/system/multi-user.target.wants/superserverd.service ] ||
    fail "the unit is not enabled"
ok "daemon, handlers, man pages, unit (enabled), config, /etc/inetd.conf in place"

# -- the installed daemon: its packaged config checks, and it serves
/usr/sbin/superserverd -t >"$work/check.out" 2>&1 || { cat "$work/check.out"; fail "-t failed"; }
grep -q '^configuration OK$' "$work/check.out" || fail "-t did not say configuration OK"
/usr/sbin/superserverd -V | grep -q '^superserverd ' || fail "-V"
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# echo_on PORT [SECONDS]: what the echo service on PORT answers to a line,
# polling (bounded) until something accepts; nothing when none does.
echo_on() {
    python3 - "$1" "${2:-10}" <<'PY'
import socket, sys, time
deadline = time.monotonic() + float(sys.argv[2])
while True:
    try:
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(0)
        time.sleep(0.02)
s.sendall(b"packaged\n")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    data += b
print(data.decode().strip())
PY
}
# refused_within PORT SECONDS: true once nothing listens on PORT.
refused_within() {
    python3 - "$1" "$2" <<'PY'
import socket, sys, time
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2).close()
    except ConnectionRefusedError:
        sys.exit(0)
    except OSError:
        pass
    time.sleep(0.02)
sys.exit(1)
PY
}
port=$(free_port)
printf 'services:\n  - {name: echo, listen: "127.0.0.1:%s", exec: /usr/libexec/superserver/echo}\n' \
    "$port" >"$work/echo.yaml"
/usr/sbin/superserverd -f -c "$work/echo.yaml" >"$work/daemon.log" 2>&1 &
daemon_pid=$!
got=$(echo_on "$port")
[ "$got" = packaged ] || { cat "$work/daemon.log"; fail "the installed echo answered \"$got\""; }
kill "$daemon_pid"
wait "$daemon_pid" 2>/dev/null
daemon_pid=
ok "installed daemon: -t passes on the packaged config, and it serves echo"
phase "checks"

# -- update-inetd: the packaged config serves /etc/inetd.conf, live
grep -q '^inetd_conf = "/etc/inetd.conf";$' /etc/superserver/superserver.conf ||
    fail "the packaged config does not name /etc/inetd.conf"
if [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ] &&
    systemctl is-active --quiet superserverd.service; then
    how="started by systemd"
    log_cmd="journalctl -u superserverd.service --no-pager -n 50"
else
    # no systemd here: the installed daemon on its packaged config, as the unit runs it
    /usr/sbin/superserverd -f -c /etc/superserver/superserver.conf >"$work/packaged.log" 2>&1 &
    daemon_pid=$!
    how="started in the foreground: systemd is not running"
    log_cmd="cat $work/packaged.log"
    i=0
    until grep -q 'event=ready' "$work/packaged.log"; do
        i=$((i + 1))
        [ $i -le 500 ] && kill -0 "$daemon_pid" 2>/dev/null ||
            { $log_cmd; fail "the packaged daemon did not start"; }
        sleep 0.02
    done
fi
port=$(free_port)
entry="127.0.0.1:$port stream tcp nowait root /usr/libexec/superserver/echo echo"
# UPDATE_INETD_FAKE_IT: update-inetd signals no inetd; the daemon's watch must do
UPDATE_INETD_FAKE_IT=1 update-inetd --add "$entry" >"$work/update-inetd.log" 2>&1 ||
    { cat "$work/update-inetd.log"; fail "update-inetd --add failed"; }
got=$(echo_on "$port" 10)
[ "$got" = packaged ] ||
    { $log_cmd; cat /etc/inetd.conf; fail "the update-inetd line is not served (\"$got\")"; }
UPDATE_INETD_FAKE_IT=1 update-inetd --remove "127\.0\.0\.1:$port" >>"$work/update-inetd.log" 2>&1 ||
    { cat "$work/update-inetd.log"; fail "update-inetd --remove failed"; }
refused_within "$port" 10 || { $log_cmd; fail "the removed line is still served"; }
if [ -n "$daemon_pid" ]; then
    kill "$daemon_pid"
    wait "$daemon_pid" 2>/dev/null
    daemon_pid=
fi
ok "installed daemon ($how): update-inetd --add is served, --remove stops it, no signal"
phase update-inetd

# -- purge: nothing of the package is left
dpkg --purge superserver >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge failed"; }
installed=no
phase purge
left=
while read -r f; do
    [ -d "$f" ] && continue # shared folders (/usr/share/man/man8, ...) stay
    [ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done <"$work/files"
for f in /etc/superserver /etc/systemd/system/multi-user.target.wants/superserverd.service \
    /usr/libexec/superserver /usr/share/doc/superserver; do
    [ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
if [ "$inetd_conf_before" = no ] && [ -e /etc/inetd.conf ]; then
    left="$left /etc/inetd.conf"
fi
[ -z "$left" ] || fail "left after purge:$left"
dpkg-query -W -f='${Status}' superserver 2>/dev/null | grep -q 'ok installed' &&
    fail "still installed after purge"
ok "purged: nothing left"
echo "PASS"
