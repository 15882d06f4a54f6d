# Addresses, CIDR rules and admission (ACL, limits, rate, refusal summaries).
src_libsuperserver_a_SOURCES += \
	src/addr.c src/addr.h \
	src/admit.h \
	src/refuse.h
