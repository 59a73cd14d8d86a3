.output-san/host/suspects.o: src/host/suspects.c src/host/owners.h \
 src/core/owner_map.h src/host/clock.h src/host/suspects.h \
 src/core/leaks.h src/core/collector.h bpf/waitwatch.h src/core/format.h \
 src/core/owner_map.h src/core/filter.h src/core/parse.h \
 src/host/session.h src/core/collector.h src/host/loader.h \
 src/host/sweep.h src/output/view.h
src/host/owners.h:
src/core/owner_map.h:
src/host/clock.h:
src/host/suspects.h:
src/core/leaks.h:
src/core/collector.h:
bpf/waitwatch.h:
src/core/format.h:
src/core/owner_map.h:
src/core/filter.h:
src/core/parse.h:
src/host/session.h:
src/core/collector.h:
src/host/loader.h:
src/host/sweep.h:
src/output/view.h:
