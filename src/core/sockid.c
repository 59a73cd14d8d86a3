// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Socket identities: see sockid.h for what it remembers and why.
 *
 * One open-addressing table keyed by the kernel address, linear probing,
 * at most half full; deletion shifts the following entries back, so there
 * are no tombstones and a lookup stops at the first empty slot. Kernel
 * addresses of sockets are slab objects, aligned and close together: a
 * multiplicative hash spreads them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sockid.h"

_Static_assert(sizeof(struct ww_kevent) == WW_KEVENT_SIZE, "ww_kevent layout");
_Static_assert(sizeof(struct ww_kevent_long) == WW_KEVENT_LONG_SIZE, "ww_kevent_long layout");

#define SOCKID_DEFAULT_MAX (4u << 20)
#define SOCKID_MIN_BITS 10

#define SID_DIR_OUT (1 << 0)
#define SID_DIR_IN (1 << 1)
#define SID_OWNER (1 << 2)
#define SID_SWEPT_ONLY (1 << 3) /* learnt from a sweep, no transition since */

struct sid_ent {
	__u64 sk;      /* kernel address; 0: an empty slot */
	__u64 id;
	__u64 last_ts; /* its last transition, or the start of the sweep that found it */
	__u64 cgroup_id;
	__u32 sock_ino; /* sockfs numbers its inodes with get_next_ino(): 32 bits */
	__u32 ports;    /* its ports once both are known (ports_of), 0 before */
	__u32 pid;
	__u16 sweep_gen;
	__u8 state; /* after its last transition; 0 unknown */
	__u8 flags; /* SID_* */
	char comm[WW_COMM_LEN];
};

_Static_assert(sizeof(struct sid_ent) == 64, "one cache line per socket");

struct sockid {
	struct sid_ent *slots;
	__u32 bits;
	__u32 count;
	__u32 max;
	__u16 sweep_gen;
	__u64 sweep_start;
	__u64 next_id;
	struct sockid_stats stats;
};

static __u32 slot_of(const struct sockid *t, __u64 sk)
{
	return (__u32)((sk * 0x9e3779b97f4a7c15ull) >> (64 - t->bits));
}

static __u32 mask_of(const struct sockid *t)
{
	return (1u << t->bits) - 1;
}

static struct sid_ent *find(const struct sockid *t, __u64 sk)
{
	__u32 m = mask_of(t);

	for (__u32 i = slot_of(t, sk);; i = (i + 1) & m) {
		struct sid_ent *e = &t->slots[i];

		if (e->sk == sk)
			return e;
		if (!e->sk)
			return NULL;
	}
}

static struct sid_ent *place(struct sockid *t, __u64 sk)
{
	__u32 m = mask_of(t), i;

	for (i = slot_of(t, sk); t->slots[i].sk; i = (i + 1) & m)
		;
	return &t->slots[i];
}

/* Double the slots; false when out of memory (the table stays as it was). */
static bool grow(struct sockid *t)
{
	struct sid_ent *old = t->slots;
	__u32 n = 1u << t->bits;

	t->slots = calloc((size_t)n * 2, sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return false;
	}
	t->bits++;
	for (__u32 i = 0; i < n; i++)
		if (old[i].sk)
			*place(t, old[i].sk) = old[i];
	free(old);
	return true;
}

/* A new life at sk; NULL when the table is full. */
static struct sid_ent *insert(struct sockid *t, __u64 sk)
{
	struct sid_ent *e;

	if (t->count >= t->max)
		return NULL;
	if ((t->count + 1) * 2 > (1u << t->bits) && !grow(t))
		return NULL;
	e = place(t, sk);
	memset(e, 0, sizeof(*e));
	e->sk = sk;
	e->id = ++t->next_id;
	t->count++;
	return e;
}

/* Remove e and shift back the entries after it that could live closer to home. */
static void erase(struct sockid *t, struct sid_ent *e)
{
	__u32 m = mask_of(t), hole = e - t->slots;

	for (__u32 i = (hole + 1) & m; t->slots[i].sk; i = (i + 1) & m) {
		__u32 home = slot_of(t, t->slots[i].sk);

		/* movable unless its home lies cyclically in (hole, i] */
		if (((i - home) & m) >= ((i - hole) & m)) {
			t->slots[hole] = t->slots[i];
			hole = i;
		}
	}
	t->slots[hole].sk = 0;
	t->count--;
}

struct sockid *sockid__new(uint32_t max_sockets)
{
	struct sockid *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->max = max_sockets ? max_sockets : SOCKID_DEFAULT_MAX;
	t->bits = SOCKID_MIN_BITS;
	t->slots = calloc(1u << t->bits, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	return t;
}

void sockid__free(struct sockid *t)
{
	if (!t)
		return;
	free(t->slots);
	free(t);
}

/*
 * A socket's two ports, 0 while one is not known (connect() picks the local
 * one after SYN_SENT). The addresses are left out: the classic tracepoint
 * and the sweep may write an IPv4 one differently, the ports never.
 */
static __u32 ports_of(__u16 sport, __u16 dport)
{
	return sport && dport ? (__u32)sport << 16 | dport : 0;
}

/*
 * The life the event belongs to: the one at its address, or a new one.
 * A birth at a known address is a new socket there, unless only a sweep
 * knew it: then the sweep saw this very socket just after its birth (or
 * one whose ->CLOSE was lost, which is gone all the same). So are other
 * ports: a socket keeps its own for life, so when both the old life's
 * ->CLOSE and the new one's birth were lost (a ring buffer far too small),
 * the new socket does not inherit the old one's direction and owner.
 */
static struct sid_ent *life_of(struct sockid *t, const struct ww_kevent *k)
{
	struct sid_ent *e = find(t, k->sk);
	__u32 ports = ports_of(k->sport, k->dport);

	if (!e)
		return insert(t, k->sk);
	if ((WW_IS_BIRTH(k->oldstate, k->newstate) && !(e->flags & SID_SWEPT_ONLY)) ||
	    (ports && e->ports && ports != e->ports)) {
		memset((char *)e + offsetof(struct sid_ent, id), 0,
		       sizeof(*e) - offsetof(struct sid_ent, id));
		e->id = ++t->next_id;
	}
	return e;
}

static void copy_record(struct ww_event *out, const struct ww_kevent *k)
{
	out->ts_ns = k->ts_ns;
	memcpy(out->saddr, k->saddr, 16);
	memcpy(out->daddr, k->daddr, 16);
	out->netns = k->netns;
	out->sport = k->sport;
	out->dport = k->dport;
	out->family = k->family;
	out->oldstate = k->oldstate;
	out->newstate = k->newstate;
	out->sk_err = k->sk_err;
	out->_pad = 0;
	out->flags = ((k->kflags & WW_KF_TW) ? WW_EF_TW : 0) |
		     ((k->kflags & WW_KF_TW_FW2) ? WW_EF_TW_FW2 : 0) |
		     ((k->kflags & WW_KF_OWNER) ? WW_EF_OWNER_NOW : 0);
}

/* What the long record says, remembered for the socket's later events. */
static void learn(struct sid_ent *e, const struct ww_kevent_long *l)
{
	if (l->cgroup_id)
		e->cgroup_id = l->cgroup_id;
	if (l->sock_ino)
		e->sock_ino = l->sock_ino;
	if (l->e.kflags & WW_KF_OWNER) {
		e->pid = l->pid;
		memcpy(e->comm, l->comm, WW_COMM_LEN);
		e->flags |= SID_OWNER;
	}
}

static void recall(struct ww_event *out, const struct sid_ent *e, const struct ww_kevent *k)
{
	out->sock_id = e->id;
	out->cgroup_id = e->cgroup_id;
	out->sock_ino = e->sock_ino;
	out->pid = e->pid;
	memcpy(out->comm, e->comm, WW_COMM_LEN);
	out->dwell_ns = 0;
	/* time in state only when its entry into oldstate was seen */
	if (!(e->flags & SID_SWEPT_ONLY) && e->state == k->oldstate && e->last_ts &&
	    k->ts_ns >= e->last_ts) {
		out->dwell_ns = k->ts_ns - e->last_ts;
		out->flags |= WW_EF_DWELL;
	}
	out->flags |= ((e->flags & SID_DIR_OUT) ? WW_EF_DIR_OUT : 0) |
		      ((e->flags & SID_DIR_IN) ? WW_EF_DIR_IN : 0) |
		      ((e->flags & SID_OWNER) ? WW_EF_OWNER : 0);
}

/* A socket the full table cannot keep: an id of its own, what its record says. */
static void untracked(struct sockid *t, struct ww_event *out, const struct ww_kevent *k)
{
	struct sid_ent tmp = { .id = ++t->next_id };

	if (k->kflags & WW_KF_LONG)
		learn(&tmp, (const struct ww_kevent_long *)k);
	recall(out, &tmp, k);
	t->stats.untracked++;
}

bool sockid__event(struct sockid *t, const void *rec, size_t size, struct ww_event *out)
{
	const struct ww_kevent *k = rec;
	struct sid_ent *e;

	if (size < sizeof(*k) || ((k->kflags & WW_KF_LONG) && size < sizeof(struct ww_kevent_long)))
		return false;
	copy_record(out, k);
	e = life_of(t, k);
	if (!e) {
		untracked(t, out, k);
		return true;
	}
	if (k->oldstate == WW_TCP_CLOSE && k->newstate == WW_TCP_SYN_SENT)
		e->flags |= SID_DIR_OUT;
	else if (k->oldstate == WW_TCP_LISTEN && k->newstate == WW_TCP_SYN_RECV)
		e->flags |= SID_DIR_IN;
	if (k->kflags & WW_KF_LONG)
		learn(e, rec);
	if (!e->ports)
		e->ports = ports_of(k->sport, k->dport);
	recall(out, e, k);
	e->flags &= ~SID_SWEPT_ONLY;
	e->state = k->newstate;
	e->last_ts = k->ts_ns;
	/* the socket is about to be freed: its address will be reused */
	if (k->newstate == WW_TCP_CLOSE)
		erase(t, e);
	return true;
}

void sockid__sweep_begin(struct sockid *t, __u64 ts_start)
{
	t->sweep_gen++;
	t->sweep_start = ts_start;
}

void sockid__sweep_rec(struct sockid *t, struct ww_sock_rec *r)
{
	struct sid_ent *e;

	if (!r->sock_id)
		return; /* TIME_WAIT and request sockets: known by their 4-tuple */
	e = find(t, r->sock_id);
	if (!e) {
		e = insert(t, r->sock_id);
		if (!e) {
			r->sock_id = ++t->next_id; /* not kept: the collector counts it */
			t->stats.untracked++;
			return;
		}
		e->flags = SID_SWEPT_ONLY;
		e->state = r->state;
		e->last_ts = t->sweep_start;
	}
	if (!e->sock_ino)
		e->sock_ino = r->sock_ino;
	if (!e->ports)
		e->ports = ports_of(r->sport, r->dport);
	if (!e->cgroup_id)
		e->cgroup_id = r->cgroup_id;
	e->sweep_gen = t->sweep_gen;
	r->sock_id = e->id;
}

/* A life no sweep saw and no event touched since the sweep began: its ->CLOSE was lost. */
void sockid__sweep_end(struct sockid *t)
{
	__u32 n = 1u << t->bits;

	for (__u32 i = 0; i < n;) {
		struct sid_ent *e = &t->slots[i];

		if (e->sk && e->sweep_gen != t->sweep_gen && e->last_ts < t->sweep_start) {
			erase(t, e); /* may shift another entry into slot i: look again */
			t->stats.ended_by_sweep++;
			continue;
		}
		i++;
	}
}

void sockid__stats(const struct sockid *t, struct sockid_stats *out)
{
	*out = t->stats;
	out->sockets = t->count;
	out->memory_bytes = sizeof(*t) + ((size_t)1 << t->bits) * sizeof(*t->slots);
}
