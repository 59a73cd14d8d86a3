.output-san/core/gzip.o: src/core/gzip.c src/core/gzip.h
src/core/gzip.h:
