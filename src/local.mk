# The daemon's main on top of the four layers.  Each layer is a convenience
# library compiled with the include paths of itself and the layers below
# it only, so an include that runs up the layers does not compile (see
# src/README).  Tests link all four, in this order.
LAYER_CPPFLAGS = -D_GNU_SOURCE \
	-DDEFAULT_CONFIG='"$(sysconfdir)/superserver/superserver.conf"' \
	-DPACKAGE_VERSION='"$(PACKAGE_VERSION)"' \
	-DHANDLER_DIR='"$(pkglibexecdir)"' \
	-DRUNSTATEDIR='"$(runstatedir)"'
ALL_LAYERS_CPPFLAGS = $(LAYER_CPPFLAGS) -I$(srcdir)/src/lib -I$(srcdir)/src/config \
	-I$(srcdir)/src/import -I$(srcdir)/src/runtime
SS_LIBS = src/runtime/libss_runtime.a src/import/libss_import.a src/config/libss_config.a \
	src/lib/libss_lib.a $(LIBCONFIG_LIBS) $(YAML_LIBS) $(SECCOMP_LIBS)

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
