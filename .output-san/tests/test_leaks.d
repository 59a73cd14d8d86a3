.output-san/tests/test_leaks: tests/unit/test_leaks.c \
 src/core/collector.h bpf/waitwatch.h src/core/leaks.h \
 src/core/collector.h src/core/format.h src/core/owner_map.h \
 src/output/out_leaks.h src/core/owner_map.h tests/unit/expect.h
src/core/collector.h:
bpf/waitwatch.h:
src/core/leaks.h:
src/core/collector.h:
src/core/format.h:
src/core/owner_map.h:
src/output/out_leaks.h:
src/core/owner_map.h:
tests/unit/expect.h:
