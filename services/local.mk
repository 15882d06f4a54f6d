# Bundled handlers, installed to $(pkglibexecdir).  Each is one file that
# talks on fd 0/1 and shares nothing with the daemon; the plumbing they all
# need (dispatch on fd 0, idle exit, accept loop, datagram loop, linger) is
# one small library they link.
noinst_LIBRARIES += services/libhandler.a
services_libhandler_a_SOURCES = services/handler_io.c services/handler_io.h

pkglibexec_PROGRAMS += \
	services/echo \
	services/discard \
	services/daytime \
	services/chargen \
	services/time \
	services/hello-http \
	services/metrics-http

services_echo_SOURCES = services/echo.c
services_echo_LDADD = services/libhandler.a
services_discard_SOURCES = services/discard.c
services_discard_LDADD = services/libhandler.a
services_daytime_SOURCES = services/daytime.c
services_daytime_LDADD = services/libhandler.a
services_chargen_SOURCES = services/chargen.c
services_chargen_LDADD = services/libhandler.a
services_time_SOURCES = services/time.c
services_time_LDADD = services/libhandler.a
services_hello_http_SOURCES = services/hello-http.c
services_hello_http_LDADD = services/libhandler.a
# metrics-http asks the daemon's control socket, found as superserverctl finds
# it: it links the two bottom layers for the config look-up and the client.
services_metrics_http_SOURCES = services/metrics-http.c
services_metrics_http_CPPFLAGS = $(LAYER_CPPFLAGS) -I$(srcdir)/src/lib -I$(srcdir)/src/config
services_metrics_http_LDADD = services/libhandler.a src/config/libss_config.a src/lib/libss_lib.a \
	$(LIBCONFIG_LIBS) $(YAML_LIBS)

# The handlers on their own, fed the kinds of socket the daemon hands them.
TESTS += services/check-handlers.py
EXTRA_DIST += services/check-handlers.py
