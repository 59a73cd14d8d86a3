.output-san/tools/loadgen: bench/loadgen.c tests/tools/tools.h
tests/tools/tools.h:
