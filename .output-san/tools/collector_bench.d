.output-san/tools/collector_bench: bench/collector_bench.c \
 src/core/collector.h bpf/waitwatch.h
src/core/collector.h:
bpf/waitwatch.h:
