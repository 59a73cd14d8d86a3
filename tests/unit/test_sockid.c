// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/sockid.c: kernel socket addresses turned into ids of
 * waitwatch's own, and what user space remembers in the kernel's stead.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sockid.h"

/* Slab-like addresses: aligned, close together, as the kernel hands them. */
#define SK(n) (0xffff888100000000ull + (uint64_t)(n) * 2368)

static struct ww_kevent_long rec(uint64_t sk, uint64_t ts, int old, int new, uint8_t kflags)
{
	struct ww_kevent_long l;

	memset(&l, 0, sizeof(l));
	l.e.ts_ns = ts;
	l.e.sk = sk;
	l.e.family = WW_AF_INET;
	l.e.oldstate = old;
	l.e.newstate = new;
	l.e.kflags = kflags;
	return l;
}

static struct ww_event feed(struct sockid *t, uint64_t sk, uint64_t ts, int old, int new)
{
	struct ww_kevent_long l = rec(sk, ts, old, new, 0);
	struct ww_event e;

	assert_true(sockid__event(t, &l, sizeof(l.e), &e));
	return e;
}

static struct ww_event feed_owner(struct sockid *t, uint64_t sk, uint64_t ts, int old, int new,
				  uint32_t pid, const char *comm)
{
	struct ww_kevent_long l = rec(sk, ts, old, new, WW_KF_LONG | WW_KF_OWNER);
	struct ww_event e;

	l.pid = pid;
	l.cgroup_id = 77;
	l.sock_ino = 4242;
	memcpy(l.comm, comm, strnlen(comm, sizeof(l.comm) - 1));
	assert_true(sockid__event(t, &l, sizeof(l), &e));
	return e;
}

/* Most tests work on a table of the default size, freed after them. */
static int table_setup(void **state)
{
	*state = sockid__new(0);
	return *state ? 0 : -1;
}

static int table_teardown(void **state)
{
	sockid__free(*state);
	return 0;
}

#define TABLE_TEST(test) cmocka_unit_test_setup_teardown(test, table_setup, table_teardown)

static void test_one_life(void **state)
{
	struct sockid *t = *state;
	struct ww_event a, b, c, d;

	a = feed_owner(t, SK(1), 1000, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 42, "client");
	b = feed(t, SK(1), 1500, WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED);
	c = feed(t, SK(1), 4000, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1);
	d = feed(t, SK(1), 9000, WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2);
	assert_int_not_equal(a.sock_id, 0);
	assert_int_equal(a.sock_id, b.sock_id);
	assert_int_equal(a.sock_id, d.sock_id);
	/* no address in any field */
	assert_int_not_equal(a.sock_id, SK(1));
	assert_false(a.flags & WW_EF_DWELL);
	assert_true(b.flags & WW_EF_DWELL);
	assert_int_equal(b.dwell_ns, 500);
	assert_int_equal(c.dwell_ns, 2500);
	assert_int_equal(d.dwell_ns, 5000);
	/* what the birth said, every later event says */
	assert_true(d.flags & WW_EF_DIR_OUT);
	assert_true(d.flags & WW_EF_OWNER);
	assert_false(d.flags & WW_EF_OWNER_NOW);
	assert_true(a.flags & WW_EF_OWNER_NOW);
	assert_int_equal(d.pid, 42);
	assert_string_equal(d.comm, "client");
	assert_int_equal(d.cgroup_id, 77);
	assert_int_equal(d.sock_ino, 4242);
}

static void test_close_ends_the_life(void **state)
{
	struct sockid *t = *state;
	struct sockid_stats st;
	struct ww_event a, b;

	a = feed(t, SK(2), 10, WW_TCP_CLOSE, WW_TCP_SYN_SENT);
	feed(t, SK(2), 20, WW_TCP_SYN_SENT, WW_TCP_CLOSE);
	sockid__stats(t, &st);
	assert_int_equal(st.sockets, 0);
	/* the address is reused: a new socket, a new id, nothing remembered */
	b = feed(t, SK(2), 30, WW_TCP_LISTEN, WW_TCP_SYN_RECV);
	assert_int_not_equal(a.sock_id, b.sock_id);
	assert_false(b.flags & WW_EF_DIR_OUT);
	assert_true(b.flags & WW_EF_DIR_IN);
}

static void test_birth_at_a_live_address(void **state)
{
	struct sockid *t = *state;
	struct ww_event a, b;

	/* its ->CLOSE was lost: the next birth there is another socket */
	a = feed_owner(t, SK(3), 10, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 5, "old");
	b = feed(t, SK(3), 50, WW_TCP_CLOSE, WW_TCP_LISTEN);
	assert_int_not_equal(a.sock_id, b.sock_id);
	assert_false(b.flags & (WW_EF_OWNER | WW_EF_DIR_OUT | WW_EF_DWELL));
}

/* An event at sk with this 4-tuple (127.0.0.1:sport -> 127.0.0.1:dport). */
static struct ww_event feed_tuple(struct sockid *t, uint64_t sk, uint64_t ts, int old, int new,
				  uint16_t sport, uint16_t dport)
{
	struct ww_kevent_long l = rec(sk, ts, old, new, 0);
	struct ww_event e;

	l.e.saddr[0] = l.e.daddr[0] = 127;
	l.e.saddr[3] = l.e.daddr[3] = 1;
	l.e.sport = sport;
	l.e.dport = dport;
	assert_true(sockid__event(t, &l, sizeof(l.e), &e));
	return e;
}

/*
 * Both the old life's ->CLOSE and the new one's birth lost (a ring buffer
 * far too small): another 4-tuple at the address is another socket, which
 * must not inherit the accepted socket's direction (counted "in" under its
 * own address, for ever). A port still 0 (connect() picks it after
 * SYN_SENT, a ->CLOSE may have dropped it) changes nothing.
 */
static void test_another_tuple_is_another_life(void **state)
{
	struct sockid *t = *state;
	struct ww_event a, b, c, d, e;

	a = feed_tuple(t, SK(30), 10, WW_TCP_LISTEN, WW_TCP_SYN_RECV, 8001, 40000);
	b = feed_tuple(t, SK(30), 20, WW_TCP_SYN_RECV, WW_TCP_ESTABLISHED, 8001, 40000);
	assert_int_equal(a.sock_id, b.sock_id);
	assert_true(b.flags & WW_EF_DIR_IN);
	/* a client socket at the same address, first seen at its active close */
	c = feed_tuple(t, SK(30), 30, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 50123, 8001);
	assert_int_not_equal(c.sock_id, a.sock_id);
	assert_false(c.flags & (WW_EF_DIR_IN | WW_EF_DIR_OUT | WW_EF_DWELL));
	d = feed_tuple(t, SK(30), 40, WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2, 50123, 8001);
	assert_int_equal(d.sock_id, c.sock_id);
	assert_true(d.flags & WW_EF_DWELL);
	/* its ->CLOSE without the port: the same life */
	e = feed_tuple(t, SK(30), 50, WW_TCP_FIN_WAIT2, WW_TCP_CLOSE, 0, 8001);
	assert_int_equal(e.sock_id, c.sock_id);

	/* connect(): no local port at SYN_SENT, then one: one life, outbound */
	a = feed_tuple(t, SK(31), 10, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 8001);
	b = feed_tuple(t, SK(31), 20, WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED, 50200, 8001);
	c = feed_tuple(t, SK(31), 30, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 50200, 8001);
	assert_int_equal(a.sock_id, b.sock_id);
	assert_int_equal(a.sock_id, c.sock_id);
	assert_true(c.flags & WW_EF_DIR_OUT);
}

static void test_sweep_shares_ids(void **state)
{
	struct sockid *t = *state;
	struct ww_sock_rec r = { .sock_id = SK(4), .state = WW_TCP_CLOSE_WAIT, .sock_ino = 9 };
	struct ww_sock_rec tw = { .sock_id = 0, .state = WW_TCP_TIME_WAIT };
	struct ww_event e;
	uint64_t id;

	sockid__sweep_begin(t, 100);
	sockid__sweep_rec(t, &r);
	sockid__sweep_rec(t, &tw);
	sockid__sweep_end(t);
	id = r.sock_id;
	assert_int_not_equal(id, SK(4));
	assert_int_equal(tw.sock_id, 0);
	/* a socket older than us: its next event has the sweep's id, no time in state */
	e = feed(t, SK(4), 200, WW_TCP_CLOSE_WAIT, WW_TCP_LAST_ACK);
	assert_int_equal(e.sock_id, id);
	assert_false(e.flags & WW_EF_DWELL);
	assert_int_equal(e.sock_ino, 9);
	/* a second sweep of a live socket gives the same id */
	r.sock_id = SK(4);
	sockid__sweep_begin(t, 300);
	sockid__sweep_rec(t, &r);
	sockid__sweep_end(t);
	assert_int_equal(r.sock_id, id);
}

static void test_sweep_then_birth_is_one_socket(void **state)
{
	struct sockid *t = *state;
	struct ww_sock_rec r = { .sock_id = SK(5), .state = WW_TCP_SYN_SENT };
	struct ww_event e;

	/* born during the sweep, swept before its birth event was read */
	sockid__sweep_begin(t, 100);
	sockid__sweep_rec(t, &r);
	e = feed(t, SK(5), 150, WW_TCP_CLOSE, WW_TCP_SYN_SENT);
	sockid__sweep_end(t);
	assert_int_equal(e.sock_id, r.sock_id);
}

static void test_sweep_ends_lost_lives(void **state)
{
	struct sockid *t = *state;
	struct ww_sock_rec r = { .sock_id = SK(7), .state = WW_TCP_ESTABLISHED };
	struct sockid_stats st;

	feed(t, SK(6), 10, WW_TCP_CLOSE, WW_TCP_SYN_SENT); /* its ->CLOSE is lost */
	feed(t, SK(7), 10, WW_TCP_CLOSE, WW_TCP_SYN_SENT);
	feed(t, SK(8), 150, WW_TCP_CLOSE, WW_TCP_SYN_SENT); /* during the sweep */
	sockid__sweep_begin(t, 100);
	sockid__sweep_rec(t, &r);
	sockid__sweep_end(t);
	sockid__stats(t, &st);
	assert_int_equal(st.sockets, 2);
	assert_int_equal(st.ended_by_sweep, 1);
}

static void test_dwell_needs_the_entry(void **state)
{
	struct sockid *t = *state;
	struct ww_event e;

	feed(t, SK(9), 10, WW_TCP_CLOSE, WW_TCP_SYN_SENT);
	/* SYN_SENT -> ESTABLISHED was lost: FIN_WAIT1's entry time is unknown */
	e = feed(t, SK(9), 90, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1);
	assert_false(e.flags & WW_EF_DWELL);
}

static void test_full_table(void **state)
{
	struct sockid *t = sockid__new(3);
	struct sockid_stats st;
	struct ww_event e[5];

	for (int i = 0; i < 5; i++)
		e[i] = feed(t, SK(100 + i), 10, WW_TCP_CLOSE, WW_TCP_SYN_SENT);
	sockid__stats(t, &st);
	assert_int_equal(st.sockets, 3);
	assert_int_equal(st.untracked, 2);
	/* every event still has an id, and no two the same */
	for (int i = 0; i < 5; i++)
		for (int j = 0; j < i; j++)
			assert_int_not_equal(e[i].sock_id, e[j].sock_id);
	sockid__free(t);
}

static void test_short_records_refused(void **state)
{
	struct sockid *t = *state;
	struct ww_kevent_long l = rec(SK(1), 1, WW_TCP_CLOSE, WW_TCP_SYN_SENT, WW_KF_LONG);
	struct ww_event e;

	assert_false(sockid__event(t, &l, sizeof(l.e), &e));
	assert_false(sockid__event(t, &l, 10, &e));
}

/* Many lives coming and going in random order: each keeps its id to the end. */
static void test_churn_against_a_reference(void **state)
{
	enum { N = 20000 };
	struct sockid *t = *state;
	uint64_t *ids = calloc(N, sizeof(*ids));
	struct sockid_stats st;
	unsigned int seed = 1;
	size_t live = 0;

	assert_non_null(ids);
	for (int round = 0; round < 200000; round++) {
		int n = rand_r(&seed) % N;
		struct ww_event e;

		if (!ids[n]) {
			e = feed(t, SK(n), round, WW_TCP_CLOSE, WW_TCP_SYN_SENT);
			ids[n] = e.sock_id;
			live++;
		} else if (rand_r(&seed) % 2) {
			e = feed(t, SK(n), round, WW_TCP_SYN_SENT, WW_TCP_CLOSE);
			assert_int_equal(e.sock_id, ids[n]);
			ids[n] = 0;
			live--;
		} else {
			/* a non-birth transition keeps the id */
			e = feed(t, SK(n), round, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1);
			assert_int_equal(e.sock_id, ids[n]);
		}
	}
	sockid__stats(t, &st);
	assert_int_equal(st.sockets, live);
	/* 64 bytes a slot, at most half full after growth */
	assert_true(st.memory_bytes <= 64 * 4 * (live + 1024) + 4096);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TABLE_TEST(test_one_life),
		TABLE_TEST(test_close_ends_the_life),
		TABLE_TEST(test_birth_at_a_live_address),
		TABLE_TEST(test_sweep_shares_ids),
		TABLE_TEST(test_sweep_then_birth_is_one_socket),
		TABLE_TEST(test_sweep_ends_lost_lives),
		TABLE_TEST(test_dwell_needs_the_entry),
		cmocka_unit_test(test_full_table),
		TABLE_TEST(test_another_tuple_is_another_life),
		TABLE_TEST(test_short_records_refused),
		TABLE_TEST(test_churn_against_a_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
