.output-san/tests/test_options: tests/unit/test_options.c \
 src/core/collector.h bpf/waitwatch.h src/cli/options.h src/core/filter.h \
 src/core/parse.h src/core/parse.h src/host/session.h src/host/loader.h \
 src/host/sweep.h src/output/view.h
src/core/collector.h:
bpf/waitwatch.h:
src/cli/options.h:
src/core/filter.h:
src/core/parse.h:
src/core/parse.h:
src/host/session.h:
src/host/loader.h:
src/host/sweep.h:
src/output/view.h:
