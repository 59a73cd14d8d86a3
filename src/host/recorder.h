/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The recording of `record` and `serve --record`: a consumer of the
 * session like the collector, fed the same events, sweeps and port ranges,
 * written with record.h's format, rotated past a size limit.
 */
#ifndef WW_RECORDER_H
#define WW_RECORDER_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "waitwatch.h"

struct loader;
struct recorder;

/*
 * Create path (or truncate it) and write its header. options: the command
 * line, for the header; l: where the counters and the program's name come
 * from (NULL: a table-only session). optional: the command carries on
 * without the recording once a write fails, and the one line that says
 * so says that too. NULL after printing why.
 */
struct recorder *recorder__open(const char *path, uint64_t max_size, const char *options,
				struct loader *l, bool optional);
/* Flush and close; 0, or -errno after printing why. NULL is fine. */
int recorder__close(struct recorder *r);

void recorder__event(void *ctx, const struct ww_event *e);
/* A new file always starts with a sweep; the rotation happens here. 0 or -errno (printed). */
int recorder__sweep_begin(void *ctx, uint64_t start);
void recorder__sock(void *ctx, const struct ww_sock_rec *r);
void recorder__port_range(void *ctx, __u32 netns, __u32 size);
/* The sweep's end, the counters, a flush: a crash loses at most one interval. */
int recorder__sweep_end(void *ctx, uint64_t start);

/* Join argv into one line for a recording's header. */
void recorder__argv_text(char *buf, size_t len, int argc, char **argv);

#endif
