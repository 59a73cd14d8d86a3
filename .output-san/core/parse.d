.output-san/core/parse.o: src/core/parse.c src/core/format.h \
 src/core/parse.h
src/core/format.h:
src/core/parse.h:
