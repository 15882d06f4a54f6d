# soak: fault and endurance tests of the running daemon (tests/soak/*.py,
# Python 3 stdlib on top of tests/integration/sslib.py).  They take minutes,
# so `make check` leaves them out: run them with `make check-soak` (one at a
# time, with the environment of make check).
SOAK_TESTS = \
	tests/soak/test_fd_exhaustion.py \
	tests/soak/test_nproc.py \
	tests/soak/test_bad_handlers.py \
	tests/soak/test_reload_load.py \
	tests/soak/test_soak.py

EXTRA_DIST += $(SOAK_TESTS) tests/soak/soaklib.py

check-soak:
	$(MAKE) $(AM_MAKEFLAGS) -j1 check TESTS="$(SOAK_TESTS)"

.PHONY: check-soak
