# Check unit suites, one per module, each linking the four layer libraries
# and unit_run (how a suite ends: pass, fail or skip).
noinst_LIBRARIES += tests/unit/libunit.a
tests_unit_libunit_a_SOURCES = tests/unit/unit_run.c tests/unit/unit_run.h \
	tests/unit/unit_file.c tests/unit/unit_file.h \
	tests/unit/model_diff.c tests/unit/model_diff.h \
	tests/unit/unit_fixture.c tests/unit/unit_fixture.h \
	tests/unit/unit_context.c tests/unit/unit_context.h
tests_unit_libunit_a_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_libunit_a_CFLAGS = $(UNIT_TEST_CFLAGS)
UNIT_SUITES = \
	tests/unit/check_addr \
	tests/unit/check_carry \
	tests/unit/check_fmt \
	tests/unit/check_admit \
	tests/unit/check_refusals \
	tests/unit/check_cfgnode \
	tests/unit/check_config \
	tests/unit/check_config_errors \
	tests/unit/check_conf_inetd \
	tests/unit/check_inetd \
	tests/unit/check_log \
	tests/unit/check_log_prio \
	tests/unit/check_ctl_proto \
	tests/unit/check_json_out \
	tests/unit/check_prom_out \
	tests/unit/check_sandbox \
	tests/unit/check_proxy_header \
	tests/unit/check_children \
	tests/unit/check_timers \
	tests/unit/check_handler \
	tests/unit/check_signals \
	tests/unit/check_loop \
	tests/unit/check_listener \
	tests/unit/check_wait_mark \
	tests/unit/check_exec_plan \
	tests/unit/check_conn_env \
	tests/unit/check_proxy_pending \
	tests/unit/check_activate \
	tests/unit/check_stderr_log \
	tests/unit/check_pool \
	tests/unit/check_xinetd \
	tests/unit/check_strmap \
	tests/unit/check_spawner_msg \
	tests/unit/check_spawner \
	tests/unit/check_upgrade \
	tests/unit/check_process
check_PROGRAMS += $(UNIT_SUITES)
TESTS += $(UNIT_SUITES)

tests_unit_check_process_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_process_CFLAGS = $(UNIT_TEST_CFLAGS) $(SECCOMP_CFLAGS)
tests_unit_check_process_LDADD = $(UNIT_TEST_LIBS)

tests_unit_check_upgrade_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_upgrade_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_upgrade_LDADD = $(UNIT_TEST_LIBS)

tests_unit_check_spawner_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_spawner_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_spawner_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_spawner_msg_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_spawner_msg_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_spawner_msg_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_strmap_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_strmap_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_strmap_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_carry_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_carry_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_carry_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_addr_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_addr_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_addr_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_fmt_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_fmt_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_fmt_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_admit_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_admit_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_admit_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_refusals_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_refusals_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_refusals_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_cfgnode_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_cfgnode_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_cfgnode_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_config_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_config_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_config_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_config_errors_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_config_errors_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_config_errors_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_conf_inetd_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_conf_inetd_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_conf_inetd_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_inetd_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_inetd_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_inetd_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_sandbox_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_sandbox_CFLAGS = $(UNIT_TEST_CFLAGS) $(SECCOMP_CFLAGS)
tests_unit_check_sandbox_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_log_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_log_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_log_LDADD = $(UNIT_TEST_LIBS)
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
tests_unit_check_children_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_children_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_children_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_timers_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_timers_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_timers_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_signals_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_signals_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_signals_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_loop_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_loop_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_loop_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_listener_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_listener_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_listener_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_wait_mark_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_wait_mark_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_wait_mark_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_handler_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_handler_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_handler_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_exec_plan_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_exec_plan_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_exec_plan_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_conn_env_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_conn_env_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_conn_env_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_proxy_pending_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_proxy_pending_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_proxy_pending_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_activate_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_activate_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_activate_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_stderr_log_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_stderr_log_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_stderr_log_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_pool_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_pool_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_pool_LDADD = $(UNIT_TEST_LIBS)
tests_unit_check_xinetd_CPPFLAGS = $(UNIT_TEST_CPPFLAGS)
tests_unit_check_xinetd_CFLAGS = $(UNIT_TEST_CFLAGS)
tests_unit_check_xinetd_LDADD = $(UNIT_TEST_LIBS)

EXTRA_DIST += \
	tests/conf/good \
	tests/conf/bad \
	tests/data/config \
	tests/data/inetd/inetd.conf tests/data/inetd/inetd.expected.yaml \
	tests/data/inetd/inetd.expected.err \
	tests/data/xinetd
