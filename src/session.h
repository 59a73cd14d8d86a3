/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A live session: the BPF side feeding the collector, as top and serve use
 * it. Events are drained every 100 ms; a sweep reconciles the collector
 * with the kernel's table (see collector.h).
 */
#ifndef WW_SESSION_H
#define WW_SESSION_H

#include <stdbool.h>
#include "collector.h"
#include "loader.h"
#include "options.h"
#include "sweep.h"
#include "view.h"

struct session {
	const struct ww_filters *filters;
	bool events; /* false: the kernel's table only (snapshot) */
	struct collector *c;
	struct loader *l;
	struct sweep_result last_sweep;
	double last_sweep_seconds;
	struct loader_counters prev;
	uint64_t prev_ts;
};

/* Returns 0, or 1 after printing what went wrong. */
int session__open(struct session *s, const struct ww_filters *f, const struct ww_common *common,
		  const struct collector_opts *copts, bool events);
void session__close(struct session *s);

/* Drain pending events into the collector; -errno on failure. */
int session__drain(struct session *s);

/* One reconciliation sweep of every namespace; 0 or -errno (printed). */
int session__sweep(struct session *s);

/* Source, event counts and rate since the previous call. */
void session__meta(struct session *s, struct view_meta *m, uint64_t now);

#endif
