# Check unit suites, one per module, each linking the four layer libraries.
UNIT_SUITES = \
	tests/unit/check_addr \
	tests/unit/check_admit \
	tests/unit/check_refuse \
	tests/unit/check_cfgnode \
	tests/unit/check_config \
	tests/unit/check_inetd \
	tests/unit/check_xinetd \
	tests/unit/check_runtime
check_PROGRAMS += $(UNIT_SUITES)
TESTS += $(UNIT_SUITES)

tests_unit_check_addr_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_addr_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_addr_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_admit_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_admit_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_admit_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_refuse_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_refuse_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_refuse_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_cfgnode_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_cfgnode_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_cfgnode_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_config_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_config_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_config_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_inetd_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_inetd_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_inetd_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_xinetd_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_xinetd_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_xinetd_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_runtime_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_runtime_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_runtime_LDADD = $(UNIT_TEST_LIBS)

EXTRA_DIST += \
	tests/conf/good \
	tests/conf/bad \
	tests/data/config \
	tests/data/inetd/inetd.conf tests/data/inetd/inetd.expected.yaml \
	tests/data/inetd/inetd.expected.err \
	tests/data/xinetd
