.output-san/cli/cmd_trace.o: src/cli/cmd_trace.c src/cli/cmd.h \
 src/host/clock.h src/cli/options.h src/core/filter.h src/core/parse.h \
 src/core/parse.h src/host/session.h src/core/collector.h bpf/waitwatch.h \
 src/host/loader.h src/host/sweep.h src/output/view.h src/host/signals.h \
 src/host/loader.h src/host/log.h src/output/out_trace.h \
 src/core/record.h src/host/record_file.h
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
src/host/loader.h:
src/host/log.h:
src/output/out_trace.h:
src/core/record.h:
src/host/record_file.h:
