.output-san/tests/test_parse: tests/unit/test_parse.c src/core/parse.h
src/core/parse.h:
