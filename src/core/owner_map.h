/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which processes hold a socket: (inode, pid, fd) triples, sorted, as the
 * host side's scan of /proc/PID/fd (owners.c) fills them and the leak
 * diagnosis (leaks.c) reads them.
 */
#ifndef WW_OWNER_MAP_H
#define WW_OWNER_MAP_H

#include <stddef.h>
#include <stdint.h>

#define OWNER_MAX_FDS 64 /* fd numbers kept per (inode, pid); more are counted */

struct owner_fd {
	uint64_t ino;
	uint32_t pid;
	uint32_t fd;
};

struct owner_map {
	struct owner_fd *fds; /* sorted by inode, then pid, then fd */
	size_t n, cap;
	uint32_t procs_scanned;
	uint32_t fds_scanned;
};

/* Append one triple; 0 or -ENOMEM. Sort before the first find. */
int owner_map__add(struct owner_map *m, uint64_t ino, uint32_t pid, uint32_t fd);
/* By inode, then pid, then fd. */
void owner_map__sort(struct owner_map *m);
/* The fds holding inode, as a range of m->fds; *count 0 if none. */
const struct owner_fd *owner_map__find(const struct owner_map *m, uint64_t ino, size_t *count);
void owner_map__free(struct owner_map *m);

#endif
