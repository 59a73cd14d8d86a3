.output-san/output/view.o: src/output/view.c src/output/view.h \
 src/core/collector.h bpf/waitwatch.h
src/output/view.h:
src/core/collector.h:
bpf/waitwatch.h:
