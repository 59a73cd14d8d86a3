.output-san/host/recorder.o: src/host/recorder.c src/host/clock.h \
 src/host/loader.h bpf/waitwatch.h src/core/filter.h src/core/parse.h \
 src/host/log.h src/host/procfs.h src/core/record.h \
 src/host/record_file.h src/host/recorder.h
src/host/clock.h:
src/host/loader.h:
bpf/waitwatch.h:
src/core/filter.h:
src/core/parse.h:
src/host/log.h:
src/host/procfs.h:
src/core/record.h:
src/host/record_file.h:
src/host/recorder.h:
