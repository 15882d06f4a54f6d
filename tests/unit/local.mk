# Check unit suites, one per module, each linking the four layer libraries.
UNIT_SUITES = \
	tests/unit/check_addr \
	tests/unit/check_admit \
	tests/unit/check_refuse \
	tests/unit/check_cfgnode \
	tests/unit/check_config \
	tests/unit/check_inetd \
	tests/unit/check_log \
	tests/unit/check_runtime \
	tests/unit/check_log_prio \
	tests/unit/check_ctl_proto \
	tests/unit/check_json_out \
	tests/unit/check_prom_out \
	tests/unit/check_sandbox \
	tests/unit/check_proxy_header
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
tests_unit_check_sandbox_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_sandbox_CFLAGS = $(UNIT_TEST_CFLAGS) $(SECCOMP_CFLAGS)
tests_unit_check_sandbox_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_log_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_log_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_log_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_runtime_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_runtime_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_runtime_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_ctl_proto_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_ctl_proto_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_ctl_proto_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_json_out_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_json_out_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_json_out_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_prom_out_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_prom_out_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_prom_out_LDADD = $(UNIT_TEST_LIBS)

# Sample metrics with hostile label values, parsed by tests/integration/test_prom_parse.py.
check_PROGRAMS += tests/unit/prom_sample
tests_unit_prom_sample_SOURCES = tests/unit/prom_sample.c
tests_unit_prom_sample_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_prom_sample_LDADD = $(SS_LIBS)
tests_unit_check_proxy_header_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_proxy_header_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_proxy_header_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_log_prio_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_log_prio_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_log_prio_LDADD = $(UNIT_TEST_LIBS)

EXTRA_DIST += \
	tests/conf/good \
	tests/conf/bad \
	tests/data/config \
	tests/data/inetd/inetd.conf tests/data/inetd/inetd.expected.yaml \
	tests/data/inetd/inetd.expected.err
