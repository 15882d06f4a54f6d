# The daemon: a convenience library (everything but main) that the daemon and
# every test program link, and the small main.
noinst_LIBRARIES += src/libsuperserver.a
src_libsuperserver_a_SOURCES = \
	src/clock.c src/clock.h \
	src/log.c src/log.h

sbin_PROGRAMS += src/superserverd
src_superserverd_SOURCES = src/superserverd.c
src_superserverd_LDADD = src/libsuperserver.a $(LIBCONFIG_LIBS) $(YAML_LIBS)
src_libsuperserver_a_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(YAML_CFLAGS)
