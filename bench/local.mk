# Benchmark: load generator, reference server, handlers (make bench; see bench/README.md).
# Bench programs are built without sanitizers and optimised: they measure, not get tested.
BENCH_CFLAGS = -std=c11 $(WARN_CFLAGS) -O2

noinst_PROGRAMS += bench/loadgen bench/refserver bench/hello-static bench/hello-dynamic \
	bench/hello-worker bench/filter-dump
bench_loadgen_SOURCES = bench/loadgen.c
bench_loadgen_CFLAGS = $(BENCH_CFLAGS)
bench_loadgen_LDFLAGS =
bench_refserver_SOURCES = bench/refserver.c
bench_refserver_CFLAGS = $(BENCH_CFLAGS)
bench_refserver_LDFLAGS =
bench_hello_dynamic_SOURCES = bench/hello-dynamic.c
bench_hello_dynamic_CFLAGS = $(BENCH_CFLAGS)
bench_hello_dynamic_LDFLAGS =
bench_hello_worker_SOURCES = bench/hello-worker.c
bench_hello_worker_CFLAGS = $(BENCH_CFLAGS)
bench_hello_worker_LDFLAGS =
# Not measured: it writes the daemon's own seccomp program for refserver -f,
# so it is built and linked as the daemon is.
bench_filter_dump_SOURCES = bench/filter-dump.c
bench_filter_dump_CPPFLAGS = $(ALL_LAYERS_CPPFLAGS)
bench_filter_dump_LDADD = $(SS_LIBS)
bench_hello_static_SOURCES = bench/hello-static.c
bench_hello_static_CFLAGS = $(BENCH_CFLAGS)
bench_hello_static_LDFLAGS =
# Static when libc.a exists, dynamic otherwise (bench/link-static decides by trying).
bench_hello_static_LINK = $(SHELL) $(srcdir)/bench/link-static $(CCLD) $(bench_hello_static_CFLAGS) \
	$(CFLAGS) $(LDFLAGS) -o $@

EXTRA_DIST += bench/run bench/link-static bench/README.md bench/flood-sources

.PHONY: bench
bench: all
	BUILDDIR="$(abs_top_builddir)" bash "$(srcdir)/bench/run"
