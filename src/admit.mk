# Addresses, CIDR rules and admission (ACL, limits, rate, refusal summaries).
src_libsuperserver_a_SOURCES += \
	src/addr.c src/addr.h \
	src/admit.c src/admit.h \
	src/refuse.c src/refuse.h
