/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Diagnostics go to stderr, one line each, prefixed with the tool's name,
 * so that stdout stays clean for tables and JSON lines.
 */
#ifndef WW_LOG_H
#define WW_LOG_H

#include <stdio.h>

/* 0 by default; each -v adds one. libbpf's own messages need 1. */
extern int ww_verbosity;

#define elog(fmt, ...) fprintf(stderr, "waitwatch: " fmt "\n", ##__VA_ARGS__)
#define wlog(fmt, ...) fprintf(stderr, "waitwatch: warning: " fmt "\n", ##__VA_ARGS__)
#define vlog(fmt, ...)                                                                     \
	do {                                                                               \
		if (ww_verbosity >= 1)                                                     \
			fprintf(stderr, "waitwatch: " fmt "\n", ##__VA_ARGS__);            \
	} while (0)
#define dlog(fmt, ...)                                                                     \
	do {                                                                               \
		if (ww_verbosity >= 2)                                                     \
			fprintf(stderr, "waitwatch: debug: " fmt "\n", ##__VA_ARGS__);     \
	} while (0)

#endif
