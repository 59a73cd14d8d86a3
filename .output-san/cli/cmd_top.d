.output-san/cli/cmd_top.o: src/cli/cmd_top.c src/cli/cmd.h \
 src/host/clock.h src/cli/options.h src/core/filter.h src/core/parse.h \
 src/core/parse.h src/host/session.h src/core/collector.h bpf/waitwatch.h \
 src/host/loader.h src/host/sweep.h src/output/view.h src/host/signals.h \
 src/core/format.h src/output/json_writer.h src/host/loader.h \
 src/host/log.h src/output/out_trace.h src/output/out_leaks.h \
 src/core/leaks.h src/core/collector.h src/core/format.h \
 src/core/owner_map.h src/host/suspects.h src/host/session.h \
 src/output/out_json.h src/output/view.h src/output/out_term.h
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
src/core/format.h:
src/output/json_writer.h:
src/host/loader.h:
src/host/log.h:
src/output/out_trace.h:
src/output/out_leaks.h:
src/core/leaks.h:
src/core/collector.h:
src/core/format.h:
src/core/owner_map.h:
src/host/suspects.h:
src/host/session.h:
src/output/out_json.h:
src/output/view.h:
src/output/out_term.h:
