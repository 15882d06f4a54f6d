# Fuzzing.  `make fuzz` builds the libFuzzer harnesses of tests/fuzz/ with
# clang (straight from the sources, not the gcc-built library) and runs each
# for FUZZ_SECONDS, FUZZ_JOBS at a time; without clang's fuzzer runtime it
# says so and fails (exit 77: nothing fuzzed is not a pass).  Not part of check or distcheck.  In `make check`, each
# harness is also built with the normal compiler against a replay driver that
# feeds it tests/fuzz/regress/NAME/ (inputs that once crashed) and the seeds.
CLANG = clang
FUZZ_SECONDS = 60
FUZZ_JOBS = 1
FUZZ_HARNESSES = libconfig yaml config addr proxy inetd
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_COMPILE = $(CLANG) $(FUZZ_FLAGS) $(DEFS) $(ALL_LAYERS_CPPFLAGS) $(CPPFLAGS) \
	$(LIBCONFIG_CFLAGS) $(YAML_CFLAGS) -I$(srcdir)/tests/fuzz
FUZZ_LIBS = $(LIBCONFIG_LIBS) $(YAML_LIBS)
FUZZ_ENV = CLANG='$(CLANG)' FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_JOBS='$(FUZZ_JOBS)' \
	srcdir='$(srcdir)'
FUZZ_COMMON = $(srcdir)/tests/fuzz/fuzz_common.c
FUZZ_DEP_H = $(srcdir)/tests/fuzz/fuzz.h $(srcdir)/src/lib/arena.h $(srcdir)/src/config/cfgnode.h \
	$(srcdir)/src/config/conf_file.h $(srcdir)/src/config/conf_syntax.h $(srcdir)/src/lib/addr.h $(srcdir)/src/config/config.h $(srcdir)/src/config/model.h \
	$(srcdir)/src/config/config_int.h $(srcdir)/src/config/config_keys.h $(srcdir)/src/lib/file_trust.h \
	$(srcdir)/src/config/conf_inetd.h $(srcdir)/src/lib/strmap.h
FUZZ_PARSE_SRC = $(srcdir)/src/lib/arena.c $(srcdir)/src/lib/utf8.c $(srcdir)/src/lib/file_trust.c $(srcdir)/src/config/cfgnode.c $(srcdir)/src/config/conf_file.c \
	$(srcdir)/src/config/conf_libconfig.c $(srcdir)/src/config/conf_yaml.c
FUZZ_CONFIG_SRC = $(FUZZ_PARSE_SRC) $(srcdir)/src/lib/addr.c $(srcdir)/src/lib/addr_source.c $(srcdir)/src/config/config.c \
	$(srcdir)/src/config/config_schema.c $(srcdir)/src/config/config_sandbox.c \
	$(srcdir)/src/lib/capnames.c $(srcdir)/src/lib/landlock.c $(srcdir)/src/lib/syscall_groups.c $(srcdir)/src/config/config_keys.c $(srcdir)/src/config/config_admit.c $(srcdir)/src/config/config_value.c \
	$(srcdir)/src/config/config_check.c $(srcdir)/src/config/config_control.c \
	$(srcdir)/src/lib/strmap.c \
	$(srcdir)/src/config/config_inetd.c $(srcdir)/src/config/conf_inetd.c \
	$(srcdir)/src/config/conf_inetd_line.c \
	$(srcdir)/src/config/config_print.c \
	$(srcdir)/src/config/config_proxy.c $(srcdir)/src/config/config_socket.c \
	$(srcdir)/src/config/config_errors.c $(srcdir)/src/config/config_include.c $(srcdir)/src/lib/fmt.c \
	$(srcdir)/src/lib/yaml_out.c $(srcdir)/src/lib/outbuf.c $(srcdir)/src/config/model.c
FUZZ_BINS = tests/fuzz/bin/fuzz_libconfig tests/fuzz/bin/fuzz_yaml \
	tests/fuzz/bin/fuzz_config tests/fuzz/bin/fuzz_addr tests/fuzz/bin/fuzz_proxy \
	tests/fuzz/bin/fuzz_inetd
FUZZ_PROXY_SRC = $(srcdir)/src/lib/proxy_header.c $(srcdir)/src/lib/proxy_header_v1.c \
	$(srcdir)/src/lib/crc32c.c

fuzz:
	@if $(FUZZ_ENV) $(SHELL) $(srcdir)/tests/fuzz/run.sh probe; then \
	  $(MAKE) $(AM_MAKEFLAGS) $(FUZZ_BINS) && \
	  $(FUZZ_ENV) $(SHELL) $(srcdir)/tests/fuzz/run.sh run $(FUZZ_HARNESSES); \
	else \
	  echo "make fuzz: '$(CLANG)' cannot build a libFuzzer program, nothing was fuzzed" \
	    "(see tests/fuzz/bin/probe.log); on Debian 12: apt-get install clang libclang-rt-14-dev"; \
	  exit 77; \
	fi
.PHONY: fuzz

tests/fuzz/bin/fuzz_libconfig: $(srcdir)/tests/fuzz/fuzz_libconfig.c $(FUZZ_COMMON) \
		$(srcdir)/tests/fuzz/fuzz_tree.h $(FUZZ_DEP_H) $(FUZZ_PARSE_SRC)
	@mkdir -p tests/fuzz/bin
	$(AM_V_CC)$(FUZZ_COMPILE) $(srcdir)/tests/fuzz/fuzz_libconfig.c $(FUZZ_COMMON) $(FUZZ_PARSE_SRC) \
	  -o $@ $(FUZZ_LIBS)
tests/fuzz/bin/fuzz_yaml: $(srcdir)/tests/fuzz/fuzz_yaml.c $(FUZZ_COMMON) \
		$(srcdir)/tests/fuzz/fuzz_tree.h $(FUZZ_DEP_H) $(FUZZ_PARSE_SRC)
	@mkdir -p tests/fuzz/bin
	$(AM_V_CC)$(FUZZ_COMPILE) $(srcdir)/tests/fuzz/fuzz_yaml.c $(FUZZ_COMMON) $(FUZZ_PARSE_SRC) \
	  -o $@ $(FUZZ_LIBS)
# glob() is wrapped so `include` cannot reach outside the harness's temp dir.
# (model_diff.c: the round trip compares the models key by key.)
tests/fuzz/bin/fuzz_config: $(srcdir)/tests/fuzz/fuzz_config.c $(FUZZ_COMMON) $(FUZZ_DEP_H) $(FUZZ_CONFIG_SRC) \
		$(srcdir)/tests/unit/model_diff.c $(srcdir)/tests/unit/model_diff.h
	@mkdir -p tests/fuzz/bin
	$(AM_V_CC)$(FUZZ_COMPILE) -I$(srcdir)/tests/unit $(srcdir)/tests/fuzz/fuzz_config.c $(FUZZ_COMMON) \
	  $(FUZZ_CONFIG_SRC) $(srcdir)/tests/unit/model_diff.c -Wl,--wrap=glob -o $@ $(FUZZ_LIBS)
tests/fuzz/bin/fuzz_inetd: $(srcdir)/tests/fuzz/fuzz_inetd.c $(FUZZ_COMMON) $(FUZZ_DEP_H) $(FUZZ_CONFIG_SRC)
	@mkdir -p tests/fuzz/bin
	$(AM_V_CC)$(FUZZ_COMPILE) $(srcdir)/tests/fuzz/fuzz_inetd.c $(FUZZ_COMMON) $(FUZZ_CONFIG_SRC) \
	  -o $@ $(FUZZ_LIBS)
tests/fuzz/bin/fuzz_addr: $(srcdir)/tests/fuzz/fuzz_addr.c $(FUZZ_COMMON) $(FUZZ_DEP_H) $(srcdir)/src/lib/addr.c $(srcdir)/src/lib/addr_source.c $(srcdir)/src/lib/fmt.c
	@mkdir -p tests/fuzz/bin
	$(AM_V_CC)$(FUZZ_COMPILE) $(srcdir)/tests/fuzz/fuzz_addr.c $(FUZZ_COMMON) $(srcdir)/src/lib/addr.c $(srcdir)/src/lib/addr_source.c $(srcdir)/src/lib/fmt.c -o $@
tests/fuzz/bin/fuzz_proxy: $(srcdir)/tests/fuzz/fuzz_proxy.c $(FUZZ_COMMON) $(FUZZ_DEP_H) \
		$(srcdir)/src/lib/proxy_header.h $(srcdir)/src/lib/proxy_header_int.h \
		$(srcdir)/src/lib/crc32c.h $(FUZZ_PROXY_SRC)
	@mkdir -p tests/fuzz/bin
	$(AM_V_CC)$(FUZZ_COMPILE) $(srcdir)/tests/fuzz/fuzz_proxy.c $(FUZZ_COMMON) $(FUZZ_PROXY_SRC) -o $@

clean-local: clean-fuzz
clean-fuzz:
	-rm -rf tests/fuzz/bin tests/fuzz/corpus tests/fuzz/logs tests/fuzz/artifacts
.PHONY: clean-fuzz

# (EXTRA_DIST names the folders of tests/fuzz/regress/, not the folder itself:
# make would try to build it from regress.c.)
FUZZ_REGRESS_CFLAGS = $(UNIT_TEST_CFLAGS) -I$(top_srcdir)/tests/fuzz -I$(top_srcdir)/tests/unit
check_PROGRAMS += tests/fuzz/regress_libconfig tests/fuzz/regress_yaml \
	tests/fuzz/regress_config tests/fuzz/regress_addr tests/fuzz/regress_proxy \
	tests/fuzz/regress_inetd
TESTS += tests/fuzz/regress_libconfig tests/fuzz/regress_yaml \
	tests/fuzz/regress_config tests/fuzz/regress_addr tests/fuzz/regress_proxy \
	tests/fuzz/regress_inetd
tests_fuzz_regress_libconfig_SOURCES = tests/fuzz/regress.c tests/fuzz/fuzz_libconfig.c \
	tests/fuzz/fuzz_common.c
tests_fuzz_regress_libconfig_CPPFLAGS = $(ALL_LAYERS_CPPFLAGS) -DFUZZ_NAME='"libconfig"'
tests_fuzz_regress_libconfig_CFLAGS = $(FUZZ_REGRESS_CFLAGS)
tests_fuzz_regress_libconfig_LDADD = $(UNIT_TEST_LIBS)
tests_fuzz_regress_yaml_SOURCES = tests/fuzz/regress.c tests/fuzz/fuzz_yaml.c \
	tests/fuzz/fuzz_common.c
tests_fuzz_regress_yaml_CPPFLAGS = $(ALL_LAYERS_CPPFLAGS) -DFUZZ_NAME='"yaml"'
tests_fuzz_regress_yaml_CFLAGS = $(FUZZ_REGRESS_CFLAGS)
tests_fuzz_regress_yaml_LDADD = $(UNIT_TEST_LIBS)
tests_fuzz_regress_config_SOURCES = tests/fuzz/regress.c tests/fuzz/fuzz_config.c \
	tests/fuzz/fuzz_common.c
tests_fuzz_regress_config_CPPFLAGS = $(ALL_LAYERS_CPPFLAGS) -DFUZZ_NAME='"config"'
tests_fuzz_regress_config_CFLAGS = $(FUZZ_REGRESS_CFLAGS)
tests_fuzz_regress_config_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=glob
tests_fuzz_regress_config_LDADD = $(UNIT_TEST_LIBS)
tests_fuzz_regress_addr_SOURCES = tests/fuzz/regress.c tests/fuzz/fuzz_addr.c \
	tests/fuzz/fuzz_common.c
tests_fuzz_regress_addr_CPPFLAGS = $(ALL_LAYERS_CPPFLAGS) -DFUZZ_NAME='"addr"'
tests_fuzz_regress_addr_CFLAGS = $(FUZZ_REGRESS_CFLAGS)
tests_fuzz_regress_addr_LDADD = $(UNIT_TEST_LIBS)
tests_fuzz_regress_proxy_SOURCES = tests/fuzz/regress.c tests/fuzz/fuzz_proxy.c \
	tests/fuzz/fuzz_common.c
tests_fuzz_regress_proxy_CPPFLAGS = $(ALL_LAYERS_CPPFLAGS) -DFUZZ_NAME='"proxy"'
tests_fuzz_regress_proxy_CFLAGS = $(FUZZ_REGRESS_CFLAGS)
tests_fuzz_regress_proxy_LDADD = $(UNIT_TEST_LIBS)
tests_fuzz_regress_inetd_SOURCES = tests/fuzz/regress.c tests/fuzz/fuzz_inetd.c \
	tests/fuzz/fuzz_common.c
tests_fuzz_regress_inetd_CPPFLAGS = $(ALL_LAYERS_CPPFLAGS) -DFUZZ_NAME='"inetd"'
tests_fuzz_regress_inetd_CFLAGS = $(FUZZ_REGRESS_CFLAGS)
tests_fuzz_regress_inetd_LDADD = $(UNIT_TEST_LIBS)

EXTRA_DIST += \
	tests/fuzz/fuzz.h tests/fuzz/fuzz_tree.h \
	tests/fuzz/run.sh \
	tests/fuzz/libconfig.dict tests/fuzz/yaml.dict tests/fuzz/addr.dict tests/fuzz/proxy.dict \
	tests/fuzz/inetd.dict \
	tests/fuzz/seeds \
	tests/fuzz/regress/libconfig tests/fuzz/regress/yaml \
	tests/fuzz/regress/config tests/fuzz/regress/addr tests/fuzz/regress/proxy \
	tests/fuzz/regress/inetd
