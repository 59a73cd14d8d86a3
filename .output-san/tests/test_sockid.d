.output-san/tests/test_sockid: tests/unit/test_sockid.c src/core/sockid.h \
 bpf/waitwatch.h
src/core/sockid.h:
bpf/waitwatch.h:
