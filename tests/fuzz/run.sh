#!/bin/sh
# Run the libFuzzer harnesses named as arguments (make builds them), each
# for FUZZ_SECONDS on a corpus in the build tree seeded from the source tree
# (see tests/fuzz.mk, which sets the variables below).  FUZZ_JOBS harnesses
# run at a time.  `run.sh probe` tells whether clang can build a fuzzer (make
# fuzz fails, saying so, when not); exit 1 when a harness found a crash (the
# input is then in tests/fuzz/artifacts/).
set -u
: "${CLANG:=clang}" "${FUZZ_SECONDS:=60}" "${FUZZ_JOBS:=1}" "${srcdir:=.}"
out=tests/fuzz
mkdir -p "$out/bin" "$out/logs"

# `run.sh probe`: can $CLANG build and link a libFuzzer program?  (exit 0 if so)
if [ "${1:-}" = probe ]; then
    # Formatted as the tree's C (an in-tree build puts it where check-format.sh looks).
    printf '%s\n' 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);' \
        'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)' '{' \
        '    (void)d;' '    (void)n;' '    return 0;' '}' >"$out/bin/probe.c"
    $CLANG -fsanitize=fuzzer,address,undefined "$out/bin/probe.c" -o "$out/bin/probe" \
        >"$out/bin/probe.log" 2>&1
    exit $?
fi
[ "${1:-}" = run ] && shift

# Seed the corpus of harness $1 from folders $2...; config seeds get their syntax byte.
seed() {
    name=$1
    shift
    mkdir -p "$out/corpus/$name"
    for d in "$@"; do
        for f in "$srcdir/$d"/*; do
            [ -f "$f" ] || continue
            base=$(basename "$f")
            prefix=
            if [ "$name" = config ]; then
                case $base in *.yaml | *.yml) prefix=y ;; *) prefix=l ;; esac
            fi
            { printf '%s' "$prefix"; cat "$f"; } >"$out/corpus/$name/seed-$(basename "$d")-$base"
        done
    done
}

# Run one harness (built by make); prints its summary line.
run_one() {
    name=$1
    case $name in
    libconfig | yaml | addr | proxy | inetd) dict=$name.dict ;;
    config) dict=config.dict ;;
    *) echo "fuzz: unknown harness $name" >&2; return 1 ;;
    esac
    if [ "$name" = addr ] || [ "$name" = proxy ]; then
        seed "$name" "tests/fuzz/seeds/$name"
    elif [ "$name" = inetd ]; then
        seed "$name" tests/data/inetd
    else
        seed "$name" tests/conf/good tests/conf/bad tests/data/config
    fi
    cat "$srcdir/tests/fuzz/libconfig.dict" "$srcdir/tests/fuzz/yaml.dict" >"$out/bin/config.dict"
    cp "$srcdir/tests/fuzz/libconfig.dict" "$srcdir/tests/fuzz/yaml.dict" \
        "$srcdir/tests/fuzz/addr.dict" "$srcdir/tests/fuzz/proxy.dict" \
        "$srcdir/tests/fuzz/inetd.dict" "$out/bin/" 2>/dev/null
    mkdir -p "$out/artifacts/$name"
    log="$out/logs/$name.log"
    echo "fuzz $name: running for ${FUZZ_SECONDS}s (log: $log)"
    leaks=1
    # libconfig 1.5 leaks on many refused inputs (see fuzz_common.c); with leak
    # checks on, libFuzzer scans the heap after each of them (70x slower).
    [ "$name" = libconfig ] && leaks=0
    "$out/bin/fuzz_$name" -detect_leaks=$leaks -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
        -max_len=8192 -dict="$out/bin/$dict" -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$name/" "$out/corpus/$name" </dev/null >"$log" 2>&1
    rc=$?
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    corpus=$(find "$out/corpus/$name" -type f | wc -l)
    echo "fuzz $name: exit=$rc execs=${execs:-?} exec/s=${rate:-?} corpus_files=$corpus last: $last"
    if [ "$rc" -ne 0 ]; then
        echo "fuzz $name: FOUND A PROBLEM, see $log and $out/artifacts/$name/:" >&2
        ls "$out/artifacts/$name" >&2
        return 1
    fi
    return 0
}

# Run FUZZ_JOBS at a time; `wait PID` gives each one's status.
status=0
pids=
n=0
for name in "$@"; do
    run_one "$name" &
    pids="$pids $!"
    n=$((n + 1))
    if [ "$n" -ge "$FUZZ_JOBS" ]; then
        for p in $pids; do wait "$p" || status=1; done
        pids= n=0
    fi
done
for p in $pids; do wait "$p" || status=1; done
exit $status
