.output-san/output/out_leaks.o: src/output/out_leaks.c src/core/format.h \
 src/output/json_writer.h src/core/leaks.h src/core/collector.h \
 bpf/waitwatch.h src/core/format.h src/core/owner_map.h \
 src/output/out_leaks.h
src/core/format.h:
src/output/json_writer.h:
src/core/leaks.h:
src/core/collector.h:
bpf/waitwatch.h:
src/core/format.h:
src/core/owner_map.h:
src/output/out_leaks.h:
