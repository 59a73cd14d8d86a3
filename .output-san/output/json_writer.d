.output-san/output/json_writer.o: src/output/json_writer.c \
 src/output/json_writer.h
src/output/json_writer.h:
