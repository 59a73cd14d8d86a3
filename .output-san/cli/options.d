.output-san/cli/options.o: src/cli/options.c bpf/waitwatch.h \
 src/cli/options.h src/core/filter.h src/core/parse.h src/core/parse.h \
 src/host/session.h src/core/collector.h src/host/loader.h \
 src/host/sweep.h src/output/view.h src/core/format.h src/host/log.h
bpf/waitwatch.h:
src/cli/options.h:
src/core/filter.h:
src/core/parse.h:
src/core/parse.h:
src/host/session.h:
src/core/collector.h:
src/host/loader.h:
src/host/sweep.h:
src/output/view.h:
src/core/format.h:
src/host/log.h:
