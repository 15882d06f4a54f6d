# src/config: files -> struct config (the node tree, the two syntax
# front-ends, the schema, the -t/-T output).  No sockets, no processes.
# Includes itself and src/lib.
noinst_LIBRARIES += src/config/libss_config.a
src_config_libss_config_a_CPPFLAGS = $(LAYER_CPPFLAGS) -I$(srcdir)/src/lib -I$(srcdir)/src/config
src_config_libss_config_a_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(YAML_CFLAGS)
src_config_libss_config_a_SOURCES = \
	src/config/cfgnode.c src/config/cfgnode.h \
	src/config/conf_file.c src/config/conf_file.h \
	src/config/conf_inetd.c src/config/conf_inetd.h \
	src/config/conf_inetd_line.c \
	src/config/conf_syntax.h \
	src/config/conf_libconfig.c \
	src/config/conf_yaml.c \
	src/config/config.c src/config/config.h \
	src/config/config_admit.c \
	src/config/config_int.h \
	src/config/config_check.c \
	src/config/config_errors.c \
	src/config/config_include.c \
	src/config/config_control.c \
	src/config/config_locate.c \
	src/config/config_inetd.c \
	src/config/config_keys.c src/config/config_keys.h \
	src/config/config_print.c \
	src/config/config_sandbox.c \
	src/config/config_proxy.c \
	src/config/config_schema.c \
	src/config/config_socket.c \
	src/config/config_value.c \
	src/config/model.c src/config/model.h
