/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `waitwatch trace` output: one line per transition, as a table row or JSON. */
#ifndef WW_OUT_TRACE_H
#define WW_OUT_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "waitwatch.h"

struct json_writer;

struct trace_out {
	FILE *f;
	struct json_writer *jw; /* NULL for the table */
	int64_t mono_to_real_ns; /* add to a CLOCK_MONOTONIC time to get wall-clock time */
	bool header_done;
};

/* Returns 0 or -ENOMEM. */
int trace_out_init(struct trace_out *o, FILE *f, bool json, int64_t mono_to_real_ns);
void trace_out_event(struct trace_out *o, const struct ww_event *e);
void trace_out_fini(struct trace_out *o);

/* The offset between CLOCK_REALTIME and CLOCK_MONOTONIC, now. */
int64_t clock_mono_to_real_ns(void);

#endif
