// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A host with a million TCP sockets is counted right: one million sweep
 * records over a thousand endpoints and every state, then a sweep where
 * two thirds of them are gone, and the counts follow, socket for socket.
 *
 * Churn over 120,000 endpoints with --max-endpoints 1000, events only: each
 * snapshot stays within the bound collector.h documents, and what is
 * folded into "other" adds up.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
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
	snapshot__free(&s);
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

/* ---- churn over 120,000 endpoints ------------------------------------------ */

#define CHURN_ENDPOINTS 120000u
#define CHURN_MAX_ENDPOINTS 1000u
#define CHURN_T0 1000000000ull

enum fate { FATE_TW, FATE_CW, FATE_RESET, FATE_OPEN };

/* What the sockets of the churn left, as the collector must count them. */
struct churn {
	struct collector *c;
	__u64 ts;
	__u32 live[WW_TCP_NSTATES];
	__u8 *state;  /* per endpoint: its socket's state, 0 gone */
	__u64 *since; /* per endpoint: when its socket entered it */
};

/* Connection i goes to endpoint i, 10.x.y.z:443 with x.y.z = i + 1. */
static void churn_ev(struct churn *ch, __u32 i, int o, int n, __u16 flags)
{
	struct ww_event e;
	__u32 a = i + 1;

	memset(&e, 0, sizeof(e));
	e.ts_ns = ++ch->ts;
	e.sock_id = i + 1;
	e.netns = 4026531840u;
	e.family = WW_AF_INET;
	e.saddr[0] = 192;
	e.saddr[2] = 2;
	e.saddr[3] = 10;
	e.daddr[0] = 10;
	e.daddr[1] = a >> 16;
	e.daddr[2] = a >> 8;
	e.daddr[3] = a;
	e.sport = o == WW_TCP_CLOSE ? 0 : 20000 + i % 40000;
	e.dport = 443;
	e.oldstate = o;
	e.newstate = n;
	e.flags = WW_EF_DIR_OUT | flags;
	collector__ingest(ch->c, &e);
}

static enum fate fate_of(__u32 i, bool most_close)
{
	static const enum fate f[10] = { FATE_TW, FATE_TW, FATE_TW, FATE_TW, FATE_TW, FATE_TW,
					 FATE_CW, FATE_CW, FATE_RESET, FATE_OPEN };

	if (most_close)
		return i % 50 ? FATE_RESET : FATE_TW;
	return f[i % 10];
}

static void churn_one(struct churn *ch, __u32 i, bool most_close)
{
	enum fate f = fate_of(i, most_close);
	int st = WW_TCP_ESTABLISHED;

	churn_ev(ch, i, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0);
	churn_ev(ch, i, WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED, 0);
	if (f == FATE_TW) {
		churn_ev(ch, i, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0);
		churn_ev(ch, i, WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2, 0);
		churn_ev(ch, i, WW_TCP_FIN_WAIT2, WW_TCP_CLOSE, WW_EF_TW);
		st = WW_TCP_TIME_WAIT;
	} else if (f == FATE_CW) {
		churn_ev(ch, i, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0);
		st = WW_TCP_CLOSE_WAIT;
	} else if (f == FATE_RESET) {
		churn_ev(ch, i, WW_TCP_ESTABLISHED, WW_TCP_CLOSE, 0);
		st = 0;
	}
	ch->state[i] = st;
	ch->since[i] = ch->ts;
	if (st)
		ch->live[st]++;
}

/* The endpoint a row is of: 10.x.y.z is endpoint x.y.z - 1. */
static __u32 row_endpoint(const struct ep_row *r)
{
	return ((__u32)r->key.addr[1] << 16 | r->key.addr[2] << 8 | r->key.addr[3]) - 1;
}

/* The snapshot's memory within collector.h's bound, whatever the endpoints seen. */
static void check_bound(const struct snapshot *s)
{
	__u64 groups = s->nrows + s->other.folded;
	__u64 bound = s->nrows * sizeof(struct ep_row) + groups * WW_SNAPSHOT_GROUP_BYTES +
		      12ull * CHURN_MAX_ENDPOINTS + WW_SNAPSHOT_SLACK;

	if (s->stats.snapshot_bytes > bound)
		fail_msg("snapshot: %llu bytes, bound %llu (%zu rows, %llu groups)",
			 (unsigned long long)s->stats.snapshot_bytes, (unsigned long long)bound,
			 s->nrows, (unsigned long long)groups);
	assert_true(s->stats.memory_bytes >= s->stats.snapshot_bytes);
}

/*
 * Every live socket is in a row or in "other", state by state; the rows
 * are the heaviest groups, here (all weigh 0 or 1, one socket each) the
 * endpoints with a TIME_WAIT or CLOSE_WAIT socket, lowest address first;
 * "other" has the oldest of the rest. Its figures are the evicted
 * endpoints': one connection each.
 */
static void check_fold(const struct churn *ch, const struct snapshot *s, __u32 done)
{
	__u32 sum[WW_TCP_NSTATES] = { 0 }, weighty = 0, ports = 0;
	__u64 other_oldest[WW_TCP_NSTATES] = { 0 };
	__u32 in_table = done < CHURN_MAX_ENDPOINTS ? 0 : done - CHURN_MAX_ENDPOINTS;
	__u32 groups = 0;

	for (size_t r = 0; r < s->nrows; r++)
		for (int st = 0; st < WW_TCP_NSTATES; st++)
			sum[st] += s->rows[r].count[st];
	for (int st = 0; st < WW_TCP_NSTATES; st++) {
		assert_int_equal(sum[st] + s->other.count[st], s->totals[st]);
		assert_int_equal(s->totals[st], ch->live[st]);
		ports += s->totals[st];
	}
	for (size_t r = 0; r < s->nrows; r++)
		ports -= s->rows[r].ports_used;
	assert_int_equal(s->other.ports_used, ports);
	/* the rows: the first endpoints with weight, in key order */
	for (__u32 i = 0; i < done; i++) {
		__u8 left = ch->state[i];
		bool w = left == WW_TCP_TIME_WAIT || left == WW_TCP_CLOSE_WAIT;

		groups += left || i >= in_table;
		if (w && weighty < s->nrows) {
			/* rows in key order, after snapshot__sort: all weigh the same */
			if (s->nrows == CHURN_MAX_ENDPOINTS)
				assert_int_equal(row_endpoint(&s->rows[weighty]), i);
			weighty++;
			continue;
		}
		weighty += w;
		if (left && (!other_oldest[left] || ch->since[i] < other_oldest[left]))
			other_oldest[left] = ch->since[i];
	}
	assert_int_equal(s->nrows, groups < CHURN_MAX_ENDPOINTS ? groups : CHURN_MAX_ENDPOINTS);
	assert_int_equal(s->other.folded, groups - s->nrows);
	if (weighty >= s->nrows) {
		for (size_t r = 0; r < s->nrows; r++)
			assert_int_equal(ep_row_weight(&s->rows[r], -1), 1);
		for (int st = 0; st < WW_TCP_NSTATES; st++)
			assert_int_equal(s->other.oldest_since[st], other_oldest[st]);
		assert_int_equal(s->other.oldest_at_least, 0);
	}
	assert_int_equal(s->stats.endpoints_evicted, in_table);
	assert_int_equal(ep_stats_trans(&s->other.stats, WW_TCP_CLOSE, WW_TCP_SYN_SENT), in_table);
	assert_int_equal(ep_stats_entries(&s->other.stats, WW_TCP_ESTABLISHED), in_table);
}

static void churn_run(bool most_close, __u64 *peak)
{
	struct collector_opts o = { .sort_state = -1, .max_endpoints = CHURN_MAX_ENDPOINTS };
	struct churn ch = { .ts = CHURN_T0 };
	struct snapshot s;

	ch.c = collector__new(&o);
	ch.state = calloc(CHURN_ENDPOINTS, sizeof(*ch.state));
	ch.since = calloc(CHURN_ENDPOINTS, sizeof(*ch.since));
	assert_non_null(ch.c);
	assert_non_null(ch.state);
	assert_non_null(ch.since);
	*peak = 0;
	for (__u32 i = 0; i < CHURN_ENDPOINTS; i++) {
		churn_one(&ch, i, most_close);
		if ((i + 1) % 20000 && i != 500)
			continue;
		assert_int_equal(collector__snapshot(ch.c, ch.ts, true, &s), 0);
		check_bound(&s);
		check_fold(&ch, &s, i + 1);
		if (s.stats.snapshot_bytes > *peak)
			*peak = s.stats.snapshot_bytes;
		snapshot__free(&s);
	}
	collector__free(ch.c);
	free(ch.state);
	free(ch.since);
}

static void test_churn_120k_endpoints(void **state)
{
	__u64 peak_live, peak_closed;

	/* 96,000 sockets left over 120,000 endpoints: a group each */
	churn_run(false, &peak_live);
	/* 2,400 left: the snapshot costs what they and the rows do, not the endpoints seen */
	churn_run(true, &peak_closed);
	assert_true(peak_closed < CHURN_MAX_ENDPOINTS * sizeof(struct ep_row) +
					  (2400 + CHURN_MAX_ENDPOINTS) * WW_SNAPSHOT_GROUP_BYTES +
					  12 * CHURN_MAX_ENDPOINTS + WW_SNAPSHOT_SLACK);
	assert_true(peak_closed < peak_live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_million_sockets),
		cmocka_unit_test(test_churn_120k_endpoints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
