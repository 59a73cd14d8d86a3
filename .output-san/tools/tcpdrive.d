.output-san/tools/tcpdrive: tests/tools/tcpdrive.c tests/tools/tools.h
tests/tools/tools.h:
