.output-san/tests/test_scale: tests/unit/test_scale.c \
 src/core/collector.h bpf/waitwatch.h
src/core/collector.h:
bpf/waitwatch.h:
