.output-san/core/replay.o: src/core/replay.c src/core/replay.h \
 src/core/collector.h bpf/waitwatch.h src/core/record.h
src/core/replay.h:
src/core/collector.h:
bpf/waitwatch.h:
src/core/record.h:
