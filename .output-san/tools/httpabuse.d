.output-san/tools/httpabuse: tests/tools/httpabuse.c tests/tools/tools.h
tests/tools/tools.h:
