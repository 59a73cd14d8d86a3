.output-san/tests/test_collector: tests/unit/test_collector.c \
 src/core/collector.h bpf/waitwatch.h src/core/format.h \
 tests/unit/events.h tests/unit/expect.h
src/core/collector.h:
bpf/waitwatch.h:
src/core/format.h:
tests/unit/events.h:
tests/unit/expect.h:
