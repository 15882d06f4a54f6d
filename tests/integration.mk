# Integration tests: Python 3 (stdlib only) scripts that start the built
# daemon on ephemeral loopback ports (harness: tests/integration/sslib.py).
# Each test_*.py is one automake test: exit 0 pass, 77 skip, 1 fail.
# Files guarded by SS_TEST_PENDING skip until their feature lands.
INTEGRATION_TESTS = \
	tests/integration/test_echo.py \
	tests/integration/test_handler_env.py \
	tests/integration/test_ipv6.py \
	tests/integration/test_cli.py \
	tests/integration/test_reload.py \
	tests/integration/test_shutdown.py \
	tests/integration/test_log.py \
	tests/integration/test_execfail.py \
	tests/integration/test_config.py \
	tests/integration/test_limits.py \
	tests/integration/test_identity.py \
	tests/integration/test_timeout.py \
	tests/integration/test_stderr.py \
	tests/integration/test_protocols.py \
	tests/integration/test_prefork.py \
	tests/integration/test_import_errors.py \
	tests/integration/test_control.py

TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/sslib.py

# Running as a system daemon (pidfile, daemonizing, systemd, strict modes).
TESTS += tests/integration/test_daemon.py
EXTRA_DIST += tests/integration/test_daemon.py
TESTS += tests/integration/test_import.py
EXTRA_DIST += tests/integration/test_import.py
TESTS += tests/integration/test_install.py
EXTRA_DIST += tests/integration/test_install.py
TESTS += tests/integration/test_reload_modes.py
EXTRA_DIST += tests/integration/test_reload_modes.py
TESTS += tests/integration/test_wait_mode.py
EXTRA_DIST += tests/integration/test_wait_mode.py
# The control socket's clients (superserverctl, metrics-http) against a fake
# daemon, and the Prometheus writer read back by prometheus_client.
TESTS += tests/integration/test_ctl_client.py tests/integration/test_prom_parse.py
EXTRA_DIST += tests/integration/test_ctl_client.py tests/integration/test_prom_parse.py
