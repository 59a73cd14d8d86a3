.output-san/cli/cmd_serve.o: src/cli/cmd_serve.c src/cli/cmd.h \
 src/host/clock.h src/cli/options.h src/core/filter.h src/core/parse.h \
 src/core/parse.h src/host/session.h src/core/collector.h bpf/waitwatch.h \
 src/host/loader.h src/host/sweep.h src/output/view.h src/host/signals.h \
 src/core/gzip.h src/host/http.h src/host/log.h src/output/out_trace.h \
 src/output/out_prom.h src/output/view.h src/host/procfs.h \
 src/host/recorder.h src/host/suspects.h src/core/leaks.h \
 src/core/collector.h src/core/format.h src/core/owner_map.h \
 src/host/session.h .output-san/version.h
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
src/core/gzip.h:
src/host/http.h:
src/host/log.h:
src/output/out_trace.h:
src/output/out_prom.h:
src/output/view.h:
src/host/procfs.h:
src/host/recorder.h:
src/host/suspects.h:
src/core/leaks.h:
src/core/collector.h:
src/core/format.h:
src/core/owner_map.h:
src/host/session.h:
.output-san/version.h:
