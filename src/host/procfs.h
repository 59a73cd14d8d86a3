/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Small reads of /proc files: one line, or the first line of a given form. */
#ifndef WW_PROCFS_H
#define WW_PROCFS_H

#include <stddef.h>

/* The first line of path, without its newline; "?" if unreadable. */
void procfs__read_line(const char *path, char *buf, size_t len);

/*
 * The number of the first line of path that scanf's fmt (one %llu) matches,
 * e.g. ("/proc/stat", "btime %llu"); 0 if the file or the line is missing.
 */
unsigned long long procfs__find_u64(const char *path, const char *fmt);

/* The kernel's boot time, seconds since the epoch (btime of /proc/stat); 0 if unknown. */
unsigned long long procfs__boot_time_s(void);

#endif
