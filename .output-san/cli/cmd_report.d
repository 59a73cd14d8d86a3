.output-san/cli/cmd_report.o: src/cli/cmd_report.c src/cli/cmd.h \
 src/host/clock.h src/cli/options.h src/core/filter.h src/core/parse.h \
 src/core/parse.h src/host/session.h src/core/collector.h bpf/waitwatch.h \
 src/host/loader.h src/host/sweep.h src/output/view.h src/host/signals.h \
 src/output/json_writer.h src/host/log.h src/core/format.h \
 src/core/record.h src/host/record_file.h src/core/replay.h \
 src/core/collector.h src/core/record.h src/output/out_json.h \
 src/output/view.h src/output/out_term.h
src/cli/cmd.h:
src/host/clock.h:
src/cli/options.h:
src/core/filter.h:
src/core/parse.h:
src/core/parse.h:
src/host/session.h:
src/core/collector.h:
bpf/waitwatch.h:
src/host/loader.h:
src/host/sweep.h:
src/output/view.h:
src/host/signals.h:
src/output/json_writer.h:
src/host/log.h:
src/core/format.h:
src/core/record.h:
src/host/record_file.h:
src/core/replay.h:
src/core/collector.h:
src/core/record.h:
src/output/out_json.h:
src/output/view.h:
src/output/out_term.h:
