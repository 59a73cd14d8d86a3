.output-san/core/owner_map.o: src/core/owner_map.c src/core/owner_map.h
src/core/owner_map.h:
