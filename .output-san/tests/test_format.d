.output-san/tests/test_format: tests/unit/test_format.c src/core/format.h
src/core/format.h:
