# unit-config tests: the node tree and front-ends, and the schema.
check_PROGRAMS += tests/check_cfgnode
TESTS += tests/check_cfgnode
tests_check_cfgnode_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_check_cfgnode_LDADD = $(UNIT_TEST_LIBS)
