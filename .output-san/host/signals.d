.output-san/host/signals.o: src/host/signals.c src/host/signals.h
src/host/signals.h:
