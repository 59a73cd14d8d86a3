/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Feeding a recording to the collector, as the live loop did. */
#ifndef WW_REPLAY_H
#define WW_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include "collector.h"
#include "record.h"

struct replay {
	struct rec_reader *r;
	struct rec_item pending; /* read past the last cut-off, not applied yet */
	bool has_pending;
	bool in_sweep;
	bool done;               /* the end, or an error */
	__u64 items;
	__u64 events;
	__u64 first_ts, last_ts; /* CLOCK_MONOTONIC of the recording */
	struct rec_counters counters; /* the last the recording holds up to here */
	bool truncated;          /* cut off inside a block */
};

void replay__init(struct replay *rp, struct rec_reader *r);

/*
 * Apply the items up to until_ts (0: all) to c; a sweep that began before
 * until_ts is applied whole. Can be called again with a later until_ts.
 * Returns 0, or -errno with err set (-ENODATA: cut off, everything before
 * was applied).
 */
int replay__until(struct replay *rp, struct collector *c, __u64 until_ts, char *err,
		 size_t errlen);

/* Timestamp of an item (0 for items without one). */
__u64 rec_item_ts(const struct rec_item *it);

#endif
