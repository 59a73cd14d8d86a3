.output-san/host/record_file.o: src/host/record_file.c \
 src/host/record_file.h src/core/record.h bpf/waitwatch.h
src/host/record_file.h:
src/core/record.h:
bpf/waitwatch.h:
