.output-san/host/loader.o: src/host/loader.c src/host/loader.h \
 bpf/waitwatch.h src/core/filter.h src/core/parse.h src/host/clock.h \
 src/host/log.h src/host/procfs.h src/core/sockid.h \
 .output-san/waitwatch.skel.h
src/host/loader.h:
bpf/waitwatch.h:
src/core/filter.h:
src/core/parse.h:
src/host/clock.h:
src/host/log.h:
src/host/procfs.h:
src/core/sockid.h:
.output-san/waitwatch.skel.h:
