.output-san/host/http.o: src/host/http.c src/host/clock.h src/host/http.h \
 src/host/log.h src/core/parse.h
src/host/clock.h:
src/host/http.h:
src/host/log.h:
src/core/parse.h:
