# src/import: --import-inetd and --import-xinetd, inetd.conf and xinetd.conf
# -> YAML.  Includes itself, src/config and src/lib.
noinst_LIBRARIES += src/import/libss_import.a
src_import_libss_import_a_CPPFLAGS = $(LAYER_CPPFLAGS) -I$(srcdir)/src/lib -I$(srcdir)/src/config \
	-I$(srcdir)/src/import
src_import_libss_import_a_SOURCES = \
	src/import/inetd_import.c src/import/inetd_import.h \
	src/import/xinetd_parse.c src/import/xinetd_parse.h \
	src/import/xinetd_model.h \
	src/import/xinetd_addr.c src/import/xinetd_addr.h \
	src/import/xinetd_attrs.c src/import/xinetd_attrs.h src/import/xinetd_limits.c \
	src/import/xinetd_svc.c src/import/xinetd_svc.h \
	src/import/xinetd_import.c src/import/xinetd_import.h
