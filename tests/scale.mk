# Scale tests (tests/scale/, helpers in scalelib.py).  The default check runs
# 1,100 services in one daemon; `make check-scale` runs 10,000 live handlers
# (needs root or a high hard RLIMIT_NOFILE, and a few GiB), 10,000 idle
# connections waiting for a PROXY header (daemon CPU and RSS) and the load
# and reload timing of 1,000 services, whose figures are in its .log files.
check_PROGRAMS += tests/scale/hold
tests_scale_hold_SOURCES = tests/scale/hold.c
# No sanitizers: 10,000 instrumented processes would cost gigabytes.
tests_scale_hold_CFLAGS = -std=c11 $(WARN_CFLAGS)
tests_scale_hold_LDFLAGS =

TESTS += tests/scale/test_many_services.py
SCALE_TESTS = \
	tests/scale/test_many_handlers.py \
	tests/scale/test_proxy_pending.py \
	tests/scale/load_timing.py
EXTRA_DIST += tests/scale/scalelib.py tests/scale/test_many_services.py $(SCALE_TESTS)

check-scale:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(SCALE_TESTS)"
.PHONY: check-scale
