.output-san/core/leaks.o: src/core/leaks.c src/core/leaks.h \
 src/core/collector.h bpf/waitwatch.h src/core/format.h \
 src/core/owner_map.h
src/core/leaks.h:
src/core/collector.h:
bpf/waitwatch.h:
src/core/format.h:
src/core/owner_map.h:
