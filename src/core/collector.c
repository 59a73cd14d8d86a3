// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The collector: see collector.h for what it counts and why.
 *
 * Two tables:
 *   sockets    every socket the kernel holds that we know of. Full sockets
 *              are found by their id (their ports change at connect()),
 *              TIME_WAIT and request sockets, which have no events, by their
 *              4-tuple. Bounded by max_sockets.
 *   endpoints  cumulative figures (entries, transitions, time in state) per
 *              endpoint key. Bounded by max_endpoints: when full, the least
 *              recently active endpoint is folded into "other".
 * Live counts per endpoint are not kept incrementally: a snapshot groups the
 * sockets by key, so a changed --by or an evicted endpoint never leaves a
 * count behind.
 *
 * A socket's entry is 48 bytes: IPv4 addresses inline (also IPv6 ones that
 * are both v4-mapped), other IPv6 ones out of line, in a table of their own;
 * the owner's comm or cgroup after it only when --by groups by them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "collector.h"
#include "format.h"
#include "pool.h"

/* __always_inline (glibc's): what every event goes through; __noinline: what few do. */
#define __noinline __attribute__((noinline))

enum sock_kind {
	KIND_FULL,
	KIND_TIMEWAIT, /* a TIME_WAIT socket; state holds its substate as ss shows it */
	KIND_REQUEST,  /* a request socket, counted as SYN_RECV */
};

#define SF_OWNER (1 << 0)       /* comm is known (kept for --by comm only) */
#define SF_PENDING (1 << 1)     /* learnt from a sweep, no event since */
#define SF_SINCE_LOWER (1 << 2) /* it predates waitwatch: since is a lower bound */
#define SF_WILD (1 << 3)        /* inbound, accepted by a wildcard listener */
#define SF_CLASSIFIED (1 << 4)  /* inbound, and its listener was known */
#define SF_CONNECTED (1 << 5)   /* reached ESTABLISHED: a connection, not a failed attempt */
#define SF_MAPPED (1 << 6)      /* IPv6, both addresses v4-mapped: kept as IPv4 */
#define SF_LINE (1 << 7)        /* addresses out of line: laddr numbers them in c->lines */
#define SF_NOEVENT (1 << 8)     /* full socket that no event touched yet */
#define SF_EVBEFORE (1 << 9)    /* full socket whose last event predates since (a sweep set it) */
#define SF_SWEPT (1 << 10)      /* the sweep under way reported it, as swept_state */
#define SF_BYTUPLE (1 << 11)    /* indexed by its 4-tuple, not by its id */

/*
 * The time of a full socket's last event is since (an event sets both),
 * none (SF_NOEVENT) or before since (SF_EVBEFORE): a sweep corrected its
 * state, and no sweep starts before an earlier one did. Other sockets get
 * no event but the one that made them: t2 holds its time.
 */
struct sock_ent {
	__u64 id;     /* sock_id of a full socket, 0 for the others */
	__u64 since;  /* when it entered its state */
	__u64 t2;     /* full socket: SYN_SENT or SYN_RECV time (0 unknown); others: last event */
	__u32 laddr;  /* IPv4 addresses, in network byte order; SF_LINE: line number */
	__u32 raddr;
	__u32 netns;
	__u16 lport;
	__u16 rport;
	__u32 ep_ref; /* its endpoint's entry: see ep_of_ref(); 0 none */
	__u16 flags;
	__u8 state;
	__u8 kind : 2;
	__u8 dir : 2;
	__u8 swept_state : 4; /* what the sweep under way saw, compared at its end */
};

_Static_assert(sizeof(struct sock_ent) == 48, "a socket's entry is 48 bytes");

/* A socket being counted without an entry: the extra owner fields included. */
union sock_tmp {
	struct sock_ent s;
	__u8 bytes[sizeof(struct sock_ent) + WW_COMM_LEN + sizeof(__u64)];
};

/* Addresses that are not IPv4, as the kernel gave them. */
struct addr_line {
	__u8 laddr[16];
	__u8 raddr[16];
	__u8 family;
	__u8 _pad[3];
};

#define LINE_TMP POOL_NIL /* the line of a socket being counted without an entry */

enum tuple_form {
	FORM_V4,     /* AF_INET */
	FORM_MAPPED, /* AF_INET6, both addresses v4-mapped */
	FORM_LINE,   /* any other: out of line */
};

/* A 4-tuple as compared and hashed: addresses inline, or their line. */
struct tkey {
	struct {
		__u32 laddr, raddr, netns;
		__u16 lport, rport;
		__u32 form;
	} in;
	const struct addr_line *line; /* FORM_LINE */
};

/* A 4-tuple as an event or a sweep record gives it. */
struct wire {
	const __u8 *laddr, *raddr;
	__u32 netns;
	__u16 lport, rport;
	__u8 family;
};

/* An endpoint's key as kept: its address, comm (--by comm) or cgroup id (--by cgroup) in a. */
struct ep_ckey {
	__u8 a[16];
	__u32 netns;
	__u16 port;
	__u8 family;
	__u8 dir;
	__u64 group; /* split_by_group: the cgroup's group (group_of) */
};

struct ep_ent {
	struct ep_ckey key; /* first: a released entry's first bytes link the free list */
	__u32 ref;          /* what the sockets counted against it hold: see ep_of_ref() */
	__u64 last_seen;
	__u64 prev_entries[WW_TCP_NSTATES];
	__u64 prev_ts;
	struct ep_stats stats;
};

struct listener_key {
	__u8 laddr[16];
	__u32 netns;
	__u16 lport;
	__u8 family;
	__u8 _pad;
};

struct listener_ent {
	struct listener_key k;
	__u32 refs; /* SO_REUSEPORT: several sockets share one address */
};

struct range_ent {
	__u32 netns;
	__u32 size;
};

struct collector {
	struct collector_opts o;
	struct pool socks;
	struct pool lines;
	struct pool eps;
	struct pool listeners;
	struct pool ranges;
	size_t sock_size;   /* the entry, and the owner field --by needs */
	__u32 ep_bits;      /* of an endpoint reference, those that number its entry */
	__u32 ep_gen_next;
	struct addr_line tmp_line;
	struct ep_stats other_stats; /* of evicted endpoints */
	size_t odd_bytes;            /* held by the figures' odd transitions */
	size_t snap_bytes;           /* held by the last snapshot */
	__u64 other_prev_entries[WW_TCP_NSTATES];
	__u64 other_prev_ts;
	__u64 sweep_start;
	__u64 rates_ts; /* the last snapshot that computed rates */
	bool in_sweep;
	bool swept_once;
	struct collector_stats stats;
	struct collector_flow flow;
};

/* ---- helpers ------------------------------------------------------------ */

/* Bucket i holds durations in (2^(i-1), 2^i] microseconds, as Prometheus's le means. */
int hist_bucket(__u64 ns)
{
	__u64 us = ns / 1000 + (ns % 1000 != 0); /* rounded up: 1.5 us is above 1 us */
	int b = us > 1 ? 64 - __builtin_clzll(us - 1) : 0;

	return b < WW_HIST_BUCKETS - 1 ? b : WW_HIST_BUCKETS - 1;
}

static __u32 hash_id(__u64 id)
{
	return pool_hash64(id, 0);
}

static struct sock_ent *sock_at(const struct collector *c, __u32 idx)
{
	return pool__entry(&c->socks, idx);
}

/*
 * The owner fields after the entry: comm for --by comm, then the cgroup
 * id for --by cgroup, container, pod, unit and split_by_group.
 */
static char *sock_comm(const struct sock_ent *s)
{
	return (char *)(s + 1);
}

/* Rows by cgroup, or by what a cgroup belongs to. */
static bool by_cgroup(const struct collector *c)
{
	return c->o.by == BY_CGROUP || c->o.by == BY_CONTAINER || c->o.by == BY_POD ||
	       c->o.by == BY_UNIT;
}

/* The socket keeps its cgroup id. */
static bool keeps_cgroup(const struct collector *c)
{
	return by_cgroup(c) || c->o.split_by_group;
}

static __u64 *sock_cgroup(const struct collector *c, const struct sock_ent *s)
{
	return (__u64 *)((char *)(s + 1) + (c->o.by == BY_COMM ? WW_COMM_LEN : 0));
}

/* The id standing for a socket's cgroup's group: the cgroup's own without group_of. */
static __u64 sock_group_id(const struct collector *c, const struct sock_ent *s)
{
	__u64 id = *sock_cgroup(c, s);

	if (c->o.by == BY_CGROUP || !id || !c->o.group_of)
		return id;
	return c->o.group_of(c->o.group_ctx, id);
}

static struct addr_line *line_of(const struct collector *c, const struct sock_ent *s)
{
	if (s->laddr == LINE_TMP)
		return (struct addr_line *)&c->tmp_line;
	return pool__entry(&c->lines, s->laddr);
}

/* ---- 4-tuples -------------------------------------------------------------- */

static struct wire wire_of_event(const struct ww_event *e)
{
	return (struct wire){ .laddr = e->saddr, .raddr = e->daddr, .netns = e->netns,
			      .lport = e->sport, .rport = e->dport, .family = (__u8)e->family };
}

static struct wire wire_of_rec(const struct ww_sock_rec *r)
{
	return (struct wire){ .laddr = r->saddr, .raddr = r->daddr, .netns = r->netns,
			      .lport = r->sport, .rport = r->dport, .family = (__u8)r->family };
}

/* Nothing past the first 4 bytes, as the kernel writes IPv4 addresses. */
static bool only_v4(const __u8 *a)
{
	__u32 w;
	__u64 d;

	memcpy(&w, a + 4, 4);
	memcpy(&d, a + 8, 8);
	return !w && !d;
}

static enum tuple_form wire_form(const struct wire *w)
{
	if (w->family == WW_AF_INET && only_v4(w->laddr) && only_v4(w->raddr))
		return FORM_V4;
	if (w->family == WW_AF_INET6 && addr_is_v4mapped(w->laddr) && addr_is_v4mapped(w->raddr))
		return FORM_MAPPED;
	return FORM_LINE;
}

static __u32 load4(const __u8 *a)
{
	__u32 v;

	memcpy(&v, a, 4);
	return v;
}

/* line: where the addresses go if they are not inline. */
static void tkey_of_wire(struct tkey *k, const struct wire *w, struct addr_line *line)
{
	enum tuple_form form = wire_form(w);

	k->in.netns = w->netns;
	k->in.lport = w->lport;
	k->in.rport = w->rport;
	k->in.form = form;
	k->line = NULL;
	if (form == FORM_LINE) {
		memcpy(line->laddr, w->laddr, 16);
		memcpy(line->raddr, w->raddr, 16);
		line->family = w->family;
		memset(line->_pad, 0, sizeof(line->_pad));
		k->line = line;
		k->in.laddr = k->in.raddr = 0;
		return;
	}
	k->in.laddr = load4(w->laddr + (form == FORM_MAPPED ? 12 : 0));
	k->in.raddr = load4(w->raddr + (form == FORM_MAPPED ? 12 : 0));
}

static void tkey_of_event(struct tkey *k, const struct ww_event *e, struct addr_line *line)
{
	struct wire w = wire_of_event(e);

	tkey_of_wire(k, &w, line);
}

static void tkey_of_sock(const struct collector *c, struct tkey *k, const struct sock_ent *s)
{
	k->in.netns = s->netns;
	k->in.lport = s->lport;
	k->in.rport = s->rport;
	k->line = NULL;
	if (s->flags & SF_LINE) {
		k->in.form = FORM_LINE;
		k->in.laddr = k->in.raddr = 0;
		k->line = line_of(c, s);
		return;
	}
	k->in.form = (s->flags & SF_MAPPED) ? FORM_MAPPED : FORM_V4;
	k->in.laddr = s->laddr;
	k->in.raddr = s->raddr;
}

static bool tkey_equal(const struct tkey *a, const struct tkey *b)
{
	return !memcmp(&a->in, &b->in, sizeof(a->in)) &&
	       (a->in.form != FORM_LINE || !memcmp(a->line, b->line, sizeof(*a->line)));
}

/* Two words, mixed: it is computed at every connection's first and last events. */
static __u32 tkey_hash(const struct tkey *k)
{
	__u64 a = k->in.laddr | (__u64)k->in.raddr << 32;
	__u64 b = k->in.netns | (__u64)k->in.lport << 32 | (__u64)k->in.rport << 48;
	__u32 h = pool_hash64(a ^ pool_hash64(b, k->in.form + 1), 1);

	return k->in.form == FORM_LINE ? pool__hash(k->line, sizeof(*k->line), h) : h;
}

#define TP_LADDR (1 << 0)
#define TP_RADDR (1 << 1)
#define TP_LPORT (1 << 2)
#define TP_RPORT (1 << 3)
#define TP_NETNS (1 << 4)

/* The parts of b that differ from a. */
static unsigned int tkey_diff(const struct tkey *a, const struct tkey *b)
{
	unsigned int d = (a->in.netns != b->in.netns ? TP_NETNS : 0) |
			 (a->in.lport != b->in.lport ? TP_LPORT : 0) |
			 (a->in.rport != b->in.rport ? TP_RPORT : 0);

	if (a->in.form != b->in.form ||
	    (a->in.form == FORM_LINE && a->line->family != b->line->family))
		return d | TP_LADDR | TP_RADDR;
	if (a->in.form == FORM_LINE)
		return d | (memcmp(a->line->laddr, b->line->laddr, 16) ? TP_LADDR : 0) |
		       (memcmp(a->line->raddr, b->line->raddr, 16) ? TP_RADDR : 0);
	return d | (a->in.laddr != b->in.laddr ? TP_LADDR : 0) |
	       (a->in.raddr != b->in.raddr ? TP_RADDR : 0);
}

static void line_put(struct collector *c, struct sock_ent *s)
{
	if ((s->flags & SF_LINE) && s->laddr != LINE_TMP)
		pool__release(&c->lines, s->laddr);
	s->flags &= ~SF_LINE;
}

/* 0, or -ENOMEM: no line for its addresses (it keeps the tuple it had). */
static int sock_set_tuple(struct collector *c, struct sock_ent *s, const struct tkey *k)
{
	if (k->in.form == FORM_LINE) {
		if (!(s->flags & SF_LINE)) {
			__u32 idx = pool__alloc(&c->lines);

			if (idx == POOL_NIL)
				return -ENOMEM;
			s->laddr = idx;
			s->flags |= SF_LINE;
		}
		*line_of(c, s) = *k->line;
		s->raddr = 0;
	} else {
		line_put(c, s);
		s->laddr = k->in.laddr;
		s->raddr = k->in.raddr;
	}
	s->flags = (s->flags & ~SF_MAPPED) | (k->in.form == FORM_MAPPED ? SF_MAPPED : 0);
	s->netns = k->in.netns;
	s->lport = k->in.lport;
	s->rport = k->in.rport;
	return 0;
}

/* A socket being counted without an entry: its tuple inline, or in c->tmp_line. */
static void tmp_init(struct collector *c, union sock_tmp *t, const struct wire *w, int state)
{
	struct tkey k;

	memset(t, 0, sizeof(*t));
	tkey_of_wire(&k, w, &c->tmp_line);
	if (k.in.form == FORM_LINE) {
		t->s.flags = SF_LINE;
		t->s.laddr = LINE_TMP;
	}
	sock_set_tuple(c, &t->s, &k);
	t->s.state = state;
}

static int sock_family(const struct collector *c, const struct sock_ent *s)
{
	if (s->flags & SF_LINE)
		return line_of(c, s)->family;
	return (s->flags & SF_MAPPED) ? WW_AF_INET6 : WW_AF_INET;
}

/* One side's address, 16 bytes as the kernel gave it. */
static void sock_addr16(const struct collector *c, const struct sock_ent *s, bool remote,
			__u8 out[16])
{
	__u32 a = remote ? s->raddr : s->laddr;

	if (s->flags & SF_LINE) {
		memcpy(out, remote ? line_of(c, s)->raddr : line_of(c, s)->laddr, 16);
		return;
	}
	memset(out, 0, 16);
	if (s->flags & SF_MAPPED) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a, 4);
	} else {
		memcpy(out, &a, 4);
	}
}

static __u32 sock_hash(const struct collector *c, const struct sock_ent *s)
{
	struct tkey k;

	if (!(s->flags & SF_BYTUPLE))
		return hash_id(s->id);
	tkey_of_sock(c, &k, s);
	return tkey_hash(&k);
}

/* At every event: the index's slots walked in place. */
static __u32 find_full(const struct collector *c, __u64 id)
{
	const struct pool *p = &c->socks;
	__u32 hash = hash_id(id), pos, n = p->nslots;

	if (!n)
		return POOL_NIL;
	for (pos = pool__home(p, hash); p->slots[pos].idx1; pos = pos + 1 == n ? 0 : pos + 1) {
		const struct sock_ent *s;

		if (p->slots[pos].hash != hash)
			continue;
		s = sock_at(c, p->slots[pos].idx1 - 1);
		if (s->kind == KIND_FULL && s->id == id)
			return p->slots[pos].idx1 - 1;
	}
	return POOL_NIL;
}

/* A TIME_WAIT or request socket: they have no id of ours. hash: tkey_hash(k). */
static __u32 find_tuple_hashed(const struct collector *c, const struct tkey *k, __u32 hash)
{
	struct pool_probe pr;
	struct tkey sk;
	__u32 idx;

	for (idx = pool__first(&c->socks, hash, &pr); idx != POOL_NIL;
	     idx = pool__next(&c->socks, &pr)) {
		struct sock_ent *s = sock_at(c, idx);

		if (s->kind == KIND_FULL)
			continue;
		tkey_of_sock(c, &sk, s);
		if (tkey_equal(&sk, k))
			return idx;
	}
	return POOL_NIL;
}

static __u32 find_tuple(const struct collector *c, const struct tkey *k)
{
	return find_tuple_hashed(c, k, tkey_hash(k));
}

/* ---- listeners: which local addresses accept connections ---------------- */

static void listener_key_of(const struct collector *c, struct listener_key *lk,
			    const struct sock_ent *s, bool wildcard)
{
	memset(lk, 0, sizeof(*lk));
	if (!wildcard)
		sock_addr16(c, s, false, lk->laddr);
	lk->netns = s->netns;
	lk->lport = s->lport;
	lk->family = sock_family(c, s);
}

static __u32 listener_hash(const struct listener_key *lk)
{
	return pool__hash(lk, sizeof(*lk), 3);
}

static __u32 listener_find(const struct collector *c, const struct listener_key *lk)
{
	struct pool_probe pr;
	__u32 idx;

	for (idx = pool__first(&c->listeners, listener_hash(lk), &pr); idx != POOL_NIL;
	     idx = pool__next(&c->listeners, &pr)) {
		struct listener_ent *l = pool__entry(&c->listeners, idx);

		if (!memcmp(&l->k, lk, sizeof(*lk)))
			return idx;
	}
	return POOL_NIL;
}

/* The listener entry of a listening socket, and its key. */
static __u32 listener_of_sock(const struct collector *c, const struct sock_ent *s,
			      struct listener_key *lk)
{
	listener_key_of(c, lk, s, false);
	return listener_find(c, lk);
}

static void listener_add(struct collector *c, const struct sock_ent *s)
{
	struct listener_key lk;
	__u32 idx = listener_of_sock(c, s, &lk);

	if (idx == POOL_NIL) {
		struct listener_ent *l;

		idx = pool__insert(&c->listeners, listener_hash(&lk));
		if (idx == POOL_NIL)
			return;
		l = pool__entry(&c->listeners, idx);
		l->k = lk;
		l->refs = 0;
	}
	((struct listener_ent *)pool__entry(&c->listeners, idx))->refs++;
}

static void listener_del(struct collector *c, const struct sock_ent *s)
{
	struct listener_key lk;
	__u32 idx = listener_of_sock(c, s, &lk);
	struct listener_ent *l;

	if (idx == POOL_NIL)
		return;
	l = pool__entry(&c->listeners, idx);
	if (--l->refs == 0)
		pool__remove(&c->listeners, idx, listener_hash(&lk));
}

static bool laddr_is_zero(const struct collector *c, const struct sock_ent *s)
{
	static const __u8 zero[16];

	if (s->flags & SF_LINE)
		return !memcmp(line_of(c, s)->laddr, zero, 16);
	return !(s->flags & SF_MAPPED) && !s->laddr;
}

/*
 * An accepted socket belongs to the listener on its local port: the one
 * bound to its exact address, else a wildcard one. Returns false if none.
 */
static bool classify_inbound(const struct collector *c, struct sock_ent *s)
{
	struct listener_key lk;

	s->ep_ref = 0; /* a listener's address may now name its endpoint */
	listener_key_of(c, &lk, s, false);
	if (!laddr_is_zero(c, s) && listener_find(c, &lk) != POOL_NIL) {
		s->flags = (s->flags & ~SF_WILD) | SF_CLASSIFIED;
		return true;
	}
	listener_key_of(c, &lk, s, true);
	if (listener_find(c, &lk) != POOL_NIL) {
		s->flags |= SF_WILD | SF_CLASSIFIED;
		return true;
	}
	return false;
}

/* ---- sockets ------------------------------------------------------------- */

static void set_state(struct collector *c, struct sock_ent *s, int state, __u64 ts)
{
	if (s->state == WW_TCP_LISTEN && state != WW_TCP_LISTEN)
		listener_del(c, s);
	if (state == WW_TCP_LISTEN && s->state != WW_TCP_LISTEN) {
		listener_add(c, s);
		if (s->dir != DIR_IN)
			s->ep_ref = 0; /* its key follows its direction */
		s->dir = DIR_IN;
	}
	s->state = state;
	s->since = ts;
	s->flags &= ~SF_SINCE_LOWER;
}

/* Did an event touch it at or after ts, the start of the sweep under way? */
static bool touched_since(const struct sock_ent *s, __u64 ts)
{
	if (s->kind != KIND_FULL)
		return s->t2 >= ts;
	if (s->flags & SF_NOEVENT)
		return !ts;
	return !(s->flags & SF_EVBEFORE) && s->since >= ts;
}

static void remove_sock(struct collector *c, __u32 idx)
{
	struct sock_ent *s = sock_at(c, idx);
	__u32 hash = sock_hash(c, s);

	if (s->state == WW_TCP_LISTEN)
		listener_del(c, s);
	line_put(c, s);
	pool__remove(&c->socks, idx, hash);
}

/* A zeroed entry with the tuple k, indexed by id or (by_tuple) by k. */
static __u32 insert_sock(struct collector *c, __u64 id, const struct tkey *k, bool by_tuple)
{
	__u32 hash = by_tuple ? tkey_hash(k) : hash_id(id);
	__u32 idx = pool__insert(&c->socks, hash);
	struct sock_ent *s;

	if (idx == POOL_NIL)
		return idx;
	s = sock_at(c, idx);
	memset(s, 0, c->sock_size);
	if (sock_set_tuple(c, s, k)) {
		pool__remove(&c->socks, idx, hash);
		return POOL_NIL;
	}
	s->id = id;
	if (by_tuple)
		s->flags |= SF_BYTUPLE;
	return idx;
}

/* ---- endpoints ------------------------------------------------------------ */

static void fold_prefix(__u8 *addr, int bits, int full)
{
	if (bits >= full)
		return;
	for (int i = 0; i < full / 8; i++) {
		int keep = bits - i * 8;

		if (keep >= 8)
			continue;
		addr[i] &= keep <= 0 ? 0 : (__u8)(0xff << (8 - keep));
	}
}

/* The address as shown: v4-mapped IPv6 becomes IPv4, then folded to the prefix. */
static void key_addr16(const struct collector *c, struct ep_ckey *k, const __u8 *addr, int family)
{
	if (family == WW_AF_INET6 && addr_is_v4mapped(addr)) {
		memcpy(k->a, addr + 12, 4);
		family = WW_AF_INET;
	} else {
		memcpy(k->a, addr, 16);
	}
	k->family = family;
	if (family == WW_AF_INET)
		fold_prefix(k->a, c->o.prefix4, 32);
	else
		fold_prefix(k->a, c->o.prefix6, 128);
}

/* Into a zeroed key: IPv4 ones (v4-mapped included) inline, the others from their line. */
static void key_addr(const struct collector *c, struct ep_ckey *k, const struct sock_ent *s,
		     bool remote)
{
	__u32 a = remote ? s->raddr : s->laddr;

	if (s->flags & SF_LINE) {
		key_addr16(c, k, remote ? line_of(c, s)->raddr : line_of(c, s)->laddr,
			   line_of(c, s)->family);
		return;
	}
	memcpy(k->a, &a, 4);
	k->family = WW_AF_INET;
	fold_prefix(k->a, c->o.prefix4, 32);
}

static void service_key(const struct collector *c, struct ep_ckey *k, const struct sock_ent *s)
{
	k->dir = s->dir;
	if (s->dir == DIR_IN) {
		if (s->flags & SF_WILD)
			k->family = sock_family(c, s); /* [::]:80 stays IPv6 */
		else
			key_addr(c, k, s, false);
		k->port = s->lport;
	} else {
		key_addr(c, k, s, true);
		k->port = s->rport;
	}
}

static void ep_key_of(const struct collector *c, struct ep_ckey *k, const struct sock_ent *s)
{
	memset(k, 0, sizeof(*k));
	k->netns = s->netns;
	if (c->o.split_by_group)
		k->group = sock_group_id(c, s);
	switch (c->o.by) {
	case BY_SERVICE:
		service_key(c, k, s);
		break;
	case BY_LOCAL:
		key_addr(c, k, s, false);
		k->port = s->lport;
		break;
	case BY_REMOTE:
		key_addr(c, k, s, true);
		k->port = s->rport;
		break;
	case BY_LADDR:
		key_addr(c, k, s, false);
		break;
	case BY_RADDR:
		key_addr(c, k, s, true);
		break;
	case BY_LPORT:
		k->port = s->lport;
		break;
	case BY_RPORT:
		k->port = s->rport;
		break;
	case BY_NETNS:
		break;
	case BY_CGROUP:
	case BY_CONTAINER:
	case BY_POD:
	case BY_UNIT: {
		__u64 id = sock_group_id(c, s);

		memcpy(k->a, &id, sizeof(id));
		break;
	}
	case BY_COMM:
		if (s->flags & SF_OWNER)
			memcpy(k->a, sock_comm(s), WW_COMM_LEN);
		break;
	}
}

/* The key as rows show it: where a holds what --by groups by. */
static void ep_key_expand(const struct collector *c, struct ep_key *k, const struct ep_ckey *ck)
{
	memset(k, 0, sizeof(*k));
	k->netns = ck->netns;
	k->port = ck->port;
	k->family = ck->family;
	k->dir = ck->dir;
	k->group = ck->group;
	if (c->o.by == BY_COMM)
		memcpy(k->comm, ck->a, WW_COMM_LEN);
	else if (by_cgroup(c))
		memcpy(&k->id, ck->a, sizeof(k->id));
	else
		memcpy(k->addr, ck->a, sizeof(k->addr));
}

/* The parts of its 4-tuple a socket's key is made of. */
static unsigned int key_parts(const struct collector *c, const struct sock_ent *s)
{
	switch (c->o.by) {
	case BY_SERVICE:
		if (s->dir != DIR_IN)
			return TP_NETNS | TP_RADDR | TP_RPORT;
		return TP_NETNS | TP_LPORT | TP_LADDR; /* a wildcard one: its family */
	case BY_LOCAL:
		return TP_NETNS | TP_LADDR | TP_LPORT;
	case BY_REMOTE:
		return TP_NETNS | TP_RADDR | TP_RPORT;
	case BY_LADDR:
		return TP_NETNS | TP_LADDR;
	case BY_RADDR:
		return TP_NETNS | TP_RADDR;
	case BY_LPORT:
		return TP_NETNS | TP_LPORT;
	case BY_RPORT:
		return TP_NETNS | TP_RPORT;
	default:
		return TP_NETNS;
	}
}

/* Four words, mixed: it is computed at every new socket's first event. */
static __u32 ep_hash(const struct ep_ckey *k)
{
	__u64 w[4];

	_Static_assert(sizeof(*k) == sizeof(w), "endpoint keys are hashed as four words");
	memcpy(w, k, sizeof(w));
	return pool_hash64(w[0] ^ pool_hash64(w[1] ^ pool_hash64(w[2] ^ pool_hash64(w[3], 1), 2), 3),
			   4);
}

static __u32 ep_find(const struct collector *c, const struct ep_ckey *k, __u32 hash)
{
	struct pool_probe pr;
	__u32 idx;

	for (idx = pool__first(&c->eps, hash, &pr); idx != POOL_NIL; idx = pool__next(&c->eps, &pr))
		if (!memcmp(&((struct ep_ent *)pool__entry(&c->eps, idx))->key, k, sizeof(*k)))
			return idx;
	return POOL_NIL;
}

/*
 * A socket holds its endpoint's entry number and a generation, so that it
 * finds its figures without building its key, and knows when the entry was
 * given to another key since: ref = gen << ep_bits | (entry + 1).
 */
static struct ep_ent *ep_of_ref(const struct collector *c, __u32 ref)
{
	__u32 slot = ref & ((1u << c->ep_bits) - 1);
	struct ep_ent *e;

	if (!slot)
		return NULL;
	e = pool__entry(&c->eps, slot - 1);
	return e->ref == ref ? e : NULL; /* an evicted entry's ref is 0 */
}

/*
 * Once the generations run out, no socket keeps a reference and every
 * endpoint gets a new one: no reference can name an entry it did not get.
 */
static void ep_refs_reset(struct collector *c)
{
	for (__u32 i = 0; i < c->socks.high; i++)
		if (pool__in_use(&c->socks, i))
			sock_at(c, i)->ep_ref = 0;
	c->ep_gen_next = 0;
	for (__u32 i = 0; i < c->eps.high; i++)
		if (pool__in_use(&c->eps, i))
			((struct ep_ent *)pool__entry(&c->eps, i))->ref =
				++c->ep_gen_next << c->ep_bits | (i + 1);
}

static __u32 ep_new_ref(struct collector *c, __u32 idx)
{
	if (c->ep_gen_next + 1 >= 1u << (32 - c->ep_bits))
		ep_refs_reset(c);
	return ++c->ep_gen_next << c->ep_bits | (idx + 1);
}

/* ---- endpoint figures ------------------------------------------------------ */

/*
 * The transitions the kernel makes, from the call sites of tcp_set_state()
 * and inet_sk_set_state() (the BPF program drops old == new): any state
 * may be reset to CLOSE, LISTEN->SYN_RECV is a child socket, the rest is
 * the state machine of RFC 9293 with its simultaneous open.
 */
static const __u8 pair_states[WW_NPAIRS][2] = {
	{ WW_TCP_CLOSE, WW_TCP_SYN_SENT },	    { WW_TCP_CLOSE, WW_TCP_LISTEN },
	{ WW_TCP_LISTEN, WW_TCP_SYN_RECV },	    { WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED },
	{ WW_TCP_SYN_SENT, WW_TCP_SYN_RECV },	    { WW_TCP_SYN_RECV, WW_TCP_ESTABLISHED },
	{ WW_TCP_SYN_RECV, WW_TCP_FIN_WAIT1 },	    { WW_TCP_SYN_RECV, WW_TCP_CLOSE_WAIT },
	{ WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1 },   { WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT },
	{ WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2 },	    { WW_TCP_FIN_WAIT1, WW_TCP_CLOSING },
	{ WW_TCP_CLOSE_WAIT, WW_TCP_LAST_ACK },	    { WW_TCP_SYN_SENT, WW_TCP_CLOSE },
	{ WW_TCP_SYN_RECV, WW_TCP_CLOSE },	    { WW_TCP_ESTABLISHED, WW_TCP_CLOSE },
	{ WW_TCP_FIN_WAIT1, WW_TCP_CLOSE },	    { WW_TCP_FIN_WAIT2, WW_TCP_CLOSE },
	{ WW_TCP_CLOSE_WAIT, WW_TCP_CLOSE },	    { WW_TCP_LAST_ACK, WW_TCP_CLOSE },
	{ WW_TCP_LISTEN, WW_TCP_CLOSE },	    { WW_TCP_CLOSING, WW_TCP_CLOSE },
};

/* pair_states inverted, slot + 1: 0 for the pairs counted in odd. */
static const __u8 pair_slot1[WW_TCP_NSTATES][WW_TCP_NSTATES] = {
	[WW_TCP_CLOSE] = { [WW_TCP_SYN_SENT] = 1, [WW_TCP_LISTEN] = 2 },
	[WW_TCP_LISTEN] = { [WW_TCP_SYN_RECV] = 3, [WW_TCP_CLOSE] = 21 },
	[WW_TCP_SYN_SENT] = { [WW_TCP_ESTABLISHED] = 4, [WW_TCP_SYN_RECV] = 5,
			      [WW_TCP_CLOSE] = 14 },
	[WW_TCP_SYN_RECV] = { [WW_TCP_ESTABLISHED] = 6, [WW_TCP_FIN_WAIT1] = 7,
			      [WW_TCP_CLOSE_WAIT] = 8, [WW_TCP_CLOSE] = 15 },
	[WW_TCP_ESTABLISHED] = { [WW_TCP_FIN_WAIT1] = 9, [WW_TCP_CLOSE_WAIT] = 10,
				 [WW_TCP_CLOSE] = 16 },
	[WW_TCP_FIN_WAIT1] = { [WW_TCP_FIN_WAIT2] = 11, [WW_TCP_CLOSING] = 12,
			       [WW_TCP_CLOSE] = 17 },
	[WW_TCP_CLOSE_WAIT] = { [WW_TCP_LAST_ACK] = 13, [WW_TCP_CLOSE] = 19 },
	[WW_TCP_FIN_WAIT2] = { [WW_TCP_CLOSE] = 18 },
	[WW_TCP_LAST_ACK] = { [WW_TCP_CLOSE] = 20 },
	[WW_TCP_CLOSING] = { [WW_TCP_CLOSE] = 22 },
};

const int ww_hist_states[WW_HIST_STATES] = { WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED,
					      WW_TCP_CLOSE_WAIT, WW_TCP_TIME_WAIT };

/* ww_hist_states inverted, slot + 1: 0 for the states not kept. */
static const __u8 hist_slot1[WW_TCP_NSTATES] = {
	[WW_TCP_SYN_SENT] = 1,
	[WW_TCP_ESTABLISHED] = 2,
	[WW_TCP_CLOSE_WAIT] = 3,
	[WW_TCP_TIME_WAIT] = 4,
};

#define ODD_BYTES (WW_TCP_NSTATES * WW_TCP_NSTATES * sizeof(__u64))

int ep_pair_slot(int oldstate, int newstate)
{
	if (oldstate < 0 || newstate < 0 || oldstate >= WW_TCP_NSTATES ||
	    newstate >= WW_TCP_NSTATES)
		return -1;
	return pair_slot1[oldstate][newstate] - 1;
}

__u64 ep_stats_trans(const struct ep_stats *st, int oldstate, int newstate)
{
	int slot = ep_pair_slot(oldstate, newstate);

	if (slot >= 0)
		return st->trans[slot];
	if (!st->odd || oldstate < 0 || newstate < 0 || oldstate >= WW_TCP_NSTATES ||
	    newstate >= WW_TCP_NSTATES)
		return 0;
	return st->odd[oldstate * WW_TCP_NSTATES + newstate];
}

/* Entries into every state. */
static void stats_entries(const struct ep_stats *st, __u64 *entries)
{
	memset(entries, 0, WW_TCP_NSTATES * sizeof(*entries));
	for (int i = 0; i < WW_NPAIRS; i++)
		entries[pair_states[i][1]] += st->trans[i];
	if (st->odd)
		for (int i = 0; i < WW_TCP_NSTATES * WW_TCP_NSTATES; i++)
			entries[i % WW_TCP_NSTATES] += st->odd[i];
	entries[WW_TCP_TIME_WAIT] += st->tw_inferred;
}

__u64 ep_stats_entries(const struct ep_stats *st, int state)
{
	__u64 entries[WW_TCP_NSTATES];

	if (state < 0 || state >= WW_TCP_NSTATES)
		return 0;
	stats_entries(st, entries);
	return entries[state];
}

int ep_hist_slot(int state)
{
	return state >= 0 && state < WW_TCP_NSTATES ? hist_slot1[state] - 1 : -1;
}

int ep_le_bucket(__u64 ns)
{
	int b = hist_bucket(ns);

	if (b <= WW_LE_FIRST)
		return 0;
	if (b > WW_LE_LAST)
		return WW_LE_BUCKETS - 1;
	return (b - WW_LE_FIRST + WW_LE_STEP - 1) / WW_LE_STEP;
}

/*
 * The transitions the kernel does not make: counted apart, once the first
 * happens. bytes: where the memory that takes is counted.
 */
static void count_odd(struct ep_stats *st, int o, int n, __u64 count, size_t *bytes)
{
	if (!st->odd) {
		st->odd = calloc(1, ODD_BYTES);
		if (!st->odd)
			return;
		*bytes += ODD_BYTES;
	}
	st->odd[o * WW_TCP_NSTATES + n] += count;
}

static void odd_free(struct collector *c, struct ep_stats *st)
{
	if (!st->odd)
		return;
	free(st->odd);
	st->odd = NULL;
	c->odd_bytes -= ODD_BYTES;
}

static void stats_add(struct ep_stats *dst, const struct ep_stats *src, size_t *bytes)
{
	for (int i = 0; i < WW_NPAIRS; i++)
		dst->trans[i] += src->trans[i];
	dst->tw_inferred += src->tw_inferred;
	for (int i = 0; i < WW_HIST_STATES; i++) {
		for (int j = 0; j < WW_LE_BUCKETS; j++)
			dst->hist[i][j] += src->hist[i][j];
		dst->hist_sum_ns[i] += src->hist_sum_ns[i];
	}
	for (int i = 0; i < WW_HIST_BUCKETS; i++)
		dst->lifetime_hist[i] += src->lifetime_hist[i];
	if (src->odd)
		for (int i = 0; i < WW_TCP_NSTATES * WW_TCP_NSTATES; i++)
			if (src->odd[i])
				count_odd(dst, i / WW_TCP_NSTATES, i % WW_TCP_NSTATES, src->odd[i],
					  bytes);
}

/* Make room: fold the least recently active endpoint into "other". */
static void ep_evict_one(struct collector *c)
{
	__u32 victim = POOL_NIL;
	__u64 oldest = UINT64_MAX;
	struct ep_ent *e;

	for (__u32 i = 0; i < c->eps.high; i++) {
		e = pool__entry(&c->eps, i);
		if (pool__in_use(&c->eps, i) && e->last_seen < oldest) {
			oldest = e->last_seen;
			victim = i;
		}
	}
	if (victim == POOL_NIL)
		return;
	e = pool__entry(&c->eps, victim);
	stats_add(&c->other_stats, &e->stats, &c->odd_bytes);
	odd_free(c, &e->stats);
	e->ref = 0;
	pool__remove(&c->eps, victim, ep_hash(&e->key));
	c->stats.endpoints_evicted++;
}

/* The socket's endpoint figures, found by its key: a new socket's first event. */
static __noinline struct ep_stats *ep_stats_lookup(struct collector *c, struct sock_ent *s,
						   __u64 ts)
{
	struct ep_ckey k;
	struct ep_ent *e;
	__u32 hash, idx;

	ep_key_of(c, &k, s);
	hash = ep_hash(&k);
	idx = ep_find(c, &k, hash);
	if (idx == POOL_NIL) {
		if (c->eps.count >= c->o.max_endpoints)
			ep_evict_one(c);
		idx = pool__insert(&c->eps, hash);
		if (idx == POOL_NIL)
			return &c->other_stats;
		e = pool__entry(&c->eps, idx);
		memset(e, 0, sizeof(*e));
		e->key = k;
		e->ref = ep_new_ref(c, idx);
		/* its entries so far all happened since the last rates */
		e->prev_ts = c->rates_ts ? c->rates_ts : ts;
	}
	e = pool__entry(&c->eps, idx);
	e->last_seen = ts;
	s->ep_ref = e->ref;
	return &e->stats;
}

/*
 * The socket's endpoint figures. Its entry is remembered in the socket, so
 * that most events cost no key building and no hash lookup.
 */
static inline struct ep_stats *ep_stats_for(struct collector *c, struct sock_ent *s, __u64 ts)
{
	struct ep_ent *e = ep_of_ref(c, s->ep_ref);

	if (!e)
		return ep_stats_lookup(c, s, ts);
	e->last_seen = ts;
	return &e->stats;
}

/* Time spent in a state, if it is one the histograms keep. */
static void hist_add(struct ep_stats *st, int state, __u64 ns)
{
	int slot = hist_slot1[state] - 1;

	if (slot < 0)
		return;
	st->hist[slot][ep_le_bucket(ns)]++;
	st->hist_sum_ns[slot] += ns;
}

/* The event in the flow between states: what it left at ->CLOSE too. */
static __always_inline void flow_count(struct collector_flow *f, const struct ww_event *e)
{
	int o = e->oldstate;

	f->trans[o][e->newstate]++;
	if (e->newstate != WW_TCP_CLOSE)
		return;
	if (e->flags & WW_EF_TW)
		f->close_tw[o]++;
	else if (e->flags & WW_EF_TW_FW2)
		f->close_fw2[o]++;
	else if (e->sk_err)
		f->close_err[o]++;
}

/* The substate of a TIME_WAIT socket, as the flow counts its exits. */
static int flow_sub(const struct sock_ent *s)
{
	return s->state == WW_TCP_TIME_WAIT ? WW_FLOW_SUB_TW : WW_FLOW_SUB_FW2;
}

/* Count the event against the socket's endpoint. */
static __always_inline void account(struct collector *c, struct sock_ent *s,
				    const struct ww_event *e)
{
	struct ep_stats *st = ep_stats_for(c, s, e->ts_ns);
	int o = e->oldstate, n = e->newstate, slot;

	if (o >= WW_TCP_NSTATES || n >= WW_TCP_NSTATES)
		return;
	slot = pair_slot1[o][n] - 1;
	if (slot >= 0)
		st->trans[slot]++;
	else
		count_odd(st, o, n, 1, &c->odd_bytes);
	if (e->flags & WW_EF_DWELL)
		hist_add(st, o, e->dwell_ns);
	/* lifetimes of connections only: a refused connect() lives microseconds */
	if (n == WW_TCP_CLOSE && s->t2 && (s->flags & SF_CONNECTED) && e->ts_ns >= s->t2)
		st->lifetime_hist[hist_bucket(e->ts_ns - s->t2)]++;
	if (e->flags & WW_EF_TW)
		st->tw_inferred++;
	flow_count(&c->flow, e);
}

/* ---- events ---------------------------------------------------------------- */

/* The owner field --by needs, from the event; its key follows it. */
static void owner_from_event(struct collector *c, struct sock_ent *s, const struct ww_event *e)
{
	if (c->o.by == BY_COMM && (e->flags & WW_EF_OWNER) &&
	    (!(s->flags & SF_OWNER) || memcmp(sock_comm(s), e->comm, WW_COMM_LEN))) {
		memcpy(sock_comm(s), e->comm, WW_COMM_LEN);
		s->flags |= SF_OWNER;
		s->ep_ref = 0;
	}
	if (keeps_cgroup(c) && e->cgroup_id && *sock_cgroup(c, s) != e->cgroup_id) {
		*sock_cgroup(c, s) = e->cgroup_id;
		s->ep_ref = 0;
	}
}

/* Most events: an IPv4 socket's, its 4-tuple unchanged. */
static bool same_v4(const struct sock_ent *s, const struct ww_event *e)
{
	return !(s->flags & (SF_LINE | SF_MAPPED)) && e->family == WW_AF_INET &&
	       s->lport == e->sport && s->rport == e->dport && s->netns == e->netns &&
	       s->laddr == load4(e->saddr) && s->raddr == load4(e->daddr) && only_v4(e->saddr) &&
	       only_v4(e->daddr);
}

/* The event's 4-tuple, where it changed; the key only if it is made of what changed. */
static void tuple_from_event(struct collector *c, struct sock_ent *s, const struct ww_event *e)
{
	struct addr_line line;
	struct tkey now, was;
	unsigned int diff;

	if (same_v4(s, e))
		return;
	tkey_of_event(&now, e, &line);
	tkey_of_sock(c, &was, s);
	if (tkey_equal(&was, &now))
		return;
	diff = tkey_diff(&was, &now);
	if (!sock_set_tuple(c, s, &now) && (diff & key_parts(c, s)))
		s->ep_ref = 0;
}

static __always_inline void fill_from_event(struct collector *c, struct sock_ent *s,
				   const struct ww_event *e)
{
	tuple_from_event(c, s, e);
	s->flags &= ~(SF_PENDING | SF_NOEVENT | SF_EVBEFORE);
	owner_from_event(c, s, e);
	if ((e->flags & WW_EF_DIR_OUT) && s->dir != DIR_OUT) {
		s->dir = DIR_OUT;
		s->ep_ref = 0;
	} else if ((e->flags & WW_EF_DIR_IN) && s->dir != DIR_IN) {
		s->dir = DIR_IN;
		classify_inbound(c, s);
	}
	if (e->newstate == WW_TCP_SYN_SENT || e->newstate == WW_TCP_SYN_RECV)
		s->t2 = e->ts_ns;
	if (e->newstate == WW_TCP_ESTABLISHED)
		s->flags |= SF_CONNECTED;
}

/*
 * A new connection on a 4-tuple ends the TIME_WAIT socket that held it
 * (reuse), or is the child of the request socket that the sweep saw.
 */
static void end_same_tuple(struct collector *c, const struct ww_event *e)
{
	struct addr_line line;
	struct tkey k;
	__u32 idx;

	tkey_of_event(&k, e, &line);
	idx = find_tuple(c, &k);
	if (idx == POOL_NIL)
		return;
	if (sock_at(c, idx)->kind == KIND_TIMEWAIT) {
		c->stats.tw_exits_reuse++;
		c->flow.tw_reused[flow_sub(sock_at(c, idx))]++;
	}
	remove_sock(c, idx);
}

/* What a socket that closed into TIME_WAIT is from now on. */
static void make_timewait(struct collector *c, struct sock_ent *s, const struct ww_event *e)
{
	s->id = 0;
	s->kind = KIND_TIMEWAIT;
	s->t2 = e->ts_ns;
	s->flags &= ~(SF_PENDING | SF_NOEVENT | SF_EVBEFORE);
	if (e->flags & WW_EF_TW) {
		s->state = WW_TCP_TIME_WAIT;
		s->since = e->ts_ns;
		s->flags &= ~SF_SINCE_LOWER;
		c->stats.tw_entries++;
	} else {
		s->state = WW_TCP_FIN_WAIT2; /* still FIN_WAIT2 as ss shows it */
	}
}

/*
 * The TIME_WAIT socket src left behind takes the place of the one that
 * held its 4-tuple already, if any (its line and index are kept).
 */
static void timewait_onto(struct collector *c, __u32 dst, const struct sock_ent *src,
			  const struct ww_event *e)
{
	struct sock_ent *tw = sock_at(c, dst);
	__u32 laddr = tw->laddr;
	__u16 keep = tw->flags & (SF_LINE | SF_BYTUPLE);

	memcpy(tw, src, c->sock_size);
	if (keep & SF_LINE)
		tw->laddr = laddr;
	tw->flags = (tw->flags & ~(SF_LINE | SF_BYTUPLE)) | keep;
	make_timewait(c, tw, e);
}

/* A full socket closed into TIME_WAIT: its entry stays, found by its 4-tuple. */
static void timewait_from_full(struct collector *c, __u32 idx, const struct ww_event *e)
{
	struct sock_ent *s = sock_at(c, idx);
	__u32 hash = sock_hash(c, s), old, tw_hash;
	struct tkey k;

	if (s->state == WW_TCP_LISTEN)
		listener_del(c, s);
	s->state = 0;
	tkey_of_sock(c, &k, s);
	tw_hash = tkey_hash(&k);
	old = find_tuple_hashed(c, &k, tw_hash);
	if (old != POOL_NIL) {
		timewait_onto(c, old, s, e);
		line_put(c, s);
		pool__remove(&c->socks, idx, hash);
		return;
	}
	if (pool__rekey(&c->socks, idx, hash, tw_hash)) {
		remove_sock(c, idx);
		return;
	}
	s->flags |= SF_BYTUPLE;
	make_timewait(c, s, e);
}

/* An untracked socket closed into TIME_WAIT: that one gets an entry, if there is room. */
static void timewait_from_tmp(struct collector *c, const struct sock_ent *tmp,
			      const struct ww_event *e)
{
	struct tkey k;
	__u32 idx;

	tkey_of_sock(c, &k, tmp);
	idx = find_tuple(c, &k);
	if (idx != POOL_NIL) {
		timewait_onto(c, idx, tmp, e);
		return;
	}
	idx = insert_sock(c, 0, &k, true);
	if (idx != POOL_NIL)
		timewait_onto(c, idx, tmp, e);
}

/* The ->CLOSE of a socket we do not track (predates us, or the table is full). */
static void close_untracked(struct collector *c, const struct ww_event *e)
{
	struct wire w = wire_of_event(e);
	union sock_tmp t;

	tmp_init(c, &t, &w, e->oldstate);
	if (e->flags & WW_EF_DIR_OUT)
		t.s.dir = DIR_OUT;
	else if (e->flags & WW_EF_DIR_IN)
		t.s.dir = DIR_IN;
	fill_from_event(c, &t.s, e);
	if (t.s.dir == DIR_IN)
		classify_inbound(c, &t.s);
	account(c, &t.s, e);
	if (e->flags & (WW_EF_TW | WW_EF_TW_FW2))
		timewait_from_tmp(c, &t.s, e);
}

static void ingest_close(struct collector *c, const struct ww_event *e, __u32 idx)
{
	struct sock_ent *s;

	if (idx == POOL_NIL) {
		close_untracked(c, e);
		return;
	}
	s = sock_at(c, idx);
	fill_from_event(c, s, e);
	account(c, s, e);
	if (e->flags & (WW_EF_TW | WW_EF_TW_FW2))
		timewait_from_full(c, idx, e);
	else
		remove_sock(c, idx);
}

/* A new socket that found the table full: counted all the same. */
static void ingest_untracked(struct collector *c, const struct ww_event *e)
{
	struct wire w = wire_of_event(e);
	union sock_tmp t;

	if (WW_IS_BIRTH(e->oldstate, e->newstate))
		c->stats.sockets_dropped++;
	tmp_init(c, &t, &w, e->oldstate);
	fill_from_event(c, &t.s, e);
	account(c, &t.s, e);
}

static __u32 insert_full(struct collector *c, const struct ww_event *e)
{
	struct addr_line line;
	struct tkey k;
	__u32 idx;

	tkey_of_event(&k, e, &line);
	idx = insert_sock(c, e->sock_id, &k, false);
	if (idx != POOL_NIL)
		/* state 0: never a listener in our table, whatever oldstate said */
		sock_at(c, idx)->state = e->oldstate == WW_TCP_LISTEN ? 0 : e->oldstate;
	return idx;
}

void collector__ingest(struct collector *c, const struct ww_event *e)
{
	struct sock_ent *s;
	__u32 idx;

	if (e->oldstate >= WW_TCP_NSTATES || e->newstate >= WW_TCP_NSTATES)
		return;
	c->stats.events++;
	idx = find_full(c, e->sock_id);
	if (e->newstate == WW_TCP_CLOSE) {
		ingest_close(c, e, idx);
		return;
	}
	if (e->newstate == WW_TCP_SYN_RECV ||
	    (e->oldstate == WW_TCP_SYN_SENT && e->newstate == WW_TCP_ESTABLISHED))
		end_same_tuple(c, e);
	if (idx == POOL_NIL) {
		idx = insert_full(c, e);
		if (idx == POOL_NIL) {
			ingest_untracked(c, e);
			return;
		}
	}
	s = sock_at(c, idx);
	fill_from_event(c, s, e);
	set_state(c, s, e->newstate, e->ts_ns);
	account(c, s, e);
}

/* ---- sweeps ---------------------------------------------------------------- */

void collector__sweep_begin(struct collector *c, __u64 ts_start)
{
	/* a sweep that never ended: what it saw is no more */
	if (c->in_sweep)
		for (__u32 i = 0; i < c->socks.high; i++)
			if (pool__in_use(&c->socks, i))
				sock_at(c, i)->flags &= ~SF_SWEPT;
	c->in_sweep = true;
	c->sweep_start = ts_start;
}

static __u32 sweep_insert(struct collector *c, const struct ww_sock_rec *r,
			  const struct tkey *k)
{
	struct sock_ent *s;
	__u32 idx;

	idx = insert_sock(c, r->sock_id, k, !r->sock_id);
	if (idx == POOL_NIL)
		return idx;
	s = sock_at(c, idx);
	s->kind = (r->flags & WW_SF_TIMEWAIT) ? KIND_TIMEWAIT :
		  (r->flags & WW_SF_REQUEST)  ? KIND_REQUEST :
						KIND_FULL;
	s->flags |= SF_PENDING | (s->kind == KIND_FULL ? SF_NOEVENT : 0);
	if (r->flags & WW_SF_AGE) {
		/* the kernel dates it: CLOSE_WAIT and TIME_WAIT */
		__u64 age = (__u64)r->state_age_ms * 1000000;

		set_state(c, s, r->state, c->sweep_start > age ? c->sweep_start - age : 1);
	} else {
		set_state(c, s, r->state, c->sweep_start);
		s->flags |= SF_SINCE_LOWER;
	}
	return idx;
}

/*
 * The kernel's word against ours, for a socket the sweep saw and no event
 * touched since it began. Compared only at the end of the sweep, once the
 * events that happened during it were ingested.
 */
static void sweep_correct(struct collector *c, struct sock_ent *s)
{
	/* A TIME_WAIT socket in substate FIN_WAIT2 that got the peer's FIN: no event. */
	bool expected = s->kind != KIND_FULL;

	if (s->state == s->swept_state || touched_since(s, c->sweep_start))
		return;
	if (!expected)
		c->stats.repairs++;
	if (s->kind == KIND_TIMEWAIT && s->swept_state == WW_TCP_TIME_WAIT) {
		c->stats.tw_entries++;
		c->flow.fw2_to_tw++;
		ep_stats_for(c, s, c->sweep_start)->tw_inferred++;
	}
	set_state(c, s, s->swept_state, c->sweep_start);
	if (s->kind == KIND_FULL && !(s->flags & SF_NOEVENT))
		s->flags |= SF_EVBEFORE;
}

void collector__sweep_sock(struct collector *c, const struct ww_sock_rec *r)
{
	struct wire w = wire_of_rec(r);
	struct addr_line line;
	struct sock_ent *s;
	struct tkey k, was;
	__u32 idx;

	if (r->state >= WW_TCP_NSTATES)
		return;
	tkey_of_wire(&k, &w, &line);
	idx = r->sock_id ? find_full(c, r->sock_id) : find_tuple(c, &k);
	if (idx == POOL_NIL) {
		idx = sweep_insert(c, r, &k);
		if (idx == POOL_NIL)
			return;
	}
	s = sock_at(c, idx);
	s->swept_state = r->state;
	s->flags |= SF_SWEPT;
	/* a lost event may have left the port of CLOSE->SYN_SENT (0) behind */
	if (s->kind == KIND_FULL && s->state != WW_TCP_LISTEN) {
		tkey_of_sock(c, &was, s);
		if (!tkey_equal(&was, &k) && !sock_set_tuple(c, s, &k))
			s->ep_ref = 0;
	}
	if (keeps_cgroup(c) && !*sock_cgroup(c, s) && r->cgroup_id) {
		*sock_cgroup(c, s) = r->cgroup_id;
		s->ep_ref = 0;
	}
}

/* A socket the sweep did not see, and no event touched since it began: gone. */
static void sweep_gone(struct collector *c, __u32 idx)
{
	struct sock_ent *s = sock_at(c, idx);

	if (s->kind == KIND_TIMEWAIT) {
		c->stats.tw_exits_sweep++;
		c->flow.tw_gone[flow_sub(s)]++;
		if (s->state == WW_TCP_TIME_WAIT && !(s->flags & SF_SINCE_LOWER) &&
		    c->sweep_start > s->since) {
			hist_add(ep_stats_for(c, s, c->sweep_start), WW_TCP_TIME_WAIT,
				 c->sweep_start - s->since);
		}
	} else if (s->kind == KIND_FULL) {
		c->stats.repairs++; /* its ->CLOSE event was lost */
	}
	remove_sock(c, idx);
}

static void sweep_settle(struct collector *c, struct sock_ent *s)
{
	if (s->flags & SF_SWEPT) {
		sweep_correct(c, s);
		s->flags &= ~SF_SWEPT;
	}
	if (s->flags & SF_PENDING) {
		s->flags &= ~SF_PENDING;
		if (!c->swept_once)
			c->stats.seeded++;
		else if (s->kind != KIND_REQUEST)
			c->stats.repairs++; /* an event that created it was lost */
	}
	if (s->dir == DIR_UNKNOWN && s->state != WW_TCP_LISTEN)
		s->dir = classify_inbound(c, s) ? DIR_IN : DIR_OUT;
	else if (s->dir == DIR_IN && s->state != WW_TCP_LISTEN && !(s->flags & SF_CLASSIFIED))
		classify_inbound(c, s); /* its listener may only now be known */
}

void collector__sweep_end(struct collector *c)
{
	if (!c->in_sweep)
		return; /* no sweep begun: nothing it saw, nothing to compare */
	/* listeners first, so that every socket can be classified against them */
	for (__u32 i = 0; i < c->socks.high; i++) {
		struct sock_ent *s = sock_at(c, i);

		if (!pool__in_use(&c->socks, i))
			continue;
		if (!(s->flags & SF_SWEPT) && !touched_since(s, c->sweep_start))
			sweep_gone(c, i);
	}
	for (__u32 i = 0; i < c->socks.high; i++)
		if (pool__in_use(&c->socks, i))
			sweep_settle(c, sock_at(c, i));
	c->in_sweep = false;
	c->swept_once = true;
	c->stats.sweeps++;
}

void collector__set_port_range(struct collector *c, __u32 netns, __u32 size)
{
	__u32 hash = hash_id(netns), idx;
	struct pool_probe pr;
	struct range_ent *r;

	for (idx = pool__first(&c->ranges, hash, &pr); idx != POOL_NIL;
	     idx = pool__next(&c->ranges, &pr)) {
		r = pool__entry(&c->ranges, idx);
		if (r->netns == netns)
			break;
	}
	if (idx == POOL_NIL)
		idx = pool__insert(&c->ranges, hash);
	if (idx == POOL_NIL)
		return;
	r = pool__entry(&c->ranges, idx);
	r->netns = netns;
	r->size = size;
}

static __u32 port_range_of(const struct collector *c, __u32 netns)
{
	struct pool_probe pr;
	__u32 idx;

	for (idx = pool__first(&c->ranges, hash_id(netns), &pr); idx != POOL_NIL;
	     idx = pool__next(&c->ranges, &pr)) {
		const struct range_ent *r = pool__entry(&c->ranges, idx);

		if (r->netns == netns)
			return r->size;
	}
	return 0;
}

/* ---- life cycle ------------------------------------------------------------ */

/* Endpoint references keep at least 8 bits of generation. */
#define EP_MAX_ENDPOINTS ((1u << 24) - 1)

struct collector *collector__new(const struct collector_opts *opts)
{
	struct collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = *opts;
	if (!c->o.max_endpoints)
		c->o.max_endpoints = WW_DEFAULT_MAX_ENDPOINTS;
	if (c->o.max_endpoints > EP_MAX_ENDPOINTS)
		c->o.max_endpoints = EP_MAX_ENDPOINTS;
	if (!c->o.max_sockets)
		c->o.max_sockets = WW_DEFAULT_MAX_SOCKETS;
	if (!c->o.prefix4 || c->o.prefix4 > 32)
		c->o.prefix4 = 32;
	if (!c->o.prefix6 || c->o.prefix6 > 128)
		c->o.prefix6 = 128;
	while (c->o.max_endpoints >> c->ep_bits)
		c->ep_bits++;
	c->sock_size = sizeof(struct sock_ent) + (c->o.by == BY_COMM ? WW_COMM_LEN : 0) +
		       (keeps_cgroup(c) ? sizeof(__u64) : 0);
	if (pool__init(&c->socks, c->sock_size, c->o.max_sockets) ||
	    pool__init(&c->lines, sizeof(struct addr_line), c->o.max_sockets) ||
	    pool__init(&c->eps, sizeof(struct ep_ent), c->o.max_endpoints) ||
	    pool__init(&c->listeners, sizeof(struct listener_ent), c->o.max_sockets) ||
	    pool__init(&c->ranges, sizeof(struct range_ent), 65536)) {
		collector__free(c);
		return NULL;
	}
	return c;
}

void collector__free(struct collector *c)
{
	if (!c)
		return;
	for (__u32 i = 0; i < c->eps.high; i++)
		if (pool__in_use(&c->eps, i))
			odd_free(c, &((struct ep_ent *)pool__entry(&c->eps, i))->stats);
	odd_free(c, &c->other_stats);
	pool__free(&c->socks);
	pool__free(&c->lines);
	pool__free(&c->eps);
	pool__free(&c->listeners);
	pool__free(&c->ranges);
	free(c);
}

const struct collector_stats *collector__stats(const struct collector *c)
{
	struct collector *mc = (struct collector *)c;

	mc->stats.sockets = c->socks.count;
	mc->stats.memory_bytes = sizeof(*c) + pool__bytes(&c->socks) + pool__bytes(&c->lines) +
				 pool__bytes(&c->eps) + pool__bytes(&c->listeners) +
				 pool__bytes(&c->ranges) + c->odd_bytes + c->snap_bytes;
	mc->stats.snapshot_bytes = c->snap_bytes;
	return &c->stats;
}

const struct collector_flow *collector__flow(const struct collector *c)
{
	return &c->flow;
}

/* ---- snapshots -------------------------------------------------------------- */

/*
 * A snapshot groups the sockets by key in two passes over the table. The
 * first counts each group's sockets (what the order of rows needs); the
 * heaviest max_endpoints groups then get rows; the second pass adds each
 * socket to its row, or to "other". Only the rows are full size: a group
 * is its key and two counts. A socket whose endpoint entry is known finds
 * its group through that entry, without building its key.
 */
struct group_ent {
	struct ep_ckey key;
	__u32 weight; /* sockets counted by the sort order */
	__u32 total;
	__u32 ep;     /* its endpoint entry, or POOL_NIL */
	__u32 row;    /* its row, or POOL_NIL: folded into "other" */
};

struct snap_work {
	struct collector *c;
	struct snapshot *out;
	struct pool groups;
	__u32 *group_of_ep; /* by endpoint entry */
	int weight_state;   /* ep_row_weight()'s, -1: TIME_WAIT + CLOSE_WAIT */
	__u32 other_by[WW_TCP_NSTATES]; /* the group "other"'s oldest is of, per state */
	size_t bytes;
};

__u64 ep_row_weight(const struct ep_row *r, int state)
{
	if (state >= 0 && state < WW_TCP_NSTATES)
		return r->count[state];
	return (__u64)r->count[WW_TCP_TIME_WAIT] + r->count[WW_TCP_CLOSE_WAIT];
}

static __u64 row_total(const struct ep_row *r)
{
	__u64 n = 0;

	for (int i = 0; i < WW_TCP_NSTATES; i++)
		n += r->count[i];
	return n;
}

static int sort_state_for_cmp;

/* Heaviest first; ties by all sockets, then by key so the order is stable. */
static int row_cmp(const void *a, const void *b)
{
	const struct ep_row *x = a, *y = b;
	__u64 wx = ep_row_weight(x, sort_state_for_cmp), wy = ep_row_weight(y, sort_state_for_cmp);

	if (wx != wy)
		return wx > wy ? -1 : 1;
	wx = row_total(x);
	wy = row_total(y);
	if (wx != wy)
		return wx > wy ? -1 : 1;
	return memcmp(&x->key, &y->key, sizeof(x->key));
}

void snapshot__sort(struct snapshot *s, int state)
{
	sort_state_for_cmp = state;
	qsort(s->rows, s->nrows, sizeof(*s->rows), row_cmp);
}

/* Keys in the order of their rows' keys (struct ep_key compared as bytes). */
static int ckey_cmp(const struct collector *c, const struct ep_ckey *x, const struct ep_ckey *y)
{
	int d;

	if (c->o.by != BY_COMM)
		return memcmp(x, y, sizeof(*x));
	/* there comm comes last */
	d = memcmp(&x->netns, &y->netns, sizeof(*x) - offsetof(struct ep_ckey, netns));
	return d ? d : memcmp(x->a, y->a, sizeof(x->a));
}

/* row_cmp's order, between groups. */
static int group_cmp(const struct snap_work *w, __u32 a, __u32 b)
{
	const struct group_ent *x = pool__entry(&w->groups, a), *y = pool__entry(&w->groups, b);

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return ckey_cmp(w->c, &x->key, &y->key);
}

static struct group_ent *group_at(const struct snap_work *w, __u32 idx)
{
	return pool__entry(&w->groups, idx);
}

/* The group of key k; a new one if add (POOL_NIL when out of memory). */
static __u32 group_get(struct snap_work *w, const struct ep_ckey *k, bool add)
{
	__u32 hash = ep_hash(k), idx;
	struct pool_probe pr;
	struct group_ent *ge;

	for (idx = pool__first(&w->groups, hash, &pr); idx != POOL_NIL;
	     idx = pool__next(&w->groups, &pr))
		if (!memcmp(&group_at(w, idx)->key, k, sizeof(*k)))
			return idx;
	if (!add)
		return POOL_NIL;
	idx = pool__insert(&w->groups, hash);
	if (idx == POOL_NIL)
		return idx;
	ge = group_at(w, idx);
	memset(ge, 0, sizeof(*ge));
	ge->key = *k;
	ge->ep = POOL_NIL;
	ge->row = POOL_NIL;
	return idx;
}

/* A socket's group: its endpoint's, or the one of the key it has. */
static __u32 sock_group(struct snap_work *w, const struct sock_ent *s, bool add)
{
	const struct collector *c = w->c;
	struct ep_ckey k;

	if (ep_of_ref(c, s->ep_ref))
		return w->group_of_ep[(s->ep_ref & ((1u << c->ep_bits) - 1)) - 1];
	ep_key_of(c, &k, s);
	return group_get(w, &k, add);
}

/* Every endpoint with figures is a group, with or without sockets. */
static int group_endpoints(struct snap_work *w)
{
	struct collector *c = w->c;

	w->group_of_ep = malloc((c->eps.high ? c->eps.high : 1) * sizeof(*w->group_of_ep));
	if (!w->group_of_ep)
		return -ENOMEM;
	w->bytes += (c->eps.high ? c->eps.high : 1) * sizeof(*w->group_of_ep);
	for (__u32 i = 0; i < c->eps.high; i++) {
		__u32 g;

		if (!pool__in_use(&c->eps, i))
			continue;
		g = group_get(w, &((struct ep_ent *)pool__entry(&c->eps, i))->key, true);
		if (g == POOL_NIL)
			return -ENOMEM;
		group_at(w, g)->ep = i;
		w->group_of_ep[i] = g;
	}
	return 0;
}

static bool weighs(const struct snap_work *w, int state)
{
	if (w->weight_state >= 0)
		return state == w->weight_state;
	return state == WW_TCP_TIME_WAIT || state == WW_TCP_CLOSE_WAIT;
}

/* Each socket a snapshot counts, in the pool's order; stops at the first error. */
static int each_counted_sock(struct snap_work *w,
			     int (*fn)(struct snap_work *w, const struct sock_ent *s))
{
	const struct collector *c = w->c;
	int err = 0;

	for (__u32 i = 0; i < c->socks.high && !err; i++) {
		const struct sock_ent *s = sock_at(c, i);

		if (pool__in_use(&c->socks, i) && s->state < WW_TCP_NSTATES)
			err = fn(w, s);
	}
	return err;
}

/* Pass 1: how many sockets each group has. */
static int count_one(struct snap_work *w, const struct sock_ent *s)
{
	__u32 g = sock_group(w, s, true);
	struct group_ent *ge;

	if (g == POOL_NIL)
		return -ENOMEM;
	ge = group_at(w, g);
	ge->total++;
	ge->weight += weighs(w, s->state);
	w->out->totals[s->state]++;
	return 0;
}

/* A bounded heap of the best groups so far, the worst of them on top. */
static void heap_down(const struct snap_work *w, __u32 *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, worst = i;
		__u32 t;

		if (l < n && group_cmp(w, h[l], h[worst]) > 0)
			worst = l;
		if (l + 1 < n && group_cmp(w, h[l + 1], h[worst]) > 0)
			worst = l + 1;
		if (worst == i)
			return;
		t = h[i];
		h[i] = h[worst];
		h[worst] = t;
		i = worst;
	}
}

static void heap_push(const struct snap_work *w, __u32 *h, size_t n, __u32 g)
{
	size_t i = n;

	h[i] = g;
	while (i && group_cmp(w, h[i], h[(i - 1) / 2]) > 0) {
		__u32 t = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

/* The groups that get rows: all, or the max_endpoints heaviest. Their number, or -ENOMEM. */
static long select_rows(struct snap_work *w, __u32 **sel)
{
	size_t max = w->c->o.max_endpoints, n = 0;
	__u32 *h;

	if (w->groups.count < max)
		max = w->groups.count;
	h = malloc((max ? max : 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	w->bytes += (max ? max : 1) * sizeof(*h);
	for (__u32 g = 0; g < w->groups.high; g++) {
		if (!pool__in_use(&w->groups, g))
			continue;
		if (n < max) {
			heap_push(w, h, n++, g);
		} else if (max && group_cmp(w, g, h[0]) < 0) {
			h[0] = g;
			heap_down(w, h, n, 0);
		}
	}
	*sel = h;
	return (long)n;
}

static void rates(double *rate, const __u64 *entries, __u64 *prev, __u64 *prev_ts, __u64 now)
{
	double dt = now > *prev_ts ? (now - *prev_ts) / 1e9 : 0;

	for (int i = 0; i < WW_TCP_NSTATES; i++) {
		rate[i] = dt > 0 ? (entries[i] - prev[i]) / dt : 0;
		prev[i] = entries[i];
	}
	*prev_ts = now;
}

static void ep_rates(struct ep_ent *e, double *rate, __u64 now)
{
	__u64 entries[WW_TCP_NSTATES];

	stats_entries(&e->stats, entries);
	rates(rate, entries, e->prev_entries, &e->prev_ts, now);
}

/* The rows, keyed, with their endpoints' figures. */
static int make_rows(struct snap_work *w, const __u32 *sel, size_t n, __u64 now, bool update)
{
	struct collector *c = w->c;
	struct ep_row *rows = calloc(n ? n : 1, sizeof(*rows));

	if (!rows)
		return -ENOMEM;
	w->bytes += (n ? n : 1) * sizeof(*rows);
	w->out->rows = rows;
	w->out->nrows = n;
	for (size_t i = 0; i < n; i++) {
		struct group_ent *ge = group_at(w, sel[i]);
		struct ep_row *r = &rows[i];

		ge->row = i;
		ep_key_expand(c, &r->key, &ge->key);
		if (r->key.dir == DIR_OUT)
			r->port_range = port_range_of(c, r->key.netns);
		if (ge->ep != POOL_NIL) {
			struct ep_ent *e = pool__entry(&c->eps, ge->ep);

			r->stats = e->stats;
			r->stats.odd = NULL;
			stats_add(&r->stats, &(struct ep_stats){ .odd = e->stats.odd }, &w->bytes);
			if (update)
				ep_rates(e, r->rate, now);
		}
	}
	return 0;
}

static void set_oldest(struct ep_row *r, const struct sock_ent *s)
{
	r->oldest_since[s->state] = s->since;
	if (s->flags & SF_SINCE_LOWER)
		r->oldest_at_least |= 1u << s->state;
	else
		r->oldest_at_least &= ~(1u << s->state);
}

/* The oldest socket of a row, per state: the first one in the table wins a tie. */
static void row_oldest(struct ep_row *r, const struct sock_ent *s)
{
	if (s->since && (!r->oldest_since[s->state] || s->since < r->oldest_since[s->state]))
		set_oldest(r, s);
}

/*
 * That of "other": of the folded groups, the first in the rows' order wins
 * a tie, as if each folded row were added in turn.
 */
static void other_oldest(struct snap_work *w, __u32 g, const struct sock_ent *s)
{
	struct ep_row *o = &w->out->other;
	__u64 old = o->oldest_since[s->state];

	if (!s->since || (old && s->since > old))
		return;
	if (old && s->since == old &&
	    (g == w->other_by[s->state] || group_cmp(w, g, w->other_by[s->state]) > 0))
		return;
	w->other_by[s->state] = g;
	set_oldest(o, s);
}

/* Pass 2: each socket into its row, or into "other". */
static int fill_one(struct snap_work *w, const struct sock_ent *s)
{
	__u32 g = sock_group(w, s, false);
	struct ep_row *r;

	if (group_at(w, g)->row != POOL_NIL) {
		r = &w->out->rows[group_at(w, g)->row];
		row_oldest(r, s);
	} else {
		r = &w->out->other;
		other_oldest(w, g, s);
	}
	r->count[s->state]++;
	if (s->dir == DIR_OUT && s->state != WW_TCP_LISTEN)
		r->ports_used++;
	return 0;
}

static const struct snap_work *sort_work;

static int group_qcmp(const void *a, const void *b)
{
	return group_cmp(sort_work, *(const __u32 *)a, *(const __u32 *)b);
}

/*
 * The rates of folded endpoints add up into "other", in the rows' order
 * (as floating-point sums depend on it). Not their cumulative figures: a
 * folded endpoint keeps them and shows them again once it is heavy enough,
 * and "other" must only grow, as a Prometheus counter does. Its figures
 * are those of evicted endpoints.
 */
static int fold_rates(struct snap_work *w, __u64 now)
{
	struct collector *c = w->c;
	size_t n = 0;
	__u32 *f = malloc((c->eps.count ? c->eps.count : 1) * sizeof(*f));

	if (!f)
		return -ENOMEM;
	w->bytes += (c->eps.count ? c->eps.count : 1) * sizeof(*f);
	for (__u32 i = 0; i < c->eps.high; i++)
		if (pool__in_use(&c->eps, i) && group_at(w, w->group_of_ep[i])->row == POOL_NIL)
			f[n++] = w->group_of_ep[i];
	sort_work = w;
	qsort(f, n, sizeof(*f), group_qcmp);
	for (size_t i = 0; i < n; i++) {
		double rate[WW_TCP_NSTATES];

		ep_rates(pool__entry(&c->eps, group_at(w, f[i])->ep), rate, now);
		for (int j = 0; j < WW_TCP_NSTATES; j++)
			w->out->other.rate[j] += rate[j];
	}
	free(f);
	return 0;
}

static void other_evicted(struct snap_work *w, __u64 now, bool update_rates)
{
	struct collector *c = w->c;
	struct ep_row *o = &w->out->other;
	double evicted[WW_TCP_NSTATES];
	__u64 entries[WW_TCP_NSTATES];

	o->folded = w->groups.count - w->out->nrows;
	stats_add(&o->stats, &c->other_stats, &w->bytes);
	if (!update_rates)
		return;
	stats_entries(&c->other_stats, entries);
	rates(evicted, entries, c->other_prev_entries, &c->other_prev_ts, now);
	for (int i = 0; i < WW_TCP_NSTATES; i++)
		o->rate[i] += evicted[i];
	c->rates_ts = now;
}

static int snapshot_build(struct snap_work *w, __u64 now, bool update_rates)
{
	__u32 *sel = NULL;
	long n;
	int err;

	err = group_endpoints(w) ?: each_counted_sock(w, count_one);
	if (err)
		return err;
	n = select_rows(w, &sel);
	if (n < 0)
		return (int)n;
	err = make_rows(w, sel, (size_t)n, now, update_rates);
	free(sel);
	if (err)
		return err;
	each_counted_sock(w, fill_one);
	if (update_rates && fold_rates(w, now))
		return -ENOMEM;
	other_evicted(w, now, update_rates);
	return 0;
}

int collector__snapshot(struct collector *c, __u64 now, bool update_rates, struct snapshot *out)
{
	struct snap_work w = { .c = c, .out = out };
	int err;

	memset(out, 0, sizeof(*out));
	out->ts_ns = now;
	out->other.is_other = true;
	w.weight_state = c->o.sort_state >= 0 && c->o.sort_state < WW_TCP_NSTATES ?
				 c->o.sort_state : -1;
	if (pool__init(&w.groups, sizeof(struct group_ent), c->socks.count + c->eps.count + 1))
		return -ENOMEM;
	err = snapshot_build(&w, now, update_rates);
	w.bytes += pool__bytes(&w.groups);
	pool__free(&w.groups);
	free(w.group_of_ep);
	if (err) {
		snapshot__free(out);
		return err;
	}
	snapshot__sort(out, c->o.sort_state);
	c->snap_bytes = w.bytes;
	out->stats = *collector__stats(c);
	return 0;
}

void snapshot__free(struct snapshot *s)
{
	for (size_t i = 0; i < s->nrows; i++)
		free(s->rows[i].stats.odd);
	free(s->other.stats.odd);
	s->other.stats.odd = NULL;
	free(s->rows);
	s->rows = NULL;
	s->nrows = 0;
}

/* ---- names ------------------------------------------------------------------ */

static void addr_with_prefix(char *buf, size_t len, const struct ep_key *k, int prefix4,
			     int prefix6)
{
	int full = k->family == WW_AF_INET ? 32 : 128;
	int bits = k->family == WW_AF_INET ? prefix4 : prefix6;
	size_t n;

	addr_format(buf, len, k->family, k->addr);
	n = strlen(buf);
	if (bits < full)
		snprintf(buf + n, len - n, "/%d", bits);
}

void ep_key_format(char *buf, size_t len, const struct ep_key *k, enum ww_by by, int prefix4,
		   int prefix6)
{
	char a[WW_ADDR_LEN + 8];

	switch (by) {
	case BY_SERVICE:
	case BY_LOCAL:
	case BY_REMOTE:
		addr_with_prefix(a, sizeof(a), k, prefix4, prefix6);
		if (k->family == WW_AF_INET6)
			snprintf(buf, len, "[%s]:%u", a, k->port);
		else
			snprintf(buf, len, "%s:%u", a, k->port);
		break;
	case BY_LADDR:
	case BY_RADDR:
		addr_with_prefix(buf, len, k, prefix4, prefix6);
		break;
	case BY_LPORT:
	case BY_RPORT:
		snprintf(buf, len, "*:%u", k->port);
		break;
	case BY_NETNS:
		snprintf(buf, len, "netns:%u", k->netns);
		break;
	case BY_CGROUP:
	case BY_CONTAINER:
	case BY_POD:
	case BY_UNIT:
		snprintf(buf, len, "cgroup:%llu", (unsigned long long)k->id);
		break;
	case BY_COMM:
		if (k->comm[0])
			snprintf(buf, len, "%.*s", WW_COMM_LEN, k->comm);
		else
			snprintf(buf, len, "-");
		break;
	}
}
