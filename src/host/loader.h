/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Loading and attaching the BPF programs, and reading their output: the
 * only part of waitwatch that sees the skeleton.
 */
#ifndef WW_LOADER_H
#define WW_LOADER_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "waitwatch.h"
#include "filter.h"

struct loader;

/* Called for every event drained from the ring buffer; non-zero stops draining. */
typedef int (*ww_event_fn)(void *ctx, const struct ww_event *e);

struct loader_opts {
	const struct ww_filters *filters;
	uint64_t ringbuf_bytes;
	bool force_classic;
	bool want_iter; /* load iter/tcp too, for snapshots and reconciliation */
	bool want_events; /* attach the transition program and open the ring buffer */
	uint32_t max_sockets; /* socket lives remembered (sockid.h); 0: the default */
};

/* What the kernel side counted, summed over CPUs. */
struct loader_counters {
	uint64_t events;         /* TCP transitions seen by the program */
	uint64_t rb_drops;       /* lost: ring buffer full */
	uint64_t storage_fail;   /* sockets the full id table could not keep (sockid.h) */
	uint64_t filtered;       /* left out by the filters */
	uint64_t recursion_misses; /* lost: nested on a CPU, and missed by both programs */
	uint64_t main_misses;    /* nested transitions the main program missed */
	uint64_t nested;         /* of those, taken by the catcher program */
	uint64_t run_cnt;        /* main program runs, with kernel.bpf_stats_enabled */
	uint64_t run_time_ns;
	uint64_t catch_run_cnt;  /* the catcher's runs, and time */
	uint64_t catch_run_time_ns;
};

/*
 * Check privileges and kernel support, then open, load and attach.
 * On failure prints one line saying what is wrong and returns NULL.
 */
struct loader *loader__new(const struct loader_opts *opts, ww_event_fn fn, void *ctx);
void loader__free(struct loader *l);

/*
 * Drain every pending event; returns how many, or -errno. The youngest,
 * those after the drain began, wait for the next drain to be put in time
 * order with the rings read before they arrived (see loader.c).
 */
int loader__drain(struct loader *l);

/* The last drain before stopping: everything, the youngest too. */
int loader__drain_final(struct loader *l);

/* How long the commands let events gather in the rings between drains. */
#define LOADER_DRAIN_NS 100000000ull

/*
 * Wait up to timeout_ns, less if the ring buffer fills up (it is then
 * drained too) or a signal arrives. Events drained, or -errno.
 */
int loader__wait(struct loader *l, uint64_t timeout_ns);

int loader__counters(struct loader *l, struct loader_counters *out);

/* "tp_btf" or "tracepoint" */
const char *loader__mode(const struct loader *l);

/*
 * Sweeps: a swept full socket's kernel address becomes its id (sockid.h).
 * begin before the sweep, end once the events during it were drained.
 */
void loader__sweep_begin(struct loader *l, uint64_t ts_start);
void loader__sweep_rec(struct loader *l, struct ww_sock_rec *r);
void loader__sweep_end(struct loader *l);

/* The iter/tcp link: a new iterator fd per read, see sweep.h. -1 if none. */
int loader__iter_link_fd(const struct loader *l);

/* Print libbpf's messages only from -vv on; installed once at start. */
void loader__setup_libbpf_log(void);

#endif
