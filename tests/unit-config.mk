# unit-config tests: the node tree and front-ends, and the schema.
check_PROGRAMS += tests/check_cfgnode
TESTS += tests/check_cfgnode
tests_check_cfgnode_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_check_cfgnode_LDADD = $(UNIT_TEST_LIBS)
check_PROGRAMS += tests/check_config
TESTS += tests/check_config
tests_check_config_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_check_config_LDADD = $(UNIT_TEST_LIBS)
EXTRA_DIST += \
	tests/conf/good \
	tests/conf/bad \
	tests/data/config
