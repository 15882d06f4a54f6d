# The daemon: a convenience library (everything but main) that the daemon and
# every test program link, and the small main.
noinst_LIBRARIES += src/libsuperserver.a
src_libsuperserver_a_SOURCES = \
	src/activate.c \
	src/children.c src/children.h \
	src/clock.c src/clock.h \
	src/daemon.c src/daemon.h \
	src/handler.c \
	src/inetd_import.c src/inetd_import.h \
	src/listener.c src/listener.h \
	src/log.c src/log.h \
	src/loop.c \
	src/notify.c src/notify.h \
	src/pool.c \
	src/raw_syscall.h \
	src/refusals.c \
	src/server.h \
	src/signals.c src/signals.h \
	src/spawn.c src/spawn.h \
	src/spawn_plan.c \
	src/status.c \
	src/svc_rt.c \
	src/stderr_log.c src/stderr_log.h \
	src/timers.c src/timers.h \
	src/wait_mark.c src/wait_mark.h

sbin_PROGRAMS += src/superserverd
src_superserverd_SOURCES = src/superserverd.c
src_superserverd_LDADD = src/libsuperserver.a $(LIBCONFIG_LIBS) $(YAML_LIBS)
src_libsuperserver_a_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(YAML_CFLAGS)
