// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/collector.c: recorded event sequences and sweep records,
 * built as the BPF programs emit them (events.h), then exact assertions on the
 * snapshot. The sequences follow docs/counting.md ("The transitions the kernel reports"); the
 * expected figures follow the contract in src/collector.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "format.h"
#include "events.h"
#include "expect.h"

#define ST_ALL_ZERO 0

/* The time-in-state histogram of state, its bucket that ends at 2^log2_us microseconds. */
#define HIST(r, state, log2_us) \
	((r)->stats.hist[ep_hist_slot(state)][((log2_us) - WW_LE_FIRST) / WW_LE_STEP])
#define HIST_SUM(r, state) ((r)->stats.hist_sum_ns[ep_hist_slot(state)])

/* ---- helpers --------------------------------------------------------------- */

static struct collector_opts opts_default(void)
{
	struct collector_opts o;

	memset(&o, 0, sizeof(o));
	o.by = BY_SERVICE;
	o.prefix4 = 32;
	o.prefix6 = 128;
	o.sort_state = -1; /* what `top` uses: TIME_WAIT + CLOSE_WAIT */
	return o;
}

static struct collector *mk(const struct collector_opts *o)
{
	struct collector *c = collector__new(o);

	assert_non_null(c);
	return c;
}

/* Take a snapshot of c into *s, freeing the previous one (s starts zeroed). */
static void take_of(struct collector *c, __u64 now, bool update_rates, struct snapshot *s)
{
	snapshot__free(s);
	assert_int_equal(collector__snapshot(c, now, update_rates, s), 0);
}

/*
 * What most tests work on: a collector made with f->o (opts_default(); a
 * test that wants others sets them and calls remake()) and its last
 * snapshot, both freed after the test.
 */
struct coll_fx {
	struct collector_opts o;
	struct collector *c;
	struct snapshot s;
};

static int fx_setup(void **state)
{
	struct coll_fx *f = test_calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->o = opts_default();
	f->c = mk(&f->o);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct coll_fx *f = *state;

	snapshot__free(&f->s);
	collector__free(f->c);
	test_free(f);
	return 0;
}

#define FX_TEST(test) cmocka_unit_test_setup_teardown(test, fx_setup, fx_teardown)

/* A new collector, with the options set in f->o. */
static void remake(struct coll_fx *f)
{
	collector__free(f->c);
	f->c = mk(&f->o);
}

static void take(struct coll_fx *f, __u64 now, bool update_rates)
{
	take_of(f->c, now, update_rates, &f->s);
}

static void key_name(char *buf, size_t len, const struct ep_key *k, const struct collector_opts *o)
{
	ep_key_format(buf, len, k, o->by, o->prefix4, o->prefix6);
}

static void dump_rows(const struct snapshot *s, const struct collector_opts *o)
{
	char name[128];

	for (size_t i = 0; i < s->nrows; i++) {
		const struct ep_row *r = &s->rows[i];

		key_name(name, sizeof(name), &r->key, o);
		print_error("  row %zu: %s dir %u netns %u:", i, name, r->key.dir, r->key.netns);
		for (int st = 0; st < WW_TCP_NSTATES; st++)
			if (r->count[st])
				print_error(" %s=%u", tcp_state_name(st), r->count[st]);
		print_error("\n");
	}
}

/* The row whose key formats as name; dir < 0 and netns 0: any. */
static const struct ep_row *row_find(const struct snapshot *s, const struct collector_opts *o,
				     const char *name, int dir, __u32 netns)
{
	char buf[128];

	for (size_t i = 0; i < s->nrows; i++) {
		const struct ep_row *r = &s->rows[i];

		key_name(buf, sizeof(buf), &r->key, o);
		if (strcmp(buf, name))
			continue;
		if (dir >= 0 && r->key.dir != dir)
			continue;
		if (netns && r->key.netns != netns)
			continue;
		return r;
	}
	return NULL;
}

static const struct ep_row *row_get_at(const struct snapshot *s, const struct collector_opts *o,
				       const char *name, int dir, __u32 netns, const char *file,
				       int line)
{
	const struct ep_row *r = row_find(s, o, name, dir, netns);

	if (!r) {
		print_error("no row \"%s\" (dir %d netns %u) among %zu rows:\n", name, dir, netns,
			    s->nrows);
		dump_rows(s, o);
		_fail(file, line);
	}
	return r;
}

#define ROW(f, name, dir) row_get_at(&(f)->s, &(f)->o, name, dir, 0, __FILE__, __LINE__)
#define ROW_NS(f, name, dir, ns) row_get_at(&(f)->s, &(f)->o, name, dir, ns, __FILE__, __LINE__)

/* Every state's count, exactly: the states not listed must be 0. */
static void expect_counts_at(const __u32 *got, const __u32 *want, const char *what,
			     const char *file, int line)
{
	bool bad = false;

	for (int st = 0; st < WW_TCP_NSTATES; st++) {
		if (got[st] != want[st]) {
			print_error("%s: %s = %u, expected %u\n", what, tcp_state_name(st), got[st],
				    want[st]);
			bad = true;
		}
	}
	if (bad)
		_fail(file, line);
}

#define EXPECT_COUNTS(got, ...)                                                          \
	expect_counts_at(got, (const __u32[WW_TCP_NSTATES]){ __VA_ARGS__ }, #got, __FILE__, \
			 __LINE__)

#define ASSERT_RATE(a, b)                                                                     \
	do {                                                                                  \
		double a_ = (a), b_ = (b);                                                    \
		if (fabs(a_ - b_) > 1e-9 * (fabs(b_) > 1 ? fabs(b_) : 1)) {                   \
			print_error("%s = %.12g, expected %.12g\n", #a, a_, b_);              \
			_fail(__FILE__, __LINE__);                                            \
		}                                                                             \
	} while (0)

static void sweep_empty(struct collector *c, __u64 ts)
{
	collector__sweep_begin(c, ts);
	collector__sweep_end(c);
}

/* A sweep at ts that meets the records recs[n], in that order. */
static void sweep_recs(struct collector *c, __u64 ts, const struct ww_sock_rec *recs, size_t n)
{
	collector__sweep_begin(c, ts);
	for (size_t i = 0; i < n; i++)
		sweep_rec(c, recs[i]);
	collector__sweep_end(c);
}

#define SWEEP(c, ts, ...)                                                      \
	sweep_recs(c, ts, (const struct ww_sock_rec[]){ __VA_ARGS__ },          \
		   sizeof((const struct ww_sock_rec[]){ __VA_ARGS__ }) / sizeof(struct ww_sock_rec))

/*
 * A sweep at ts that meets no socket: none is left, tw_exits_sweep TIME_WAIT
 * sockets have ended by a sweep so far, and nothing needed a repair.
 */
static void sweep_all_gone(struct coll_fx *f, __u64 ts, __u64 tw_exits_sweep)
{
	sweep_empty(f->c, ts);
	take(f, ts, false);
	EXPECT_COUNTS(f->s.totals, ST_ALL_ZERO);
	EXPECT_FIELDS(&f->s.stats, FV(tw_exits_sweep, tw_exits_sweep), FV(repairs, 0),
		      FV(sockets, 0));
}

/*
 * The race tests' start: three outbound sockets to 203.0.113.5:80 (ids from
 * id, local ports from lport), the first two connected at 2 s after an
 * empty sweep at 1 s; then a sweep begins at 10 s.
 */
static void race_start(struct coll_fx *f, struct tsock s[3], __u64 id, __u16 lport)
{
	for (int i = 0; i < 3; i++)
		s[i] = t_out(id + i, "192.0.2.10", lport + i, "203.0.113.5", 80);
	sweep_empty(f->c, 1 * SEC);
	t_connect(f->c, &s[0], 2 * SEC);
	t_connect(f->c, &s[1], 2 * SEC);
	collector__sweep_begin(f->c, 10 * SEC);
}

/* ---- 1. the transition paths of docs/counting.md ------------------------- */

static void test_active_close_client(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_out(101, "192.0.2.10", 40000, "203.0.113.5", 80);
	const struct ep_row *r;

	t_owner(&x, 1234, "curl");
	tr(f->c, &x, 1 * SEC, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
	take(f, 1 * SEC + 1, false);
	r = ROW(f, "203.0.113.5:80", DIR_OUT);
	EXPECT_COUNTS(r->count, [WW_TCP_SYN_SENT] = 1);
	assert_int_equal(r->ports_used, 1);

	tr(f->c, &x, 1 * SEC + MSEC, WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED, 0, 0);
	take(f, 2 * SEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_ESTABLISHED] = 1);

	tr(f->c, &x, 6 * SEC + MSEC, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	take(f, 6 * SEC + MSEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_FIN_WAIT1] = 1);

	tr(f->c, &x, 6 * SEC + 2 * MSEC, WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2, 0, 0);
	take(f, 6 * SEC + 2 * MSEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_FIN_WAIT2] = 1);

	tr(f->c, &x, 6 * SEC + 3 * MSEC, WW_TCP_FIN_WAIT2, WW_TCP_CLOSE, WW_EF_TW, 0);
	take(f, 7 * SEC, false);
	assert_int_equal(f->s.nrows, 1);
	r = ROW(f, "203.0.113.5:80", DIR_OUT);
	EXPECT_COUNTS(r->count, [WW_TCP_TIME_WAIT] = 1);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_TIME_WAIT] = 1);
	assert_int_equal(r->key.family, WW_AF_INET);
	assert_int_equal(r->oldest_since[WW_TCP_TIME_WAIT], 6 * SEC + 3 * MSEC);
	assert_int_equal(r->oldest_at_least, 0);
	assert_int_equal(r->ports_used, 1);
	assert_int_equal(ep_stats_entries(&r->stats, WW_TCP_SYN_SENT), 1);
	assert_int_equal(ep_stats_entries(&r->stats, WW_TCP_TIME_WAIT), 1);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1), 1);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_FIN_WAIT2, WW_TCP_CLOSE), 1);
	/* 5 s in ESTABLISHED: 2^22 <= 5e6 us < 2^24, the bucket up to 2^24 */
	assert_int_equal(HIST(r, WW_TCP_ESTABLISHED, 24), 1);
	assert_int_equal(HIST_SUM(r, WW_TCP_ESTABLISHED), 5 * SEC);
	/* SYN_SENT at 1 s to CLOSE at 6.003 s */
	assert_int_equal(r->stats.lifetime_hist[23], 1);
	EXPECT_FIELDS(&f->s.stats, FV(events, 5), FV(sockets, 1), FV(tw_entries, 1), FV(repairs, 0),
		      FV(sockets_dropped, 0));
}

/* The server's side of a close the client started: CLOSE_WAIT, LAST_ACK. */
static void test_passive_close_server(void **state)
{
	struct coll_fx *f = *state;
	struct tsock l = t_listener(200, "198.51.100.1", 8080);
	struct tsock a = t_in(201, "198.51.100.1", 8080, "192.0.2.50", 50000);
	const struct ep_row *r;

	collector__set_port_range(f->c, NETNS_HOST, 28232);
	t_owner(&l, 900, "nginx");
	t_listen(f->c, &l, 1 * SEC);
	t_accept(f->c, &a, 2 * SEC);
	take(f, 2 * SEC, false);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_ESTABLISHED] = 1);

	tr(f->c, &a, 3 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	take(f, 3 * SEC, false);
	r = ROW(f, "198.51.100.1:8080", DIR_IN);
	EXPECT_COUNTS(r->count, [WW_TCP_LISTEN] = 1, [WW_TCP_CLOSE_WAIT] = 1);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_LISTEN] = 1, [WW_TCP_CLOSE_WAIT] = 1);
	assert_int_equal(r->oldest_since[WW_TCP_CLOSE_WAIT], 3 * SEC);

	tr(f->c, &a, 4 * SEC, WW_TCP_CLOSE_WAIT, WW_TCP_LAST_ACK, 0, 0);
	take(f, 4 * SEC, false);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_LAST_ACK] = 1);

	tr(f->c, &a, 4 * SEC + MSEC, WW_TCP_LAST_ACK, WW_TCP_CLOSE, 0, 0);
	take(f, 5 * SEC, false);
	assert_int_equal(f->s.nrows, 1);
	r = ROW(f, "198.51.100.1:8080", DIR_IN);
	EXPECT_COUNTS(r->count, [WW_TCP_LISTEN] = 1);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_LISTEN] = 1);
	assert_int_equal(r->ports_used, 0);
	assert_int_equal(r->port_range, 0); /* inbound: no local port of ours at stake */
	assert_int_equal(ep_stats_entries(&r->stats, WW_TCP_CLOSE_WAIT), 1);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_CLOSE_WAIT, WW_TCP_LAST_ACK), 1);
	assert_int_equal(HIST(r, WW_TCP_CLOSE_WAIT, 20), 1); /* 1 s: 2^18 < 1e6 us <= 2^20 */
	EXPECT_FIELDS(&f->s.stats, FV(tw_entries, 0), FV(sockets, 1));
}

/* Both sides of one connection on this host close at once: two TIME_WAIT sockets. */
static void test_simultaneous_close(void **state)
{
	struct coll_fx *f = *state;
	struct tsock l = t_listener(300, "198.51.100.1", 8080);
	struct tsock x = t_out(301, "192.0.2.10", 40001, "198.51.100.1", 8080);
	struct tsock y = t_in(302, "198.51.100.1", 8080, "192.0.2.10", 40001);

	t_listen(f->c, &l, 1 * SEC);
	t_connect(f->c, &x, 2 * SEC);
	t_accept(f->c, &y, 2 * SEC + MSEC);
	tr(f->c, &x, 3 * SEC, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	tr(f->c, &y, 3 * SEC, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	tr(f->c, &x, 3 * SEC + MSEC, WW_TCP_FIN_WAIT1, WW_TCP_CLOSING, 0, 0);
	tr(f->c, &y, 3 * SEC + MSEC, WW_TCP_FIN_WAIT1, WW_TCP_CLOSING, 0, 0);
	take(f, 3 * SEC + MSEC, false);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_OUT)->count, [WW_TCP_CLOSING] = 1);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_CLOSING] = 1);

	tr(f->c, &x, 3 * SEC + 2 * MSEC, WW_TCP_CLOSING, WW_TCP_CLOSE, WW_EF_TW, 0);
	tr(f->c, &y, 3 * SEC + 2 * MSEC, WW_TCP_CLOSING, WW_TCP_CLOSE, WW_EF_TW, 0);
	take(f, 4 * SEC, false);
	assert_int_equal(f->s.nrows, 2);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 1);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_TIME_WAIT] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(tw_entries, 2), FV(sockets, 3));
	EXPECT_COUNTS(f->s.totals, [WW_TCP_LISTEN] = 1, [WW_TCP_TIME_WAIT] = 2);
}

/* SO_LINGER 0: the closer's ESTABLISHED->CLOSE, the peer's with ECONNRESET/EPIPE. */
static void test_reset_linger0(void **state)
{
	struct coll_fx *f = *state;
	struct tsock l = t_listener(400, "198.51.100.1", 8080);
	struct tsock x = t_out(401, "192.0.2.10", 40002, "203.0.113.5", 80);
	struct tsock y = t_in(402, "198.51.100.1", 8080, "192.0.2.50", 50002);
	struct tsock z = t_in(403, "198.51.100.1", 8080, "192.0.2.50", 50003);
	const struct ep_row *r;

	t_owner(&x, 1234, "curl");
	t_listen(f->c, &l, 1 * SEC);
	t_connect(f->c, &x, 2 * SEC);
	t_accept(f->c, &y, 2 * SEC);
	t_accept(f->c, &z, 2 * SEC);
	tr(f->c, &z, 2 * SEC + 500 * MSEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	take(f, 2 * SEC + 500 * MSEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_ESTABLISHED] = 1);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_ESTABLISHED] = 1, [WW_TCP_CLOSE_WAIT] = 1);

	tr(f->c, &x, 3 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE, 0, 0);   /* closer, sk_err 0 */
	tr(f->c, &y, 3 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE, 0, 104); /* ECONNRESET */
	tr(f->c, &z, 3 * SEC, WW_TCP_CLOSE_WAIT, WW_TCP_CLOSE, 0, 32);   /* EPIPE */
	take(f, 4 * SEC, false);
	r = ROW(f, "203.0.113.5:80", DIR_OUT);
	EXPECT_COUNTS(r->count, ST_ALL_ZERO);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_ESTABLISHED, WW_TCP_CLOSE), 1);
	assert_int_equal(ep_stats_entries(&r->stats, WW_TCP_TIME_WAIT), 0);
	r = ROW(f, "198.51.100.1:8080", DIR_IN);
	EXPECT_COUNTS(r->count, [WW_TCP_LISTEN] = 1);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_ESTABLISHED, WW_TCP_CLOSE), 1);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_CLOSE_WAIT, WW_TCP_CLOSE), 1);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_LISTEN] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(tw_entries, 0), FV(sockets, 1));
}

/* Refused (ECONNREFUSED) and blackholed (ETIMEDOUT from the timer) connects. */
static void test_connect_refused(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_out(501, "192.0.2.10", 40005, "203.0.113.5", 81);
	struct tsock b = t_out(502, "192.0.2.10", 40006, "203.0.113.7", 81);
	const struct ep_row *r;

	t_owner(&x, 1234, "curl");
	tr(f->c, &x, 1 * SEC, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
	tr(f->c, &b, 1 * SEC, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
	take(f, 1 * SEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:81", DIR_OUT)->count, [WW_TCP_SYN_SENT] = 1);
	EXPECT_COUNTS(ROW(f, "203.0.113.7:81", DIR_OUT)->count, [WW_TCP_SYN_SENT] = 1);

	tr(f->c, &x, 1 * SEC + MSEC, WW_TCP_SYN_SENT, WW_TCP_CLOSE, 0, 111);
	tr(f->c, &b, 64 * SEC, WW_TCP_SYN_SENT, WW_TCP_CLOSE, 0, 110);
	take(f, 65 * SEC, false);
	r = ROW(f, "203.0.113.5:81", DIR_OUT);
	EXPECT_COUNTS(r->count, ST_ALL_ZERO);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_SYN_SENT, WW_TCP_CLOSE), 1);
	r = ROW(f, "203.0.113.7:81", DIR_OUT);
	EXPECT_COUNTS(r->count, ST_ALL_ZERO);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_SYN_SENT, WW_TCP_CLOSE), 1);
	EXPECT_COUNTS(f->s.totals, ST_ALL_ZERO);
	EXPECT_FIELDS(&f->s.stats, FV(sockets, 0), FV(tw_entries, 0));
}

/* CLOSE->LISTEN, LISTEN->CLOSE, two SO_REUSEPORT listeners on one address. */
static void test_listener_open_close(void **state)
{
	struct coll_fx *f = *state;
	struct tsock l1 = t_listener(601, "0.0.0.0", 8080);
	struct tsock l2 = t_listener(602, "0.0.0.0", 8080);
	struct tsock a = t_in(603, "198.51.100.1", 8080, "192.0.2.50", 50004);

	t_owner(&l1, 900, "nginx");
	t_owner(&l2, 901, "nginx");
	t_listen(f->c, &l1, 1 * SEC);
	t_listen(f->c, &l2, 1 * SEC);
	take(f, 1 * SEC, false);
	assert_int_equal(f->s.nrows, 1);
	EXPECT_COUNTS(ROW(f, "0.0.0.0:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 2);

	tr(f->c, &l1, 2 * SEC, WW_TCP_LISTEN, WW_TCP_CLOSE, 0, 0);
	take(f, 2 * SEC, false);
	EXPECT_COUNTS(ROW(f, "0.0.0.0:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1);

	/* the other listener still accepts on the wildcard address */
	t_accept(f->c, &a, 3 * SEC);
	take(f, 3 * SEC, false);
	assert_int_equal(f->s.nrows, 1);
	EXPECT_COUNTS(ROW(f, "0.0.0.0:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_ESTABLISHED] = 1);

	tr(f->c, &l2, 4 * SEC, WW_TCP_LISTEN, WW_TCP_CLOSE, 0, 0);
	take(f, 4 * SEC, false);
	EXPECT_COUNTS(ROW(f, "0.0.0.0:8080", DIR_IN)->count, [WW_TCP_ESTABLISHED] = 1);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_ESTABLISHED] = 1);
	assert_int_equal(f->s.stats.sockets, 1);
}

/* Closing a listener sends each un-accepted child ->CLOSE. */
static void test_unaccepted_children_closed_with_listener(void **state)
{
	struct coll_fx *f = *state;
	const struct ep_row *r;
	struct tsock l = t_listener(700, "0.0.0.0", 9090);
	struct tsock a = t_in(701, "198.51.100.1", 9090, "192.0.2.60", 50010);
	struct tsock b = t_in(702, "198.51.100.1", 9090, "192.0.2.60", 50011);

	t_owner(&l, 900, "app");
	t_listen(f->c, &l, 1 * SEC);
	t_accept(f->c, &a, 2 * SEC);
	t_accept(f->c, &b, 2 * SEC);
	tr(f->c, &b, 3 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	take(f, 3 * SEC, false);
	EXPECT_COUNTS(ROW(f, "0.0.0.0:9090", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_ESTABLISHED] = 1, [WW_TCP_CLOSE_WAIT] = 1);

	tr(f->c, &l, 4 * SEC, WW_TCP_LISTEN, WW_TCP_CLOSE, 0, 0);
	tr(f->c, &a, 4 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE, 0, 0);
	tr(f->c, &b, 4 * SEC, WW_TCP_CLOSE_WAIT, WW_TCP_CLOSE, 0, 0);
	take(f, 5 * SEC, false);
	r = ROW(f, "0.0.0.0:9090", DIR_IN);
	EXPECT_COUNTS(r->count, ST_ALL_ZERO);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_ESTABLISHED, WW_TCP_CLOSE), 1);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_CLOSE_WAIT, WW_TCP_CLOSE), 1);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_LISTEN, WW_TCP_CLOSE), 1);
	EXPECT_COUNTS(f->s.totals, ST_ALL_ZERO);
	EXPECT_FIELDS(&f->s.stats, FV(sockets, 0), FV(tw_entries, 0));
}

/*
 * shutdown(SHUT_WR), then close(): FIN_WAIT2->CLOSE with WW_EF_TW_FW2 leaves
 * a TIME_WAIT socket in substate FIN_WAIT2, which ss shows as FIN-WAIT-2.
 * (The FIN_WAIT2->FIN_WAIT2 of close() is dropped by the program: old == new.)
 */
static void test_shutdown_wr_fin_wait2_substate(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_out(801, "192.0.2.10", 40008, "203.0.113.5", 80);
	const struct ep_row *r;

	sweep_empty(f->c, SEC / 2);
	t_connect(f->c, &x, 1 * SEC);
	tr(f->c, &x, 2 * SEC, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	tr(f->c, &x, 2 * SEC + MSEC, WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2, 0, 0);
	tr(f->c, &x, 5 * SEC, WW_TCP_FIN_WAIT2, WW_TCP_CLOSE, WW_EF_TW_FW2, 0);
	take(f, 5 * SEC, false);
	r = ROW(f, "203.0.113.5:80", DIR_OUT);
	EXPECT_COUNTS(r->count, [WW_TCP_FIN_WAIT2] = 1);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_FIN_WAIT2] = 1);
	assert_int_equal(r->oldest_since[WW_TCP_FIN_WAIT2], 2 * SEC + MSEC);
	assert_int_equal(r->ports_used, 1);
	EXPECT_FIELDS(&f->s.stats, FV(tw_entries, 0), FV(sockets, 1));

	/* the sweep agrees: a TIME_WAIT socket, substate FIN_WAIT2 */
	SWEEP(f->c, 6 * SEC, rec_tw(&x, WW_TCP_FIN_WAIT2));
	take(f, 6 * SEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_FIN_WAIT2] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(repairs, 0), FV(seeded, 0));

	/* the peer's FIN arrived: substate TIME_WAIT, which no event reports */
	SWEEP(f->c, 10 * SEC, rec_tw(&x, WW_TCP_TIME_WAIT));
	take(f, 10 * SEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(repairs, 0), FV(tw_entries, 1));

	sweep_all_gone(f, 70 * SEC, 1);
}

/*
 * docs/counting.md: when the peer's FIN reaches a TIME_WAIT socket in substate
 * FIN_WAIT2, "the sweep sees it and counts the entry": in the endpoint's
 * entries (and so its rate) as well as in tw_entries.
 */
static void test_fw2_substate_to_tw_counts_entry(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_out(811, "192.0.2.10", 40009, "203.0.113.5", 80);
	const struct ep_row *r;

	t_connect(f->c, &x, 1 * SEC);
	tr(f->c, &x, 2 * SEC, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	tr(f->c, &x, 2 * SEC + MSEC, WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2, 0, 0);
	tr(f->c, &x, 3 * SEC, WW_TCP_FIN_WAIT2, WW_TCP_CLOSE, WW_EF_TW_FW2, 0);
	take(f, 5 * SEC, true);
	assert_int_equal(ep_stats_entries(&ROW(f, "203.0.113.5:80", DIR_OUT)->stats,
					  WW_TCP_TIME_WAIT), 0);

	SWEEP(f->c, 10 * SEC, rec_tw(&x, WW_TCP_TIME_WAIT));
	take(f, 15 * SEC, true);
	r = ROW(f, "203.0.113.5:80", DIR_OUT);
	EXPECT_COUNTS(r->count, [WW_TCP_TIME_WAIT] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(tw_entries, 1), FV(repairs, 0));
	assert_int_equal(ep_stats_entries(&r->stats, WW_TCP_TIME_WAIT), 1);
	ASSERT_RATE(r->rate[WW_TCP_TIME_WAIT], 0.1);
}

/* ---- 2. wildcard listeners ----------------------------------------------------- */

static void test_wildcard_listener(void **state)
{
	struct coll_fx *f = *state;
	struct tsock lw = t_listener(900, "0.0.0.0", 8080);
	struct tsock a = t_in(901, "198.51.100.1", 8080, "192.0.2.50", 50001);
	struct tsock ls = t_listener(902, "198.51.100.2", 8081);
	struct tsock b = t_in(903, "198.51.100.2", 8081, "192.0.2.50", 50002);
	/* one port, a wildcard and a specific listener: the specific one wins */
	struct tsock lw2 = t_listener(904, "0.0.0.0", 8082);
	struct tsock ls2 = t_listener(905, "198.51.100.3", 8082);
	struct tsock cc = t_in(906, "198.51.100.3", 8082, "192.0.2.50", 50003);
	struct tsock d = t_in(907, "198.51.100.4", 8082, "192.0.2.50", 50004);
	/* dual-stack wildcard listener, IPv4 client: v4-mapped child */
	struct tsock l6 = t_listener(908, "::", 8443);
	struct tsock e = t_in(909, "::ffff:198.51.100.1", 8443, "::ffff:192.0.2.50", 50005);
	const struct ep_row *r;

	t_listen(f->c, &lw, 1 * SEC);
	t_listen(f->c, &ls, 1 * SEC);
	t_listen(f->c, &lw2, 1 * SEC);
	t_listen(f->c, &ls2, 1 * SEC);
	t_listen(f->c, &l6, 1 * SEC);
	t_accept(f->c, &a, 2 * SEC);
	t_accept(f->c, &b, 2 * SEC);
	t_accept(f->c, &cc, 2 * SEC);
	t_accept(f->c, &d, 2 * SEC);
	t_accept(f->c, &e, 2 * SEC);
	take(f, 3 * SEC, false);

	r = ROW(f, "0.0.0.0:8080", DIR_IN);
	EXPECT_COUNTS(r->count, [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 1);
	assert_int_equal(r->key.family, WW_AF_INET);
	assert_null(row_find(&f->s, &f->o, "198.51.100.1:8080", -1, 0));
	EXPECT_COUNTS(ROW(f, "198.51.100.2:8081", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_ESTABLISHED] = 1);
	EXPECT_COUNTS(ROW(f, "198.51.100.3:8082", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_ESTABLISHED] = 1);
	EXPECT_COUNTS(ROW(f, "0.0.0.0:8082", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_ESTABLISHED] = 1);
	r = ROW(f, "[::]:8443", DIR_IN);
	EXPECT_COUNTS(r->count, [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 1);
	assert_int_equal(r->key.family, WW_AF_INET6);
	assert_int_equal(f->s.nrows, 5);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_LISTEN] = 5, [WW_TCP_ESTABLISHED] = 5);
}

/* ---- 3. seeding from the first sweep ------------------------------------------- */

static void test_seeded_first_sweep(void **state)
{
	struct coll_fx *f = *state;
	/* no event was seen for any of them: the program knows no direction */
	struct tsock l = t_listener(1000, "198.51.100.1", 8080);
	struct tsock a = t_sock(1001, OPEN_NONE, "198.51.100.1", 8080, "192.0.2.50", 50010);
	struct tsock b = t_sock(1002, OPEN_NONE, "198.51.100.1", 8080, "192.0.2.51", 50011);
	struct tsock q = t_sock(0, OPEN_NONE, "198.51.100.1", 8080, "192.0.2.52", 50012);
	struct tsock x = t_sock(1003, OPEN_NONE, "192.0.2.10", 40010, "203.0.113.5", 443);
	struct tsock w = t_sock(0, OPEN_NONE, "192.0.2.10", 40011, "203.0.113.5", 443);
	struct tsock fw = t_sock(0, OPEN_NONE, "192.0.2.10", 40012, "203.0.113.5", 443);
	const struct ep_row *r;

	/* the listener last: order must not matter */
	SWEEP(f->c, 10 * SEC, rec_full(&a, WW_TCP_ESTABLISHED), rec_full(&b, WW_TCP_CLOSE_WAIT),
	      rec_req(&q), rec_full(&x, WW_TCP_ESTABLISHED), rec_tw(&w, WW_TCP_TIME_WAIT),
	      rec_tw(&fw, WW_TCP_FIN_WAIT2), rec_full(&l, WW_TCP_LISTEN));

	take(f, 10 * SEC + 1, false);
	EXPECT_FIELDS(&f->s.stats, FV(seeded, 7), FV(repairs, 0), FV(sweeps, 1), FV(sockets, 7),
		      FV(events, 0), FV(tw_entries, 0));
	assert_int_equal(f->s.nrows, 2);
	r = ROW(f, "198.51.100.1:8080", DIR_IN);
	EXPECT_COUNTS(r->count, [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 1,
		      [WW_TCP_CLOSE_WAIT] = 1, [WW_TCP_SYN_RECV] = 1);
	assert_int_equal(r->oldest_since[WW_TCP_CLOSE_WAIT], 10 * SEC);
	assert_int_equal(r->oldest_at_least, (1u << WW_TCP_LISTEN) | (1u << WW_TCP_ESTABLISHED) |
						     (1u << WW_TCP_CLOSE_WAIT) |
						     (1u << WW_TCP_SYN_RECV));
	assert_int_equal(r->ports_used, 0);
	r = ROW(f, "203.0.113.5:443", DIR_OUT);
	EXPECT_COUNTS(r->count, [WW_TCP_ESTABLISHED] = 1, [WW_TCP_TIME_WAIT] = 1,
		      [WW_TCP_FIN_WAIT2] = 1);
	assert_int_equal(r->oldest_since[WW_TCP_TIME_WAIT], 10 * SEC);
	assert_true(r->oldest_at_least & (1u << WW_TCP_TIME_WAIT));
	assert_int_equal(r->ports_used, 3);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 2,
		      [WW_TCP_CLOSE_WAIT] = 1, [WW_TCP_SYN_RECV] = 1, [WW_TCP_TIME_WAIT] = 1,
		      [WW_TCP_FIN_WAIT2] = 1);

	/* events now move the seeded sockets */
	tr(f->c, &a, 11 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	take(f, 11 * SEC, false);
	r = ROW(f, "198.51.100.1:8080", DIR_IN);
	EXPECT_COUNTS(r->count, [WW_TCP_LISTEN] = 1, [WW_TCP_CLOSE_WAIT] = 2,
		      [WW_TCP_SYN_RECV] = 1);
	assert_int_equal(r->oldest_since[WW_TCP_CLOSE_WAIT], 10 * SEC); /* b's */
	assert_true(r->oldest_at_least & (1u << WW_TCP_CLOSE_WAIT));

	tr(f->c, &b, 12 * SEC, WW_TCP_CLOSE_WAIT, WW_TCP_LAST_ACK, 0, 0);
	tr(f->c, &x, 12 * SEC, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	take(f, 12 * SEC, false);
	r = ROW(f, "198.51.100.1:8080", DIR_IN);
	EXPECT_COUNTS(r->count, [WW_TCP_LISTEN] = 1, [WW_TCP_CLOSE_WAIT] = 1,
		      [WW_TCP_LAST_ACK] = 1, [WW_TCP_SYN_RECV] = 1);
	assert_int_equal(r->oldest_since[WW_TCP_CLOSE_WAIT], 11 * SEC); /* a's, exact */
	assert_false(r->oldest_at_least & (1u << WW_TCP_CLOSE_WAIT));
	EXPECT_COUNTS(ROW(f, "203.0.113.5:443", DIR_OUT)->count, [WW_TCP_FIN_WAIT1] = 1,
		      [WW_TCP_TIME_WAIT] = 1, [WW_TCP_FIN_WAIT2] = 1);

	/* the next sweep agrees; the request socket is gone (became a child or timed out) */
	SWEEP(f->c, 20 * SEC, rec_full(&l, WW_TCP_LISTEN), rec_full(&a, WW_TCP_CLOSE_WAIT),
	      rec_full(&b, WW_TCP_LAST_ACK), rec_full(&x, WW_TCP_FIN_WAIT1),
	      rec_tw(&w, WW_TCP_TIME_WAIT), rec_tw(&fw, WW_TCP_FIN_WAIT2));
	take(f, 20 * SEC, false);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_CLOSE_WAIT] = 1, [WW_TCP_LAST_ACK] = 1);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:443", DIR_OUT)->count, [WW_TCP_FIN_WAIT1] = 1,
		      [WW_TCP_TIME_WAIT] = 1, [WW_TCP_FIN_WAIT2] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(repairs, 0), FV(seeded, 7), FV(sockets, 6),
		      FV(tw_exits_sweep, 0), FV(sweeps, 2));
}

/* A wildcard listener in the first sweep classifies its children too. */
static void test_seeded_wildcard_listener(void **state)
{
	struct coll_fx *f = *state;
	struct tsock l = t_listener(1010, "0.0.0.0", 8080);
	struct tsock a = t_sock(1011, OPEN_NONE, "198.51.100.1", 8080, "192.0.2.50", 50010);
	struct tsock x = t_sock(1012, OPEN_NONE, "198.51.100.1", 40000, "203.0.113.5", 8080);

	SWEEP(f->c, 10 * SEC, rec_full(&a, WW_TCP_CLOSE_WAIT), rec_full(&x, WW_TCP_ESTABLISHED),
	      rec_full(&l, WW_TCP_LISTEN));
	take(f, 10 * SEC, false);
	assert_int_equal(f->s.nrows, 2);
	EXPECT_COUNTS(ROW(f, "0.0.0.0:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_CLOSE_WAIT] = 1);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:8080", DIR_OUT)->count, [WW_TCP_ESTABLISHED] = 1);
	assert_int_equal(f->s.stats.seeded, 3);
}

/* A request socket the sweep saw, then its child's events: one socket, not two. */
static void test_request_socket_becomes_child(void **state)
{
	struct coll_fx *f = *state;
	struct tsock l = t_listener(1020, "198.51.100.1", 8080);
	struct tsock q = t_sock(0, OPEN_NONE, "198.51.100.1", 8080, "192.0.2.50", 50020);
	struct tsock a = t_in(1021, "198.51.100.1", 8080, "192.0.2.50", 50020);

	SWEEP(f->c, 10 * SEC, rec_full(&l, WW_TCP_LISTEN), rec_req(&q));
	take(f, 10 * SEC, false);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_SYN_RECV] = 1);

	tr(f->c, &a, 11 * SEC, WW_TCP_LISTEN, WW_TCP_SYN_RECV, 0, 0);
	take(f, 11 * SEC, false);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_SYN_RECV] = 1);
	tr(f->c, &a, 11 * SEC, WW_TCP_SYN_RECV, WW_TCP_ESTABLISHED, 0, 0);
	take(f, 11 * SEC, false);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_ESTABLISHED] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(sockets, 2), FV(tw_exits_reuse, 0));
}

/*
 * top drains the events that arrived between attaching and the first sweep
 * before that sweep: a child accepted then by a wildcard listener that only
 * the sweep reveals still belongs to the listener's endpoint.
 */
static void test_child_before_wildcard_listener_seeded(void **state)
{
	struct coll_fx *f = *state;
	struct tsock l = t_listener(1030, "0.0.0.0", 8080);
	struct tsock a = t_in(1031, "198.51.100.1", 8080, "192.0.2.50", 50030);

	t_accept(f->c, &a, 1 * SEC);
	SWEEP(f->c, 2 * SEC, rec_full(&l, WW_TCP_LISTEN), rec_full(&a, WW_TCP_ESTABLISHED));
	take(f, 2 * SEC, false);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 1);
	EXPECT_COUNTS(ROW(f, "0.0.0.0:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_ESTABLISHED] = 1);
}

/* ---- 4. how TIME_WAIT sockets end ----------------------------------------------- */

static void test_tw_exit_by_sweep(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_out(1101, "192.0.2.10", 40020, "203.0.113.5", 80);
	struct tsock y = t_out(1102, "192.0.2.10", 40021, "203.0.113.5", 80);
	const struct ep_row *r;

	sweep_empty(f->c, 1 * SEC);
	t_conn_tw(f->c, &x, 2 * SEC); /* TIME_WAIT from 2.012 s */
	take(f, 3 * SEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 1);
	assert_int_equal(f->s.stats.tw_entries, 1);

	/* still there */
	SWEEP(f->c, 3 * SEC, rec_tw(&x, WW_TCP_TIME_WAIT));
	take(f, 3 * SEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(tw_exits_sweep, 0), FV(repairs, 0));

	/*
	 * x has expired; y closes while the sweep runs (the iterator saw it
	 * ESTABLISHED, its events are drained after the records, as top does).
	 */
	t_connect(f->c, &y, 5 * SEC);
	collector__sweep_begin(f->c, 5 * SEC + 5 * MSEC);
	sweep_rec(f->c, rec_full(&y, WW_TCP_ESTABLISHED));
	t_close_tw(f->c, &y, 5 * SEC + 10 * MSEC);
	collector__sweep_end(f->c);
	take(f, 6 * SEC, false);
	r = ROW(f, "203.0.113.5:80", DIR_OUT);
	EXPECT_COUNTS(r->count, [WW_TCP_TIME_WAIT] = 1);
	assert_int_equal(r->oldest_since[WW_TCP_TIME_WAIT], 5 * SEC + 12 * MSEC);
	EXPECT_FIELDS(&f->s.stats, FV(tw_exits_sweep, 1), FV(repairs, 0), FV(tw_entries, 2),
		      FV(sockets, 1));
	/* x's time in TIME_WAIT: 2.012 s to the sweep at 5.005 s, up to 2^22 us */
	assert_int_equal(HIST(r, WW_TCP_TIME_WAIT, 22), 1);
	assert_int_equal(HIST_SUM(r, WW_TCP_TIME_WAIT),
			 5 * SEC + 5 * MSEC - (2 * SEC + 12 * MSEC));

	sweep_all_gone(f, 70 * SEC, 2);
}

static void test_tw_exit_by_reuse(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_out(1201, "192.0.2.10", 40020, "203.0.113.5", 80);
	struct tsock y = t_out(1202, "192.0.2.10", 40020, "203.0.113.5", 80); /* same 4-tuple */
	struct tsock l = t_listener(1203, "198.51.100.1", 8080);
	struct tsock a1 = t_in(1204, "198.51.100.1", 8080, "192.0.2.50", 50020);
	struct tsock a2 = t_in(1205, "198.51.100.1", 8080, "192.0.2.50", 50020);

	t_conn_tw(f->c, &x, 1 * SEC);
	take(f, 2 * SEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 1);

	t_connect(f->c, &y, 3 * SEC);
	take(f, 3 * SEC + MSEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_ESTABLISHED] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(tw_exits_reuse, 1), FV(tw_exits_sweep, 0), FV(sockets, 1));

	/* the server closed first, then the same client port connects again */
	t_listen(f->c, &l, 1 * SEC);
	t_accept(f->c, &a1, 2 * SEC);
	t_close_tw(f->c, &a1, 3 * SEC);
	take(f, 4 * SEC, false);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_TIME_WAIT] = 1);
	t_accept(f->c, &a2, 5 * SEC);
	take(f, 5 * SEC, false);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_ESTABLISHED] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(tw_exits_reuse, 2), FV(sockets, 3), FV(repairs, 0));
}

/* ---- 5. lost events, reconciliation --------------------------------------------- */

static void test_lost_close_wait_repaired(void **state)
{
	struct coll_fx *f = *state;
	struct tsock l = t_listener(1300, "198.51.100.1", 8080);
	struct tsock a = t_in(1301, "198.51.100.1", 8080, "192.0.2.50", 50030);
	const struct ep_row *r;

	sweep_empty(f->c, 1 * SEC);
	t_listen(f->c, &l, SEC + SEC / 2);
	t_accept(f->c, &a, 2 * SEC);
	/* ESTABLISHED->CLOSE_WAIT at 3 s is lost */
	take(f, 4 * SEC, false);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_ESTABLISHED] = 1);

	SWEEP(f->c, 10 * SEC, rec_full(&l, WW_TCP_LISTEN), rec_full(&a, WW_TCP_CLOSE_WAIT));
	take(f, 10 * SEC, false);
	r = ROW(f, "198.51.100.1:8080", DIR_IN);
	EXPECT_COUNTS(r->count, [WW_TCP_LISTEN] = 1, [WW_TCP_CLOSE_WAIT] = 1);
	assert_int_equal(r->oldest_since[WW_TCP_CLOSE_WAIT], 10 * SEC);
	EXPECT_FIELDS(&f->s.stats, FV(repairs, 1), FV(seeded, 0), FV(sockets, 2));
}

static void test_lost_close_repaired(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_out(1310, "192.0.2.10", 40030, "203.0.113.5", 80);
	struct tsock l = t_listener(1311, "0.0.0.0", 8080);
	struct tsock z = t_sock(1312, OPEN_NONE, "192.0.2.10", 8080, "203.0.113.6", 443);

	sweep_empty(f->c, 1 * SEC);
	t_connect(f->c, &x, 2 * SEC);
	t_listen(f->c, &l, 2 * SEC);
	/* x's ESTABLISHED->CLOSE (RST) and l's LISTEN->CLOSE are lost */
	sweep_empty(f->c, 10 * SEC);
	take(f, 10 * SEC, false);
	EXPECT_COUNTS(f->s.totals, ST_ALL_ZERO);
	EXPECT_FIELDS(&f->s.stats, FV(repairs, 2), FV(sockets, 0), FV(tw_exits_sweep, 0));

	/* the listener is forgotten too: a later socket on port 8080 is outbound */
	SWEEP(f->c, 20 * SEC, rec_full(&z, WW_TCP_ESTABLISHED));
	take(f, 20 * SEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.6:443", DIR_OUT)->count, [WW_TCP_ESTABLISHED] = 1);
	assert_int_equal(f->s.stats.repairs, 3);
}

static void test_lost_creation_repaired(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_sock(1401, OPEN_NONE, "192.0.2.10", 40031, "203.0.113.5", 80);
	struct tsock l = t_listener(1402, "198.51.100.1", 8080);
	struct tsock q = t_sock(0, OPEN_NONE, "198.51.100.1", 8080, "192.0.2.50", 50031);

	sweep_empty(f->c, 1 * SEC);
	t_listen(f->c, &l, 2 * SEC);
	/* x's CLOSE->SYN_SENT and SYN_SENT->ESTABLISHED are lost */
	/* request sockets have no events: not a repair */
	SWEEP(f->c, 10 * SEC, rec_full(&l, WW_TCP_LISTEN), rec_full(&x, WW_TCP_ESTABLISHED),
	      rec_req(&q));
	take(f, 10 * SEC, false);
	assert_int_equal(f->s.nrows, 2);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_ESTABLISHED] = 1);
	EXPECT_COUNTS(ROW(f, "198.51.100.1:8080", DIR_IN)->count, [WW_TCP_LISTEN] = 1,
		      [WW_TCP_SYN_RECV] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(repairs, 1), FV(seeded, 0), FV(sockets, 3));
}

/*
 * Race rule, events ingested before the records: a socket an event touched
 * at or after the sweep start keeps the events' word.
 */
static void test_sweep_race_events_first(void **state)
{
	struct coll_fx *f = *state;
	struct tsock s[3], *x = &s[0], *w = &s[1], *z = &s[2];

	race_start(f, s, 1501, 40040);
	tr(f->c, x, 10 * SEC + 100 * MSEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	tr(f->c, w, 10 * SEC + 300 * MSEC, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	t_connect(f->c, z, 10 * SEC + 400 * MSEC); /* after the iterator passed */
	sweep_rec(f->c, rec_full(x, WW_TCP_CLOSE_WAIT));
	sweep_rec(f->c, rec_full(w, WW_TCP_ESTABLISHED)); /* read before w's transition */
	collector__sweep_end(f->c);
	take(f, 11 * SEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_CLOSE_WAIT] = 1,
		      [WW_TCP_FIN_WAIT1] = 1, [WW_TCP_ESTABLISHED] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(repairs, 0), FV(sockets, 3));
}

/*
 * Race rule, in the order `top` feeds a sweep (cmd_top.c sweep_now): the
 * records first, then the events that happened during the sweep, then
 * sweep_end. A record may already show what an event still in the ring
 * buffer says: that is no lost event, so no repair.
 */
static void test_sweep_race_records_first(void **state)
{
	struct coll_fx *f = *state;
	struct tsock s[3], *x = &s[0], *y = &s[1], *z = &s[2];

	race_start(f, s, 1511, 40050);
	sweep_rec(f->c, rec_full(x, WW_TCP_CLOSE_WAIT));  /* read after x's transition */
	sweep_rec(f->c, rec_full(y, WW_TCP_ESTABLISHED)); /* read before y's */
	sweep_rec(f->c, rec_full(z, WW_TCP_ESTABLISHED)); /* created during the sweep */
	tr(f->c, z, 10 * SEC + 50 * MSEC, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
	tr(f->c, z, 10 * SEC + 60 * MSEC, WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED, 0, 0);
	tr(f->c, x, 10 * SEC + 100 * MSEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	tr(f->c, y, 10 * SEC + 200 * MSEC, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	collector__sweep_end(f->c);
	take(f, 11 * SEC, false);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_CLOSE_WAIT] = 1,
		      [WW_TCP_FIN_WAIT1] = 1, [WW_TCP_ESTABLISHED] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(sockets, 3), FV(seeded, 0), FV(repairs, 0));
}

/*
 * A lost SYN_SENT->ESTABLISHED leaves the local port at 0 (CLOSE->SYN_SENT
 * carries none); the sweep that repairs the state has the real one.
 */
static void test_lost_established_repairs_port(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_out(1521, "192.0.2.10", 40060, "203.0.113.5", 80);

	f->o.by = BY_LOCAL;
	remake(f);
	sweep_empty(f->c, 1 * SEC);
	tr(f->c, &x, 2 * SEC, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
	/* SYN_SENT->ESTABLISHED lost */
	SWEEP(f->c, 10 * SEC, rec_full(&x, WW_TCP_ESTABLISHED));
	take(f, 10 * SEC, false);
	assert_int_equal(f->s.stats.repairs, 1);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_ESTABLISHED] = 1);
	EXPECT_COUNTS(ROW(f, "192.0.2.10:40060", -1)->count, [WW_TCP_ESTABLISHED] = 1);
}

/* ---- 6. eviction into "other" ------------------------------------------------- */

static void test_eviction_into_other(void **state)
{
	struct coll_fx *f = *state;
	const char *remote[3] = { "203.0.113.1", "203.0.113.2", "203.0.113.3" };
	const int n[3] = { 3, 2, 1 };
	char name[64];
	__u64 id = 1600;

	f->o.max_endpoints = 2;
	remake(f);
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < n[i]; j++) {
			struct tsock x;

			id++;
			x = t_out(id, "192.0.2.10", (__u16)(41000 + id), remote[i], 80);

			t_conn_tw(f->c, &x, (__u64)(i + 1) * SEC + (__u64)j * 20 * MSEC);
		}
	}
	take(f, 4 * SEC, false);
	assert_int_equal(f->s.nrows, 2);
	key_name(name, sizeof(name), &f->s.rows[0].key, &f->o);
	assert_string_equal(name, "203.0.113.1:80");
	EXPECT_COUNTS(f->s.rows[0].count, [WW_TCP_TIME_WAIT] = 3);
	key_name(name, sizeof(name), &f->s.rows[1].key, &f->o);
	assert_string_equal(name, "203.0.113.2:80");
	EXPECT_COUNTS(f->s.rows[1].count, [WW_TCP_TIME_WAIT] = 2);
	assert_true(f->s.other.is_other);
	assert_int_equal(f->s.other.folded, 1);
	EXPECT_COUNTS(f->s.other.count, [WW_TCP_TIME_WAIT] = 1);
	assert_int_equal(f->s.other.ports_used, 1);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_TIME_WAIT] = 6);
	assert_int_equal(f->s.stats.sockets, 6);
	/* the endpoint table holds 2: the third endpoint evicted the least recent */
	assert_int_equal(f->s.stats.endpoints_evicted, 1);
}

/* The "other" row keeps the oldest socket's age and whether it is a lower bound. */
static void test_other_row_oldest(void **state)
{
	struct coll_fx *f = *state;

	f->o.max_endpoints = 1;
	remake(f);
	collector__sweep_begin(f->c, 10 * SEC);
	for (int i = 0; i < 3; i++) {
		struct tsock w = t_sock(0, OPEN_NONE, "192.0.2.10", (__u16)(45000 + i),
					i < 2 ? "203.0.113.1" : "203.0.113.2", 80);

		sweep_rec(f->c, rec_tw(&w, WW_TCP_TIME_WAIT));
	}
	collector__sweep_end(f->c);
	take(f, 20 * SEC, false);
	assert_int_equal(f->s.nrows, 1);
	assert_int_equal(f->s.rows[0].oldest_at_least, 1u << WW_TCP_TIME_WAIT);
	assert_int_equal(f->s.other.folded, 1);
	EXPECT_COUNTS(f->s.other.count, [WW_TCP_TIME_WAIT] = 1);
	assert_int_equal(f->s.other.oldest_since[WW_TCP_TIME_WAIT], 10 * SEC);
	assert_int_equal(f->s.other.oldest_at_least, 1u << WW_TCP_TIME_WAIT);
}

/* ---- 7. prefix folding ------------------------------------------------------------ */

static void test_prefix_fold_v4(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x1 = t_out(1701, "192.0.2.10", 40070, "198.51.100.1", 80);
	struct tsock x2 = t_out(1702, "192.0.2.10", 40071, "198.51.100.1", 80);
	struct tsock x3 = t_out(1703, "192.0.2.10", 40072, "198.51.100.2", 80);
	struct tsock x4 = t_out(1704, "192.0.2.10", 40073, "198.51.101.1", 80);
	const struct ep_row *r;

	f->o.prefix4 = 24;
	remake(f);
	t_conn_tw(f->c, &x1, 1 * SEC);
	t_conn_tw(f->c, &x2, 1 * SEC);
	t_connect(f->c, &x3, 1 * SEC);
	t_connect(f->c, &x4, 1 * SEC);
	take(f, 2 * SEC, false);
	assert_int_equal(f->s.nrows, 2);
	r = ROW(f, "198.51.100.0/24:80", DIR_OUT);
	EXPECT_COUNTS(r->count, [WW_TCP_TIME_WAIT] = 2, [WW_TCP_ESTABLISHED] = 1);
	assert_int_equal(r->ports_used, 3);
	EXPECT_COUNTS(ROW(f, "198.51.101.0/24:80", DIR_OUT)->count,
		      [WW_TCP_ESTABLISHED] = 1);
}

static const struct ep_row *row_by_addr(const struct snapshot *s, const char *addr, __u16 port)
{
	__u8 a[16];
	__u16 fam = t_addr(a, addr);

	for (size_t i = 0; i < s->nrows; i++)
		if (s->rows[i].key.family == fam && s->rows[i].key.port == port &&
		    !memcmp(s->rows[i].key.addr, a, fam == WW_AF_INET ? 4 : 16))
			return &s->rows[i];
	return NULL;
}

static void test_prefix_fold_v6(void **state)
{
	struct coll_fx *f = *state;
	const struct ep_row *r;
	struct tsock x1 = t_out(1711, "2001:db8::10", 40080, "2001:db8::1", 80);
	struct tsock x2 = t_out(1712, "2001:db8::10", 40081, "2001:db8::2", 80);
	struct tsock x3 = t_out(1713, "2001:db8::10", 40082, "2001:db8:0:1::1", 80);

	f->o.prefix6 = 64;
	remake(f);
	t_connect(f->c, &x1, 1 * SEC);
	t_conn_tw(f->c, &x2, 1 * SEC);
	t_connect(f->c, &x3, 1 * SEC);
	take(f, 2 * SEC, false);
	assert_int_equal(f->s.nrows, 2);
	r = row_by_addr(&f->s, "2001:db8::", 80);
	assert_non_null(r);
	EXPECT_COUNTS(r->count, [WW_TCP_ESTABLISHED] = 1, [WW_TCP_TIME_WAIT] = 1);
	assert_int_equal(r->ports_used, 2);
	r = row_by_addr(&f->s, "2001:db8:0:1::", 80);
	assert_non_null(r);
	EXPECT_COUNTS(r->count, [WW_TCP_ESTABLISHED] = 1);
}

/* The names of folded keys, as collector.h documents them. */
static void test_prefix_key_format(void **state)
{
	struct ep_key k;
	char buf[128];

	memset(&k, 0, sizeof(k));
	k.family = WW_AF_INET;
	t_addr(k.addr, "198.51.100.0");
	k.port = 80;
	ep_key_format(buf, sizeof(buf), &k, BY_SERVICE, 24, 128);
	assert_string_equal(buf, "198.51.100.0/24:80");
	ep_key_format(buf, sizeof(buf), &k, BY_SERVICE, 32, 128);
	assert_string_equal(buf, "198.51.100.0:80");

	k.family = WW_AF_INET6;
	t_addr(k.addr, "2001:db8::1");
	ep_key_format(buf, sizeof(buf), &k, BY_SERVICE, 32, 128);
	assert_string_equal(buf, "[2001:db8::1]:80");
	/* collector.h: "[2001:db8::/64]:443" */
	t_addr(k.addr, "2001:db8::");
	k.port = 443;
	ep_key_format(buf, sizeof(buf), &k, BY_SERVICE, 32, 64);
	assert_string_equal(buf, "[2001:db8::/64]:443");
}

/* ---- 8. v4-mapped IPv6 -------------------------------------------------------------- */

static void test_v4mapped_keys_as_ipv4(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_out(1801, "::ffff:192.0.2.10", 40090, "::ffff:198.51.100.1", 80);
	struct tsock y = t_out(1802, "192.0.2.10", 40091, "198.51.100.1", 80);
	const struct ep_row *r;

	remake(f);
	assert_int_equal(x.family, WW_AF_INET6);
	t_conn_tw(f->c, &x, 1 * SEC);
	t_connect(f->c, &y, 1 * SEC);
	take(f, 2 * SEC, false);
	assert_int_equal(f->s.nrows, 1);
	r = ROW(f, "198.51.100.1:80", DIR_OUT);
	assert_int_equal(r->key.family, WW_AF_INET);
	EXPECT_COUNTS(r->count, [WW_TCP_TIME_WAIT] = 1, [WW_TCP_ESTABLISHED] = 1);

	/* folded with the IPv4 prefix */
	f->o.prefix4 = 24;
	remake(f);
	x.last_ts = 0;
	t_conn_tw(f->c, &x, 1 * SEC);
	take(f, 2 * SEC, false);
	EXPECT_COUNTS(ROW(f, "198.51.100.0/24:80", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 1);
}

/* ---- 9. port pressure ---------------------------------------------------------------- */

static void test_port_pressure(void **state)
{
	struct coll_fx *f = *state;
	struct tsock z = t_out(1950, "192.0.2.11", 40000, "203.0.113.5", 443);
	const struct ep_row *r;

	collector__set_port_range(f->c, NETNS_HOST, 100);
	for (int i = 0; i < 30; i++) {
		struct tsock x = t_out(1900 + i, "192.0.2.10", (__u16)(42000 + i), "203.0.113.5", 443);

		if (i < 20)
			t_conn_tw(f->c, &x, 1 * SEC + (__u64)i * MSEC);
		else
			t_connect(f->c, &x, 1 * SEC + (__u64)i * MSEC);
	}
	z.netns = NETNS_OTHER; /* no range known there */
	t_connect(f->c, &z, 1 * SEC);
	take(f, 2 * SEC, false);
	r = ROW_NS(f, "203.0.113.5:443", DIR_OUT, NETNS_HOST);
	EXPECT_COUNTS(r->count, [WW_TCP_TIME_WAIT] = 20, [WW_TCP_ESTABLISHED] = 10);
	assert_int_equal(r->ports_used, 30);
	assert_int_equal(r->port_range, 100);
	r = ROW_NS(f, "203.0.113.5:443", DIR_OUT, NETNS_OTHER);
	EXPECT_COUNTS(r->count, [WW_TCP_ESTABLISHED] = 1);
	assert_int_equal(r->ports_used, 1);
	assert_int_equal(r->port_range, 0);

	/* a later value replaces the first */
	collector__set_port_range(f->c, NETNS_HOST, 28232);
	take(f, 2 * SEC, false);
	assert_int_equal(ROW_NS(f, "203.0.113.5:443", DIR_OUT, NETNS_HOST)->port_range, 28232);
}

/* ---- 10. rates --------------------------------------------------------------------- */

static void test_rates(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x0 = t_out(2000, "192.0.2.10", 43000, "203.0.113.5", 80);
	const struct ep_row *r;

	t_connect(f->c, &x0, 1 * SEC); /* the endpoint exists from 1 s */
	take(f, 10 * SEC, true);
	r = ROW(f, "203.0.113.5:80", DIR_OUT);
	ASSERT_RATE(r->rate[WW_TCP_SYN_SENT], 1.0 / 9);

	for (int i = 0; i < 5; i++) {
		struct tsock x = t_out(2001 + i, "192.0.2.10", (__u16)(43001 + i), "203.0.113.5", 80);

		t_conn_tw(f->c, &x, (__u64)(11 + i) * SEC);
	}
	take(f, 20 * SEC, true);
	r = ROW(f, "203.0.113.5:80", DIR_OUT);
	ASSERT_RATE(r->rate[WW_TCP_TIME_WAIT], 0.5);
	ASSERT_RATE(r->rate[WW_TCP_SYN_SENT], 0.5);
	ASSERT_RATE(r->rate[WW_TCP_ESTABLISHED], 0.5);
	ASSERT_RATE(r->rate[WW_TCP_CLOSE], 0.5);
	ASSERT_RATE(r->rate[WW_TCP_CLOSE_WAIT], 0);

	/* a snapshot without update_rates neither shows nor resets them */
	take(f, 25 * SEC, false);
	ASSERT_RATE(ROW(f, "203.0.113.5:80", DIR_OUT)->rate[WW_TCP_TIME_WAIT], 0);
	for (int i = 0; i < 2; i++) {
		struct tsock x = t_out(2010 + i, "192.0.2.10", (__u16)(43010 + i), "203.0.113.5", 80);

		t_conn_tw(f->c, &x, (__u64)(26 + i) * SEC);
	}
	take(f, 30 * SEC, true);
	ASSERT_RATE(ROW(f, "203.0.113.5:80", DIR_OUT)->rate[WW_TCP_TIME_WAIT], 0.2);
	take(f, 40 * SEC, true);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_ESTABLISHED] = 1,
		      [WW_TCP_TIME_WAIT] = 7);
	ASSERT_RATE(ROW(f, "203.0.113.5:80", DIR_OUT)->rate[WW_TCP_TIME_WAIT], 0);
}

/* An endpoint first seen between two snapshots: the rate is still per the interval. */
static void test_rates_new_endpoint(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x0 = t_out(2100, "192.0.2.10", 43100, "203.0.113.5", 80);
	struct tsock y = t_out(2101, "192.0.2.10", 43101, "203.0.113.9", 80);

	t_connect(f->c, &x0, 1 * SEC);
	take(f, 10 * SEC, true);
	t_conn_tw(f->c, &y, 19 * SEC + 500 * MSEC);
	take(f, 20 * SEC, true);
	/* one entry into TIME_WAIT in the 10 s since the last snapshot */
	ASSERT_RATE(ROW(f, "203.0.113.9:80", DIR_OUT)->rate[WW_TCP_TIME_WAIT], 0.1);
}

/* The "other" row's rates include the rows folded into it. */
static void test_rates_other_row(void **state)
{
	struct coll_fx *f = *state;
	struct tsock b1 = t_out(2201, "192.0.2.10", 43201, "203.0.113.2", 80);
	struct tsock b2 = t_out(2202, "192.0.2.10", 43202, "203.0.113.2", 80);
	struct tsock c1 = t_out(2203, "192.0.2.10", 43203, "203.0.113.3", 80);

	f->o.max_endpoints = 2;
	remake(f);
	/* the heaviest endpoint comes from the first sweep: no event, no figures */
	collector__sweep_begin(f->c, 1 * SEC);
	for (int i = 0; i < 3; i++) {
		struct tsock w = t_sock(0, OPEN_NONE, "192.0.2.10", (__u16)(43210 + i), "203.0.113.1", 80);

		sweep_rec(f->c, rec_tw(&w, WW_TCP_TIME_WAIT));
	}
	collector__sweep_end(f->c);
	t_connect(f->c, &b1, 2 * SEC);
	t_connect(f->c, &b2, 2 * SEC);
	t_connect(f->c, &c1, 2 * SEC);
	take(f, 10 * SEC, true);
	t_close_tw(f->c, &b1, 12 * SEC);
	t_close_tw(f->c, &b2, 12 * SEC);
	t_close_tw(f->c, &c1, 12 * SEC);
	take(f, 20 * SEC, true);
	assert_int_equal(f->s.nrows, 2);
	assert_int_equal(f->s.stats.endpoints_evicted, 0);
	EXPECT_COUNTS(ROW(f, "203.0.113.1:80", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 3);
	EXPECT_COUNTS(ROW(f, "203.0.113.2:80", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 2);
	ASSERT_RATE(ROW(f, "203.0.113.2:80", DIR_OUT)->rate[WW_TCP_TIME_WAIT], 0.2);
	assert_int_equal(f->s.other.folded, 1);
	EXPECT_COUNTS(f->s.other.count, [WW_TCP_TIME_WAIT] = 1);
	/* other's cumulative figures are the evicted endpoints' only: they never go down */
	assert_int_equal(ep_stats_entries(&f->s.other.stats, WW_TCP_TIME_WAIT), 0);
	ASSERT_RATE(f->s.other.rate[WW_TCP_TIME_WAIT], 0.1);
}

/* ---- 11. socket table full ---------------------------------------------------------- */

static void test_table_full(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x[7];

	f->o.max_sockets = 4;
	remake(f);
	for (int i = 0; i < 6; i++) {
		x[i] = t_out(2300 + i, "192.0.2.10", (__u16)(44000 + i), "203.0.113.5", 80);
		tr(f->c, &x[i], 1 * SEC + (__u64)i * MSEC, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
	}
	take(f, 2 * SEC, false);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_SYN_SENT] = 4);
	EXPECT_COUNTS(ROW(f, "203.0.113.5:80", DIR_OUT)->count, [WW_TCP_SYN_SENT] = 4);
	EXPECT_FIELDS(&f->s.stats, FV(sockets, 4), FV(sockets_dropped, 2), FV(events, 6));
	/* all six entries are counted against the endpoint all the same */
	assert_int_equal(ep_stats_entries(&ROW(f, "203.0.113.5:80", DIR_OUT)->stats,
					  WW_TCP_SYN_SENT), 6);

	/* one leaves, a new one fits */
	tr(f->c, &x[0], 2 * SEC, WW_TCP_SYN_SENT, WW_TCP_CLOSE, 0, 111);
	x[6] = t_out(2306, "192.0.2.10", 44006, "203.0.113.5", 80);
	tr(f->c, &x[6], 3 * SEC, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
	/* a TIME_WAIT socket that does not fit */
	tr(f->c, &x[1], 3 * SEC, WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED, 0, 0);
	t_close_tw(f->c, &x[1], 3 * SEC + MSEC); /* frees x[1], its TIME_WAIT takes the slot */
	take(f, 4 * SEC, false);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_SYN_SENT] = 3, [WW_TCP_TIME_WAIT] = 1);
	EXPECT_FIELDS(&f->s.stats, FV(sockets, 4), FV(sockets_dropped, 2));
}

/* sockets_dropped counts sockets (collector.h), not their events. */
static void test_table_full_drops_counted_per_socket(void **state)
{
	struct coll_fx *f = *state;

	f->o.max_sockets = 4;
	remake(f);
	for (int i = 0; i < 6; i++) {
		struct tsock x = t_out(2400 + i, "192.0.2.10", (__u16)(44100 + i), "203.0.113.5", 80);

		t_connect(f->c, &x, 1 * SEC + (__u64)i * MSEC);
	}
	take(f, 2 * SEC, false);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_ESTABLISHED] = 4);
	EXPECT_FIELDS(&f->s.stats, FV(sockets, 4), FV(events, 12), FV(sockets_dropped, 2));
}

/* ---- 12. --by variants ----------------------------------------------------------- */

/*
 * One host: a listener 198.51.100.1:8080 (nginx, cgroup 77) with two accepted
 * sockets (one in CLOSE_WAIT), curl's two connections to 203.0.113.5:80 (one
 * in TIME_WAIT, cgroup 88) and wget's to 203.0.113.6:443 in another namespace
 * (cgroup 99).
 */
static void mixed_host(struct coll_fx *f)
{
	struct tsock l = t_listener(2500, "198.51.100.1", 8080);
	struct tsock a = t_in(2501, "198.51.100.1", 8080, "192.0.2.50", 50001);
	struct tsock b = t_in(2502, "198.51.100.1", 8080, "192.0.2.51", 50002);
	struct tsock x = t_out(2503, "192.0.2.10", 40001, "203.0.113.5", 80);
	struct tsock y = t_out(2504, "192.0.2.10", 40002, "203.0.113.5", 80);
	struct tsock z = t_out(2505, "192.0.2.11", 40003, "203.0.113.6", 443);

	t_owner(&l, 900, "nginx");
	l.cgroup_id = a.cgroup_id = b.cgroup_id = 77;
	t_owner(&x, 1000, "curl");
	t_owner(&y, 1001, "curl");
	x.cgroup_id = y.cgroup_id = 88;
	t_owner(&z, 1002, "wget");
	z.cgroup_id = 99;
	z.netns = NETNS_OTHER;
	remake(f);
	t_listen(f->c, &l, 1 * SEC);
	t_accept(f->c, &a, 2 * SEC);
	t_accept(f->c, &b, 2 * SEC);
	tr(f->c, &b, 3 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	t_connect(f->c, &x, 2 * SEC);
	t_conn_tw(f->c, &y, 2 * SEC);
	t_connect(f->c, &z, 2 * SEC);
}

/* A row of a snapshot, exactly with these counts; dir -1 and netns 0: any. */
struct row_want {
	const char *name;
	int dir;
	__u32 netns;
	__u32 count[WW_TCP_NSTATES];
};

/* The mixed host grouped by one --by: its rows (nrows 0: not counted), at 4 s. */
static const struct by_case {
	enum ww_by by;
	size_t nrows;
	struct row_want rows[6]; /* up to the first without a name */
} by_cases[] = {
	{ BY_SERVICE, 3, {
		{ "198.51.100.1:8080", DIR_IN, 0, { [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 1,
						    [WW_TCP_CLOSE_WAIT] = 1 } },
		{ "203.0.113.5:80", DIR_OUT, 0, { [WW_TCP_ESTABLISHED] = 1,
						  [WW_TCP_TIME_WAIT] = 1 } },
		{ "203.0.113.6:443", DIR_OUT, NETNS_OTHER, { [WW_TCP_ESTABLISHED] = 1 } } } },
	{ BY_LOCAL, 0, {
		{ "198.51.100.1:8080", -1, 0, { [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 1,
						[WW_TCP_CLOSE_WAIT] = 1 } },
		{ "192.0.2.10:40001", -1, 0, { [WW_TCP_ESTABLISHED] = 1 } },
		{ "192.0.2.10:40002", -1, 0, { [WW_TCP_TIME_WAIT] = 1 } },
		{ "192.0.2.11:40003", -1, 0, { [WW_TCP_ESTABLISHED] = 1 } } } },
	{ BY_REMOTE, 5, {
		{ "0.0.0.0:0", -1, 0, { [WW_TCP_LISTEN] = 1 } },
		{ "192.0.2.50:50001", -1, 0, { [WW_TCP_ESTABLISHED] = 1 } },
		{ "192.0.2.51:50002", -1, 0, { [WW_TCP_CLOSE_WAIT] = 1 } },
		{ "203.0.113.5:80", -1, 0, { [WW_TCP_ESTABLISHED] = 1, [WW_TCP_TIME_WAIT] = 1 } },
		{ "203.0.113.6:443", -1, 0, { [WW_TCP_ESTABLISHED] = 1 } } } },
	{ BY_LPORT, 0, {
		{ "*:8080", -1, 0, { [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 1,
				     [WW_TCP_CLOSE_WAIT] = 1 } },
		{ "*:40001", -1, 0, { [WW_TCP_ESTABLISHED] = 1 } },
		{ "*:40002", -1, 0, { [WW_TCP_TIME_WAIT] = 1 } },
		/* z's port in its own namespace */
		{ "*:40003", -1, NETNS_OTHER, { [WW_TCP_ESTABLISHED] = 1 } } } },
	{ BY_NETNS, 2, {
		{ "netns:4026531840", -1, 0, { [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 2,
					       [WW_TCP_CLOSE_WAIT] = 1, [WW_TCP_TIME_WAIT] = 1 } },
		{ "netns:4026532001", -1, 0, { [WW_TCP_ESTABLISHED] = 1 } } } },
	{ BY_COMM, 4, {
		{ "nginx", -1, 0, { [WW_TCP_LISTEN] = 1 } },
		/* accepted sockets: no owner known from their events */
		{ "-", -1, 0, { [WW_TCP_ESTABLISHED] = 1, [WW_TCP_CLOSE_WAIT] = 1 } },
		{ "curl", -1, 0, { [WW_TCP_ESTABLISHED] = 1, [WW_TCP_TIME_WAIT] = 1 } },
		{ "wget", -1, NETNS_OTHER, { [WW_TCP_ESTABLISHED] = 1 } } } },
	{ BY_CGROUP, 3, {
		{ "cgroup:77", -1, 0, { [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 1,
					[WW_TCP_CLOSE_WAIT] = 1 } },
		{ "cgroup:88", -1, 0, { [WW_TCP_ESTABLISHED] = 1, [WW_TCP_TIME_WAIT] = 1 } },
		{ "cgroup:99", -1, 0, { [WW_TCP_ESTABLISHED] = 1 } } } },
	/* group_of (below) makes cgroups 77 and 88 one container */
	{ BY_CONTAINER, 2, {
		{ "cgroup:77", -1, 0, { [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 2,
					[WW_TCP_CLOSE_WAIT] = 1, [WW_TCP_TIME_WAIT] = 1 } },
		{ "cgroup:99", -1, NETNS_OTHER, { [WW_TCP_ESTABLISHED] = 1 } } } },
	{ BY_LADDR, 0, {
		{ "198.51.100.1", -1, 0, { [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 1,
					   [WW_TCP_CLOSE_WAIT] = 1 } },
		{ "192.0.2.10", -1, 0, { [WW_TCP_ESTABLISHED] = 1, [WW_TCP_TIME_WAIT] = 1 } },
		{ "192.0.2.11", -1, 0, { [WW_TCP_ESTABLISHED] = 1 } } } },
	{ BY_RPORT, 0, {
		{ "*:80", -1, 0, { [WW_TCP_ESTABLISHED] = 1, [WW_TCP_TIME_WAIT] = 1 } },
		{ "*:0", -1, 0, { [WW_TCP_LISTEN] = 1 } },
		{ "*:50002", -1, 0, { [WW_TCP_CLOSE_WAIT] = 1 } } } },
};

/* As the host's cgroup names would: 88 is another cgroup of 77's container. */
static __u64 group_of(void *ctx, __u64 cgroup_id)
{
	unsigned int *calls = ctx;

	(*calls)++;
	return cgroup_id == 88 ? 77 : cgroup_id;
}

static void expect_by(struct coll_fx *f, enum ww_by by)
{
	const struct by_case *k = by_cases;
	unsigned int calls = 0;

	while (k->by != by)
		k++;
	f->o.by = by;
	f->o.group_of = group_of;
	f->o.group_ctx = &calls;
	mixed_host(f);
	take(f, 4 * SEC, false);
	if (k->nrows)
		assert_int_equal(f->s.nrows, k->nrows);
	for (const struct row_want *w = k->rows; w < k->rows + 6 && w->name; w++) {
		const struct ep_row *r = row_get_at(&f->s, &f->o, w->name, w->dir, w->netns,
						    __FILE__, __LINE__);

		expect_counts_at(r->count, w->count, w->name, __FILE__, __LINE__);
	}
}

static void test_by_service(void **state)
{
	expect_by(*state, BY_SERVICE);
}

static void test_by_local(void **state)
{
	struct coll_fx *f = *state;

	expect_by(f, BY_LOCAL);
	EXPECT_COUNTS(f->s.totals, [WW_TCP_LISTEN] = 1, [WW_TCP_ESTABLISHED] = 3,
		      [WW_TCP_CLOSE_WAIT] = 1, [WW_TCP_TIME_WAIT] = 1);
}

static void test_by_remote(void **state)
{
	expect_by(*state, BY_REMOTE);
}

static void test_by_lport(void **state)
{
	expect_by(*state, BY_LPORT);
}

static void test_by_netns(void **state)
{
	expect_by(*state, BY_NETNS);
}

static void test_by_comm(void **state)
{
	expect_by(*state, BY_COMM);
}

/*
 * --by container: rows by the group group_of gives, asked once per socket
 * and not per event; --by cgroup does not ask.
 */
static void test_by_container(void **state)
{
	struct coll_fx *f = *state;
	unsigned int calls = 0;

	expect_by(f, BY_CONTAINER);
	f->o.group_ctx = &calls;
	mixed_host(f);
	take(f, 4 * SEC, false);
	take(f, 5 * SEC, false);
	assert_in_range(calls, 1, 6); /* six sockets */
	calls = 0;
	f->o.by = BY_CGROUP;
	mixed_host(f);
	take(f, 4 * SEC, false);
	assert_int_equal(calls, 0);
}

/*
 * serve --labels: each endpoint split by its sockets' group, within
 * max_endpoints like any row.
 */
static void test_split_by_group(void **state)
{
	struct coll_fx *f = *state;
	struct tsock a = t_out(2601, "192.0.2.10", 40001, "203.0.113.5", 80);
	struct tsock b = t_out(2602, "192.0.2.10", 40002, "203.0.113.5", 80);
	struct tsock c = t_out(2603, "192.0.2.10", 40003, "203.0.113.5", 80);
	unsigned int calls = 0;

	a.cgroup_id = 10;
	b.cgroup_id = 88;
	c.cgroup_id = 77;
	f->o.group_of = group_of;
	f->o.group_ctx = &calls;
	f->o.split_by_group = true;
	remake(f);
	t_connect(f->c, &a, 1 * SEC);
	t_connect(f->c, &b, 1 * SEC);
	t_connect(f->c, &c, 1 * SEC);
	take(f, 2 * SEC, false);
	assert_int_equal(f->s.nrows, 2);
	for (size_t i = 0; i < f->s.nrows; i++) {
		const struct ep_row *r = &f->s.rows[i];

		assert_true(r->key.group == 10 || r->key.group == 77);
		assert_int_equal(r->count[WW_TCP_ESTABLISHED], r->key.group == 77 ? 2 : 1);
	}
	/* one row kept, the other folded */
	f->o.max_endpoints = 1;
	remake(f);
	t_connect(f->c, &a, 1 * SEC);
	t_connect(f->c, &b, 1 * SEC);
	t_connect(f->c, &c, 1 * SEC);
	take(f, 2 * SEC, false);
	assert_int_equal(f->s.nrows, 1);
	assert_int_equal(f->s.rows[0].key.group, 77);
	assert_int_equal(f->s.other.folded, 1);
	assert_int_equal(f->s.other.count[WW_TCP_ESTABLISHED], 1);
}

static void test_by_cgroup_laddr_rport(void **state)
{
	expect_by(*state, BY_CGROUP);
	expect_by(*state, BY_LADDR);
	expect_by(*state, BY_RPORT);
}

/*
 * Bucket i holds dwell times in (2^(i-1), 2^i] microseconds (bucket 0: up
 * to 1 us), as Prometheus's le means; the last one everything above.
 */
static void test_hist_bucket(void **state)
{
	assert_int_equal(hist_bucket(0), 0);
	assert_int_equal(hist_bucket(999), 0);
	assert_int_equal(hist_bucket(1000), 0);
	assert_int_equal(hist_bucket(1001), 1);
	assert_int_equal(hist_bucket(2000), 1);
	assert_int_equal(hist_bucket(2001), 2);
	assert_int_equal(hist_bucket(1 * SEC), 20);
	assert_int_equal(hist_bucket(5 * SEC), 23);
	assert_int_equal(hist_bucket((1ull << 29) * 1000), 29);
	assert_int_equal(hist_bucket((1ull << 30) * 1000 - 1000), 30);
	assert_int_equal(hist_bucket((1ull << 30) * 1000), 30);
	assert_int_equal(hist_bucket((1ull << 30) * 1000 + 1000), WW_HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket(UINT64_MAX), WW_HIST_BUCKETS - 1);
}

/* The buckets kept are those Prometheus shows: le = 2^10, 2^12, ... 2^28 us, +Inf. */
static void test_le_bucket(void **state)
{
	assert_int_equal(WW_LE_BUCKETS, 11);
	assert_int_equal(ep_le_bucket(0), 0);
	assert_int_equal(ep_le_bucket(1024 * 1000), 0);      /* 2^10 us: le 2^10 */
	assert_int_equal(ep_le_bucket(1024 * 1000 + 1), 1);  /* just above */
	assert_int_equal(ep_le_bucket(4096 * 1000), 1);      /* 2^12 us */
	assert_int_equal(ep_le_bucket(4096 * 1000 + 1), 2);
	assert_int_equal(ep_le_bucket((1ull << 28) * 1000), 9);
	assert_int_equal(ep_le_bucket((1ull << 28) * 1000 + 1), 10); /* +Inf */
	assert_int_equal(ep_le_bucket(~0ull), 10);
	assert_int_equal(ep_hist_slot(WW_TCP_SYN_SENT), 0);
	assert_int_equal(ep_hist_slot(WW_TCP_TIME_WAIT), 3);
	assert_int_equal(ep_hist_slot(WW_TCP_FIN_WAIT1), -1);
	for (int i = 0; i < WW_HIST_STATES; i++)
		assert_int_equal(ep_hist_slot(ww_hist_states[i]), i);
}

/* Each of the kernel's transitions has a counter of its own; any other pair is counted too. */
static void test_pair_slots(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_out(8001, "192.0.2.10", 40000, "203.0.113.5", 80);
	int seen[WW_NPAIRS] = { 0 }, n = 0;
	const struct ep_row *r;

	for (int a = 0; a < WW_TCP_NSTATES; a++) {
		for (int b = 0; b < WW_TCP_NSTATES; b++) {
			int slot = ep_pair_slot(a, b);

			if (slot < 0)
				continue;
			assert_true(slot < WW_NPAIRS);
			assert_int_equal(seen[slot]++, 0);
			n++;
		}
	}
	assert_int_equal(n, WW_NPAIRS);
	assert_int_equal(ep_pair_slot(WW_TCP_ESTABLISHED, WW_TCP_ESTABLISHED), -1);
	assert_int_equal(ep_pair_slot(-1, 0), -1);
	assert_int_equal(ep_pair_slot(0, WW_TCP_NSTATES), -1);

	/* pairs no kernel makes, from a recording: counted, and entries follow them */
	t_connect(f->c, &x, SEC);
	tr(f->c, &x, 2 * SEC, WW_TCP_ESTABLISHED, WW_TCP_SYN_SENT, 0, 0);
	tr(f->c, &x, 3 * SEC, WW_TCP_SYN_SENT, WW_TCP_TIME_WAIT, 0, 0);
	tr(f->c, &x, 4 * SEC, WW_TCP_TIME_WAIT, WW_TCP_ESTABLISHED, 0, 0);
	take(f, 5 * SEC, false);
	r = ROW(f, "203.0.113.5:80", DIR_OUT);
	assert_non_null(r->stats.odd);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_ESTABLISHED, WW_TCP_SYN_SENT), 1);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_SYN_SENT, WW_TCP_TIME_WAIT), 1);
	assert_int_equal(ep_stats_trans(&r->stats, WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED), 1);
	assert_int_equal(ep_stats_entries(&r->stats, WW_TCP_ESTABLISHED), 2);
	assert_int_equal(ep_stats_entries(&r->stats, WW_TCP_SYN_SENT), 2);
	assert_int_equal(ep_stats_entries(&r->stats, WW_TCP_TIME_WAIT), 1);
	assert_true(f->s.stats.memory_bytes > 0);
}

/* ---- 13. how sockets are stored ------------------------------------------------ */

/* What the tables hold, not the last snapshot. */
static __u64 table_bytes(struct collector *c)
{
	const struct collector_stats *st = collector__stats(c);

	return st->memory_bytes - st->snapshot_bytes;
}

/*
 * IPv6 addresses live out of line: a socket's come back when it goes, and
 * every path that copies a socket (into TIME_WAIT, tracked or not) keeps them.
 */
static void test_ipv6_lines(void **state)
{
	struct coll_fx *f = *state;
	struct collector *one;
	const struct ep_row *r;
	struct tsock x;
	__u64 base, full;

	f->o.max_sockets = 1;
	one = mk(&f->o);
	base = table_bytes(f->c);
	for (int i = 0; i < 200; i++) {
		x = t_out(3000 + i, "2001:db8::10", 41000 + i, "2001:db8::1", 443);
		t_conn_tw(f->c, &x, SEC + i * MSEC);
	}
	take(f, 2 * SEC, false);
	EXPECT_COUNTS(ROW(f, "[2001:db8::1]:443", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 200);
	full = table_bytes(f->c);
	assert_true(full > base);
	/* a new connection on the same 4-tuple ends the TIME_WAIT socket */
	x = t_out(3199, "2001:db8::10", 41199, "2001:db8::1", 443);
	x.id = 3999;
	t_connect(f->c, &x, 3 * SEC);
	take(f, 3 * SEC + 2 * MSEC, false);
	EXPECT_COUNTS(ROW(f, "[2001:db8::1]:443", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 199,
		      [WW_TCP_ESTABLISHED] = 1);
	assert_int_equal(f->s.stats.tw_exits_reuse, 1);
	/* the sweep ends them all: nothing more is held than the tables' slack */
	sweep_empty(f->c, 10 * SEC);
	take(f, 10 * SEC, false);
	assert_int_equal(f->s.stats.sockets, 0);
	assert_int_equal(table_bytes(f->c), full);
	for (int i = 0; i < 200; i++) {
		x = t_out(4000 + i, "2001:db8::10", 42000 + i, "2001:db8::2", 443);
		t_conn_tw(f->c, &x, 11 * SEC + i * MSEC);
	}
	assert_int_equal(table_bytes(f->c), full);

	/* a socket the table has no room for closes into TIME_WAIT: that one is kept */
	x = t_out(5000, "2001:db8::10", 43000, "2001:db8::3", 443);
	t_connect(one, &x, SEC);
	x = t_out(5001, "2001:db8::10", 43001, "2001:db8::4", 443);
	t_conn_tw(one, &x, SEC);
	x = t_out(5000, "2001:db8::10", 43000, "2001:db8::3", 443);
	x.last_ts = SEC + MSEC;
	t_close_tw(one, &x, 2 * SEC);
	take_of(one, 3 * SEC, false, &f->s);
	EXPECT_COUNTS(ROW(f, "[2001:db8::3]:443", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 1);
	r = row_find(&f->s, &f->o, "[2001:db8::4]:443", DIR_OUT, 0);
	assert_true(!r || !r->count[WW_TCP_TIME_WAIT]); /* no room for its TIME_WAIT socket */
	assert_int_equal(f->s.stats.sockets, 1);
	collector__free(one);
}

/* A TIME_WAIT socket the sweep saw first, then the close that made it: one socket, not two. */
static void test_timewait_onto_swept(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x = t_out(6001, "192.0.2.10", 40100, "203.0.113.9", 80);
	struct tsock y = t_out(6002, "2001:db8::10", 40101, "2001:db8::9", 80);

	t_connect(f->c, &x, SEC);
	t_connect(f->c, &y, SEC);
	collector__sweep_begin(f->c, 2 * SEC);
	sweep_rec(f->c, rec_tw(&x, WW_TCP_TIME_WAIT));
	sweep_rec(f->c, rec_tw(&y, WW_TCP_TIME_WAIT));
	t_close_tw(f->c, &x, 2 * SEC);
	t_close_tw(f->c, &y, 2 * SEC);
	collector__sweep_end(f->c);
	take(f, 3 * SEC, false);
	assert_int_equal(f->s.stats.sockets, 2);
	EXPECT_COUNTS(ROW(f, "203.0.113.9:80", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 1);
	EXPECT_COUNTS(ROW(f, "[2001:db8::9]:80", DIR_OUT)->count, [WW_TCP_TIME_WAIT] = 1);
}

/*
 * Sockets hold a generation of their endpoint's entry; when the generations
 * run out (255 of them with 2^24 - 1 endpoints), every reference is
 * forgotten and found again: each event still counts where it belongs.
 */
static void test_endpoint_generations(void **state)
{
	struct coll_fx *f = *state;
	struct tsock x[300];
	char addr[32], name[48];

	f->o.max_endpoints = (1u << 24) - 1;
	remake(f);
	for (int i = 0; i < 300; i++) {
		snprintf(addr, sizeof(addr), "198.18.%d.%d", i / 200, i % 200 + 1);
		x[i] = t_out(7000 + i, "192.0.2.10", 40000 + i, addr, 80);
		t_connect(f->c, &x[i], SEC + i * MSEC);
	}
	for (int i = 0; i < 300; i++)
		t_close_tw(f->c, &x[i], 2 * SEC + i * MSEC);
	take(f, 3 * SEC, false);
	assert_int_equal(f->s.nrows, 300);
	for (int i = 0; i < 300; i++) {
		const struct ep_row *r;

		snprintf(name, sizeof(name), "198.18.%d.%d:80", i / 200, i % 200 + 1);
		r = ROW(f, name, DIR_OUT);
		EXPECT_COUNTS(r->count, [WW_TCP_TIME_WAIT] = 1);
		assert_int_equal(ep_stats_entries(&r->stats, WW_TCP_SYN_SENT), 1);
		assert_int_equal(ep_stats_entries(&r->stats, WW_TCP_FIN_WAIT2), 1);
		assert_int_equal(ep_stats_entries(&r->stats, WW_TCP_TIME_WAIT), 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FX_TEST(test_active_close_client),
		FX_TEST(test_passive_close_server),
		FX_TEST(test_simultaneous_close),
		FX_TEST(test_reset_linger0),
		FX_TEST(test_connect_refused),
		FX_TEST(test_listener_open_close),
		FX_TEST(test_unaccepted_children_closed_with_listener),
		FX_TEST(test_shutdown_wr_fin_wait2_substate),
		FX_TEST(test_fw2_substate_to_tw_counts_entry),
		FX_TEST(test_wildcard_listener),
		FX_TEST(test_seeded_first_sweep),
		FX_TEST(test_seeded_wildcard_listener),
		FX_TEST(test_request_socket_becomes_child),
		FX_TEST(test_child_before_wildcard_listener_seeded),
		FX_TEST(test_tw_exit_by_sweep),
		FX_TEST(test_tw_exit_by_reuse),
		FX_TEST(test_lost_close_wait_repaired),
		FX_TEST(test_lost_close_repaired),
		FX_TEST(test_lost_creation_repaired),
		FX_TEST(test_sweep_race_events_first),
		FX_TEST(test_sweep_race_records_first),
		FX_TEST(test_lost_established_repairs_port),
		FX_TEST(test_eviction_into_other),
		FX_TEST(test_other_row_oldest),
		FX_TEST(test_prefix_fold_v4),
		FX_TEST(test_prefix_fold_v6),
		cmocka_unit_test(test_prefix_key_format),
		FX_TEST(test_v4mapped_keys_as_ipv4),
		FX_TEST(test_port_pressure),
		FX_TEST(test_rates),
		FX_TEST(test_rates_new_endpoint),
		FX_TEST(test_rates_other_row),
		FX_TEST(test_table_full),
		FX_TEST(test_table_full_drops_counted_per_socket),
		FX_TEST(test_by_service),
		FX_TEST(test_by_local),
		FX_TEST(test_by_remote),
		FX_TEST(test_by_lport),
		FX_TEST(test_by_netns),
		FX_TEST(test_by_comm),
		FX_TEST(test_by_cgroup_laddr_rport),
		FX_TEST(test_by_container),
		FX_TEST(test_split_by_group),
		cmocka_unit_test(test_hist_bucket),
		cmocka_unit_test(test_le_bucket),
		FX_TEST(test_pair_slots),
		FX_TEST(test_ipv6_lines),
		FX_TEST(test_timewait_onto_swept),
		FX_TEST(test_endpoint_generations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
