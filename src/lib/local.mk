# src/lib: what knows nothing of superserver's model (arena, addresses and
# CIDRs, the record carried across execve, the clock, CRC-32C, the
# file-trust checks, logging, the PROXY protocol header, raw system calls,
# the control protocol and its JSON and Prometheus writers).  Includes only
# itself.
noinst_LIBRARIES += src/lib/libss_lib.a
src_lib_libss_lib_a_CPPFLAGS = $(LAYER_CPPFLAGS) -I$(srcdir)/src/lib
src_lib_libss_lib_a_SOURCES = \
	src/lib/addr.c src/lib/addr.h src/lib/addr_int.h \
	src/lib/addr_source.c \
	src/lib/arena.c src/lib/arena.h \
	src/lib/bucket.c src/lib/bucket.h \
	src/lib/capnames.c src/lib/capnames.h \
	src/lib/carry.c src/lib/carry.h src/lib/carry_check.c src/lib/carry_format.h \
	src/lib/clock.c src/lib/clock.h \
	src/lib/crc32c.c src/lib/crc32c.h \
	src/lib/ctl_client.c src/lib/ctl_client.h \
	src/lib/ctl_proto.c src/lib/ctl_proto.h \
	src/lib/file_trust.c src/lib/file_trust.h \
	src/lib/fmt.c src/lib/fmt.h \
	src/lib/json_out.c src/lib/json_out.h \
	src/lib/landlock.c src/lib/landlock.h \
	src/lib/log.c src/lib/log.h \
	src/lib/outbuf.c src/lib/outbuf.h \
	src/lib/prom_out.c src/lib/prom_out.h \
	src/lib/proxy_header.c src/lib/proxy_header.h src/lib/proxy_header_int.h \
	src/lib/proxy_header_v1.c \
	src/lib/strmap.c src/lib/strmap.h \
	src/lib/syscall_groups.c src/lib/syscall_groups.h \
	src/lib/unix_probe.c src/lib/unix_probe.h \
	src/lib/utf8.c src/lib/utf8.h \
	src/lib/yaml_out.c src/lib/yaml_out.h \
	src/lib/raw_syscall.h
