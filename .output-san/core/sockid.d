.output-san/core/sockid.o: src/core/sockid.c src/core/sockid.h \
 bpf/waitwatch.h
src/core/sockid.h:
bpf/waitwatch.h:
