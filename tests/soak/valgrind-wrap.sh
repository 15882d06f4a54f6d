#!/bin/sh
# Runs superserverd under valgrind (memcheck), for `make check-valgrind`:
# point SUPERSERVERD at a script that sets REAL_SUPERSERVERD (the daemon to
# run) and VG_LOG_DIR (where the vg.PID logs go) and execs this one (the
# harness gives the daemon a clean environment, so they cannot come from the
# make environment).  exec keeps the pid: the tests' pid checks still hold.
# Handlers are not traced (no --trace-children): only the daemon is checked.
: "${REAL_SUPERSERVERD:?REAL_SUPERSERVERD: the superserverd to run}"
: "${VG_LOG_DIR:?VG_LOG_DIR: the folder for the vg.PID logs}"
# daemon.PID says "vg.PID is a daemon's own log" (not a handler's): vgcheck.py
# demands at least one, so a run where no daemon reached valgrind fails.
: >"$VG_LOG_DIR/daemon.$$" || exit 99
# shellcheck disable=SC2086 # VALGRIND_OPTS is a list of options
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite --track-fds=no \
    --log-file="$VG_LOG_DIR/vg.%p" ${VALGRIND_OPTS:-} \
    "$REAL_SUPERSERVERD" "$@"
