.output-san/cli/cmd_record.o: src/cli/cmd_record.c src/cli/cmd.h \
 src/host/clock.h src/cli/options.h src/core/filter.h src/core/parse.h \
 src/core/parse.h src/host/session.h src/core/collector.h bpf/waitwatch.h \
 src/host/loader.h src/host/sweep.h src/output/view.h src/host/signals.h \
 src/host/log.h src/host/recorder.h
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
src/host/log.h:
src/host/recorder.h:
