# --import-inetd helpers (inetd_import.c itself is listed in runtime.mk).
src_libsuperserver_a_SOURCES += src/inetd_line.c src/inetd_line.h
