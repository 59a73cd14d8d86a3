/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `waitwatch trace` output: one line per transition, as a table row or JSON. */
#ifndef WW_OUT_TRACE_H
#define WW_OUT_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <linux/types.h>
#include "cgroup_path.h"
#include "waitwatch.h"

struct trace_out {
	FILE *f;
	bool json;              /* JSON lines, else the table */
	int64_t mono_to_real_ns; /* add to a CLOCK_MONOTONIC time to get wall-clock time */
	/* JSON: the names of a cgroup id (host/cgnames.c); NULL: the id only */
	const struct cg_names *(*names)(void *ctx, __u64 cgroup_id);
	void *names_ctx;
	/*
	 * The names' JSON of the last cgroup id: the events of one drain come
	 * mostly from a few cgroups, so most are a compare and a copy. Cleared
	 * at every flush, so that names read later are seen.
	 */
	__u64 cg_last;
	bool cg_valid;
	unsigned short cg_len;
	char cg_json[1024];
	bool header_done;
	time_t hms_sec; /* the second local_hms() last made */
	char hms[16];
	size_t len;     /* formatted, not yet written */
	char buf[64 * 1024];
};

/* The longest line either format can make. */
#define TRACE_LINE_MAX 2048

/* Returns 0 or -ENOMEM. */
int trace_out__init(struct trace_out *o, FILE *f, bool json, int64_t mono_to_real_ns);
void trace_out__event(struct trace_out *o, const struct ww_event *e);
/* Write what is formatted; the caller then flushes f. */
void trace_out__flush(struct trace_out *o);
void trace_out__fini(struct trace_out *o);

#endif
