/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A live session: the BPF side feeding the collector and its taps (the
 * recorder, the leak watch), and the one loop every command runs on it:
 * drain the rings every LOADER_DRAIN_NS, sweep and tick every interval,
 * stop at the deadline or a signal. A sweep reconciles the collector with
 * the kernel's table (see collector.h).
 */
#ifndef WW_SESSION_H
#define WW_SESSION_H

#include <stdbool.h>
#include "collector.h"
#include "filter.h"
#include "loader.h"
#include "sweep.h"
#include "view.h"

/* Options every tracing subcommand takes besides the filters. */
struct ww_common {
	bool json;
	uint64_t duration_ns; /* 0: until interrupted */
	uint64_t ringbuf_bytes;
	bool force_classic;   /* use the classic tracepoint even if tp_btf works */
	bool no_seccomp;      /* no system call filter in the steady state */
};

#define WW_DEFAULT_RINGBUF (8ull << 20)

/* What the session feeds besides the collector. Any hook may be NULL. */
struct session_tap {
	void (*event)(void *ctx, const struct ww_event *e);
	/* 0, or -errno after printing why: the sweep fails */
	int (*sweep_begin)(void *ctx, uint64_t start);
	void (*sock)(void *ctx, const struct ww_sock_rec *r);
	void (*port_range)(void *ctx, __u32 netns, __u32 size);
	int (*sweep_end)(void *ctx, uint64_t start);
	void *ctx;
};

#define SESSION_MAX_TAPS 4

struct session {
	const struct ww_filters *filters;
	struct collector_opts copts;
	bool events; /* false: the kernel's table only (snapshot) */
	struct collector *c;
	struct loader *l;
	struct session_tap taps[SESSION_MAX_TAPS];
	int ntaps;
	struct recorder *rec;
	bool rec_optional; /* a write error ends the recording, not the session */
	struct sweep_result last_sweep;
	double last_sweep_seconds;
	uint64_t next_drain_ns; /* during a sweep: when to drain the rings again */
	struct loader_counters prev;
	uint64_t prev_ts;
};

/* 0, or -errno after printing what went wrong. */
int session__open(struct session *s, const struct ww_filters *f, const struct ww_common *common,
		  const struct collector_opts *copts, bool events);
/* Closes the recording too; -errno if its last writes failed (printed). */
int session__close(struct session *s);

/* Feed t too, from the next event or sweep on. 0 or -ENOSPC. */
int session__add_tap(struct session *s, const struct session_tap *t);

/*
 * Keep only what sweeps in f's namespaces (and owner look-ups, if owners)
 * need, under the sweeps' system call filter unless --no-seccomp.
 * 0, or -errno after printing why.
 */
int session__steady(const struct ww_filters *f, const struct ww_common *common, bool owners);

/* Drain pending events into the collector; 0 or -errno (printed). */
int session__drain(struct session *s);

/* Wait for the next drain: ns, or sooner if a ring fills or a signal arrives. */
void session__wait(struct session *s, uint64_t ns);

/* One reconciliation sweep of every namespace; 0 or -errno (printed). */
int session__sweep(struct session *s);

/* A new, empty collector with the same options (a new window); 0 or -ENOMEM (printed). */
int session__reset(struct session *s);

/*
 * Record everything the collector is fed into path from now on, rotating
 * it to path.1 past max_size bytes (0: no limit). options: the command
 * line, for the header. optional: a write error (a full disk) ends the
 * recording, not the session (serve); else the session's loop stops on it.
 * 0, or -errno after printing why.
 */
int session__record(struct session *s, const char *path, uint64_t max_size,
		    const char *options, bool optional);

/*
 * How a live session shows: copts' grouping (whole addresses unless a
 * prefix is set), wall-clock times, cgroup names.
 */
struct view_opts session__view(const struct collector_opts *copts);

/* Source, event counts and rate since the previous call. */
void session__meta(struct session *s, struct view_meta *m, uint64_t now);

/* The loop: what a command does, and when. */
struct session_loop {
	uint64_t interval_ns;
	uint64_t duration_ns; /* 0: until interrupted */
	bool tick_at_start;   /* the first tick at once (serve); else a seeding sweep first */
	bool sweep_at_end;    /* end on a sweep, also when interrupted (record) */
	/* after each interval's sweep: 0 go on, 1 done, -errno (printed) */
	int (*tick)(void *ctx);
	/* at every turn, about every LOADER_DRAIN_NS (serve: reap slow clients) */
	void (*turn)(void *ctx);
	void *ctx;
};

/* A loop that ticks every interval until duration_ns (0: until interrupted). */
struct session_loop session_loop__every(uint64_t interval_ns, uint64_t duration_ns,
					int (*on_tick)(void *ctx), void *ctx);

/* Run until the deadline, a signal, or a tick says done. 0 or -errno (printed). */
int session__run(struct session *s, const struct session_loop *lp);

#endif
