# unit-admit tests: one Check suite per module (addr, admit, refuse).
check_PROGRAMS += tests/check_addr
TESTS += tests/check_addr
tests_check_addr_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_check_addr_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += tests/check_admit
TESTS += tests/check_admit
tests_check_admit_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_check_admit_LDADD = $(UNIT_TEST_LIBS)

check_PROGRAMS += tests/check_refuse
TESTS += tests/check_refuse
tests_check_refuse_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_check_refuse_LDADD = $(UNIT_TEST_LIBS)
