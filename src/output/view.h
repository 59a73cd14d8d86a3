/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Rendering per-endpoint snapshots: the terminal table and JSON lines. */
#ifndef WW_VIEW_H
#define WW_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "collector.h"

struct json_writer;

struct view_opts {
	enum ww_by by;
	int prefix4, prefix6;
	int64_t mono_to_real_ns; /* to print wall-clock times */
	size_t max_rows;         /* terminal rows shown; 0: all */
};

/* What the live side adds to a snapshot: the kernel's counters. */
struct view_meta {
	const char *source;   /* "tp_btf", "tracepoint" or "iter/tcp" */
	__u64 events;         /* seen by the BPF program */
	double events_per_s;
	__u64 lost;           /* ring-buffer drops + recursion misses */
	__u32 namespaces;     /* swept */
};

/* The states a table shows, in ss's order, and their column titles. */
extern const int view_states[];
extern const char *const view_state_titles[];
#define VIEW_NSTATES 10

/* Port pressure in percent, or -1 when unknown / not outbound. */
double ep_row_port_pressure(const struct ep_row *r);

/* Age of the oldest socket in a state at time now, 0 if none. */
uint64_t ep_row_oldest_age(const struct ep_row *r, int state, uint64_t now);

/* "out", "in" or "-". */
const char *dir_label(int dir);

#endif
