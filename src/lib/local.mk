# src/lib: what knows nothing of superserver's model (arena, addresses and
# CIDRs, the clock, CRC-32C, logging, the PROXY protocol header, raw system
# calls).  Includes only itself.
noinst_LIBRARIES += src/lib/libss_lib.a
src_lib_libss_lib_a_CPPFLAGS = $(LAYER_CPPFLAGS) -I$(srcdir)/src/lib
src_lib_libss_lib_a_SOURCES = \
	src/lib/addr.c src/lib/addr.h \
	src/lib/arena.c src/lib/arena.h \
	src/lib/clock.c src/lib/clock.h \
	src/lib/crc32c.c src/lib/crc32c.h \
	src/lib/log.c src/lib/log.h \
	src/lib/proxy_header.c src/lib/proxy_header.h src/lib/proxy_header_int.h \
	src/lib/proxy_header_v1.c \
	src/lib/utf8.c src/lib/utf8.h \
	src/lib/yaml_out.c src/lib/yaml_out.h \
	src/lib/raw_syscall.h
