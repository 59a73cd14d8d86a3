.output-san/tests/test_json: tests/unit/test_json.c \
 src/output/json_writer.h
src/output/json_writer.h:
