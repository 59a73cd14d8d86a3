/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who holds a socket: its inode mapped to the processes and fd numbers
 * that hold it, by reading /proc/PID/fd. Only for the inodes asked about
 * (suspects), so the cost stays bounded: one readlink per open fd.
 */
#ifndef WW_OWNERS_H
#define WW_OWNERS_H

#include <stddef.h>
#include <stdint.h>
#include "owner_map.h"

/*
 * Find every fd that holds one of the inodes (any order, duplicates fine).
 * Returns 0 or -ENOMEM; processes that vanish meanwhile are skipped.
 */
int owners__scan(struct owner_map *m, const uint64_t *inodes, size_t n);

/* /proc/PID/comm, "?" if gone. */
void owner_comm(uint32_t pid, char *buf, size_t len);

/* The cgroup v2 path of a process ("/system.slice/x.service"), "?" if gone. */
void owner_cgroup(uint32_t pid, char *buf, size_t len);

/* The path of a cgroup v2 id, "?" if not found (host/cgnames.c). */
void cgroup_path(uint64_t id, char *buf, size_t len);

#endif
