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
# upgrade the package under the running daemon (a higher version, repacked)
# and check that the daemon was upgraded in place (same pid, a connection
# held across it served, its handler kept), and that a live upgrade that
# fails leaves the old daemon serving and the package configured; then
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
sink_pid=
holder_pid=
broken=
installed=no
inetd_conf_before=no
[ -e /etc/inetd.conf ] && inetd_conf_before=yes
cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
    [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null
    [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null
    [ -n "$broken" ] && rm -f "$broken"
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
# On an upgrade the unit is neither stopped (preinst, prerm) nor restarted
# (postinst): postinst upgrades the running daemon in place.  Read from the
# scripts, as their systemd parts do nothing here without systemd.
if [ -e "$work/control/preinst" ] && grep -q 'deb-systemd-invoke stop' "$work/control/preinst"; then
    fail "preinst stops the unit before an upgrade: $(cat "$work/control/preinst")"
fi
awk '/^if / { guard = $0 } /deb-systemd-invoke stop/ && guard !~ /"\$1" = remove/ { bad = 1 }
    END { exit bad }' "$work/control/prerm" ||
    fail "prerm stops the unit on an upgrade: $(cat "$work/control/prerm")"
invoked=$(grep -o 'deb-systemd-invoke [^ ]*' "$work/control/postinst" | sort -u)
[ "$invoked" = "deb-systemd-invoke start" ] ||
    fail "postinst invokes the unit other than to start it: $invoked"
grep -qF '$(superserverctl upgrade' "$work/control/postinst" ||
    fail "postinst does not upgrade a running daemon"
ok "maintainer scripts: the unit stopped on remove only, started (not restarted) by postinst, which upgrades a running daemon"

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
# poll_until SECONDS COMMAND...: true once COMMAND is, false after SECONDS.
poll_until() {
    tries=$(($1 * 50))
    shift
    until "$@"; do
        tries=$((tries - 1))
        [ $tries -gt 0 ] || return 1
        sleep 0.02
    done
}
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
    # No systemd here: README's own command (it detaches once ready, logs to
    # syslog), with a /dev of its own whose /dev/log is a sink this test
    # reads, the same on a host with a logger and on one without.
    python3 - "$work/syslog.sock" "$work/syslog.txt" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        print(s.recv(65536).decode("utf-8", "replace"), file=out, flush=True)
PY
    sink_pid=$!
    poll_until 10 test -S "$work/syslog.sock" || fail "the syslog sink did not start"
    # shellcheck disable=SC2016 # expanded by the inner shell
    PATH=/usr/sbin:/usr/bin:/sbin:/bin unshare -m --propagation private sh -ec '
        mount -t tmpfs -o mode=0755,size=64k ss-deb-dev /dev
        mknod -m 666 /dev/null c 1 3
        : >/dev/log
        mount --bind "$1" /dev/log
        exec sh -c "$2"
    ' sh "$work/syslog.sock" "$hand_start" >"$work/hand-start.out" 2>&1 ||
        { cat "$work/hand-start.out"; fail "README's start command failed: $hand_start"; }
    [ -s "$work/hand-start.out" ] && { cat "$work/hand-start.out"; fail "the start printed"; }
    daemon_pid=$(cat /run/superserverd.pid)
    how="started by README's command: systemd is not running"
    log_cmd="cat $work/syslog.txt"
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
ok "installed daemon ($how): ExecReload reloads, metrics-http answers, update-inetd --add is served, --remove stops it, no signal"
phase update-inetd

# -- a package upgrade upgrades the running daemon in place (SPEC §13):
# version N+1 is this .deb repacked with a higher Version (dpkg-deb -R,
# -b): the same files, so dpkg's whole upgrade path runs (the old prerm, the
# unpack renaming each file over the old one, the new postinst's configure
# with the old version) for a second's work, where a rebuild would run the
# package build and its tests again.  Then N+2 while the config is broken:
# the upgrade fails, the old daemon serves on and dpkg configures.
version=$(dpkg-deb -f "$deb" Version)
repack() { # repack VERSION: $work/superserver-VERSION.deb
    rm -rf "$work/repack"
    dpkg-deb -R "$deb" "$work/repack" &&
        sed -i "s/^Version: .*/Version: $1/" "$work/repack/DEBIAN/control" &&
        dpkg-deb -Zgzip -b "$work/repack" "$work/superserver-$1.deb" >/dev/null ||
        fail "cannot repack $(basename "$deb") as version $1"
    dpkg --compare-versions "$1" gt "$(dpkg-query -W -f='${Version}' superserver)" ||
        fail "$1 is not above the installed version"
}
status_word() { # status_word KEY: its value in the first line of superserverctl status
    /usr/sbin/superserverctl status | sed -n "1s/.*\\<$1=\\([^ ]*\\).*/\\1/p"
}
installed_as() { # installed_as VERSION: dpkg says the package is configured at VERSION
    [ "$(dpkg-query -W -f='${Status} ${Version}' superserver)" = "install ok installed $1" ]
}
log_has() { $log_cmd 2>/dev/null | grep -q "$1"; }
port=$(free_port)
UPDATE_INETD_FAKE_IT=1 update-inetd --add \
    "127.0.0.1:$port stream tcp nowait root /usr/libexec/superserver/echo echo" \
    >>"$work/update-inetd.log" 2>&1 || { cat "$work/update-inetd.log"; fail "update-inetd --add failed"; }
[ "$(echo_on "$port" 10)" = packaged ] || { $log_cmd; fail "the update-inetd line is not served"; }
# a connection held across the upgrade: a line before, a line after
python3 - "$port" "$work/held.out" "$work/held.go" <<'PY' &
import os, socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
out = open(sys.argv[2], "a")
def roundtrip(word):
    s.sendall(word + b"\n")
    got = b""
    while not got.endswith(b"\n"):
        b = s.recv(4096)
        if not b:
            break
        got += b
    return got.decode().strip()
print("port=%d" % s.getsockname()[1], file=out, flush=True)
print("before=" + roundtrip(b"before"), file=out, flush=True)
deadline = time.monotonic() + 120
while not os.path.exists(sys.argv[3]) and time.monotonic() < deadline:
    time.sleep(0.02)
print("after=" + roundtrip(b"after"), file=out, flush=True)
PY
holder_pid=$!
poll_until 10 grep -qs '^before=' "$work/held.out" || fail "the held connection was not served"
grep -qx 'before=before' "$work/held.out" || fail "the held connection: $(cat "$work/held.out")"
held_port=$(sed -n 's/^port=//p' "$work/held.out")
/usr/sbin/superserverctl handlers | grep " peer=127.0.0.1:$held_port " >"$work/held.row"
held_pid=$(sed -n 's/.* pid=\([0-9]*\) .*/\1/p' "$work/held.row")
held_service=$(sed -n 's/^service=\([^ ]*\) .*/\1/p' "$work/held.row")
[ -n "$held_pid" ] && [ -n "$held_service" ] || fail "the held connection's handler is not listed"
pid=$(status_word pid)
[ -n "$pid" ] && [ "$(status_word upgrades)" = 0 ] ||
    fail "status before the upgrade: $(/usr/sbin/superserverctl status | head -1)"

repack "$version+up1"
dpkg -i "$work/superserver-$version+up1.deb" >"$work/up1.out" 2>"$work/up1.err" ||
    { cat "$work/up1.out" "$work/up1.err"; fail "dpkg -i of version $version+up1 failed"; }
installed_as "$version+up1" || fail "not configured at $version+up1"
grep -q "^superserverd upgraded in place: upgrade ok version=[^ ]* pid=$pid\$" "$work/up1.out" ||
    { cat "$work/up1.out" "$work/up1.err"; fail "postinst did not upgrade the daemon in place"; }
[ "$(status_word pid)" = "$pid" ] || fail "the daemon's pid changed: $pid, now $(status_word pid)"
[ "$(status_word upgrades)" = 1 ] || fail "status after it: $(/usr/sbin/superserverctl status | head -1)"
# the new file runs (the old one, renamed over by dpkg, would read "(deleted)")
[ "$(readlink "/proc/$pid/exe")" = /usr/sbin/superserverd ] ||
    fail "the daemon runs $(readlink "/proc/$pid/exe"), not the new /usr/sbin/superserverd"
/usr/sbin/superserverctl handlers | sed 's/ age_ms=.*//' | grep -qxF "$(sed 's/ age_ms=.*//' "$work/held.row")" ||
    fail "the held handler is not listed after the upgrade: $(cat "$work/held.row")"
: >"$work/held.go"
poll_until 30 sh -c "! kill -0 $holder_pid 2>/dev/null" || fail "the held connection hangs"
wait "$holder_pid"
holder_pid=
grep -qx 'after=after' "$work/held.out" || fail "the held connection after the upgrade: $(cat "$work/held.out")"
poll_until 10 log_has "event=exit service=$held_service pid=$held_pid " ||
    { $log_cmd; fail "the carried handler's exit is not logged with its service"; }
[ "$(echo_on "$port" 10)" = packaged ] || { $log_cmd; fail "a new connection is not served after the upgrade"; }
poll_until 10 log_has 'event=upgrade result=ok' || { $log_cmd; fail "no event=upgrade result=ok logged"; }
ok "dpkg -i $version+up1 upgraded the running daemon in place: pid $pid, upgrades=1, the new file runs, handler $held_pid kept, its connection served and its exit logged, new ones served, event=upgrade logged"

# the config broken meanwhile: the new binary's -t fails
broken=/etc/superserver/conf.d/zz-test-deb-broken.conf
echo 'this is not a configuration' >"$broken"
repack "$version+up2"
dpkg -i "$work/superserver-$version+up2.deb" >"$work/up2.out" 2>"$work/up2.err" ||
    { cat "$work/up2.out" "$work/up2.err"; fail "dpkg -i failed when the live upgrade failed"; }
rm -f "$broken"
installed_as "$version+up2" || fail "not configured at $version+up2 after a failed live upgrade"
[ "$(wc -l <"$work/up2.err")" = 1 ] &&
    grep -q '^superserver: the running superserverd was not upgraded in place (upgrade: /usr/sbin/superserverd -t failed .*zz-test-deb-broken.conf:1: .*) and goes on serving: ' "$work/up2.err" ||
    { cat "$work/up2.out" "$work/up2.err"; fail "a failed live upgrade did not say so in one line"; }
[ "$(status_word pid)" = "$pid" ] && [ "$(status_word upgrades)" = 1 ] ||
    fail "a failed upgrade changed the daemon: $(/usr/sbin/superserverctl status | head -1)"
[ "$(echo_on "$port" 10)" = packaged ] || { $log_cmd; fail "not served after a failed upgrade"; }
poll_until 10 log_has 'event=upgrade result=error' || { $log_cmd; fail "no event=upgrade result=error logged"; }
UPDATE_INETD_FAKE_IT=1 update-inetd --remove "127\.0\.0\.1:$port" >>"$work/update-inetd.log" 2>&1 ||
    { cat "$work/update-inetd.log"; fail "update-inetd --remove failed"; }
ok "dpkg -i $version+up2 with a broken config: configured, one line on stderr, the old daemon serves on ($(cut -c1-80 "$work/up2.err")...)"
phase upgrade
if [ -n "$daemon_pid" ]; then
    sh -c "$hand_stop" || fail "README's stop command failed: $hand_stop"
    i=0
    while kill -0 "$daemon_pid" 2>/dev/null || [ -e /run/superserverd.pid ]; do
        i=$((i + 1))
        [ $i -le 500 ] || fail "README's stop command did not stop the daemon"
        sleep 0.02
    done
    daemon_pid=
    ok "README's stop command stops the upgraded daemon (its pidfile carried and removed)"
fi

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
