// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "history.h"

size_t history_capacity(uint64_t interval_ns)
{
	uint64_t span = HISTORY_SPAN_S * 1000000000ull, n;

	if (!interval_ns)
		return HISTORY_MAX_SAMPLES;
	n = (span + interval_ns - 1) / interval_ns;
	if (n < 2)
		return 2;
	return n > HISTORY_MAX_SAMPLES ? HISTORY_MAX_SAMPLES : n;
}

int history__init(struct history *h, size_t cap)
{
	memset(h, 0, sizeof(*h));
	h->ring = calloc(cap, sizeof(*h->ring));
	if (!h->ring)
		return -ENOMEM;
	h->cap = cap;
	return 0;
}

void history__free(struct history *h)
{
	for (size_t i = 0; i < h->cap; i++)
		free(h->ring[i].text);
	free(h->ring);
	memset(h, 0, sizeof(*h));
}

void history_sample_of(struct history_sample *out, const struct snapshot *s, enum ww_by by,
		       int prefix4, int prefix6)
{
	memset(out, 0, sizeof(*out));
	out->ts_ns = s->ts_ns;
	out->time_wait = s->totals[WW_TCP_TIME_WAIT];
	out->close_wait = s->totals[WW_TCP_CLOSE_WAIT];
	for (size_t i = 0; i < s->nrows && out->n < HISTORY_TOP; i++) {
		const struct ep_row *r = &s->rows[i];
		struct history_point *p = &out->ep[out->n];

		if (!r->count[WW_TCP_TIME_WAIT] && !r->count[WW_TCP_CLOSE_WAIT])
			continue;
		ep_key_format(p->endpoint, sizeof(p->endpoint), &r->key, by, prefix4, prefix6);
		p->netns = r->key.netns;
		p->time_wait = r->count[WW_TCP_TIME_WAIT];
		p->close_wait = r->count[WW_TCP_CLOSE_WAIT];
		out->n++;
	}
}

void history__add(struct history *h, const struct history_sample *s)
{
	free(h->ring[h->head].text);
	h->ring[h->head] = *s;
	h->head = (h->head + 1) % h->cap;
	if (h->n < h->cap)
		h->n++;
}

const struct history_sample *history__at(const struct history *h, size_t i)
{
	return &h->ring[(h->head + h->cap - h->n + i) % h->cap];
}
