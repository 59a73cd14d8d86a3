.output-san/tests/test_record: tests/unit/test_record.c \
 src/core/collector.h bpf/waitwatch.h src/output/json_writer.h \
 src/output/out_trace.h src/core/record.h src/host/record_file.h \
 src/core/replay.h src/core/collector.h src/core/record.h \
 src/output/out_json.h src/output/view.h src/output/out_term.h \
 tests/unit/expect.h
src/core/collector.h:
bpf/waitwatch.h:
src/output/json_writer.h:
src/output/out_trace.h:
src/core/record.h:
src/host/record_file.h:
src/core/replay.h:
src/core/collector.h:
src/core/record.h:
src/output/out_json.h:
src/output/view.h:
src/output/out_term.h:
tests/unit/expect.h:
