# Integration tests: Python 3 (stdlib only) scripts that start the built
# daemon on ephemeral loopback ports (harness: tests/integration/sslib.py).
# Each test_*.py is one automake test: exit 0 pass, 77 skip, 1 fail.
# The longest first: with -j2 the others run beside it instead of after it
# (under valgrind test_upgrade alone takes two minutes).
INTEGRATION_TESTS = \
	tests/integration/test_upgrade.py \
	tests/integration/test_echo.py \
	tests/integration/test_handler_env.py \
	tests/integration/test_ipv6.py \
	tests/integration/test_cli.py \
	tests/integration/test_reload.py \
	tests/integration/test_shutdown.py \
	tests/integration/test_log.py \
	tests/integration/test_execfail.py \
	tests/integration/test_config.py \
	tests/integration/test_special_files.py \
	tests/integration/test_limits.py \
	tests/integration/test_identity.py \
	tests/integration/test_timeout.py \
	tests/integration/test_stderr.py \
	tests/integration/test_protocols.py \
	tests/integration/test_prefork.py \
	tests/integration/test_import_errors.py \
	tests/integration/test_hostile.py \
	tests/integration/test_unix_sockets.py \
	tests/integration/test_import_xinetd.py \
	tests/integration/test_tls.py \
	tests/integration/test_control.py \
	tests/integration/test_proxy.py \
	tests/integration/test_inetd_live.py \
	tests/integration/test_daemon.py \
	tests/integration/test_import.py \
	tests/integration/test_reload_modes.py \
	tests/integration/test_wait_mode.py \
	tests/integration/test_operator.py \
	tests/integration/test_listen_opts.py

TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/sslib.py

# Those below are not run under valgrind by check-valgrind (tests/soak.mk),
# each for the reason given with it.
#
# The installed daemon (make install into a temporary prefix): it runs the
# daemon it installs, never $(SUPERSERVERD).
TESTS += tests/integration/test_install.py
EXTRA_DIST += tests/integration/test_install.py
# The control socket's clients (superserverctl, metrics-http) against a fake
# daemon, and the Prometheus writer read back by prometheus_client: no
# superserverd runs in them.
TESTS += tests/integration/test_ctl_client.py tests/integration/test_prom_parse.py
EXTRA_DIST += tests/integration/test_ctl_client.py tests/integration/test_prom_parse.py
# Signals that race the start-up (issue 19.5); not under valgrind, whose
# own signal masks hide the daemon's from /proc.
TESTS += tests/integration/test_start_signals.py
EXTRA_DIST += tests/integration/test_start_signals.py
# Compiled-in paths follow a second configure (builds a copy of the daemon;
# not $(SUPERSERVERD), so not under valgrind).
TESTS += tests/integration/test_paths.py
EXTRA_DIST += tests/integration/test_paths.py
# The documented paths from the docs' text: README's Install line into a
# relocated prefix and the installed daemon as the unit starts it; the TLS
# recipe (builds and installs a copy of the tree).
TESTS += tests/integration/test_docs.py
EXTRA_DIST += tests/integration/test_docs.py

# Sandboxing needs root and the kernel's Landlock and seccomp: not under
# valgrind, which does not emulate those system calls.
TESTS += tests/integration/test_sandbox.py tests/integration/test_spawner.py
EXTRA_DIST += tests/integration/test_sandbox.py tests/integration/test_spawner.py
