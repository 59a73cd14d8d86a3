.output-san/core/collector.o: src/core/collector.c src/core/collector.h \
 bpf/waitwatch.h src/core/format.h src/core/pool.h
src/core/collector.h:
bpf/waitwatch.h:
src/core/format.h:
src/core/pool.h:
