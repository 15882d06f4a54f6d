# soak: fault and endurance tests of the running daemon (tests/soak/*.py,
# Python 3 stdlib on top of tests/integration/sslib.py).  They take minutes,
# so `make check` leaves them out: run them with `make check-soak` (one at a
# time, with the environment of make check).
#
# `make check-valgrind` runs the integration tests with the daemon under
# valgrind (SUPERSERVERD = a script that execs tests/soak/valgrind-wrap.sh)
# and fails on any memcheck error or definite leak in the vg.* logs
# (tests/soak/vgcheck.py).  Needs a build without --enable-sanitizers.
SOAK_TESTS = \
	tests/soak/test_fd_exhaustion.py \
	tests/soak/test_nproc.py \
	tests/soak/test_bad_handlers.py \
	tests/soak/test_reload_load.py \
	tests/soak/test_soak.py

# Every integration test that runs $(SUPERSERVERD); tests/integration.mk
# says why each of the others is left out.
VALGRIND_TESTS = $(INTEGRATION_TESTS)
VG_DIR = tests/soak/vg-logs
VG_DAEMON = tests/soak/vg-superserverd

EXTRA_DIST += $(SOAK_TESTS) tests/soak/soaklib.py \
	tests/soak/valgrind-wrap.sh tests/soak/vgcheck.py

check-soak:
	$(MAKE) $(AM_MAKEFLAGS) -j1 check TESTS="$(SOAK_TESTS)"

# The harness starts the daemon with a clean environment: the wrapper's
# settings go into a small generated script instead.
check-valgrind:
	@if test -n "$(SAN_CFLAGS)"; then \
	  echo "check-valgrind: this build has sanitizers; configure without --enable-sanitizers" >&2; \
	  exit 1; fi
	rm -rf $(VG_DIR) && $(MKDIR_P) $(VG_DIR) && chmod 1777 $(VG_DIR)
	{ echo '#!/bin/sh'; \
	  echo "REAL_SUPERSERVERD='$(abs_top_builddir)/src/superserverd'; export REAL_SUPERSERVERD"; \
	  echo "VG_LOG_DIR='$(abs_top_builddir)/$(VG_DIR)'; export VG_LOG_DIR"; \
	  echo "exec /bin/sh '$(abs_top_srcdir)/tests/soak/valgrind-wrap.sh' \"\$$@\""; \
	} > $(VG_DAEMON) && chmod +x $(VG_DAEMON)
	@rc=0; \
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(VALGRIND_TESTS)" \
	  TESTS_ENVIRONMENT="SUPERSERVERD='$(abs_top_builddir)/$(VG_DAEMON)'; export SUPERSERVERD; SS_UNDER_VALGRIND=1; export SS_UNDER_VALGRIND;" \
	  || rc=$$?; \
	$(PYTHON3) $(srcdir)/tests/soak/vgcheck.py $(VG_DIR) || rc=1; \
	exit $$rc

clean-local: clean-soak
clean-soak:
	rm -rf $(VG_DIR) $(VG_DAEMON)

.PHONY: check-soak check-valgrind clean-soak
