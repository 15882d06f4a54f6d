# The daemon's main on top of the four layers.  Each layer is a convenience
# library compiled with the include paths of itself and the layers below
# it only (import and runtime both stand on config, neither sees the
# other), so an include that runs up or across the layers does not compile
# (see src/README).  Tests link all four, in this order.
# The build tree's src/lib comes first: it holds the generated paths.h.
LAYER_CPPFLAGS = -D_GNU_SOURCE -I$(builddir)/src/lib
ALL_LAYERS_CPPFLAGS = $(LAYER_CPPFLAGS) -I$(srcdir)/src/lib -I$(srcdir)/src/config \
	-I$(srcdir)/src/import -I$(srcdir)/src/runtime
SS_LIBS = src/runtime/libss_runtime.a src/import/libss_import.a src/config/libss_config.a \
	src/lib/libss_lib.a $(LIBCONFIG_LIBS) $(YAML_LIBS) $(SECCOMP_LIBS)

# The configured paths (DEFAULT_CONFIG, HANDLER_DIR, PACKAGE_VERSION, RUNSTATEDIR), as a
# header made from the Makefile: configure rewrites the Makefile, so a new
# --prefix regenerates paths.h and make rebuilds the objects that include it
# (automake's dependency tracking).  For the first build, BUILT_SOURCES
# makes it before all, check and install, and the objects that include it
# name it, for a build of one target ("make src/superserverd") and for a
# build without dependency tracking (Debian's: a new --prefix in a copy of
# its tree must still rebuild every object that uses a configured path).
BUILT_SOURCES = src/lib/paths.h
src/superserverd-superserverd.$(OBJEXT) src/config/libss_config_a-conf_inetd_line.$(OBJEXT) \
	src/import/libss_import_a-xinetd_attrs.$(OBJEXT) \
	src/config/libss_config_a-config_control.$(OBJEXT) \
	src/config/libss_config_a-config_locate.$(OBJEXT) src/superserverctl-superserverctl.$(OBJEXT) \
	services/metrics_http-metrics-http.$(OBJEXT): \
	src/lib/paths.h
CLEANFILES += src/lib/paths.h
EXTRA_DIST += src/lib/paths.h.in
src/lib/paths.h: $(srcdir)/src/lib/paths.h.in Makefile
	$(AM_V_GEN)$(MKDIR_P) src/lib && sed \
		-e 's|[@]sysconfdir[@]|$(sysconfdir)|g' \
		-e 's|[@]pkglibexecdir[@]|$(pkglibexecdir)|g' \
		-e 's|[@]PACKAGE_VERSION[@]|$(PACKAGE_VERSION)|g' \
		-e 's|[@]runstatedir[@]|$(runstatedir)|g' \
		$(srcdir)/src/lib/paths.h.in >$@.tmp && mv $@.tmp $@

include src/lib/local.mk
include src/config/local.mk
include src/import/local.mk
include src/runtime/local.mk

sbin_PROGRAMS += src/superserverd
src_superserverd_SOURCES = src/superserverd.c
src_superserverd_CPPFLAGS = $(ALL_LAYERS_CPPFLAGS)
src_superserverd_LDADD = $(SS_LIBS)
EXTRA_DIST += src/README

# The control socket's command-line client (SPEC §9); it reads the config
# only to find the socket, so it links the two bottom layers.
sbin_PROGRAMS += src/superserverctl
src_superserverctl_SOURCES = src/superserverctl.c
src_superserverctl_CPPFLAGS = $(LAYER_CPPFLAGS) -I$(srcdir)/src/lib -I$(srcdir)/src/config
src_superserverctl_LDADD = src/config/libss_config.a src/lib/libss_lib.a $(LIBCONFIG_LIBS) \
	$(YAML_LIBS)
