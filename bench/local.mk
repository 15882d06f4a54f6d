# Benchmark: load generator, reference server, peers (make bench).
