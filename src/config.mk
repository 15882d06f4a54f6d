# Configuration: the node tree, the two syntax front-ends, the schema.
src_libsuperserver_a_SOURCES += \
	src/config.h \
	src/arena.c src/arena.h \
	src/cfgnode.c src/cfgnode.h \
	src/conf_parse.c src/conf_parse.h \
	src/conf_libconfig.c \
	src/conf_yaml.c
src_libsuperserver_a_SOURCES += \
	src/config_int.h \
	src/config.c \
	src/config_schema.c src/config_keys.c src/config_keys.h \
	src/config_value.c \
	src/config_check.c \
	src/config_dump.c
