// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/leaks.c: grouping stuck sockets by owner (process by
 * fd, the listener of sockets never accepted, orphans by cgroup) from
 * constructed sweep records and an owner map; the TIME_WAIT diagnosis
 * (classification, percentiles of the log2 lifetime histogram, the
 * diagnosis line) and duration_human.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "leaks.h"
#include "out_leaks.h"
#include "owner_map.h"
#include "expect.h"

#define NS 4026531840u
#define NS2 4026532000u
#define SEC 1000000000ull
#define MSEC 1000000ull

/* ---- constructing records ------------------------------------------------- */

static struct ww_sock_rec rec(int state, const char *src, uint16_t sport, const char *dst,
			      uint16_t dport, uint64_t ino, uint64_t cgroup)
{
	struct ww_sock_rec r;

	memset(&r, 0, sizeof(r));
	if (strchr(src, ':')) {
		r.family = WW_AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, src, r.saddr), 1);
		assert_int_equal(inet_pton(AF_INET6, dst, r.daddr), 1);
	} else {
		r.family = WW_AF_INET;
		assert_int_equal(inet_pton(AF_INET, src, r.saddr), 1);
		assert_int_equal(inet_pton(AF_INET, dst, r.daddr), 1);
	}
	r.sport = sport;
	r.dport = dport;
	r.state = state;
	r.sock_ino = ino;
	r.cgroup_id = cgroup;
	r.netns = NS;
	if (state == WW_TCP_CLOSE_WAIT) {
		r.flags = WW_SF_AGE;
	}
	return r;
}

static struct leak_sock cw(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			   uint64_t ino, uint64_t cgroup, uint64_t age_s)
{
	struct leak_sock s = { .r = rec(WW_TCP_CLOSE_WAIT, src, sport, dst, dport, ino, cgroup),
			       .age_ns = age_s * SEC };

	s.r.state_age_ms = age_s * 1000;
	return s;
}

static struct ww_sock_rec listener(const char *addr, uint16_t port, uint64_t ino)
{
	const char *any = strchr(addr, ':') ? "::" : "0.0.0.0";

	return rec(WW_TCP_LISTEN, addr, port, any, 0, ino, 7);
}

/* What a leak_report__build test fills: the owner map, the report; freed after it. */
struct leak_fx {
	struct owner_map m;
	struct leak_report r;
};

static int fx_setup(void **state)
{
	*state = test_calloc(1, sizeof(struct leak_fx));
	return *state ? 0 : -1;
}

static int fx_teardown(void **state)
{
	struct leak_fx *f = *state;

	leak_report__free(&f->r);
	owner_map__free(&f->m);
	test_free(f);
	return 0;
}

#define FX_TEST(test) cmocka_unit_test_setup_teardown(test, fx_setup, fx_teardown)

/* One fd of a process holding inode ino. */
static void own(struct owner_map *m, uint64_t ino, uint32_t pid, uint32_t fd)
{
	assert_int_equal(owner_map__add(m, ino, pid, fd), 0);
}

/* The report of the sockets and listeners, the owners sorted as owners__scan leaves them. */
static void build(struct leak_fx *f, const struct leak_sock *s, size_t n,
		  const struct ww_sock_rec *ls, size_t nls)
{
	owner_map__sort(&f->m);
	assert_int_equal(leak_report__build(s, n, ls, nls, &f->m, &f->r), 0);
}

static const struct leak_group *group_of_pid(const struct leak_report *r, uint32_t pid)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->groups[i].pid == pid)
			return &r->groups[i];
	fail_msg("no group for pid %u", pid);
	return NULL;
}

/* ---- owner_map__find ------------------------------------------------------------ */

static void test_owners_find(void **state)
{
	struct owner_map m = { 0 };
	const struct owner_fd *f;
	size_t n;

	own(&m, 300, 10, 5);
	own(&m, 100, 10, 3);
	own(&m, 200, 20, 9);
	own(&m, 200, 10, 4);
	own(&m, 200, 10, 8);
	owner_map__sort(&m);

	f = owner_map__find(&m, 200, &n);
	assert_non_null(f);
	assert_int_equal(n, 3);
	EXPECT_FIELDS(f, FV(pid, 10), FV(fd, 4));
	assert_int_equal(f[1].fd, 8);
	assert_int_equal(f[2].pid, 20);
	f = owner_map__find(&m, 100, &n);
	assert_int_equal(n, 1);
	assert_int_equal(f->fd, 3);
	assert_null(owner_map__find(&m, 150, &n));
	assert_int_equal(n, 0);
	assert_null(owner_map__find(&m, 1000, &n));
	assert_null(owner_map__find(&m, 1, &n));

	m.n = 0;
	assert_null(owner_map__find(&m, 200, &n));
	assert_int_equal(n, 0);
	owner_map__free(&m);
}

/* ---- the leak lines: a process names itself ---------------------------------------- */

/* A comm and a cgroup with escape sequences are printed with '?' in their place. */
static void test_lines_escape_comm(void **state)
{
	struct leak_report r = { .n = 1 };
	struct leak_group g = { .kind = LEAK_PROCESS, .pid = 42, .state = WW_TCP_CLOSE_WAIT,
				 .count = 3, .oldest_ns = 90ull * 1000000000ull };
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	snprintf(g.comm, sizeof(g.comm), "\x1b[2J\x1b[31mEVIL\a");
	snprintf(g.cgroup, sizeof(g.cgroup), "/x\x1b]0;title\a");
	r.groups = &g;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	out_leaks_term(f, &r);
	out_leaks_lines(f, &r, 60ull * 1000000000ull, 5);
	fclose(f);
	assert_null(memchr(text, 0x1b, len));
	assert_null(memchr(text, '\a', len));
	assert_non_null(strstr(text, "?[2J?[31mEVIL?"));
	assert_non_null(strstr(text, "/x?]0;title?"));
	free(text);
}

/* ---- leak_report__build -------------------------------------------------------------- */

/* Two processes, their fds sorted, one socket shared by fork: the lowest pid. */
static void test_group_by_process(void **state)
{
	struct leak_fx *f = *state;
	const struct leak_group *g;
	struct ww_sock_rec ls[] = { listener("10.0.0.1", 80, 900) };
	struct leak_sock s[] = {
		cw("10.0.0.1", 80, "192.0.2.1", 40001, 1001, 55, 5),
		cw("10.0.0.9", 50000, "192.0.2.7", 5432, 2001, 66, 3),
		cw("10.0.0.1", 80, "192.0.2.2", 40002, 1002, 55, 9),
		cw("10.0.0.1", 80, "192.0.2.1", 40003, 1003, 55, 2),
		cw("10.0.0.9", 50001, "192.0.2.7", 5432, 2002, 66, 4),
	};

	own(&f->m, 900, 100, 3);  /* the listener */
	own(&f->m, 1001, 100, 12);
	own(&f->m, 1002, 100, 7);
	own(&f->m, 1003, 100, 31);
	own(&f->m, 1003, 150, 4); /* inherited by a child: pid 100 is the owner */
	own(&f->m, 2001, 200, 9);
	own(&f->m, 2002, 200, 6);
	build(f, s, 5, ls, 1);
	EXPECT_FIELDS(&f->r, FV(sockets, 5), FV(n, 2));

	g = &f->r.groups[0]; /* 3 sockets first */
	EXPECT_FIELDS(g, FV(kind, LEAK_PROCESS), FV(pid, 100), FV(netns, NS),
		      FV(state, WW_TCP_CLOSE_WAIT), FV(count, 3), FV(cgroup_id, 55),
		      FV(oldest_ns, 9 * SEC), FV(nfds, 3), FV(fds[0], 7), FV(fds[1], 12),
		      FV(fds[2], 31), FV(fds_more, 0));
	assert_string_equal(g->listener, "");
	/* inbound (their local port is the listener's): the client's address only */
	assert_int_equal(g->npeers, 2);
	assert_string_equal(g->peers[0].peer, "192.0.2.1");
	assert_int_equal(g->peers[0].count, 2);
	assert_string_equal(g->peers[1].peer, "192.0.2.2");
	EXPECT_FIELDS(g, FV(peers[1].count, 1), FV(peers_more, 0));

	g = &f->r.groups[1];
	EXPECT_FIELDS(g, FV(kind, LEAK_PROCESS), FV(pid, 200), FV(count, 2), FV(cgroup_id, 66),
		      FV(oldest_ns, 4 * SEC), FV(nfds, 2), FV(fds[0], 6), FV(fds[1], 9));
	/* outbound: the server's address and port */
	assert_int_equal(g->npeers, 1);
	assert_string_equal(g->peers[0].peer, "192.0.2.7:5432");
	assert_int_equal(g->peers[0].count, 2);
	leak_report__free(&f->r);
	assert_null(f->r.groups);
	assert_int_equal(f->r.n, 0);
}

/* One socket held by two fds of the same process: both fds, one socket. */
static void test_dup_fds(void **state)
{
	struct leak_fx *f = *state;
	struct leak_sock s[] = { cw("10.0.0.9", 50000, "192.0.2.7", 443, 2001, 1, 3) };

	own(&f->m, 2001, 200, 9);
	own(&f->m, 2001, 200, 5);
	build(f, s, 1, NULL, 0);
	assert_int_equal(f->r.n, 1);
	EXPECT_FIELDS(&f->r.groups[0], FV(count, 1), FV(nfds, 2), FV(fds[0], 5), FV(fds[1], 9));
}

#define MANY (LEAK_MAX_FDS + 6)

/*
 * MANY sockets of pid 42, one fd each, met by the sweep in hash order: here
 * the reverse of their fds (11 .. MANY + 10, highest first).
 */
static const struct leak_group *many_fds(struct leak_fx *f)
{
	static struct leak_sock s[MANY];

	for (int i = 0; i < MANY; i++) {
		s[i] = cw("10.0.0.9", 20000 + i, "192.0.2.7", 443, 5000 + i, 1, 1);
		own(&f->m, 5000 + i, 42, MANY + 10 - i);
	}
	build(f, s, MANY, NULL, 0);
	return &f->r.groups[0];
}

/* More fds than LEAK_MAX_FDS: 64 listed, sorted, the rest counted. */
static void test_fds_capped(void **state)
{
	struct leak_fx *f = *state;
	const struct leak_group *g = many_fds(f);

	assert_int_equal(f->r.n, 1);
	EXPECT_FIELDS(g, FV(count, MANY), FV(nfds, LEAK_MAX_FDS),
		      FV(fds_more, MANY - LEAK_MAX_FDS));
	for (uint32_t i = 1; i < g->nfds; i++)
		assert_true(g->fds[i - 1] < g->fds[i]);
	for (uint32_t i = 0; i < g->nfds; i++)
		assert_true(g->fds[i] >= 11 && g->fds[i] <= MANY + 10);
}

/*
 * docs/output.md: "the file descriptors holding the sockets, lowest first,
 * at most 64", "...(+N) for the rest": the list is the lowest 64, so that
 * the N others are above the last one shown, whatever order the sweep
 * met the sockets in.
 */
static void test_fds_capped_lowest(void **state)
{
	struct leak_fx *f = *state;
	const struct leak_group *g = many_fds(f);

	EXPECT_FIELDS(g, FV(nfds, LEAK_MAX_FDS), FV(fds_more, MANY - LEAK_MAX_FDS));
	if (g->fds[0] != 11 || g->fds[LEAK_MAX_FDS - 1] != 10 + LEAK_MAX_FDS)
		fail_msg("fds 11..%d held, %d listed: %u..%u, not the lowest (11..%d)", MANY + 10,
			 LEAK_MAX_FDS, g->fds[0], g->fds[LEAK_MAX_FDS - 1], 10 + LEAK_MAX_FDS);
}

#define SHUFFLED 300

/* The same in any order: 300 sockets met shuffled, one of them on two fds. */
static void test_fds_capped_lowest_shuffled(void **state)
{
	static struct leak_sock s[SHUFFLED];
	static uint32_t fd[SHUFFLED];
	struct leak_fx *f = *state;
	const struct leak_group *g;
	uint32_t x = 12345;

	for (int i = 0; i < SHUFFLED; i++)
		fd[i] = 100 + i;
	for (int i = SHUFFLED - 1; i > 0; i--) { /* Fisher-Yates with an LCG */
		uint32_t j, t;

		x = x * 1103515245u + 12345u;
		j = (x >> 8) % (i + 1);
		t = fd[i];
		fd[i] = fd[j];
		fd[j] = t;
	}
	for (int i = 0; i < SHUFFLED; i++) {
		s[i] = cw("10.0.0.9", 20000 + i, "192.0.2.7", 443, 5000 + i, 1, 1);
		own(&f->m, 5000 + i, 42, fd[i]);
	}
	own(&f->m, 5000 + SHUFFLED / 2, 42, 7); /* a dup()ed one: the lowest of all */
	build(f, s, SHUFFLED, NULL, 0);
	g = &f->r.groups[0];
	EXPECT_FIELDS(g, FV(count, SHUFFLED), FV(nfds, LEAK_MAX_FDS),
		      FV(fds_more, SHUFFLED + 1 - LEAK_MAX_FDS), FV(fds[0], 7));
	for (uint32_t i = 1; i < LEAK_MAX_FDS; i++)
		assert_int_equal(g->fds[i], 100 + i - 1);
}

/* Up to LEAK_MAX_PEERS peers, in the order met; then sockets to others are counted. */
static void test_peers_capped(void **state)
{
	struct leak_fx *f = *state;
	const struct leak_group *g;
	struct leak_sock s[] = {
		cw("10.0.0.9", 30001, "192.0.2.1", 443, 1, 1, 1),
		cw("10.0.0.9", 30002, "192.0.2.2", 443, 2, 1, 1),
		cw("10.0.0.9", 30003, "192.0.2.1", 8443, 3, 1, 1), /* another port: another peer */
		cw("10.0.0.9", 30004, "192.0.2.3", 443, 4, 1, 1),
		cw("10.0.0.9", 30005, "192.0.2.2", 443, 5, 1, 1),
		cw("10.0.0.9", 30006, "192.0.2.4", 443, 6, 1, 1),
		cw("2001:db8::9", 30007, "2001:db8::1", 443, 7, 1, 1),
	};

	for (int i = 1; i <= 7; i++)
		own(&f->m, i, 77, 10 + i);
	build(f, s, 7, NULL, 0);
	assert_int_equal(f->r.n, 1);
	g = &f->r.groups[0];
	EXPECT_FIELDS(g, FV(count, 7), FV(npeers, LEAK_MAX_PEERS));
	assert_string_equal(g->peers[0].peer, "192.0.2.1:443");
	assert_int_equal(g->peers[0].count, 1);
	assert_string_equal(g->peers[1].peer, "192.0.2.2:443");
	assert_int_equal(g->peers[1].count, 2);
	assert_string_equal(g->peers[2].peer, "192.0.2.1:8443");
	/* 192.0.2.3:443, 192.0.2.4:443, [2001:db8::1]:443: one socket each */
	EXPECT_FIELDS(g, FV(peers[2].count, 1), FV(peers_more, 3));
}

static void test_peer_ipv6(void **state)
{
	struct leak_fx *f = *state;
	const struct leak_group *g;
	struct ww_sock_rec ls[] = { listener("::", 443, 900) };
	struct leak_sock s[] = {
		cw("2001:db8::9", 443, "2001:db8::1", 50000, 1, 1, 1),     /* inbound */
		cw("2001:db8::9", 40000, "2001:db8::2", 8080, 2, 1, 1),    /* outbound */
		cw("::ffff:10.0.0.9", 443, "::ffff:192.0.2.5", 50001, 3, 1, 1), /* v4-mapped, inbound */
	};

	own(&f->m, 900, 5, 3);
	for (int i = 1; i <= 3; i++)
		own(&f->m, i, 5, 9 + i);
	build(f, s, 3, ls, 1);
	assert_int_equal(f->r.n, 1);
	g = &f->r.groups[0];
	assert_int_equal(g->npeers, 3);
	assert_string_equal(g->peers[0].peer, "2001:db8::1");
	assert_string_equal(g->peers[1].peer, "[2001:db8::2]:8080");
	assert_string_equal(g->peers[2].peer, "192.0.2.5");
}

/*
 * Never accepted (no inode): the listener of its local address and port,
 * exact address before a wildcard, in the same namespace and family.
 */
static void test_never_accepted(void **state)
{
	struct ww_sock_rec ls[] = {
		listener("0.0.0.0", 80, 901),   /* wildcard first in the sweep */
		listener("10.0.0.1", 80, 902),  /* exact */
		listener("10.0.0.2", 8080, 903), /* another port */
		listener("::", 80, 904),        /* another family */
	};
	struct leak_sock s[] = {
		cw("10.0.0.1", 80, "192.0.2.1", 40001, 0, 0, 4),
		cw("10.0.0.1", 80, "192.0.2.2", 40002, 0, 0, 6),
		cw("10.0.0.2", 80, "192.0.2.3", 40003, 0, 0, 5),
		cw("2001:db8::5", 80, "2001:db8::7", 40004, 0, 0, 2),
	};
	static const struct {
		uint32_t pid;
		const char *listener, *peer;
	} single[] = { { 300, "0.0.0.0:80", "192.0.2.3" }, { 600, "[::]:80", "2001:db8::7" } };
	struct leak_fx *f = *state;
	const struct leak_group *g;

	for (int i = 0; i < 4; i++)
		own(&f->m, 901 + i, 300 + 100 * i, 3 + i);
	build(f, s, 4, ls, 4);
	EXPECT_FIELDS(&f->r, FV(n, 3), FV(sockets, 4));

	g = &f->r.groups[0];
	EXPECT_FIELDS(g, FV(kind, LEAK_LISTENER), FV(pid, 400));
	assert_string_equal(g->listener, "10.0.0.1:80");
	EXPECT_FIELDS(g, FV(count, 2), FV(oldest_ns, 6 * SEC), FV(nfds, 0), FV(fds_more, 0),
		      FV(npeers, 2));
	assert_string_equal(g->peers[0].peer, "192.0.2.1");
	assert_string_equal(g->peers[1].peer, "192.0.2.2");

	for (size_t i = 0; i < ARRAY_LEN(single); i++) {
		g = group_of_pid(&f->r, single[i].pid);
		assert_int_equal(g->kind, LEAK_LISTENER);
		assert_string_equal(g->listener, single[i].listener);
		assert_int_equal(g->count, 1);
		assert_string_equal(g->peers[0].peer, single[i].peer);
	}
}

/* A listener of another namespace, or whose process is gone: an orphan. */
static void test_never_accepted_no_listener(void **state)
{
	struct leak_fx *f = *state;
	struct ww_sock_rec ls[] = { listener("10.0.0.1", 80, 901), listener("10.0.0.1", 81, 0),
				    listener("10.0.0.1", 82, 903) };
	struct leak_sock s[] = {
		cw("10.0.0.1", 80, "192.0.2.1", 40001, 0, 31, 4),
		cw("10.0.0.1", 81, "192.0.2.1", 40002, 0, 31, 3),
		cw("10.0.0.1", 82, "192.0.2.1", 40003, 0, 31, 2),
	};

	ls[0].netns = NS2;
	own(&f->m, 901, 300, 3);
	/* 903: nobody holds it any more */
	build(f, s, 3, ls, 3);
	assert_int_equal(f->r.n, 1);
	EXPECT_FIELDS(&f->r.groups[0], FV(kind, LEAK_ORPHAN), FV(pid, 0), FV(cgroup_id, 31),
		      FV(count, 3));
	assert_string_equal(f->r.groups[0].listener, "");
}

/* No process holds them: one group per cgroup of their creator (and namespace). */
static void test_orphans_by_cgroup(void **state)
{
	struct leak_fx *f = *state;
	const struct leak_group *g;
	struct leak_sock s[] = {
		cw("10.0.0.9", 30001, "192.0.2.1", 443, 0, 11, 5),
		cw("10.0.0.9", 30002, "192.0.2.1", 443, 7777, 12, 9), /* inode nobody holds */
		cw("10.0.0.9", 30003, "192.0.2.2", 443, 0, 11, 7),
		cw("10.0.0.9", 30004, "192.0.2.1", 443, 0, 12, 1),
		cw("10.0.0.9", 30005, "192.0.2.1", 443, 0, 11, 2),
		cw("10.0.0.9", 30006, "192.0.2.1", 443, 0, 11, 2),
	};

	s[5].r.netns = NS2;
	build(f, s, 6, NULL, 0);
	EXPECT_FIELDS(&f->r, FV(n, 3), FV(sockets, 6));
	g = &f->r.groups[0];
	EXPECT_FIELDS(g, FV(kind, LEAK_ORPHAN), FV(cgroup_id, 11), FV(netns, NS), FV(count, 3),
		      FV(oldest_ns, 7 * SEC), FV(nfds, 0), FV(npeers, 2));
	assert_string_equal(g->peers[0].peer, "192.0.2.1:443");
	assert_int_equal(g->peers[0].count, 2);
	EXPECT_FIELDS(&f->r.groups[1], FV(kind, LEAK_ORPHAN), FV(cgroup_id, 12), FV(count, 2),
		      FV(oldest_ns, 9 * SEC));
	EXPECT_FIELDS(&f->r.groups[2], FV(cgroup_id, 11), FV(netns, NS2), FV(count, 1));
}

/* Worst first: most sockets, then the oldest, then the lowest pid. */
static void test_worst_first(void **state)
{
	struct leak_fx *f = *state;
	struct leak_sock s[12];
	/* pid, sockets, age of the oldest */
	static const uint32_t spec[][3] = {
		{ 10, 2, 5 }, { 20, 3, 1 }, { 30, 2, 9 }, { 40, 2, 9 }, { 5, 2, 9 }, { 60, 1, 100 },
	};
	static const uint32_t order[] = { 20, 5, 30, 40, 10, 60 };
	size_t n = 0;

	for (size_t i = 0; i < 6; i++) {
		for (uint32_t k = 0; k < spec[i][1]; k++, n++) {
			s[n] = cw("10.0.0.9", 30000 + n, "192.0.2.1", 443, 100 + n, 1,
				  k ? 1 : spec[i][2]);
			own(&f->m, 100 + n, spec[i][0], 3 + k);
		}
	}
	assert_int_equal(n, 12);
	build(f, s, n, NULL, 0);
	assert_int_equal(f->r.n, 6);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(f->r.groups[i].pid, order[i]);
}

static void test_empty(void **state)
{
	struct leak_fx *f = *state;

	build(f, NULL, 0, NULL, 0);
	EXPECT_FIELDS(&f->r, FV(n, 0), FV(sockets, 0));
}

/* Many owners: the group array grows past its first allocation. */
static void test_many_groups(void **state)
{
	static struct leak_sock s[100];
	struct leak_fx *f = *state;

	for (int i = 0; i < 100; i++) {
		s[i] = cw("10.0.0.9", 30000 + i, "192.0.2.1", 443, 100 + i, 1, 1 + i);
		own(&f->m, 100 + i, 1000 + i, 3);
	}
	build(f, s, 100, NULL, 0);
	assert_int_equal(f->r.n, 100);
	/* all one socket: the oldest first */
	for (int i = 0; i < 100; i++)
		EXPECT_FIELDS(&f->r.groups[i], FV(pid, 1099 - i), FV(count, 1), FV(fds[0], 3));
}

/* ---- hist_percentile_s ----------------------------------------------------------- */

static void test_hist_percentile(void **state)
{
	__u64 h[WW_HIST_BUCKETS] = { 0 };

	assert_true(hist_percentile_s(h, 0.5) == -1);
	h[0] = 3; /* (0, 1] us */
	assert_true(fabs(hist_percentile_s(h, 0.5) - 0.5e-6) < 1e-12);
	h[0] = 0;
	h[10] = 1; /* (512, 1024] us: its geometric middle */
	assert_true(fabs(hist_percentile_s(h, 0.5) - 1024e-6 / M_SQRT2) < 1e-12);
	assert_true(fabs(hist_percentile_s(h, 0.99) - 1024e-6 / M_SQRT2) < 1e-12);
	h[10] = 0;

	h[3] = 50;
	h[20] = 50;
	assert_true(fabs(hist_percentile_s(h, 0.5) - 8e-6 / M_SQRT2) < 1e-12);
	assert_true(fabs(hist_percentile_s(h, 0.99) - ldexp(1, 20) / 1e6 / M_SQRT2) < 1e-9);
	h[3] = 49;
	h[20] = 51;
	assert_true(fabs(hist_percentile_s(h, 0.5) - ldexp(1, 20) / 1e6 / M_SQRT2) < 1e-9);

	memset(h, 0, sizeof(h));
	h[WW_HIST_BUCKETS - 1] = 1; /* the last bucket */
	assert_true(fabs(hist_percentile_s(h, 0.5) -
			 ldexp(1, WW_HIST_BUCKETS - 1) / 1e6 / M_SQRT2) < 1e-6);

	/* 98 short and 2 long: p50 short, p99 long */
	memset(h, 0, sizeof(h));
	h[hist_bucket(3000000)] = 98;  /* 3 ms */
	h[hist_bucket(90 * SEC)] = 2;  /* 90 s */
	assert_int_equal(hist_bucket(3000000), 12);
	assert_true(fabs(hist_percentile_s(h, 0.5) - 4096e-6 / M_SQRT2) < 1e-12);
	assert_true(hist_percentile_s(h, 0.99) > 60 && hist_percentile_s(h, 0.99) < 130);
}

/* ---- tw_diagnose ------------------------------------------------------------------ */

/* The outbound row of 10.0.0.7:5432, all its figures 0. */
static void out_row(struct ep_row *r)
{
	memset(r, 0, sizeof(*r));
	r->key.family = WW_AF_INET;
	assert_int_equal(inet_pton(AF_INET, "10.0.0.7", r->key.addr), 1);
	r->key.port = 5432;
	r->key.netns = NS;
	r->key.dir = DIR_OUT;
}

/* n transitions old -> new (entries into new follow) */
static void transitions(struct ep_row *r, int old, int new, uint64_t n)
{
	r->stats.trans[ep_pair_slot(old, new)] += n;
}

/* n connections made: SYN_SENT entered, then ESTABLISHED */
static void connects(struct ep_row *r, uint64_t n)
{
	transitions(r, WW_TCP_CLOSE, WW_TCP_SYN_SENT, n);
	transitions(r, WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED, n);
}

/* What the row of 10.0.0.7:5432 holds; a figure not given is 0. */
struct row_spec {
	uint64_t connects;       /* connections made */
	uint64_t lives, life_ns; /* lifetimes measured, each of life_ns */
	uint32_t tw, est;        /* sockets in TIME_WAIT, in ESTABLISHED */
	uint32_t ports_used, port_range;
};

static struct tw_diag diagnose_row(struct ep_row *r, double window_s, struct row_spec s)
{
	struct tw_diag d;

	out_row(r);
	connects(r, s.connects);
	r->stats.lifetime_hist[hist_bucket(s.life_ns)] += s.lives;
	r->count[WW_TCP_TIME_WAIT] = s.tw;
	r->count[WW_TCP_ESTABLISHED] = s.est;
	r->ports_used = s.ports_used;
	r->port_range = s.port_range;
	tw_diagnose(r, window_s, &d);
	return d;
}

/* Fill *r as the struct row_spec initializers say, and diagnose it over window_s. */
#define DIAGNOSE(r, window_s, ...) diagnose_row(r, window_s, (struct row_spec){ __VA_ARGS__ })

/* The diagnosis found traffic of kind, which prints as name. */
static void assert_traffic(const struct tw_diag *d, enum traffic_kind kind, const char *name)
{
	assert_int_equal(d->traffic, kind);
	assert_string_equal(traffic_name(d->traffic), name);
}

static void test_classify_short(void **state)
{
	struct ep_row r;
	struct tw_diag d = DIAGNOSE(&r, 10, .connects = 100, .lives = 95, .life_ns = 3 * MSEC,
				    .tw = 95, .est = 5, .ports_used = 100, .port_range = 28232);

	assert_traffic(&d, TRAFFIC_SHORT, "short-lived");
	assert_true(d.conn_per_s == 10);
	assert_true(d.life_p50_s > 0.002 && d.life_p50_s < 0.004);
	EXPECT_FIELDS(&d, FV(closes, 95), FV(time_wait, 95), FV(ports_used, 100),
		      FV(port_range, 28232));
	assert_true(fabs(d.pressure_pct - 100.0 * 100 / 28232) < 1e-9);
	assert_false(d.high);

	/* lives of seconds, still far below the 60 s of TIME_WAIT */
	d = DIAGNOSE(&r, 10, .connects = 20, .lives = 20, .life_ns = 3 * SEC);
	assert_int_equal(d.traffic, TRAFFIC_SHORT);
}

static void test_classify_long(void **state)
{
	struct ep_row r;
	/* pooled: open, nothing new, nothing closed */
	struct tw_diag d = DIAGNOSE(&r, 3, .est = 20, .ports_used = 20, .port_range = 28232);

	assert_traffic(&d, TRAFFIC_LONG, "long-lived");
	assert_int_equal(d.closes, 0);
	assert_true(d.conn_per_s == 0);
	assert_true(d.life_p50_s < 0);
	assert_true(d.life_p99_s < 0);

	/* a few closed after minutes, and were replaced slowly */
	d = DIAGNOSE(&r, 10, .est = 20, .connects = 3, .lives = 3, .life_ns = 300 * SEC);
	assert_int_equal(d.traffic, TRAFFIC_LONG);
}

static void test_classify_mixed(void **state)
{
	struct ep_row r;
	/* short lives, but fewer than 10 closes */
	struct tw_diag d = DIAGNOSE(&r, 1, .connects = 9, .lives = 9, .life_ns = 3 * MSEC);

	assert_int_equal(d.closes, 9);
	assert_traffic(&d, TRAFFIC_MIXED, "mixed");

	/* short lives, but under one new connection per second */
	d = DIAGNOSE(&r, 20, .connects = 10, .lives = 10, .life_ns = 3 * MSEC);
	assert_true(d.conn_per_s == 0.5);
	assert_int_equal(d.traffic, TRAFFIC_MIXED);

	/* many closes, living 10 s (not short), none open */
	d = DIAGNOSE(&r, 10, .connects = 100, .lives = 100, .life_ns = 10 * SEC);
	assert_int_equal(d.traffic, TRAFFIC_MIXED);

	/* open ones, but new connections keep coming: not pooled */
	d = DIAGNOSE(&r, 10, .est = 20, .connects = 50);
	assert_int_equal(d.traffic, TRAFFIC_MIXED);
}

static void test_classify_unknown(void **state)
{
	struct ep_row r;
	/* only TIME_WAIT sockets from before the window: nothing tells */
	struct tw_diag d = DIAGNOSE(&r, 3, .tw = 600, .ports_used = 600, .port_range = 1000);

	assert_traffic(&d, TRAFFIC_UNKNOWN, "unknown");
	assert_true(d.pressure_pct == 60);
	assert_true(d.high);

	/* no window: no rate */
	d = DIAGNOSE(&r, 0, .connects = 10);
	assert_true(d.conn_per_s == 0);
	assert_true(d.pressure_pct < 0); /* port range unknown */
	assert_false(d.high);
	assert_int_equal(d.traffic, TRAFFIC_UNKNOWN);
}

/* Refused connect()s are no connections: no rate, no lifetime (the collector keeps none). */
static void test_refused_attempts(void **state)
{
	struct ep_row r;
	struct tw_diag d;

	out_row(&r);
	transitions(&r, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 500);
	transitions(&r, WW_TCP_SYN_SENT, WW_TCP_CLOSE, 500);
	r.port_range = 28232;
	tw_diagnose(&r, 10, &d);
	assert_true(d.conn_per_s == 0);
	EXPECT_FIELDS(&d, FV(closes, 0), FV(traffic, TRAFFIC_UNKNOWN));
	assert_false(d.say);

	/* 100 made of 500 tried */
	connects(&r, 100);
	tw_diagnose(&r, 10, &d);
	assert_true(d.conn_per_s == 10);
}

/* A diagnosis line where ports run short, or short connections leave TIME_WAIT here. */
static void test_say(void **state)
{
	struct ep_row r;
	/* short-lived, and their TIME_WAIT is on this side */
	struct tw_diag d = DIAGNOSE(&r, 10, .connects = 100, .lives = 100, .life_ns = 3 * MSEC,
				    .tw = 100, .ports_used = 100, .port_range = 28232);

	assert_int_equal(d.traffic, TRAFFIC_SHORT);
	assert_false(d.high);
	assert_true(d.say);

	/* short-lived, but the server closes first: no TIME_WAIT here */
	r.count[WW_TCP_TIME_WAIT] = 0;
	tw_diagnose(&r, 10, &d);
	assert_int_equal(d.traffic, TRAFFIC_SHORT);
	assert_false(d.say);

	/* ports run short, whatever the traffic */
	d = DIAGNOSE(&r, 10, .est = 600, .ports_used = 600, .port_range = 1000);
	assert_int_equal(d.traffic, TRAFFIC_LONG);
	assert_true(d.high);
	assert_true(d.say);

	/* pooled, few ports: nothing to say */
	r.ports_used = r.count[WW_TCP_ESTABLISHED] = 20;
	tw_diagnose(&r, 10, &d);
	assert_false(d.say);
}

static void test_pressure_threshold(void **state)
{
	struct ep_row r;
	struct tw_diag d = DIAGNOSE(&r, 1, .ports_used = 499, .port_range = 1000);

	assert_false(d.high);
	r.ports_used = 500;
	tw_diagnose(&r, 1, &d);
	assert_true(d.pressure_pct == TW_PRESSURE_HIGH_PCT);
	assert_true(d.high);
}

/* ---- tw_diagnosis_line ---------------------------------------------------------- */

/*
 * 450 new connections/s (27,000 in a minute) living 3 ms each, 27,104 ports
 * in TIME_WAIT out of 28,232. The median reads as the geometric middle of
 * (2048, 4096] us, 2.9 ms: the histogram cannot say "3 ms".
 */
static void test_diagnosis_line(void **state)
{
	struct ep_row r;
	struct tw_diag d = DIAGNOSE(&r, 60, .connects = 27000, .lives = 26990, .life_ns = 3 * MSEC,
				    .tw = 27104, .est = 12, .ports_used = 27116,
				    .port_range = 28232);
	char ep[WW_ADDRPORT_LEN + 16], line[512];

	ep_key_format(ep, sizeof(ep), &r.key, BY_SERVICE, 32, 128);
	assert_string_equal(ep, "10.0.0.7:5432");
	assert_true(d.conn_per_s == 450);
	assert_int_equal(d.traffic, TRAFFIC_SHORT);
	assert_true(d.high);
	tw_diagnosis_line(line, sizeof(line), ep, &d);
	assert_string_equal(line, "10.0.0.7:5432: 450 new connections/s living 2.9 ms each hold "
				  "27,104 ports in TIME_WAIT (96 % of 28,232): reuse connections "
				  "(pooling, keep-alive)");

	/* high pressure, not short-lived: find what opens them */
	d = DIAGNOSE(&r, 3, .tw = 600, .ports_used = 600, .port_range = 1000);
	tw_diagnosis_line(line, sizeof(line), "10.0.0.7:5432", &d);
	/* no connection closed in the window: no rate or lifetime to speak of */
	assert_string_equal(line, "10.0.0.7:5432: 600 ports held in TIME_WAIT (60 % of 1,000), "
				  "600 in all: find what opens them");

	/* neither: the figures only; an unknown port range */
	memset(&d, 0, sizeof(d));
	d.conn_per_s = 2.5;
	d.life_p50_s = 150;
	d.time_wait = 1234567;
	d.traffic = TRAFFIC_MIXED;
	tw_diagnosis_line(line, sizeof(line), "[2001:db8::1]:443", &d);
	assert_string_equal(line, "[2001:db8::1]:443: 2 new connections/s living 2.5 min each "
				  "hold 1,234,567 ports in TIME_WAIT (0 % of 0)");

	/* a short buffer is cut, still terminated */
	tw_diagnosis_line(line, 12, "10.0.0.7:5432", &d);
	assert_string_equal(line, "10.0.0.7:54");
}

/* ---- duration_human ------------------------------------------------------------- */

static void check_dur(double s, const char *want)
{
	char buf[32];

	duration_human(buf, sizeof(buf), s);
	if (strcmp(buf, want))
		fail_msg("duration_human(%g) = '%s', want '%s'", s, buf, want);
}

static void test_duration_human(void **state)
{
	char small[4];

	check_dur(-1, "-");
	check_dur(0, "0 us");
	check_dur(0.5e-6, "0 us");
	check_dur(17e-6, "17 us");
	check_dur(0.0005, "500 us");
	check_dur(0.001, "1.0 ms");
	check_dur(0.0015, "1.5 ms");
	check_dur(4096e-6 / M_SQRT2, "2.9 ms");
	check_dur(0.01, "10 ms");
	check_dur(0.25, "250 ms");
	check_dur(1, "1.0 s");
	check_dur(1.5, "1.5 s");
	check_dur(3, "3.0 s");
	check_dur(10, "10 s");
	check_dur(59.6, "60 s");
	check_dur(119, "119 s");
	check_dur(120, "2.0 min");
	check_dur(150, "2.5 min");
	check_dur(3600, "60.0 min");
	duration_human(small, sizeof(small), 150);
	assert_string_equal(small, "2.5");
}

/* A process's group in a cgroup, with its fds and one peer. */
static void merge_group(struct leak_group *g, uint32_t pid, const char *cgroup, uint32_t count,
			uint64_t age, const char *peer)
{
	memset(g, 0, sizeof(*g));
	g->kind = LEAK_PROCESS;
	g->pid = pid;
	g->state = WW_TCP_CLOSE_WAIT;
	g->count = count;
	g->oldest_ns = age;
	g->owners = 1;
	g->nfds = 2;
	g->fds[0] = 4;
	g->fds[1] = 5;
	g->npeers = 1;
	g->peers[0].count = count;
	snprintf(g->peers[0].peer, sizeof(g->peers[0].peer), "%s", peer);
	assert_int_equal(cgroup_path_parse(cgroup, &g->names), 0);
}

/*
 * leaks --by: a unit's or a pod's processes one row, the heaviest's pid and
 * fds kept; what names no unit stays a row of its own.
 */
static void test_merge_by(void **state)
{
	struct leak_report r = { .groups = calloc(4, sizeof(struct leak_group)), .n = 4 };

	assert_non_null(r.groups);
	merge_group(&r.groups[0], 100, "/system.slice/web.service", 5, 9, "192.0.2.1");
	merge_group(&r.groups[1], 200, "/user.slice", 4, 1, "192.0.2.1");
	merge_group(&r.groups[2], 300, "/system.slice/web.service", 3, 30, "192.0.2.2");
	merge_group(&r.groups[3], 400, "/user.slice", 2, 1, "192.0.2.1");
	leak_report__merge_by(&r, BY_UNIT);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.groups[0].pid, 100);
	assert_int_equal(r.groups[0].owners, 2);
	assert_int_equal(r.groups[0].count, 8);
	assert_int_equal(r.groups[0].oldest_ns, 30);
	assert_int_equal(r.groups[0].nfds, 2);
	assert_int_equal(r.groups[0].fds_more, 2); /* pid 300's, counted */
	assert_int_equal(r.groups[0].npeers, 2);
	assert_int_equal(r.groups[1].pid, 200);
	assert_int_equal(r.groups[1].owners, 1);
	assert_int_equal(r.groups[2].pid, 400);
	/* no pod named: nothing merges */
	leak_report__merge_by(&r, BY_POD);
	assert_int_equal(r.n, 3);
	leak_report__free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_escape_comm),
		cmocka_unit_test(test_owners_find),
		cmocka_unit_test(test_merge_by),
		FX_TEST(test_group_by_process),
		FX_TEST(test_dup_fds),
		FX_TEST(test_fds_capped),
		FX_TEST(test_fds_capped_lowest),
		FX_TEST(test_fds_capped_lowest_shuffled),
		FX_TEST(test_peers_capped),
		FX_TEST(test_peer_ipv6),
		FX_TEST(test_never_accepted),
		FX_TEST(test_never_accepted_no_listener),
		FX_TEST(test_orphans_by_cgroup),
		FX_TEST(test_worst_first),
		FX_TEST(test_empty),
		FX_TEST(test_many_groups),
		cmocka_unit_test(test_hist_percentile),
		cmocka_unit_test(test_classify_short),
		cmocka_unit_test(test_classify_long),
		cmocka_unit_test(test_classify_mixed),
		cmocka_unit_test(test_classify_unknown),
		cmocka_unit_test(test_refused_attempts),
		cmocka_unit_test(test_say),
		cmocka_unit_test(test_pressure_threshold),
		cmocka_unit_test(test_diagnosis_line),
		cmocka_unit_test(test_duration_human),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
