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
#include "filter.h"
#include "record.h"
#include "sweep.h"
#include "view.h"

/* Options every tracing subcommand takes besides the filters. */
struct ww_common {
	bool json;
	uint64_t duration_ns; /* 0: until interrupted */
	uint64_t ringbuf_bytes;
	bool force_classic;   /* use the classic tracepoint even if tp_btf works */
};

#define WW_DEFAULT_RINGBUF (8ull << 20)

struct session {
	const struct ww_filters *filters;
	bool events; /* false: the kernel's table only (snapshot) */
	struct collector *c;
	struct loader *l;
	struct sweep_result last_sweep;
	double last_sweep_seconds;
	uint64_t next_drain_ns; /* during a sweep: when to drain the rings again */
	struct loader_counters prev;
	uint64_t prev_ts;
	/* recording (record, serve --record) */
	struct rec_writer *rec;
	const char *rec_path;
	uint64_t rec_max;   /* rotate past this size; 0: never */
	struct rec_meta rec_meta;
	int rec_err;        /* the first write error */
	/* every swept socket that passed the filters, also given to this */
	void (*tap)(void *ctx, const struct ww_sock_rec *r);
	void *tap_ctx;
};

/* Returns 0, or 1 after printing what went wrong. */
int session__open(struct session *s, const struct ww_filters *f, const struct ww_common *common,
		  const struct collector_opts *copts, bool events);
void session__close(struct session *s);

/* Drain pending events into the collector; -errno on failure. */
int session__drain(struct session *s);

/* Wait for the next drain: DRAIN_INTERVAL, or sooner if the ring buffer fills. */
void session__wait(struct session *s, uint64_t ns);

/* One reconciliation sweep of every namespace; 0 or -errno (printed). */
int session__sweep(struct session *s);

/*
 * Record everything the collector is fed into path from now on, rotating
 * it to path.1 past max_size bytes (0: no limit). options: the command line,
 * for the header. Returns 0, or 1 after printing why.
 */
int session__record(struct session *s, const char *path, uint64_t max_size,
		    const char *options);
/* Flush and close the recording; 0 or 1 after printing why. */
int session__record_close(struct session *s);

/* Join argv into one line for a recording's header. */
void session__argv_text(char *buf, size_t len, int argc, char **argv);

/* Source, event counts and rate since the previous call. */
void session__meta(struct session *s, struct view_meta *m, uint64_t now);

#endif
