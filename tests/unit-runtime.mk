# Unit tests of the runtime's data structures.
check_PROGRAMS += tests/check_runtime
TESTS += tests/check_runtime
tests_check_runtime_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_check_runtime_LDADD = $(UNIT_TEST_LIBS)
