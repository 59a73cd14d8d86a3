.output-san/host/owners.o: src/host/owners.c src/host/owners.h \
 src/core/owner_map.h src/host/procfs.h
src/host/owners.h:
src/core/owner_map.h:
src/host/procfs.h:
