.output-san/core/filter.o: src/core/filter.c bpf/waitwatch.h \
 src/core/filter.h src/core/parse.h
bpf/waitwatch.h:
src/core/filter.h:
src/core/parse.h:
