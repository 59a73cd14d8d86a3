.output-san/core/format.o: src/core/format.c src/core/format.h
src/core/format.h:
