.output-san/output/out_json.o: src/output/out_json.c src/core/format.h \
 src/output/json_writer.h src/output/out_trace.h bpf/waitwatch.h \
 src/output/out_json.h src/output/view.h src/core/collector.h
src/core/format.h:
src/output/json_writer.h:
src/output/out_trace.h:
bpf/waitwatch.h:
src/output/out_json.h:
src/output/view.h:
src/core/collector.h:
