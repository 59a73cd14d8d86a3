.output-san/output/out_prom.o: src/output/out_prom.c src/core/format.h \
 src/core/leaks.h src/core/collector.h bpf/waitwatch.h src/core/format.h \
 src/core/owner_map.h src/output/out_prom.h src/core/collector.h \
 src/output/view.h
src/core/format.h:
src/core/leaks.h:
src/core/collector.h:
bpf/waitwatch.h:
src/core/format.h:
src/core/owner_map.h:
src/output/out_prom.h:
src/core/collector.h:
src/output/view.h:
