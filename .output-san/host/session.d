.output-san/host/session.o: src/host/session.c src/host/clock.h \
 src/host/log.h src/host/recorder.h bpf/waitwatch.h src/host/session.h \
 src/core/collector.h src/core/filter.h src/core/parse.h \
 src/host/loader.h src/host/sweep.h src/output/view.h src/host/signals.h
src/host/clock.h:
src/host/log.h:
src/host/recorder.h:
bpf/waitwatch.h:
src/host/session.h:
src/core/collector.h:
src/core/filter.h:
src/core/parse.h:
src/host/loader.h:
src/host/sweep.h:
src/output/view.h:
src/host/signals.h:
