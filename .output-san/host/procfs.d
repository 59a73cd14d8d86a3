.output-san/host/procfs.o: src/host/procfs.c src/host/procfs.h
src/host/procfs.h:
