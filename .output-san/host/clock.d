.output-san/host/clock.o: src/host/clock.c src/host/clock.h
src/host/clock.h:
