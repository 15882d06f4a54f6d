# unit-inetd tests: --import-inetd against a realistic inetd.conf.
check_PROGRAMS += tests/check_inetd
TESTS += tests/check_inetd
tests_check_inetd_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_check_inetd_LDADD = $(UNIT_TEST_LIBS)
EXTRA_DIST += tests/data/inetd/inetd.conf tests/data/inetd/inetd.expected.yaml \
	tests/data/inetd/inetd.expected.err
