// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A host with a million TCP sockets is counted right: one million sweep
 * records over a thousand endpoints and every state, then a sweep where
 * two thirds of them are gone, and the counts follow, socket for socket.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include "collector.h"

#define SOCKETS 1000000u
#define ENDPOINTS 1000u

static const int states[] = { WW_TCP_ESTABLISHED, WW_TCP_TIME_WAIT, WW_TCP_CLOSE_WAIT,
			      WW_TCP_FIN_WAIT2, WW_TCP_SYN_SENT };
#define NSTATES (sizeof(states) / sizeof(states[0]))

/* Socket i: an outbound connection from 10.x to endpoint 203.0.113.x:(1000 + ep). */
static void rec(struct ww_sock_rec *r, __u32 i)
{
	__u32 ep = i % ENDPOINTS;

	memset(r, 0, sizeof(*r));
	r->family = WW_AF_INET;
	r->netns = 4026531840u;
	r->saddr[0] = 10;
	r->saddr[1] = i >> 16;
	r->saddr[2] = i >> 8;
	r->saddr[3] = i;
	r->daddr[0] = 203;
	r->daddr[2] = 113;
	r->daddr[3] = ep % 250;
	r->sport = 20000 + i % 40000;
	r->dport = 1000 + ep;
	r->state = states[(i / ENDPOINTS) % NSTATES];
	if (r->state == WW_TCP_TIME_WAIT || r->state == WW_TCP_FIN_WAIT2)
		r->flags = WW_SF_TIMEWAIT; /* keyed by 4-tuple */
	else
		r->sock_id = i + 1;
}

static void sweep(struct collector *c, __u64 ts, __u32 step)
{
	struct ww_sock_rec r;

	collector__sweep_begin(c, ts);
	for (__u32 i = 0; i < SOCKETS; i += step) {
		rec(&r, i);
		collector__sweep_sock(c, &r);
	}
	collector__sweep_end(c);
}

/* Expected count of one endpoint in one state when every step-th socket exists. */
static __u32 expected(__u32 ep, int state, __u32 step)
{
	__u32 n = 0;

	for (__u32 i = ep; i < SOCKETS; i += ENDPOINTS)
		if (i % step == 0 && states[(i / ENDPOINTS) % NSTATES] == state)
			n++;
	return n;
}

static void check(struct collector *c, __u64 now, __u32 step)
{
	struct snapshot s;
	__u64 total = 0;

	assert_int_equal(collector__snapshot(c, now, false, &s), 0);
	assert_int_equal(s.nrows, ENDPOINTS);
	assert_int_equal(s.other.folded, 0);
	for (size_t i = 0; i < NSTATES; i++)
		total += s.totals[states[i]];
	assert_int_equal(total, (SOCKETS + step - 1) / step);
	assert_int_equal(s.stats.sockets, (SOCKETS + step - 1) / step);
	for (size_t r = 0; r < s.nrows; r++) {
		__u32 ep = s.rows[r].key.port - 1000;

		assert_int_equal(s.rows[r].key.dir, DIR_OUT);
		for (size_t k = 0; k < NSTATES; k++)
			assert_int_equal(s.rows[r].count[states[k]], expected(ep, states[k], step));
	}
	snapshot_free(&s);
}

static void test_million_sockets(void **state)
{
	struct collector_opts o = { .sort_state = -1 };
	struct collector *c = collector__new(&o);

	assert_non_null(c);
	sweep(c, 1000000000ull, 1);
	check(c, 1000000001ull, 1);
	assert_int_equal(collector__stats(c)->seeded, SOCKETS);
	/* two thirds end without an event: TIME_WAIT expiry, lost ->CLOSE */
	sweep(c, 2000000000ull, 3);
	check(c, 2000000001ull, 3);
	assert_int_equal(collector__stats(c)->sockets_dropped, 0);
	collector__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_million_sockets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
