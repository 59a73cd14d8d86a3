.output-san/tests/test_pool: tests/unit/test_pool.c src/core/pool.h
src/core/pool.h:
