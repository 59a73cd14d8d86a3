.output-san/core/record.o: src/core/record.c src/core/record.h \
 bpf/waitwatch.h
src/core/record.h:
bpf/waitwatch.h:
