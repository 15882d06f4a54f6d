# src/runtime: the running daemon (the reactor and the turn, activation,
# listeners, accept, wait mode, pools, admission, refusals, exec plans,
# spawn, reaping).  Includes itself, src/config and src/lib: not
# src/import, which stands beside it (the daemon never runs an importer).
noinst_LIBRARIES += src/runtime/libss_runtime.a
src_runtime_libss_runtime_a_CPPFLAGS = $(LAYER_CPPFLAGS) -I$(srcdir)/src/lib \
	-I$(srcdir)/src/config -I$(srcdir)/src/runtime
src_runtime_libss_runtime_a_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
src_runtime_libss_runtime_a_SOURCES = \
	src/runtime/accept.c src/runtime/accept.h \
	src/runtime/activate.c src/runtime/activate.h src/runtime/activate_int.h \
	src/runtime/activate_match.c \
	src/runtime/admit.c src/runtime/admit.h \
	src/runtime/aux_child.c src/runtime/aux_child.h \
	src/runtime/backoff.c src/runtime/backoff.h \
	src/runtime/children.c src/runtime/children.h \
	src/runtime/conn.c src/runtime/conn.h \
	src/runtime/conn_env.c src/runtime/conn_env.h \
	src/runtime/context.h \
	src/runtime/control.c src/runtime/control.h src/runtime/control_int.h \
	src/runtime/control_answer.c src/runtime/control_carry.c src/runtime/control_metrics.c \
	src/runtime/control_ops.c \
	src/runtime/control_peer.c src/runtime/control_sock.c \
	src/runtime/exec_plan.c src/runtime/exec_plan.h \
	src/runtime/handler.c src/runtime/handler.h \
	src/runtime/inetd_watch.c src/runtime/inetd_watch.h \
	src/runtime/listener.c src/runtime/listener.h src/runtime/listener_carry.c \
	src/runtime/listener_unix.c src/runtime/listener_unix.h \
	src/runtime/listener_drain.c \
	src/runtime/hold.c src/runtime/hold.h \
	src/runtime/loop.c src/runtime/loop.h \
	src/runtime/notify.c src/runtime/notify.h \
	src/runtime/pool.c src/runtime/pool.h \
	src/runtime/process.c src/runtime/process.h \
	src/runtime/proxy_pending.c src/runtime/proxy_pending.h src/runtime/proxy_pending_int.h \
	src/runtime/proxy_queue.c \
	src/runtime/reap.c src/runtime/reap.h \
	src/runtime/sandbox.c src/runtime/sandbox.h \
	src/runtime/refusals.c src/runtime/refusals.h \
	src/runtime/reload.c src/runtime/reload.h \
	src/runtime/refuse_reason.h \
	src/runtime/server.c src/runtime/server.h \
	src/runtime/signals.c src/runtime/signals.h \
	src/runtime/sources.c src/runtime/sources.h \
	src/runtime/spawn.c src/runtime/spawn.h \
	src/runtime/spawn_child.c src/runtime/spawn_child.h \
	src/runtime/spawner.c src/runtime/spawner.h src/runtime/spawner_int.h \
	src/runtime/spawner_conn.c src/runtime/spawner_msg.c src/runtime/spawner_msg.h \
	src/runtime/spawner_proc.c \
	src/runtime/status.c src/runtime/status.h \
	src/runtime/stderr_log.c src/runtime/stderr_log.h \
	src/runtime/svc_state.c src/runtime/svc_state.h src/runtime/svc_state_carry.c \
	src/runtime/timers.c src/runtime/timers.h \
	src/runtime/upgrade.c src/runtime/upgrade.h src/runtime/upgrade_int.h \
	src/runtime/upgrade_check.c src/runtime/upgrade_inherit.c src/runtime/upgrade_restore.c \
	src/runtime/upgrade_save.c \
	src/runtime/wait.c src/runtime/wait.h \
	src/runtime/wait_mark.c src/runtime/wait_mark.h
