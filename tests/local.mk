# Tests: Check unit suites link the convenience library; integration tests
# (Python) start the built daemon on ephemeral loopback ports.
UNIT_TEST_LIBS = tests/unit/libunit.a $(SS_LIBS) $(CHECK_LIBS)
UNIT_TEST_CPPFLAGS = $(ALL_LAYERS_CPPFLAGS)
UNIT_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
TEST_EXTENSIONS = .py .sh
PY_LOG_COMPILER = $(PYTHON3)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	SUPERSERVERD='$(abs_top_builddir)/src/superserverd'; export SUPERSERVERD; \
	SERVICES_DIR='$(abs_top_builddir)/services'; export SERVICES_DIR; \
	TESTS_SRCDIR='$(abs_top_srcdir)/tests'; export TESTS_SRCDIR; \
	TOP_BUILDDIR='$(abs_top_builddir)'; export TOP_BUILDDIR; \
	TOP_SRCDIR='$(abs_top_srcdir)'; export TOP_SRCDIR; \
	CK_DEFAULT_TIMEOUT=30; export CK_DEFAULT_TIMEOUT;

# The whole suite again, built with AddressSanitizer and UBSan, in this same
# tree (cleaned before and after, so the normal build stays the normal one).
check-sanitizers:
	@$(MAKE) $(AM_MAKEFLAGS) clean >/dev/null
	$(MAKE) $(AM_MAKEFLAGS) check SAN_CFLAGS='$(SANITIZER_CFLAGS)' \
		SAN_LDFLAGS='$(SANITIZER_LDFLAGS)'
	@pass=$$(sed -n 's/^# PASS: *//p' test-suite.log); \
	fail=$$(sed -n 's/^# FAIL: *//p' test-suite.log); \
	$(MAKE) $(AM_MAKEFLAGS) clean >/dev/null; \
	echo "sanitizers: $${pass:-0} passed, $${fail:-0} failed"
.PHONY: check-sanitizers

TESTS += tests/check-format.sh tests/check-layers.py
EXTRA_DIST += tests/check-format.sh tests/check-layers.py
