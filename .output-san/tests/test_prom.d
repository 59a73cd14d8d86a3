.output-san/tests/test_prom: tests/unit/test_prom.c tests/unit/events.h \
 bpf/waitwatch.h src/core/collector.h src/output/out_prom.h \
 src/output/view.h src/output/view.h
tests/unit/events.h:
bpf/waitwatch.h:
src/core/collector.h:
src/output/out_prom.h:
src/output/view.h:
src/output/view.h:
