# Bundled handlers, installed to $(pkglibexecdir).  Each is one file that
# talks on fd 0/1 and shares nothing with the daemon.
pkglibexec_PROGRAMS += \
	services/echo \
	services/discard \
	services/daytime \
	services/chargen \
	services/time \
	services/hello-http

services_echo_SOURCES = services/echo.c
services_discard_SOURCES = services/discard.c
services_daytime_SOURCES = services/daytime.c
services_chargen_SOURCES = services/chargen.c
services_time_SOURCES = services/time.c
services_hello_http_SOURCES = services/hello-http.c

# The handlers on their own, fed the kinds of socket the daemon hands them.
TESTS += services/check-handlers.py
EXTRA_DIST += services/check-handlers.py
