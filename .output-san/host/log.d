.output-san/host/log.o: src/host/log.c src/host/log.h
src/host/log.h:
