.output-san/host/sweep.o: src/host/sweep.c src/host/log.h \
 src/host/sweep.h bpf/waitwatch.h
src/host/log.h:
src/host/sweep.h:
bpf/waitwatch.h:
