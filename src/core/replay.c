// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "replay.h"

__u64 rec_item_ts(const struct rec_item *it)
{
	switch (it->type) {
	case REC_EVENT:
		return it->event.ts_ns;
	case REC_SWEEP_BEGIN:
	case REC_SWEEP_END:
		return it->ts_ns;
	case REC_COUNTERS:
		return it->counters.ts_ns;
	default:
		return 0;
	}
}

void replay__init(struct replay *rp, struct rec_reader *r)
{
	memset(rp, 0, sizeof(*rp));
	rp->r = r;
}

static void apply(struct replay *rp, struct collector *c, const struct rec_item *it)
{
	__u64 ts = rec_item_ts(it);

	switch (it->type) {
	case REC_EVENT:
		collector__ingest(c, &it->event);
		rp->events++;
		break;
	case REC_SWEEP_BEGIN:
		collector__sweep_begin(c, it->ts_ns);
		rp->in_sweep = true;
		break;
	case REC_SWEEP_SOCK:
		collector__sweep_sock(c, &it->sock);
		break;
	case REC_SWEEP_END:
		collector__sweep_end(c);
		rp->in_sweep = false;
		break;
	case REC_PORT_RANGE:
		collector__set_port_range(c, it->range.netns, it->range.size);
		break;
	case REC_COUNTERS:
		rp->counters = it->counters;
		break;
	}
	rp->items++;
	if (ts && !rp->first_ts)
		rp->first_ts = ts;
	if (ts > rp->last_ts)
		rp->last_ts = ts;
}

int replay__until(struct replay *rp, struct collector *c, __u64 until_ts, char *err,
		 size_t errlen)
{
	struct rec_item it;
	int ret;

	for (;;) {
		if (rp->has_pending) {
			it = rp->pending;
			rp->has_pending = false;
		} else {
			if (rp->done)
				return 0;
			ret = rec_reader__next(rp->r, &it, err, errlen);
			if (ret <= 0) {
				rp->done = true;
				rp->truncated = ret == -ENODATA;
				return ret;
			}
		}
		if (until_ts && rec_item_ts(&it) > until_ts && !rp->in_sweep) {
			rp->pending = it;
			rp->has_pending = true;
			return 0;
		}
		apply(rp, c, &it);
	}
}
