#!/bin/sh
# make check-deb: build the Debian package from a dist tarball (so the
# build sees exactly what is distributed) with its tests on, in a view of
# this machine where only what debian/control declares is installed
# (declared_view.py: a build that passes there proves the Build-Depends
# complete); run lintian, install it with dpkg -i, check that exactly the
# expected files landed (installed-files) and that the installed daemon
# checks its packaged config and serves; then, the installed daemon running
# on its packaged config (started by systemd when systemd runs, else by
# README's own command for a system without it), reload it with the unit's
# ExecReload line, add a line to /etc/inetd.conf with update-inetd and
# check it is served without a signal, and that removing it stops it; then
# purge and check that nothing is left.  Needs root, dpkg-dev, debhelper,
# lintian, fakeroot, update-inetd, util-linux's unshare and overlayfs (exit
# 77 with the reason otherwise, which `make check-deb` reports as a
# failure: a skipped package test is never a pass).  Prints the time of
# each phase.
#
# usage: test_deb.sh superserver-VERSION.tar.gz
set -u

TARBALL=${1:?usage: test_deb.sh superserver-VERSION.tar.gz}
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
ok() { echo "ok: $*"; }

here=$(cd "$(dirname "$0")" && pwd)
for tool in dpkg-buildpackage dh lintian fakeroot dpkg-checkbuilddeps update-inetd unshare python3; do
    command -v "$tool" >/dev/null 2>&1 ||
        skip "$tool missing (apt-get install -y dpkg-dev debhelper lintian fakeroot update-inetd)"
done
[ "$(id -u)" = 0 ] || skip "dpkg -i needs root"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
    skip "the kernel has no overlayfs: cannot hide what debian/control does not declare"
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

# -- build, with the tests, seeing only the declared packages
tar -C "$work" -xzf "$TARBALL" || fail "cannot unpack $TARBALL"
src=$(ls -d "$work"/superserver-*/) || fail "no superserver-*/ in $TARBALL"
(cd "$src" && dpkg-checkbuilddeps) >"$work/deps.log" 2>&1 ||
    skip "build dependencies missing: $(cat "$work/deps.log")"
mkdir "$work/view"
# In a mount namespace of its own: a tmpfs for the overlay's upper layers,
# the whiteouts of every undeclared package's files, /usr and /etc with them
# hidden, /usr/local emptied; then a check that the view hides (lintian is
# needed here, not by the build), and the build as README has it.
# shellcheck disable=SC2016 # expanded by the inner shell
if ! unshare -m --propagation private sh -ec '
    view=$1 helper=$2 src=$3
    mount -t tmpfs -o mode=0755 ss-deb-view "$view"
    mkdir -p "$view/upper/usr" "$view/upper/etc" "$view/work-usr" "$view/work-etc"
    python3 "$helper" "$src/debian/control" "$view/upper"
    mount -t overlay ss-deb-usr -o "lowerdir=/usr,upperdir=$view/upper/usr,workdir=$view/work-usr" /usr
    mount -t overlay ss-deb-etc -o "lowerdir=/etc,upperdir=$view/upper/etc,workdir=$view/work-etc" /etc
    mount -t tmpfs -o ro,mode=0755 ss-deb-local /usr/local
    PATH=/usr/sbin:/usr/bin:/sbin:/bin  # what the system installed, not a pyenv or venv
    if command -v lintian >/dev/null; then echo "the view does not hide lintian"; exit 1; fi
    cd "$src" && dpkg-buildpackage -us -uc -b
' sh "$work/view" "$here/declared_view.py" "$src" >"$work/build.log" 2>&1; then
    tail -60 "$work/build.log"
    [ -f "$src/test-suite.log" ] && sed -n '/^FAIL\|^ERROR/,/^$/p' "$src/test-suite.log" | head -80
    fail "dpkg-buildpackage (tests on, only the declared Build-Depends visible) failed"
fi
sed -n 's/^declared_view: //p' "$work/build.log"
tests=$(grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR):' "$work/build.log" | tr -s ' ' | tr '\n' ' ')
[ -n "$tests" ] || fail "the package build ran no tests (nocheck?)"
grep -q '^# FAIL: *0$' "$work/build.log" && grep -q '^# ERROR: *0$' "$work/build.log" ||
    fail "the package build's tests: $tests"
deb=$(ls "$work"/superserver_*.deb 2>/dev/null) || fail "no superserver_*.deb built"
[ "$(echo "$deb" | wc -l)" = 1 ] || fail "more than one .deb: $deb"
ok "built $(basename "$deb") with its tests ($tests) seeing only the declared Build-Depends"
# each skipped test with its reason (what the Build-Depends leave out)
skipped=$(find "$src" -name '*.log' -path '*tests*' -exec grep -h '^SKIP: ' {} + |
    grep -v '^SKIP: [0-9]* of [0-9]* tests skipped' | sed 's/^SKIP: //' | sort -u)
[ -z "$skipped" ] || printf 'skipped in the package build:\n%s\n' "$skipped" | sed 's/^/  /'
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
# exactly the expected files, each where it belongs
sed 's/[[:space:]]*#.*//; /^$/d' "$here/installed-files" | sort >"$work/files.want"
while read -r f; do
    [ -d "$f" ] || echo "$f"
done <"$work/files" | sort >"$work/files.got"
if ! cmp -s "$work/files.want" "$work/files.got"; then
    diff -u "$work/files.want" "$work/files.got" | sed -n '3,$p'
    fail "the package's files are not tests/deb/installed-files (- expected, + installed)"
fi
for f in /usr/sbin/superserverd /usr/sbin/superserverctl /usr/libexec/superserver/echo \
    /usr/libexec/superserver/discard /usr/libexec/superserver/daytime \
    /usr/libexec/superserver/chargen /usr/libexec/superserver/time \
    /usr/libexec/superserver/hello-http /usr/libexec/superserver/metrics-http; do
    [ -f "$f" ] && [ -x "$f" ] || fail "$f is not an installed program"
done
for page in superserverd.8 superserver.conf.5 superserverctl.8; do
    man -l "/usr/share/man/man${page##*.}/$page.gz" >/dev/null 2>&1 ||
        fail "man cannot render the installed $page"
done
[ -f /etc/inetd.conf ] || fail "/etc/inetd.conf is missing"
[ -d /etc/superserver/conf.d ] || fail "/etc/superserver/conf.d is missing"
grep -q '^ExecStart=/usr/sbin/superserverd -f -c /etc/superserver/superserver.conf$' \
    /lib/systemd/system/superserverd.service || fail "the unit's ExecStart is not the packaged one"
grep -q '^ExecReload=/usr/sbin/superserverctl reload$' /lib/systemd/system/superserverd.service ||
    fail "the unit's ExecReload is not the packaged superserverctl"
[ -L /etc/systemd/system/multi-user.target.wants/superserverd.service ] ||
    fail "the unit is not enabled"
ok "exactly the $(wc -l <"$work/files.want") expected files; programs, man pages, unit (enabled), config, README, /etc/inetd.conf in place"

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

# -- the packaged daemon running: reload, metrics-http, update-inetd
grep -q '^inetd_conf = "/etc/inetd.conf";$' /etc/superserver/superserver.conf ||
    fail "the packaged config does not name /etc/inetd.conf"
# README's commands for a system without systemd, from the installed README
readme=/usr/share/doc/superserver/README.md.gz
[ -f "$readme" ] || fail "README is not in /usr/share/doc/superserver"
hand_start=$(zcat "$readme" | sed -n 's/^\(superserverd -p \/run\/superserverd\.pid\)\( .*\)\{0,1\}$/\1/p')
hand_stop=$(zcat "$readme" | sed -n 's/^\(kill "$(cat \/run\/superserverd\.pid)"\)\( .*\)\{0,1\}$/\1/p')
[ -n "$hand_start" ] && [ -n "$hand_stop" ] ||
    fail "README does not say how to start and stop the daemon without systemd"
if [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ] &&
    systemctl is-active --quiet superserverd.service; then
    how="started by systemd"
    log_cmd="journalctl -u superserverd.service --no-pager -n 50"
else
    # no systemd here: README's own command (it detaches once ready, logs to syslog)
    PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c "$hand_start" >"$work/hand-start.out" 2>&1 ||
        { cat "$work/hand-start.out"; fail "README's start command failed: $hand_start"; }
    [ -s "$work/hand-start.out" ] && { cat "$work/hand-start.out"; fail "the start printed"; }
    daemon_pid=$(cat /run/superserverd.pid)
    how="started by README's command: systemd is not running"
    log_cmd="/usr/sbin/superserverctl status"
fi
# the unit's ExecReload, as written in the installed unit
reload=$(sed -n 's/^ExecReload=//p' /lib/systemd/system/superserverd.service)
$reload >"$work/reload.out" 2>&1 || { cat "$work/reload.out"; fail "ExecReload ($reload) failed"; }
grep -q '^reload ok services=' "$work/reload.out" ||
    { cat "$work/reload.out"; fail "ExecReload did not reload: $(cat "$work/reload.out")"; }
# metrics-http (an inetd-style handler) answers from the daemon's default socket
printf 'GET /metrics HTTP/1.0\r\n\r\n' | /usr/libexec/superserver/metrics-http >"$work/metrics.out" 2>&1
head -1 "$work/metrics.out" | grep -q '^HTTP/1.[01] 200' && grep -q '^superserver_build_info' "$work/metrics.out" ||
    { head -20 "$work/metrics.out"; fail "the installed metrics-http does not answer 200 with metrics"; }
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
    sh -c "$hand_stop" || fail "README's stop command failed: $hand_stop"
    i=0
    while kill -0 "$daemon_pid" 2>/dev/null || [ -e /run/superserverd.pid ]; do
        i=$((i + 1))
        [ $i -le 500 ] || fail "README's stop command did not stop the daemon"
        sleep 0.02
    done
    daemon_pid=
fi
ok "installed daemon ($how): ExecReload reloads, metrics-http answers, update-inetd --add is served, --remove stops it, no signal"
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
