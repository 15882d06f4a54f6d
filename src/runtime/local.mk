# src/runtime: the running daemon (the loop, activation, listeners, accept,
# wait mode, pools, admission, refusals, spawn, reaping).  Includes every
# layer below it.
noinst_LIBRARIES += src/runtime/libss_runtime.a
src_runtime_libss_runtime_a_CPPFLAGS = $(ALL_LAYERS_CPPFLAGS)
src_runtime_libss_runtime_a_SOURCES = \
	src/runtime/activate.c \
	src/runtime/admit.c src/runtime/admit.h \
	src/runtime/children.c src/runtime/children.h \
	src/runtime/exec_plan.c \
	src/runtime/handler.c \
	src/runtime/listener.c src/runtime/listener.h \
	src/runtime/loop.c \
	src/runtime/notify.c src/runtime/notify.h \
	src/runtime/pool.c \
	src/runtime/process.c src/runtime/process.h \
	src/runtime/refusals.c \
	src/runtime/refuse.c src/runtime/refuse.h \
	src/runtime/server.h \
	src/runtime/signals.c src/runtime/signals.h \
	src/runtime/sources.c src/runtime/sources.h \
	src/runtime/spawn.c src/runtime/spawn.h \
	src/runtime/status.c \
	src/runtime/stderr_log.c src/runtime/stderr_log.h \
	src/runtime/svc_state.c \
	src/runtime/timers.c src/runtime/timers.h \
	src/runtime/wait_mark.c src/runtime/wait_mark.h
