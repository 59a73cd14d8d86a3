.output-san/output/out_trace.o: src/output/out_trace.c \
 src/output/out_trace.h bpf/waitwatch.h src/core/format.h \
 src/output/json_writer.h
src/output/out_trace.h:
bpf/waitwatch.h:
src/core/format.h:
src/output/json_writer.h:
