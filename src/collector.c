// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The collector: see collector.h for what it counts and why.
 *
 * Two tables:
 *   sockets    every socket the kernel holds that we know of. Full sockets
 *              are found by their cookie (their ports change at connect()),
 *              TIME_WAIT and request sockets, which have no events, by their
 *              4-tuple. Bounded by max_sockets.
 *   endpoints  cumulative figures (entries, transitions, time in state) per
 *              endpoint key. Bounded by max_endpoints: when full, the least
 *              recently active endpoint is folded into "other".
 * Live counts per endpoint are not kept incrementally: a snapshot groups the
 * sockets by key, so a changed --by or an evicted endpoint never leaves a
 * count behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "collector.h"
#include "format.h"
#include "pool.h"

enum sock_kind {
	KIND_FULL,
	KIND_TIMEWAIT, /* a TIME_WAIT socket; state holds its substate as ss shows it */
	KIND_REQUEST,  /* a request socket, counted as SYN_RECV */
};

#define SF_OWNER (1 << 0)       /* pid and comm are known */
#define SF_PENDING (1 << 1)     /* learnt from a sweep, no event since */
#define SF_SINCE_LOWER (1 << 2) /* it predates waitwatch: state_since is a lower bound */
#define SF_WILD (1 << 3)        /* inbound, accepted by a wildcard listener */
#define SF_CLASSIFIED (1 << 4)  /* inbound, and its listener was known */
#define SF_CONNECTED (1 << 5)   /* reached ESTABLISHED: a connection, not a failed attempt */

struct tuple {
	__u8 laddr[16];
	__u8 raddr[16];
	__u32 netns;
	__u16 lport;
	__u16 rport;
	__u8 family;
	__u8 _pad[3];
};

struct sock_ent {
	__u64 id; /* cookie of a full socket, 0 for the others */
	struct tuple t;
	__u8 state;
	__u8 kind;
	__u8 dir;
	__u8 flags;
	__u8 swept_state; /* what the last sweep saw, compared at its end */
	__u8 by_tuple;    /* indexed by its 4-tuple, not by its id */
	__u8 _pad[2];
	__u32 pid;
	__u32 sweep_gen;
	__u32 ep_idx;     /* its endpoint's entry, valid while that entry's gen is ep_gen */
	__u32 ep_gen;     /* 0: not looked up, or its key changed since */
	char comm[WW_COMM_LEN];
	__u64 cgroup_id;
	__u64 sock_ino;
	__u64 state_since; /* when it entered its state */
	__u64 born;        /* SYN_SENT or SYN_RECV time, 0 unknown */
	__u64 last_event;  /* time of the last event applied */
};

struct ep_ent {
	__u32 gen; /* a new number each time the slot is given to a key */
	struct ep_key key;
	__u64 last_seen;
	__u64 prev_entries[WW_TCP_NSTATES];
	__u64 prev_ts;
	struct ep_stats stats;
};

struct listener_ent {
	struct tuple t; /* local side only */
	__u32 refs;     /* SO_REUSEPORT: several sockets share one address */
};

struct range_ent {
	__u32 netns;
	__u32 size;
};

struct collector {
	struct collector_opts o;
	struct pool socks;
	struct pool eps;
	struct pool listeners;
	struct pool ranges;
	struct ep_stats other_stats; /* of evicted endpoints */
	__u64 other_prev_entries[WW_TCP_NSTATES];
	__u64 other_prev_ts;
	__u32 sweep_gen;
	__u64 sweep_start;
	__u64 rates_ts; /* the last snapshot that computed rates */
	__u32 ep_gen_next;
	bool swept_once;
	struct collector_stats stats;
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
	return pool_hash(&id, sizeof(id), 0);
}

static __u32 hash_tuple(const struct tuple *t)
{
	return pool_hash(t, sizeof(*t), 1);
}

static struct sock_ent *sock_at(const struct collector *c, __u32 idx)
{
	return pool_entry(&c->socks, idx);
}

static __u32 find_full(const struct collector *c, __u64 id)
{
	struct pool_probe pr;
	__u32 idx;

	for (idx = pool_first(&c->socks, hash_id(id), &pr); idx != POOL_NIL;
	     idx = pool_next(&c->socks, &pr)) {
		struct sock_ent *s = sock_at(c, idx);

		if (s->kind == KIND_FULL && s->id == id)
			return idx;
	}
	return POOL_NIL;
}

/* A TIME_WAIT or request socket: they have no cookie of ours. */
static __u32 find_tuple(const struct collector *c, const struct tuple *t)
{
	struct pool_probe pr;
	__u32 idx;

	for (idx = pool_first(&c->socks, hash_tuple(t), &pr); idx != POOL_NIL;
	     idx = pool_next(&c->socks, &pr)) {
		struct sock_ent *s = sock_at(c, idx);

		if (s->kind != KIND_FULL && !memcmp(&s->t, t, sizeof(*t)))
			return idx;
	}
	return POOL_NIL;
}

static void tuple_from_event(struct tuple *t, const struct ww_event *e)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->laddr, e->saddr, 16);
	memcpy(t->raddr, e->daddr, 16);
	t->netns = e->netns;
	t->lport = e->sport;
	t->rport = e->dport;
	t->family = e->family;
}

static void tuple_from_rec(struct tuple *t, const struct ww_sock_rec *r)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->laddr, r->saddr, 16);
	memcpy(t->raddr, r->daddr, 16);
	t->netns = r->netns;
	t->lport = r->sport;
	t->rport = r->dport;
	t->family = r->family;
}

/* ---- listeners: which local addresses accept connections ---------------- */

static void listener_tuple(struct tuple *lt, const struct tuple *t, bool wildcard)
{
	memset(lt, 0, sizeof(*lt));
	if (!wildcard)
		memcpy(lt->laddr, t->laddr, 16);
	lt->netns = t->netns;
	lt->lport = t->lport;
	lt->family = t->family;
}

static __u32 listener_find(const struct collector *c, const struct tuple *lt)
{
	struct pool_probe pr;
	__u32 idx;

	for (idx = pool_first(&c->listeners, hash_tuple(lt), &pr); idx != POOL_NIL;
	     idx = pool_next(&c->listeners, &pr)) {
		struct listener_ent *l = pool_entry(&c->listeners, idx);

		if (!memcmp(&l->t, lt, sizeof(*lt)))
			return idx;
	}
	return POOL_NIL;
}

static void listener_add(struct collector *c, const struct tuple *t)
{
	struct tuple lt;
	__u32 idx;

	listener_tuple(&lt, t, false);
	idx = listener_find(c, &lt);
	if (idx == POOL_NIL) {
		idx = pool_insert(&c->listeners, hash_tuple(&lt));
		if (idx == POOL_NIL)
			return;
		((struct listener_ent *)pool_entry(&c->listeners, idx))->t = lt;
		((struct listener_ent *)pool_entry(&c->listeners, idx))->refs = 0;
	}
	((struct listener_ent *)pool_entry(&c->listeners, idx))->refs++;
}

static void listener_del(struct collector *c, const struct tuple *t)
{
	struct listener_ent *l;
	struct tuple lt;
	__u32 idx;

	listener_tuple(&lt, t, false);
	idx = listener_find(c, &lt);
	if (idx == POOL_NIL)
		return;
	l = pool_entry(&c->listeners, idx);
	if (--l->refs == 0)
		pool_remove(&c->listeners, idx, hash_tuple(&lt));
}

static bool addr_is_zero(const __u8 *a)
{
	static const __u8 zero[16];

	return !memcmp(a, zero, 16);
}

/*
 * An accepted socket belongs to the listener on its local port: the one
 * bound to its exact address, else a wildcard one. Returns false if none.
 */
static bool classify_inbound(const struct collector *c, struct sock_ent *s)
{
	struct tuple lt;

	s->ep_gen = 0; /* a listener's address may now name its endpoint */
	listener_tuple(&lt, &s->t, false);
	if (!addr_is_zero(s->t.laddr) && listener_find(c, &lt) != POOL_NIL) {
		s->flags = (s->flags & ~SF_WILD) | SF_CLASSIFIED;
		return true;
	}
	listener_tuple(&lt, &s->t, true);
	if (listener_find(c, &lt) != POOL_NIL) {
		s->flags |= SF_WILD | SF_CLASSIFIED;
		return true;
	}
	return false;
}

/* ---- sockets ------------------------------------------------------------- */

static void set_state(struct collector *c, struct sock_ent *s, int state, __u64 ts)
{
	if (s->state == WW_TCP_LISTEN && state != WW_TCP_LISTEN)
		listener_del(c, &s->t);
	if (state == WW_TCP_LISTEN && s->state != WW_TCP_LISTEN) {
		listener_add(c, &s->t);
		s->dir = DIR_IN;
	}
	s->state = state;
	s->state_since = ts;
	s->flags &= ~SF_SINCE_LOWER;
}

static __u32 sock_hash(const struct sock_ent *s)
{
	return s->by_tuple ? hash_tuple(&s->t) : hash_id(s->id);
}

static __u32 ep_hash(const struct ep_key *k)
{
	return pool_hash(k, sizeof(*k), 2);
}

static void remove_sock(struct collector *c, __u32 idx)
{
	struct sock_ent *s = sock_at(c, idx);

	if (s->state == WW_TCP_LISTEN)
		listener_del(c, &s->t);
	pool_remove(&c->socks, idx, sock_hash(s));
}

/* A zeroed entry indexed by id (by_tuple false) or by 4-tuple. */
static __u32 insert_sock(struct collector *c, __u32 hash, bool by_tuple)
{
	__u32 idx = pool_insert(&c->socks, hash);

	if (idx != POOL_NIL) {
		memset(sock_at(c, idx), 0, sizeof(struct sock_ent));
		sock_at(c, idx)->by_tuple = by_tuple;
	}
	return idx;
}

/* A socket's first transition: the only one that says a new socket exists. */
static bool is_birth(const struct ww_event *e)
{
	return e->oldstate == WW_TCP_CLOSE ||
	       (e->oldstate == WW_TCP_LISTEN && e->newstate == WW_TCP_SYN_RECV);
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
static void key_addr(const struct collector *c, struct ep_key *k, const __u8 *addr, int family)
{
	if (family == WW_AF_INET6 && addr_is_v4mapped(addr)) {
		memcpy(k->addr, addr + 12, 4);
		family = WW_AF_INET;
	} else {
		memcpy(k->addr, addr, 16);
	}
	k->family = family;
	if (family == WW_AF_INET)
		fold_prefix(k->addr, c->o.prefix4, 32);
	else
		fold_prefix(k->addr, c->o.prefix6, 128);
}

static void service_key(const struct collector *c, struct ep_key *k, const struct sock_ent *s)
{
	static const __u8 zero[16];

	k->dir = s->dir;
	if (s->dir == DIR_IN) {
		key_addr(c, k, (s->flags & SF_WILD) ? zero : s->t.laddr, s->t.family);
		if (s->flags & SF_WILD)
			k->family = s->t.family; /* [::]:80 stays IPv6 */
		k->port = s->t.lport;
	} else {
		key_addr(c, k, s->t.raddr, s->t.family);
		k->port = s->t.rport;
	}
}

static void ep_key_of(const struct collector *c, struct ep_key *k, const struct sock_ent *s)
{
	memset(k, 0, sizeof(*k));
	k->netns = s->t.netns;
	switch (c->o.by) {
	case BY_SERVICE:
		service_key(c, k, s);
		break;
	case BY_LOCAL:
		key_addr(c, k, s->t.laddr, s->t.family);
		k->port = s->t.lport;
		break;
	case BY_REMOTE:
		key_addr(c, k, s->t.raddr, s->t.family);
		k->port = s->t.rport;
		break;
	case BY_LADDR:
		key_addr(c, k, s->t.laddr, s->t.family);
		break;
	case BY_RADDR:
		key_addr(c, k, s->t.raddr, s->t.family);
		break;
	case BY_LPORT:
		k->port = s->t.lport;
		break;
	case BY_RPORT:
		k->port = s->t.rport;
		break;
	case BY_NETNS:
		break;
	case BY_CGROUP:
		k->id = s->cgroup_id;
		break;
	case BY_COMM:
		if (s->flags & SF_OWNER)
			memcpy(k->comm, s->comm, WW_COMM_LEN);
		break;
	}
}

static __u32 ep_find(const struct collector *c, const struct ep_key *k, __u32 hash)
{
	struct pool_probe pr;
	__u32 idx;

	for (idx = pool_first(&c->eps, hash, &pr); idx != POOL_NIL; idx = pool_next(&c->eps, &pr))
		if (!memcmp(&((struct ep_ent *)pool_entry(&c->eps, idx))->key, k, sizeof(*k)))
			return idx;
	return POOL_NIL;
}

static void stats_add(struct ep_stats *dst, const struct ep_stats *src)
{
	const __u64 *s = (const __u64 *)src;
	__u64 *d = (__u64 *)dst;

	for (size_t i = 0; i < sizeof(*dst) / sizeof(__u64); i++)
		d[i] += s[i];
}

/* Make room: fold the least recently active endpoint into "other". */
static void ep_evict_one(struct collector *c)
{
	__u32 victim = POOL_NIL;
	__u64 oldest = UINT64_MAX;
	struct ep_ent *e;

	for (__u32 i = 0; i < c->eps.high; i++) {
		e = pool_entry(&c->eps, i);
		if (pool_in_use(&c->eps, i) && e->last_seen < oldest) {
			oldest = e->last_seen;
			victim = i;
		}
	}
	if (victim == POOL_NIL)
		return;
	e = pool_entry(&c->eps, victim);
	stats_add(&c->other_stats, &e->stats);
	pool_remove(&c->eps, victim, ep_hash(&e->key));
	c->stats.endpoints_evicted++;
}

/*
 * The socket's endpoint figures. Its entry is remembered in the socket, so
 * that most events cost no key building and no hash lookup.
 */
static struct ep_stats *ep_stats_for(struct collector *c, struct sock_ent *s, __u64 ts)
{
	struct ep_key k;
	struct ep_ent *e;
	__u32 hash, idx;

	if (s->ep_gen) {
		e = pool_entry(&c->eps, s->ep_idx);
		if (pool_in_use(&c->eps, s->ep_idx) && e->gen == s->ep_gen) {
			e->last_seen = ts;
			return &e->stats;
		}
	}
	ep_key_of(c, &k, s);
	hash = ep_hash(&k);
	idx = ep_find(c, &k, hash);
	if (idx == POOL_NIL) {
		if (c->eps.count >= c->o.max_endpoints)
			ep_evict_one(c);
		idx = pool_insert(&c->eps, hash);
		if (idx == POOL_NIL)
			return &c->other_stats;
		e = pool_entry(&c->eps, idx);
		memset(e, 0, sizeof(*e));
		e->key = k;
		e->gen = ++c->ep_gen_next ?: ++c->ep_gen_next;
		/* its entries so far all happened since the last rates */
		e->prev_ts = c->rates_ts ? c->rates_ts : ts;
	}
	e = pool_entry(&c->eps, idx);
	e->last_seen = ts;
	s->ep_idx = idx;
	s->ep_gen = e->gen;
	return &e->stats;
}

static void hist_add(__u64 *hist, __u64 *sum, __u64 ns)
{
	hist[hist_bucket(ns)]++;
	*sum += ns;
}

/* Count the event against the socket's endpoint. */
static void account(struct collector *c, struct sock_ent *s, const struct ww_event *e)
{
	struct ep_stats *st = ep_stats_for(c, s, e->ts_ns);
	int o = e->oldstate, n = e->newstate;

	if (o >= WW_TCP_NSTATES || n >= WW_TCP_NSTATES)
		return;
	st->entries[n]++;
	st->trans[o][n]++;
	if (e->flags & WW_EF_DWELL)
		hist_add(st->hist[o], &st->hist_sum_ns[o], e->dwell_ns);
	/* lifetimes of connections only: a refused connect() lives microseconds */
	if (n == WW_TCP_CLOSE && s->born && (s->flags & SF_CONNECTED) && e->ts_ns >= s->born)
		hist_add(st->lifetime_hist, &st->lifetime_sum_ns, e->ts_ns - s->born);
	if (e->flags & WW_EF_TW)
		st->entries[WW_TCP_TIME_WAIT]++;
}

/* ---- events ---------------------------------------------------------------- */

/* What its endpoint key is made of changed: look the endpoint up again. */
static void key_may_change(struct sock_ent *s, const struct tuple *old_t, __u8 old_dir,
			   __u8 old_flags, __u64 old_cgroup, const char *old_comm)
{
	if (s->dir != old_dir || ((s->flags ^ old_flags) & (SF_WILD | SF_OWNER)) ||
	    s->cgroup_id != old_cgroup || memcmp(&s->t, old_t, sizeof(*old_t)) ||
	    memcmp(s->comm, old_comm, WW_COMM_LEN))
		s->ep_gen = 0;
}

static void fill_from_event(struct collector *c, struct sock_ent *s, const struct ww_event *e)
{
	struct tuple old_t = s->t;
	__u8 old_dir = s->dir, old_flags = s->flags;
	__u64 old_cgroup = s->cgroup_id;
	char old_comm[WW_COMM_LEN];

	memcpy(old_comm, s->comm, WW_COMM_LEN);
	tuple_from_event(&s->t, e);
	s->last_event = e->ts_ns;
	s->flags &= ~SF_PENDING;
	if (e->flags & WW_EF_OWNER) {
		s->pid = e->pid;
		memcpy(s->comm, e->comm, WW_COMM_LEN);
		s->flags |= SF_OWNER;
	}
	if (e->cgroup_id)
		s->cgroup_id = e->cgroup_id;
	if (e->sock_ino)
		s->sock_ino = e->sock_ino;
	if ((e->flags & WW_EF_DIR_OUT) && s->dir != DIR_OUT) {
		s->dir = DIR_OUT;
	} else if ((e->flags & WW_EF_DIR_IN) && s->dir != DIR_IN) {
		s->dir = DIR_IN;
		classify_inbound(c, s);
	}
	if (e->newstate == WW_TCP_SYN_SENT || e->newstate == WW_TCP_SYN_RECV)
		s->born = e->ts_ns;
	if (e->newstate == WW_TCP_ESTABLISHED)
		s->flags |= SF_CONNECTED;
	key_may_change(s, &old_t, old_dir, old_flags, old_cgroup, old_comm);
}

/*
 * A new connection on a 4-tuple ends the TIME_WAIT socket that held it
 * (reuse), or is the child of the request socket that the sweep saw.
 */
static void end_same_tuple(struct collector *c, const struct tuple *t, __u64 ts)
{
	__u32 idx = find_tuple(c, t);
	struct sock_ent *s;

	if (idx == POOL_NIL)
		return;
	s = sock_at(c, idx);
	if (s->kind == KIND_TIMEWAIT)
		c->stats.tw_exits_reuse++;
	remove_sock(c, idx);
}

/* The socket left a TIME_WAIT socket behind: keep that, keyed by its 4-tuple. */
static void add_timewait(struct collector *c, const struct sock_ent *full,
			 const struct ww_event *e)
{
	struct sock_ent copy = *full, *tw;
	__u32 idx = find_tuple(c, &copy.t);

	if (idx == POOL_NIL) {
		idx = insert_sock(c, hash_tuple(&copy.t), true);
		if (idx == POOL_NIL)
			return;
	}
	tw = sock_at(c, idx);
	copy.by_tuple = tw->by_tuple;
	copy.id = 0;
	copy.kind = KIND_TIMEWAIT;
	copy.last_event = e->ts_ns;
	copy.flags &= ~SF_PENDING;
	if (e->flags & WW_EF_TW) {
		copy.state = WW_TCP_TIME_WAIT;
		copy.state_since = e->ts_ns;
		copy.flags &= ~SF_SINCE_LOWER;
		c->stats.tw_entries++;
	} else {
		copy.state = WW_TCP_FIN_WAIT2; /* still FIN_WAIT2 as ss shows it */
	}
	*tw = copy;
}

static void ingest_close(struct collector *c, const struct ww_event *e, __u32 idx)
{
	struct sock_ent tmp = {}, *s;

	if (idx == POOL_NIL) {
		/* unknown socket (predates us, or the table is full): count it all the same */
		s = &tmp;
		s->state = e->oldstate;
		if (e->flags & WW_EF_DIR_OUT)
			s->dir = DIR_OUT;
		else if (e->flags & WW_EF_DIR_IN)
			s->dir = DIR_IN;
	} else {
		s = sock_at(c, idx);
	}
	fill_from_event(c, s, e);
	if (s->dir == DIR_IN && idx == POOL_NIL)
		classify_inbound(c, s);
	account(c, s, e);
	tmp = *s;
	if (idx != POOL_NIL)
		remove_sock(c, idx);
	if (e->flags & (WW_EF_TW | WW_EF_TW_FW2))
		add_timewait(c, &tmp, e);
}

void collector__ingest(struct collector *c, const struct ww_event *e)
{
	__u32 idx = find_full(c, e->sock_id);
	struct tuple t;
	struct sock_ent *s;

	if (e->oldstate >= WW_TCP_NSTATES || e->newstate >= WW_TCP_NSTATES)
		return;
	c->stats.events++;
	if (e->newstate == WW_TCP_CLOSE) {
		ingest_close(c, e, idx);
		return;
	}
	tuple_from_event(&t, e);
	if (e->newstate == WW_TCP_SYN_RECV ||
	    (e->oldstate == WW_TCP_SYN_SENT && e->newstate == WW_TCP_ESTABLISHED))
		end_same_tuple(c, &t, e->ts_ns);
	if (idx == POOL_NIL) {
		idx = insert_sock(c, hash_id(e->sock_id), false);
		if (idx == POOL_NIL) {
			struct sock_ent tmp = { .state = e->oldstate };

			if (is_birth(e))
				c->stats.sockets_dropped++;

			fill_from_event(c, &tmp, e);
			account(c, &tmp, e);
			return;
		}
		s = sock_at(c, idx);
		s->id = e->sock_id;
		s->kind = KIND_FULL;
		s->state = e->oldstate == WW_TCP_LISTEN ? 0 : e->oldstate;
	}
	s = sock_at(c, idx);
	fill_from_event(c, s, e);
	/* state 0: never a listener in our table, whatever oldstate said */
	set_state(c, s, e->newstate, e->ts_ns);
	account(c, s, e);
}

/* ---- sweeps ---------------------------------------------------------------- */

void collector__sweep_begin(struct collector *c, __u64 ts_start)
{
	c->sweep_gen++;
	c->sweep_start = ts_start;
}

static __u32 sweep_insert(struct collector *c, const struct ww_sock_rec *r,
			  const struct tuple *t)
{
	struct sock_ent *s;
	__u32 idx;

	idx = insert_sock(c, r->sock_id ? hash_id(r->sock_id) : hash_tuple(t), !r->sock_id);
	if (idx == POOL_NIL)
		return idx;
	s = sock_at(c, idx);
	s->id = r->sock_id;
	s->t = *t;
	s->kind = (r->flags & WW_SF_TIMEWAIT) ? KIND_TIMEWAIT :
		  (r->flags & WW_SF_REQUEST)  ? KIND_REQUEST :
						KIND_FULL;
	s->flags = SF_PENDING;
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

	if (s->state == s->swept_state || s->last_event >= c->sweep_start)
		return;
	if (!expected)
		c->stats.repairs++;
	if (s->kind == KIND_TIMEWAIT && s->swept_state == WW_TCP_TIME_WAIT) {
		c->stats.tw_entries++;
		ep_stats_for(c, s, c->sweep_start)->entries[WW_TCP_TIME_WAIT]++;
	}
	set_state(c, s, s->swept_state, c->sweep_start);
}

void collector__sweep_sock(struct collector *c, const struct ww_sock_rec *r)
{
	struct sock_ent *s;
	struct tuple t;
	__u32 idx;

	if (r->state >= WW_TCP_NSTATES)
		return;
	tuple_from_rec(&t, r);
	idx = r->sock_id ? find_full(c, r->sock_id) : find_tuple(c, &t);
	if (idx == POOL_NIL) {
		idx = sweep_insert(c, r, &t);
		if (idx == POOL_NIL)
			return;
	}
	s = sock_at(c, idx);
	s->swept_state = r->state;
	s->sweep_gen = c->sweep_gen;
	/* a lost event may have left the port of CLOSE->SYN_SENT (0) behind */
	if (s->kind == KIND_FULL && s->state != WW_TCP_LISTEN &&
	    memcmp(&s->t, &t, sizeof(t))) {
		s->t = t;
		s->ep_gen = 0;
	}
	if (!s->sock_ino)
		s->sock_ino = r->sock_ino;
	if (!s->cgroup_id && r->cgroup_id) {
		s->cgroup_id = r->cgroup_id;
		s->ep_gen = 0;
	}
}

/* A socket the sweep did not see, and no event touched since it began: gone. */
static void sweep_gone(struct collector *c, __u32 idx)
{
	struct sock_ent *s = sock_at(c, idx);

	if (s->kind == KIND_TIMEWAIT) {
		c->stats.tw_exits_sweep++;
		if (s->state == WW_TCP_TIME_WAIT && !(s->flags & SF_SINCE_LOWER) &&
		    c->sweep_start > s->state_since) {
			struct ep_stats *st = ep_stats_for(c, s, c->sweep_start);

			hist_add(st->hist[WW_TCP_TIME_WAIT], &st->hist_sum_ns[WW_TCP_TIME_WAIT],
				 c->sweep_start - s->state_since);
		}
	} else if (s->kind == KIND_FULL) {
		c->stats.repairs++; /* its ->CLOSE event was lost */
	}
	remove_sock(c, idx);
}

static void sweep_settle(struct collector *c, struct sock_ent *s)
{
	if (s->sweep_gen == c->sweep_gen)
		sweep_correct(c, s);
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
	/* listeners first, so that every socket can be classified against them */
	for (__u32 i = 0; i < c->socks.high; i++) {
		struct sock_ent *s = sock_at(c, i);

		if (!pool_in_use(&c->socks, i))
			continue;
		if (s->sweep_gen != c->sweep_gen && s->last_event < c->sweep_start)
			sweep_gone(c, i);
	}
	for (__u32 i = 0; i < c->socks.high; i++) {
		struct sock_ent *s = sock_at(c, i);

		if (pool_in_use(&c->socks, i))
			sweep_settle(c, s);
	}
	c->swept_once = true;
	c->stats.sweeps++;
}

void collector__set_port_range(struct collector *c, __u32 netns, __u32 size)
{
	__u32 hash = hash_id(netns), idx;
	struct pool_probe pr;
	struct range_ent *r;

	for (idx = pool_first(&c->ranges, hash, &pr); idx != POOL_NIL;
	     idx = pool_next(&c->ranges, &pr)) {
		r = pool_entry(&c->ranges, idx);
		if (r->netns == netns)
			break;
	}
	if (idx == POOL_NIL)
		idx = pool_insert(&c->ranges, hash);
	if (idx == POOL_NIL)
		return;
	r = pool_entry(&c->ranges, idx);
	r->netns = netns;
	r->size = size;
}

static __u32 port_range_of(const struct collector *c, __u32 netns)
{
	struct pool_probe pr;
	__u32 idx;

	for (idx = pool_first(&c->ranges, hash_id(netns), &pr); idx != POOL_NIL;
	     idx = pool_next(&c->ranges, &pr)) {
		const struct range_ent *r = pool_entry(&c->ranges, idx);

		if (r->netns == netns)
			return r->size;
	}
	return 0;
}

/* ---- life cycle ------------------------------------------------------------ */

struct collector *collector__new(const struct collector_opts *opts)
{
	struct collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = *opts;
	if (!c->o.max_endpoints)
		c->o.max_endpoints = WW_DEFAULT_MAX_ENDPOINTS;
	if (!c->o.max_sockets)
		c->o.max_sockets = WW_DEFAULT_MAX_SOCKETS;
	if (!c->o.prefix4 || c->o.prefix4 > 32)
		c->o.prefix4 = 32;
	if (!c->o.prefix6 || c->o.prefix6 > 128)
		c->o.prefix6 = 128;
	if (pool_init(&c->socks, sizeof(struct sock_ent), c->o.max_sockets) ||
	    pool_init(&c->eps, sizeof(struct ep_ent), c->o.max_endpoints) ||
	    pool_init(&c->listeners, sizeof(struct listener_ent), c->o.max_sockets) ||
	    pool_init(&c->ranges, sizeof(struct range_ent), 65536)) {
		collector__free(c);
		return NULL;
	}
	return c;
}

void collector__free(struct collector *c)
{
	if (!c)
		return;
	pool_free(&c->socks);
	pool_free(&c->eps);
	pool_free(&c->listeners);
	pool_free(&c->ranges);
	free(c);
}

const struct collector_stats *collector__stats(const struct collector *c)
{
	struct collector *mc = (struct collector *)c;

	mc->stats.sockets = c->socks.count;
	mc->stats.memory_bytes = sizeof(*c) + pool_bytes(&c->socks) + pool_bytes(&c->eps) +
				 pool_bytes(&c->listeners) + pool_bytes(&c->ranges);
	return &c->stats;
}

/* ---- snapshots -------------------------------------------------------------- */

struct group_ent {
	struct ep_key key;
	__u32 count[WW_TCP_NSTATES];
	__u64 oldest[WW_TCP_NSTATES];
	__u32 at_least;
	__u32 ports_used;
	__u32 ep_idx; /* its cumulative figures, or POOL_NIL */
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

void snapshot_sort(struct snapshot *s, int state)
{
	sort_state_for_cmp = state;
	qsort(s->rows, s->nrows, sizeof(*s->rows), row_cmp);
}

static __u32 group_get(struct pool *g, const struct ep_key *k)
{
	__u32 hash = ep_hash(k), idx;
	struct pool_probe pr;

	for (idx = pool_first(g, hash, &pr); idx != POOL_NIL; idx = pool_next(g, &pr))
		if (!memcmp(&((struct group_ent *)pool_entry(g, idx))->key, k, sizeof(*k)))
			return idx;
	idx = pool_insert(g, hash);
	if (idx != POOL_NIL) {
		struct group_ent *ge = pool_entry(g, idx);

		memset(ge, 0, sizeof(*ge));
		ge->key = *k;
		ge->ep_idx = POOL_NIL;
	}
	return idx;
}

static void group_sock(struct pool *g, const struct collector *c, const struct sock_ent *s,
		       struct snapshot *out)
{
	struct group_ent *ge;
	struct ep_key k;
	__u32 idx;

	ep_key_of(c, &k, s);
	idx = group_get(g, &k);
	if (idx == POOL_NIL)
		return;
	ge = pool_entry(g, idx);
	ge->count[s->state]++;
	out->totals[s->state]++;
	if (s->state_since && (!ge->oldest[s->state] || s->state_since < ge->oldest[s->state])) {
		ge->oldest[s->state] = s->state_since;
		if (s->flags & SF_SINCE_LOWER)
			ge->at_least |= 1u << s->state;
		else
			ge->at_least &= ~(1u << s->state);
	}
	if (s->dir == DIR_OUT && s->state != WW_TCP_LISTEN)
		ge->ports_used++;
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

static void row_from_group(struct collector *c, struct ep_row *r, const struct group_ent *ge,
			   __u64 now, bool update_rates)
{
	memset(r, 0, sizeof(*r));
	r->key = ge->key;
	memcpy(r->count, ge->count, sizeof(r->count));
	memcpy(r->oldest_since, ge->oldest, sizeof(r->oldest_since));
	r->oldest_at_least = ge->at_least;
	r->ports_used = ge->ports_used;
	if (ge->key.dir == DIR_OUT)
		r->port_range = port_range_of(c, ge->key.netns);
	if (ge->ep_idx != POOL_NIL) {
		struct ep_ent *e = pool_entry(&c->eps, ge->ep_idx);

		r->stats = e->stats;
		if (update_rates)
			rates(r->rate, e->stats.entries, e->prev_entries, &e->prev_ts, now);
	}
}

static void fold_into_other(struct ep_row *other, const struct ep_row *r)
{
	for (int i = 0; i < WW_TCP_NSTATES; i++) {
		other->count[i] += r->count[i];
		other->rate[i] += r->rate[i];
		if (r->oldest_since[i] &&
		    (!other->oldest_since[i] || r->oldest_since[i] < other->oldest_since[i])) {
			other->oldest_since[i] = r->oldest_since[i];
			other->oldest_at_least &= ~(1u << i);
			other->oldest_at_least |= r->oldest_at_least & (1u << i);
		}
	}
	other->ports_used += r->ports_used;
	/*
	 * Not its cumulative figures: a folded endpoint keeps them and shows
	 * them again once it is heavy enough, and "other" must only grow, as a
	 * Prometheus counter does. Its figures are those of evicted endpoints.
	 */
	other->folded++;
}

/* Every live socket grouped by key, plus the endpoints with figures but no socket. */
static int group_all(struct collector *c, struct pool *g, struct snapshot *out)
{
	if (pool_init(g, sizeof(struct group_ent), c->socks.count + c->eps.count + 1))
		return -ENOMEM;
	for (__u32 i = 0; i < c->socks.high; i++) {
		const struct sock_ent *s = sock_at(c, i);

		if (pool_in_use(&c->socks, i) && s->state < WW_TCP_NSTATES)
			group_sock(g, c, s, out);
	}
	for (__u32 i = 0; i < c->eps.high; i++) {
		const struct ep_ent *e = pool_entry(&c->eps, i);
		__u32 idx;

		if (!pool_in_use(&c->eps, i))
			continue;
		idx = group_get(g, &e->key);
		if (idx != POOL_NIL)
			((struct group_ent *)pool_entry(g, idx))->ep_idx = i;
	}
	return 0;
}

int collector__snapshot(struct collector *c, __u64 now, bool update_rates, struct snapshot *out)
{
	struct ep_row *all;
	struct pool g;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	out->ts_ns = now;
	out->other.is_other = true;
	if (group_all(c, &g, out))
		return -ENOMEM;
	all = calloc(g.count ? g.count : 1, sizeof(*all));
	if (!all) {
		pool_free(&g);
		return -ENOMEM;
	}
	for (__u32 i = 0; i < g.high; i++)
		if (pool_in_use(&g, i))
			row_from_group(c, &all[n++], pool_entry(&g, i), now, update_rates);
	pool_free(&g);
	out->rows = all;
	out->nrows = n;
	snapshot_sort(out, c->o.sort_state);
	for (size_t i = c->o.max_endpoints; i < n; i++)
		fold_into_other(&out->other, &all[i]);
	if (n > c->o.max_endpoints)
		out->nrows = c->o.max_endpoints;
	stats_add(&out->other.stats, &c->other_stats);
	if (update_rates) {
		double evicted[WW_TCP_NSTATES];

		rates(evicted, c->other_stats.entries, c->other_prev_entries, &c->other_prev_ts,
		      now);
		for (int i = 0; i < WW_TCP_NSTATES; i++)
			out->other.rate[i] += evicted[i];
		c->rates_ts = now;
	}
	out->stats = *collector__stats(c);
	return 0;
}

void snapshot_free(struct snapshot *s)
{
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
