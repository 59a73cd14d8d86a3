/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The history the live page draws: one sample per refresh interval of the
 * TIME_WAIT and CLOSE_WAIT counts, in total and of the heaviest endpoints,
 * in a ring that holds the last HISTORY_SPAN_S seconds. A page opened late
 * still shows how the sockets built up. Pure: fed snapshots, no I/O.
 *
 * Bound: HISTORY_TOP endpoints a sample, ceil(HISTORY_SPAN_S / interval)
 * samples (at most HISTORY_MAX_SAMPLES), sizeof(struct history_sample)
 * bytes each and its JSON (at most ~800 bytes): 900 samples, about 1.4 MB,
 * at the default 1 s interval.
 */
#ifndef WW_HISTORY_H
#define WW_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include "collector.h"

#define HISTORY_SPAN_S 900
#define HISTORY_TOP 8
#define HISTORY_MAX_SAMPLES 9000
#define HISTORY_LABEL_LEN 80

struct history_point {
	char endpoint[HISTORY_LABEL_LEN];
	uint32_t netns;
	uint32_t time_wait, close_wait;
};

struct history_sample {
	uint64_t ts_ns; /* CLOCK_MONOTONIC */
	uint32_t time_wait, close_wait; /* every filtered socket of the host */
	uint32_t n;
	struct history_point ep[HISTORY_TOP];
	/*
	 * The sample as its JSON, made once by the caller (output/out_web.c)
	 * so that the whole history costs a copy, not a rendering, at each
	 * refresh; the ring owns it once added. NULL: none.
	 */
	char *text;
	size_t text_len;
};

struct history {
	struct history_sample *ring;
	size_t cap, head, n; /* head: where the next sample goes */
};

/* Samples that cover HISTORY_SPAN_S at that interval, within the bound. */
size_t history_capacity(uint64_t interval_ns);

/* 0 or -ENOMEM. */
int history__init(struct history *h, size_t cap);
void history__free(struct history *h);

/* The sample of a snapshot (rows worst first): its heaviest HISTORY_TOP endpoints. */
void history_sample_of(struct history_sample *out, const struct snapshot *s, enum ww_by by,
		       int prefix4, int prefix6);

/* Append, forgetting (and freeing the text of) the oldest sample when full. */
void history__add(struct history *h, const struct history_sample *s);

/* The i-th sample, oldest first (i < h->n). */
const struct history_sample *history__at(const struct history *h, size_t i);

#endif
