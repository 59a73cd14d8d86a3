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
#include "owners.h"

#define NS 4026531840u
#define NS2 4026532000u
#define SEC 1000000000ull

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

/* An owner map as owners__scan leaves it: sorted by inode, pid, fd. */
struct map_builder {
	struct owner_fd fds[512];
	size_t n;
};

static void own(struct map_builder *b, uint64_t ino, uint32_t pid, uint32_t fd)
{
	assert_true(b->n < sizeof(b->fds) / sizeof(b->fds[0]));
	b->fds[b->n++] = (struct owner_fd){ .ino = ino, .pid = pid, .fd = fd };
}

static int cmp_owner_fd(const void *a, const void *b)
{
	const struct owner_fd *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

static struct owner_map map_of(struct map_builder *b)
{
	struct owner_map m = { .fds = b->fds, .n = b->n, .cap = b->n };

	qsort(b->fds, b->n, sizeof(b->fds[0]), cmp_owner_fd);
	return m;
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
	struct map_builder b = { .n = 0 };
	struct owner_map m;
	const struct owner_fd *f;
	size_t n;

	own(&b, 300, 10, 5);
	own(&b, 100, 10, 3);
	own(&b, 200, 20, 9);
	own(&b, 200, 10, 4);
	own(&b, 200, 10, 8);
	m = map_of(&b);

	f = owner_map__find(&m, 200, &n);
	assert_non_null(f);
	assert_int_equal(n, 3);
	assert_int_equal(f[0].pid, 10);
	assert_int_equal(f[0].fd, 4);
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
}

/* ---- leak_report__build -------------------------------------------------------------- */

/* Two processes, their fds sorted, one socket shared by fork: the lowest pid. */
static void test_group_by_process(void **state)
{
	struct ww_sock_rec ls[] = { listener("10.0.0.1", 80, 900) };
	struct leak_sock s[] = {
		cw("10.0.0.1", 80, "192.0.2.1", 40001, 1001, 55, 5),
		cw("10.0.0.9", 50000, "192.0.2.7", 5432, 2001, 66, 3),
		cw("10.0.0.1", 80, "192.0.2.2", 40002, 1002, 55, 9),
		cw("10.0.0.1", 80, "192.0.2.1", 40003, 1003, 55, 2),
		cw("10.0.0.9", 50001, "192.0.2.7", 5432, 2002, 66, 4),
	};
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;
	const struct leak_group *g;

	own(&b, 900, 100, 3);  /* the listener */
	own(&b, 1001, 100, 12);
	own(&b, 1002, 100, 7);
	own(&b, 1003, 100, 31);
	own(&b, 1003, 150, 4); /* inherited by a child: pid 100 is the owner */
	own(&b, 2001, 200, 9);
	own(&b, 2002, 200, 6);
	m = map_of(&b);

	assert_int_equal(leak_report__build(s, 5, ls, 1, &m, &r), 0);
	assert_int_equal(r.sockets, 5);
	assert_int_equal(r.n, 2);

	g = &r.groups[0]; /* 3 sockets first */
	assert_int_equal(g->kind, LEAK_PROCESS);
	assert_int_equal(g->pid, 100);
	assert_int_equal(g->netns, NS);
	assert_int_equal(g->state, WW_TCP_CLOSE_WAIT);
	assert_int_equal(g->count, 3);
	assert_int_equal(g->cgroup_id, 55);
	assert_int_equal(g->oldest_ns, 9 * SEC);
	assert_int_equal(g->nfds, 3);
	assert_int_equal(g->fds[0], 7);
	assert_int_equal(g->fds[1], 12);
	assert_int_equal(g->fds[2], 31);
	assert_int_equal(g->fds_more, 0);
	assert_string_equal(g->listener, "");
	/* inbound (their local port is the listener's): the client's address only */
	assert_int_equal(g->npeers, 2);
	assert_string_equal(g->peers[0].peer, "192.0.2.1");
	assert_int_equal(g->peers[0].count, 2);
	assert_string_equal(g->peers[1].peer, "192.0.2.2");
	assert_int_equal(g->peers[1].count, 1);
	assert_int_equal(g->peers_more, 0);

	g = &r.groups[1];
	assert_int_equal(g->kind, LEAK_PROCESS);
	assert_int_equal(g->pid, 200);
	assert_int_equal(g->count, 2);
	assert_int_equal(g->cgroup_id, 66);
	assert_int_equal(g->oldest_ns, 4 * SEC);
	assert_int_equal(g->nfds, 2);
	assert_int_equal(g->fds[0], 6);
	assert_int_equal(g->fds[1], 9);
	/* outbound: the server's address and port */
	assert_int_equal(g->npeers, 1);
	assert_string_equal(g->peers[0].peer, "192.0.2.7:5432");
	assert_int_equal(g->peers[0].count, 2);
	leak_report__free(&r);
	assert_null(r.groups);
	assert_int_equal(r.n, 0);
}

/* One socket held by two fds of the same process: both fds, one socket. */
static void test_dup_fds(void **state)
{
	struct leak_sock s[] = { cw("10.0.0.9", 50000, "192.0.2.7", 443, 2001, 1, 3) };
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;

	own(&b, 2001, 200, 9);
	own(&b, 2001, 200, 5);
	m = map_of(&b);
	assert_int_equal(leak_report__build(s, 1, NULL, 0, &m, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.groups[0].count, 1);
	assert_int_equal(r.groups[0].nfds, 2);
	assert_int_equal(r.groups[0].fds[0], 5);
	assert_int_equal(r.groups[0].fds[1], 9);
	leak_report__free(&r);
}

#define MANY (LEAK_MAX_FDS + 6)

/*
 * More fds than LEAK_MAX_FDS: 64 listed, sorted, the rest counted. The sweep
 * meets the sockets in hash order, here the reverse of their fds.
 */
static void test_fds_capped(void **state)
{
	static struct leak_sock s[MANY];
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;
	const struct leak_group *g;

	for (int i = 0; i < MANY; i++) {
		s[i] = cw("10.0.0.9", 20000 + i, "192.0.2.7", 443, 5000 + i, 1, 1);
		own(&b, 5000 + i, 42, MANY + 10 - i); /* fds 11 .. 80, met highest first */
	}
	m = map_of(&b);
	assert_int_equal(leak_report__build(s, MANY, NULL, 0, &m, &r), 0);
	assert_int_equal(r.n, 1);
	g = &r.groups[0];
	assert_int_equal(g->count, MANY);
	assert_int_equal(g->nfds, LEAK_MAX_FDS);
	assert_int_equal(g->fds_more, MANY - LEAK_MAX_FDS);
	for (uint32_t i = 1; i < g->nfds; i++)
		assert_true(g->fds[i - 1] < g->fds[i]);
	for (uint32_t i = 0; i < g->nfds; i++)
		assert_true(g->fds[i] >= 11 && g->fds[i] <= MANY + 10);
	leak_report__free(&r);
}

/*
 * docs/output.md: "the file descriptors holding the sockets, lowest first,
 * at most 64", "...(+N) for the rest": the list is the lowest 64, so that
 * the N others are above the last one shown, whatever order the sweep
 * met the sockets in.
 */
static void test_fds_capped_lowest(void **state)
{
	static struct leak_sock s[MANY];
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;
	const struct leak_group *g;

	for (int i = 0; i < MANY; i++) {
		s[i] = cw("10.0.0.9", 20000 + i, "192.0.2.7", 443, 5000 + i, 1, 1);
		own(&b, 5000 + i, 42, MANY + 10 - i);
	}
	m = map_of(&b);
	assert_int_equal(leak_report__build(s, MANY, NULL, 0, &m, &r), 0);
	g = &r.groups[0];
	assert_int_equal(g->nfds, LEAK_MAX_FDS);
	assert_int_equal(g->fds_more, MANY - LEAK_MAX_FDS);
	if (g->fds[0] != 11 || g->fds[LEAK_MAX_FDS - 1] != 10 + LEAK_MAX_FDS)
		fail_msg("fds 11..%d held, %d listed: %u..%u, not the lowest (11..%d)", MANY + 10,
			 LEAK_MAX_FDS, g->fds[0], g->fds[LEAK_MAX_FDS - 1], 10 + LEAK_MAX_FDS);
	leak_report__free(&r);
}

#define SHUFFLED 300

/* The same in any order: 300 sockets met shuffled, one of them on two fds. */
static void test_fds_capped_lowest_shuffled(void **state)
{
	static struct leak_sock s[SHUFFLED];
	static uint32_t fd[SHUFFLED];
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;
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
		own(&b, 5000 + i, 42, fd[i]);
	}
	own(&b, 5000 + SHUFFLED / 2, 42, 7); /* a dup()ed one: the lowest of all */
	m = map_of(&b);
	assert_int_equal(leak_report__build(s, SHUFFLED, NULL, 0, &m, &r), 0);
	g = &r.groups[0];
	assert_int_equal(g->count, SHUFFLED);
	assert_int_equal(g->nfds, LEAK_MAX_FDS);
	assert_int_equal(g->fds_more, SHUFFLED + 1 - LEAK_MAX_FDS);
	assert_int_equal(g->fds[0], 7);
	for (uint32_t i = 1; i < LEAK_MAX_FDS; i++)
		assert_int_equal(g->fds[i], 100 + i - 1);
	leak_report__free(&r);
}

/* Up to LEAK_MAX_PEERS peers, in the order met; then sockets to others are counted. */
static void test_peers_capped(void **state)
{
	struct leak_sock s[] = {
		cw("10.0.0.9", 30001, "192.0.2.1", 443, 1, 1, 1),
		cw("10.0.0.9", 30002, "192.0.2.2", 443, 2, 1, 1),
		cw("10.0.0.9", 30003, "192.0.2.1", 8443, 3, 1, 1), /* another port: another peer */
		cw("10.0.0.9", 30004, "192.0.2.3", 443, 4, 1, 1),
		cw("10.0.0.9", 30005, "192.0.2.2", 443, 5, 1, 1),
		cw("10.0.0.9", 30006, "192.0.2.4", 443, 6, 1, 1),
		cw("2001:db8::9", 30007, "2001:db8::1", 443, 7, 1, 1),
	};
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;
	const struct leak_group *g;

	for (int i = 1; i <= 7; i++)
		own(&b, i, 77, 10 + i);
	m = map_of(&b);
	assert_int_equal(leak_report__build(s, 7, NULL, 0, &m, &r), 0);
	assert_int_equal(r.n, 1);
	g = &r.groups[0];
	assert_int_equal(g->count, 7);
	assert_int_equal(g->npeers, LEAK_MAX_PEERS);
	assert_string_equal(g->peers[0].peer, "192.0.2.1:443");
	assert_int_equal(g->peers[0].count, 1);
	assert_string_equal(g->peers[1].peer, "192.0.2.2:443");
	assert_int_equal(g->peers[1].count, 2);
	assert_string_equal(g->peers[2].peer, "192.0.2.1:8443");
	assert_int_equal(g->peers[2].count, 1);
	/* 192.0.2.3:443, 192.0.2.4:443, [2001:db8::1]:443: one socket each */
	assert_int_equal(g->peers_more, 3);
	leak_report__free(&r);
}

static void test_peer_ipv6(void **state)
{
	struct ww_sock_rec ls[] = { listener("::", 443, 900) };
	struct leak_sock s[] = {
		cw("2001:db8::9", 443, "2001:db8::1", 50000, 1, 1, 1),     /* inbound */
		cw("2001:db8::9", 40000, "2001:db8::2", 8080, 2, 1, 1),    /* outbound */
		cw("::ffff:10.0.0.9", 443, "::ffff:192.0.2.5", 50001, 3, 1, 1), /* v4-mapped, inbound */
	};
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;
	const struct leak_group *g;

	own(&b, 900, 5, 3);
	own(&b, 1, 5, 10);
	own(&b, 2, 5, 11);
	own(&b, 3, 5, 12);
	m = map_of(&b);
	assert_int_equal(leak_report__build(s, 3, ls, 1, &m, &r), 0);
	assert_int_equal(r.n, 1);
	g = &r.groups[0];
	assert_int_equal(g->npeers, 3);
	assert_string_equal(g->peers[0].peer, "2001:db8::1");
	assert_string_equal(g->peers[1].peer, "[2001:db8::2]:8080");
	assert_string_equal(g->peers[2].peer, "192.0.2.5");
	leak_report__free(&r);
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
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;
	const struct leak_group *g;

	own(&b, 901, 300, 3);
	own(&b, 902, 400, 4);
	own(&b, 903, 500, 5);
	own(&b, 904, 600, 6);
	m = map_of(&b);
	assert_int_equal(leak_report__build(s, 4, ls, 4, &m, &r), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.sockets, 4);

	g = &r.groups[0];
	assert_int_equal(g->kind, LEAK_LISTENER);
	assert_int_equal(g->pid, 400);
	assert_string_equal(g->listener, "10.0.0.1:80");
	assert_int_equal(g->count, 2);
	assert_int_equal(g->oldest_ns, 6 * SEC);
	assert_int_equal(g->nfds, 0);
	assert_int_equal(g->fds_more, 0);
	assert_int_equal(g->npeers, 2);
	assert_string_equal(g->peers[0].peer, "192.0.2.1");
	assert_string_equal(g->peers[1].peer, "192.0.2.2");

	g = group_of_pid(&r, 300);
	assert_int_equal(g->kind, LEAK_LISTENER);
	assert_string_equal(g->listener, "0.0.0.0:80");
	assert_int_equal(g->count, 1);
	assert_string_equal(g->peers[0].peer, "192.0.2.3");

	g = group_of_pid(&r, 600);
	assert_int_equal(g->kind, LEAK_LISTENER);
	assert_string_equal(g->listener, "[::]:80");
	assert_int_equal(g->count, 1);
	assert_string_equal(g->peers[0].peer, "2001:db8::7");
	leak_report__free(&r);
}

/* A listener of another namespace, or whose process is gone: an orphan. */
static void test_never_accepted_no_listener(void **state)
{
	struct ww_sock_rec ls[] = { listener("10.0.0.1", 80, 901), listener("10.0.0.1", 81, 0),
				    listener("10.0.0.1", 82, 903) };
	struct leak_sock s[] = {
		cw("10.0.0.1", 80, "192.0.2.1", 40001, 0, 31, 4),
		cw("10.0.0.1", 81, "192.0.2.1", 40002, 0, 31, 3),
		cw("10.0.0.1", 82, "192.0.2.1", 40003, 0, 31, 2),
	};
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;

	ls[0].netns = NS2;
	own(&b, 901, 300, 3);
	/* 903: nobody holds it any more */
	m = map_of(&b);
	assert_int_equal(leak_report__build(s, 3, ls, 3, &m, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.groups[0].kind, LEAK_ORPHAN);
	assert_int_equal(r.groups[0].pid, 0);
	assert_int_equal(r.groups[0].cgroup_id, 31);
	assert_int_equal(r.groups[0].count, 3);
	assert_string_equal(r.groups[0].listener, "");
	leak_report__free(&r);
}

/* No process holds them: one group per cgroup of their creator (and namespace). */
static void test_orphans_by_cgroup(void **state)
{
	struct leak_sock s[] = {
		cw("10.0.0.9", 30001, "192.0.2.1", 443, 0, 11, 5),
		cw("10.0.0.9", 30002, "192.0.2.1", 443, 7777, 12, 9), /* inode nobody holds */
		cw("10.0.0.9", 30003, "192.0.2.2", 443, 0, 11, 7),
		cw("10.0.0.9", 30004, "192.0.2.1", 443, 0, 12, 1),
		cw("10.0.0.9", 30005, "192.0.2.1", 443, 0, 11, 2),
		cw("10.0.0.9", 30006, "192.0.2.1", 443, 0, 11, 2),
	};
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;
	const struct leak_group *g;

	s[5].r.netns = NS2;
	m = map_of(&b);
	assert_int_equal(leak_report__build(s, 6, NULL, 0, &m, &r), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.sockets, 6);
	g = &r.groups[0];
	assert_int_equal(g->kind, LEAK_ORPHAN);
	assert_int_equal(g->cgroup_id, 11);
	assert_int_equal(g->netns, NS);
	assert_int_equal(g->count, 3);
	assert_int_equal(g->oldest_ns, 7 * SEC);
	assert_int_equal(g->nfds, 0);
	assert_int_equal(g->npeers, 2);
	assert_string_equal(g->peers[0].peer, "192.0.2.1:443");
	assert_int_equal(g->peers[0].count, 2);
	g = &r.groups[1];
	assert_int_equal(g->kind, LEAK_ORPHAN);
	assert_int_equal(g->cgroup_id, 12);
	assert_int_equal(g->count, 2);
	assert_int_equal(g->oldest_ns, 9 * SEC);
	g = &r.groups[2];
	assert_int_equal(g->cgroup_id, 11);
	assert_int_equal(g->netns, NS2);
	assert_int_equal(g->count, 1);
	leak_report__free(&r);
}

/* Worst first: most sockets, then the oldest, then the lowest pid. */
static void test_worst_first(void **state)
{
	struct leak_sock s[12];
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;
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
			own(&b, 100 + n, spec[i][0], 3 + k);
		}
	}
	assert_int_equal(n, 12);
	m = map_of(&b);
	assert_int_equal(leak_report__build(s, n, NULL, 0, &m, &r), 0);
	assert_int_equal(r.n, 6);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(r.groups[i].pid, order[i]);
	leak_report__free(&r);
}

static void test_empty(void **state)
{
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m = map_of(&b);

	assert_int_equal(leak_report__build(NULL, 0, NULL, 0, &m, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.sockets, 0);
	leak_report__free(&r);
}

/* Many owners: the group array grows past its first allocation. */
static void test_many_groups(void **state)
{
	static struct leak_sock s[100];
	struct map_builder b = { .n = 0 };
	struct leak_report r;
	struct owner_map m;

	for (int i = 0; i < 100; i++) {
		s[i] = cw("10.0.0.9", 30000 + i, "192.0.2.1", 443, 100 + i, 1, 1 + i);
		own(&b, 100 + i, 1000 + i, 3);
	}
	m = map_of(&b);
	assert_int_equal(leak_report__build(s, 100, NULL, 0, &m, &r), 0);
	assert_int_equal(r.n, 100);
	/* all one socket: the oldest first */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(r.groups[i].pid, 1099 - i);
		assert_int_equal(r.groups[i].count, 1);
		assert_int_equal(r.groups[i].fds[0], 3);
	}
	leak_report__free(&r);
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

static void out_row(struct ep_row *r, const char *addr, uint16_t port)
{
	memset(r, 0, sizeof(*r));
	r->key.family = WW_AF_INET;
	assert_int_equal(inet_pton(AF_INET, addr, r->key.addr), 1);
	r->key.port = port;
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

static void lifetimes(struct ep_row *r, uint64_t n, uint64_t ns)
{
	r->stats.lifetime_hist[hist_bucket(ns)] += n;
}

static void test_classify_short(void **state)
{
	struct ep_row r;
	struct tw_diag d;

	out_row(&r, "10.0.0.7", 5432);
	connects(&r, 100);
	lifetimes(&r, 95, 3000000);
	r.count[WW_TCP_TIME_WAIT] = 95;
	r.count[WW_TCP_ESTABLISHED] = 5;
	r.ports_used = 100;
	r.port_range = 28232;
	tw_diagnose(&r, 10, &d);
	assert_int_equal(d.traffic, TRAFFIC_SHORT);
	assert_string_equal(traffic_name(d.traffic), "short-lived");
	assert_true(d.conn_per_s == 10);
	assert_int_equal(d.closes, 95);
	assert_true(d.life_p50_s > 0.002 && d.life_p50_s < 0.004);
	assert_int_equal(d.time_wait, 95);
	assert_int_equal(d.ports_used, 100);
	assert_int_equal(d.port_range, 28232);
	assert_true(fabs(d.pressure_pct - 100.0 * 100 / 28232) < 1e-9);
	assert_false(d.high);

	/* lives of seconds, still far below the 60 s of TIME_WAIT */
	out_row(&r, "10.0.0.7", 5432);
	connects(&r, 20);
	lifetimes(&r, 20, 3 * SEC);
	tw_diagnose(&r, 10, &d);
	assert_int_equal(d.traffic, TRAFFIC_SHORT);
}

static void test_classify_long(void **state)
{
	struct ep_row r;
	struct tw_diag d;

	/* pooled: open, nothing new, nothing closed */
	out_row(&r, "10.0.0.7", 5432);
	r.count[WW_TCP_ESTABLISHED] = 20;
	r.ports_used = 20;
	r.port_range = 28232;
	tw_diagnose(&r, 3, &d);
	assert_int_equal(d.traffic, TRAFFIC_LONG);
	assert_string_equal(traffic_name(d.traffic), "long-lived");
	assert_true(d.conn_per_s == 0);
	assert_int_equal(d.closes, 0);
	assert_true(d.life_p50_s < 0);
	assert_true(d.life_p99_s < 0);

	/* a few closed after minutes, and were replaced slowly */
	out_row(&r, "10.0.0.7", 5432);
	r.count[WW_TCP_ESTABLISHED] = 20;
	connects(&r, 3);
	lifetimes(&r, 3, 300 * SEC);
	tw_diagnose(&r, 10, &d);
	assert_int_equal(d.traffic, TRAFFIC_LONG);
}

static void test_classify_mixed(void **state)
{
	struct ep_row r;
	struct tw_diag d;

	/* short lives, but fewer than 10 closes */
	out_row(&r, "10.0.0.7", 5432);
	connects(&r, 9);
	lifetimes(&r, 9, 3000000);
	tw_diagnose(&r, 1, &d);
	assert_int_equal(d.closes, 9);
	assert_int_equal(d.traffic, TRAFFIC_MIXED);
	assert_string_equal(traffic_name(d.traffic), "mixed");

	/* short lives, but under one new connection per second */
	out_row(&r, "10.0.0.7", 5432);
	connects(&r, 10);
	lifetimes(&r, 10, 3000000);
	tw_diagnose(&r, 20, &d);
	assert_true(d.conn_per_s == 0.5);
	assert_int_equal(d.traffic, TRAFFIC_MIXED);

	/* many closes, living 10 s (not short), none open */
	out_row(&r, "10.0.0.7", 5432);
	connects(&r, 100);
	lifetimes(&r, 100, 10 * SEC);
	tw_diagnose(&r, 10, &d);
	assert_int_equal(d.traffic, TRAFFIC_MIXED);

	/* open ones, but new connections keep coming: not pooled */
	out_row(&r, "10.0.0.7", 5432);
	r.count[WW_TCP_ESTABLISHED] = 20;
	connects(&r, 50);
	tw_diagnose(&r, 10, &d);
	assert_int_equal(d.traffic, TRAFFIC_MIXED);
}

static void test_classify_unknown(void **state)
{
	struct ep_row r;
	struct tw_diag d;

	/* only TIME_WAIT sockets from before the window: nothing tells */
	out_row(&r, "10.0.0.7", 5432);
	r.count[WW_TCP_TIME_WAIT] = 600;
	r.ports_used = 600;
	r.port_range = 1000;
	tw_diagnose(&r, 3, &d);
	assert_int_equal(d.traffic, TRAFFIC_UNKNOWN);
	assert_string_equal(traffic_name(d.traffic), "unknown");
	assert_true(d.pressure_pct == 60);
	assert_true(d.high);

	/* no window: no rate */
	out_row(&r, "10.0.0.7", 5432);
	connects(&r, 10);
	tw_diagnose(&r, 0, &d);
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

	out_row(&r, "10.0.0.7", 5432);
	transitions(&r, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 500);
	transitions(&r, WW_TCP_SYN_SENT, WW_TCP_CLOSE, 500);
	r.port_range = 28232;
	tw_diagnose(&r, 10, &d);
	assert_true(d.conn_per_s == 0);
	assert_int_equal(d.closes, 0);
	assert_int_equal(d.traffic, TRAFFIC_UNKNOWN);
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
	struct tw_diag d;

	/* short-lived, and their TIME_WAIT is on this side */
	out_row(&r, "10.0.0.7", 5432);
	connects(&r, 100);
	lifetimes(&r, 100, 3000000);
	r.count[WW_TCP_TIME_WAIT] = 100;
	r.ports_used = 100;
	r.port_range = 28232;
	tw_diagnose(&r, 10, &d);
	assert_int_equal(d.traffic, TRAFFIC_SHORT);
	assert_false(d.high);
	assert_true(d.say);

	/* short-lived, but the server closes first: no TIME_WAIT here */
	r.count[WW_TCP_TIME_WAIT] = 0;
	tw_diagnose(&r, 10, &d);
	assert_int_equal(d.traffic, TRAFFIC_SHORT);
	assert_false(d.say);

	/* ports run short, whatever the traffic */
	out_row(&r, "10.0.0.7", 5432);
	r.count[WW_TCP_ESTABLISHED] = 600;
	r.ports_used = 600;
	r.port_range = 1000;
	tw_diagnose(&r, 10, &d);
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
	struct tw_diag d;

	out_row(&r, "10.0.0.7", 5432);
	r.port_range = 1000;
	r.ports_used = 499;
	tw_diagnose(&r, 1, &d);
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
	struct tw_diag d;
	char ep[WW_ADDRPORT_LEN + 16], line[512];

	out_row(&r, "10.0.0.7", 5432);
	connects(&r, 27000);
	lifetimes(&r, 26990, 3000000);
	r.count[WW_TCP_TIME_WAIT] = 27104;
	r.count[WW_TCP_ESTABLISHED] = 12;
	r.ports_used = 27116;
	r.port_range = 28232;
	ep_key_format(ep, sizeof(ep), &r.key, BY_SERVICE, 32, 128);
	assert_string_equal(ep, "10.0.0.7:5432");
	tw_diagnose(&r, 60, &d);
	assert_true(d.conn_per_s == 450);
	assert_int_equal(d.traffic, TRAFFIC_SHORT);
	assert_true(d.high);
	tw_diagnosis_line(line, sizeof(line), ep, &d);
	assert_string_equal(line, "10.0.0.7:5432: 450 new connections/s living 2.9 ms each hold "
				  "27,104 ports in TIME_WAIT (96 % of 28,232): reuse connections "
				  "(pooling, keep-alive)");

	/* high pressure, not short-lived: find what opens them */
	out_row(&r, "10.0.0.7", 5432);
	r.count[WW_TCP_TIME_WAIT] = 600;
	r.ports_used = 600;
	r.port_range = 1000;
	tw_diagnose(&r, 3, &d);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_owners_find),
		cmocka_unit_test(test_group_by_process),
		cmocka_unit_test(test_dup_fds),
		cmocka_unit_test(test_fds_capped),
		cmocka_unit_test(test_fds_capped_lowest),
		cmocka_unit_test(test_fds_capped_lowest_shuffled),
		cmocka_unit_test(test_peers_capped),
		cmocka_unit_test(test_peer_ipv6),
		cmocka_unit_test(test_never_accepted),
		cmocka_unit_test(test_never_accepted_no_listener),
		cmocka_unit_test(test_orphans_by_cgroup),
		cmocka_unit_test(test_worst_first),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_many_groups),
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
