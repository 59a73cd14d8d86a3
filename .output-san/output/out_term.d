.output-san/output/out_term.o: src/output/out_term.c src/core/format.h \
 src/output/out_term.h src/output/view.h src/core/collector.h \
 bpf/waitwatch.h
src/core/format.h:
src/output/out_term.h:
src/output/view.h:
src/core/collector.h:
bpf/waitwatch.h:
