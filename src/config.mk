# Configuration: the node tree, the two syntax front-ends, the schema.
src_libsuperserver_a_SOURCES += \
	src/config.h
