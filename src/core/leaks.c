// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leaks.h"

/* The listener that would have handed this socket to accept(): exact address first. */
static const struct ww_sock_rec *listener_of(const struct ww_sock_rec *r,
					     const struct ww_sock_rec *ls, size_t n)
{
	static const __u8 zero[16];
	const struct ww_sock_rec *wild = NULL;

	for (size_t i = 0; i < n; i++) {
		if (ls[i].netns != r->netns || ls[i].sport != r->sport ||
		    ls[i].family != r->family)
			continue;
		if (!memcmp(ls[i].saddr, r->saddr, 16))
			return &ls[i];
		if (!memcmp(ls[i].saddr, zero, 16))
			wild = &ls[i];
	}
	return wild;
}

struct owner_key {
	enum leak_owner kind;
	uint32_t pid;
	uint64_t cgroup_id; /* orphans are grouped by cgroup */
	uint32_t netns;
	uint8_t state;
};

/* Who holds a suspect: the lowest pid holding its inode, else its listener's. */
static void owner_of(const struct leak_sock *s, const struct ww_sock_rec *ls, size_t nl,
		     const struct owner_map *m, struct owner_key *k,
		     const struct owner_fd **fds, size_t *nfds, const struct ww_sock_rec **lis)
{
	memset(k, 0, sizeof(*k));
	k->netns = s->r.netns;
	k->state = s->r.state;
	*fds = NULL;
	*nfds = 0;
	*lis = NULL;
	if (s->r.sock_ino && (*fds = owner_map__find(m, s->r.sock_ino, nfds))) {
		k->kind = LEAK_PROCESS;
		k->pid = (*fds)[0].pid;
		return;
	}
	*lis = s->r.sock_ino ? NULL : listener_of(&s->r, ls, nl);
	if (*lis && (*lis)->sock_ino) {
		const struct owner_fd *lf;
		size_t n;

		lf = owner_map__find(m, (*lis)->sock_ino, &n);
		if (lf) {
			k->kind = LEAK_LISTENER;
			k->pid = lf[0].pid;
			return;
		}
	}
	k->kind = LEAK_ORPHAN;
	k->cgroup_id = s->r.cgroup_id;
}

static bool same_owner(const struct leak_group *g, const struct owner_key *k)
{
	return g->kind == k->kind && g->pid == k->pid && g->netns == k->netns &&
	       g->state == k->state && (k->kind != LEAK_ORPHAN || g->cgroup_id == k->cgroup_id);
}

/* Inbound sockets' peers are clients: their address, not their ephemeral port. */
static void add_peer(struct leak_group *g, const struct ww_sock_rec *r, bool inbound)
{
	char peer[WW_ADDRPORT_LEN];

	if (inbound)
		addr_format(peer, sizeof(peer), r->family, r->daddr);
	else
		addrport_format(peer, sizeof(peer), r->family, r->daddr, r->dport);
	for (uint32_t i = 0; i < g->npeers; i++) {
		if (!strcmp(g->peers[i].peer, peer)) {
			g->peers[i].count++;
			return;
		}
	}
	if (g->npeers < LEAK_MAX_PEERS) {
		snprintf(g->peers[g->npeers].peer, WW_ADDRPORT_LEN, "%s", peer);
		g->peers[g->npeers++].count = 1;
	} else {
		g->peers_more++;
	}
}

/* Keep the lowest fd numbers (the order a process opened them); count the rest. */
static void add_fds(struct leak_group *g, const struct owner_fd *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t max = 0;

		if (fds[i].pid != g->pid)
			continue;
		if (g->nfds < LEAK_MAX_FDS) {
			g->fds[g->nfds++] = fds[i].fd;
			continue;
		}
		g->fds_more++;
		for (uint32_t j = 1; j < g->nfds; j++)
			if (g->fds[j] > g->fds[max])
				max = j;
		if (fds[i].fd < g->fds[max])
			g->fds[max] = fds[i].fd;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_group(const void *a, const void *b)
{
	const struct leak_group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->oldest_ns != y->oldest_ns)
		return x->oldest_ns > y->oldest_ns ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static struct leak_group *group_for(struct leak_report *out, size_t *cap,
				    const struct owner_key *k)
{
	struct leak_group *g;

	for (size_t i = 0; i < out->n; i++)
		if (same_owner(&out->groups[i], k))
			return &out->groups[i];
	if (out->n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;

		g = realloc(out->groups, c * sizeof(*g));
		if (!g)
			return NULL;
		out->groups = g;
		*cap = c;
	}
	g = &out->groups[out->n++];
	*g = (struct leak_group){
		.kind = k->kind, .pid = k->pid, .netns = k->netns, .state = k->state,
		.cgroup_id = k->cgroup_id, .owners = 1,
	};
	return g;
}

int leak_report__build(const struct leak_sock *socks, size_t n, const struct ww_sock_rec *listeners,
		size_t nlisteners, const struct owner_map *owners, struct leak_report *out)
{
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const struct ww_sock_rec *lis;
		const struct owner_fd *fds;
		struct leak_group *g;
		struct owner_key k;
		size_t nfds;

		owner_of(&socks[i], listeners, nlisteners, owners, &k, &fds, &nfds, &lis);
		g = group_for(out, &cap, &k);
		if (!g) {
			leak_report__free(out);
			return -ENOMEM;
		}
		if (!g->cgroup_id)
			g->cgroup_id = socks[i].r.cgroup_id;
		if (lis && g->kind == LEAK_LISTENER)
			addrport_format(g->listener, sizeof(g->listener), lis->family, lis->saddr,
					lis->sport);
		add_fds(g, fds, nfds);
		add_peer(g, &socks[i].r, listener_of(&socks[i].r, listeners, nlisteners));
		g->count++;
		if (socks[i].age_ns > g->oldest_ns)
			g->oldest_ns = socks[i].age_ns;
		out->sockets++;
	}
	/* an empty array may be NULL, which qsort must not see even for 0 items */
	for (size_t i = 0; i < out->n; i++)
		if (out->groups[i].nfds)
			qsort(out->groups[i].fds, out->groups[i].nfds, sizeof(uint32_t), cmp_u32);
	if (out->n)
		qsort(out->groups, out->n, sizeof(*out->groups), cmp_group);
	return 0;
}

void leak_report__free(struct leak_report *r)
{
	free(r->groups);
	memset(r, 0, sizeof(*r));
}

/* ---- TIME_WAIT diagnosis ---- */

double hist_percentile_s(const __u64 *hist, double q)
{
	__u64 total = 0, seen = 0;

	for (int i = 0; i < WW_HIST_BUCKETS; i++)
		total += hist[i];
	if (!total)
		return -1;
	for (int i = 0; i < WW_HIST_BUCKETS; i++) {
		seen += hist[i];
		if (seen >= q * total) {
			/* bucket i holds (2^(i-1), 2^i] us: take its geometric middle */
			double hi = ldexp(1, i) / 1e6;

			return i ? hi / M_SQRT2 : hi / 2;
		}
	}
	return ldexp(1, WW_HIST_BUCKETS - 1) / 1e6;
}

const char *traffic_name(enum traffic_kind k)
{
	switch (k) {
	case TRAFFIC_SHORT:
		return "short-lived";
	case TRAFFIC_LONG:
		return "long-lived";
	case TRAFFIC_MIXED:
		return "mixed";
	default:
		return "unknown";
	}
}

/*
 * Short-lived: connections keep coming and live far below the 60 s a
 * TIME_WAIT socket holds the port. Long-lived: connections stay open
 * (pooled, keep-alive) and new ones are rare.
 */
static enum traffic_kind classify(const struct tw_diag *d, uint32_t established)
{
	if (d->closes >= 10 && d->life_p50_s >= 0 && d->life_p50_s < 6 && d->conn_per_s >= 1)
		return TRAFFIC_SHORT;
	if (established && (d->closes == 0 || d->life_p50_s >= 60) && d->conn_per_s < 1)
		return TRAFFIC_LONG;
	if (d->closes || established)
		return TRAFFIC_MIXED;
	return TRAFFIC_UNKNOWN;
}

void tw_diagnose(const struct ep_row *r, double window_s, struct tw_diag *d)
{
	memset(d, 0, sizeof(*d));
	/* connections made, not attempts: a refused connect() holds no port for long */
	d->conn_per_s = window_s > 0 ?
		ep_stats_trans(&r->stats, WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED) / window_s : 0;
	for (int i = 0; i < WW_HIST_BUCKETS; i++)
		d->closes += r->stats.lifetime_hist[i];
	d->life_p50_s = hist_percentile_s(r->stats.lifetime_hist, 0.5);
	d->life_p99_s = hist_percentile_s(r->stats.lifetime_hist, 0.99);
	d->time_wait = r->count[WW_TCP_TIME_WAIT];
	d->ports_used = r->ports_used;
	d->port_range = r->port_range;
	d->pressure_pct = r->port_range ? 100.0 * r->ports_used / r->port_range : -1;
	d->traffic = classify(d, r->count[WW_TCP_ESTABLISHED]);
	d->high = d->pressure_pct >= TW_PRESSURE_HIGH_PCT;
	/* worth a line: ports run short, or short connections leave TIME_WAIT here */
	d->say = d->high || (d->traffic == TRAFFIC_SHORT && d->time_wait);
}

/* Units chosen after rounding, so that 0.9996 s reads "1.0 s", not "1000 ms". */
void duration_human(char *buf, size_t len, double s)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 0.9995e-3)
		snprintf(buf, len, "%.0f us", s * 1e6);
	else if (s < 0.9995)
		snprintf(buf, len, "%.*f ms", s < 0.00995 ? 1 : 0, s * 1e3);
	else if (s < 119.5)
		snprintf(buf, len, "%.*f s", s < 9.95 ? 1 : 0, s);
	else
		snprintf(buf, len, "%.1f min", s / 60);
}

/* 27104 -> "27,104" */
static void thousands(char *buf, size_t len, uint64_t v)
{
	char raw[32];
	size_t n, o = 0;

	n = snprintf(raw, sizeof(raw), "%llu", (unsigned long long)v);
	for (size_t i = 0; i < n && o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = 0;
}

void tw_diagnosis_line(char *buf, size_t len, const char *endpoint, const struct tw_diag *d)
{
	char life[32], tw[32], range[32];

	duration_human(life, sizeof(life), d->life_p50_s);
	thousands(tw, sizeof(tw), d->time_wait);
	thousands(range, sizeof(range), d->port_range);
	if (d->life_p50_s < 0) {
		/* no connection closed in the window: the sockets are older */
		snprintf(buf, len, "%s: %s ports held in TIME_WAIT (%.0f %% of %s), %u in all: "
			 "find what opens them", endpoint, tw,
			 d->port_range ? 100.0 * d->time_wait / d->port_range : 0, range,
			 d->ports_used);
		return;
	}
	snprintf(buf, len,
		 "%s: %.0f new connections/s living %s each hold %s ports in TIME_WAIT "
		 "(%.0f %% of %s)%s",
		 endpoint, d->conn_per_s, life, tw,
		 d->port_range ? 100.0 * d->time_wait / d->port_range : 0, range,
		 d->traffic == TRAFFIC_SHORT ? ": reuse connections (pooling, keep-alive)" :
		 d->high ? ": find what opens them" : "");
}

const char *leak_group_name(char *buf, size_t len, const struct leak_group *g)
{
	const struct cg_names *n = &g->names;
	enum ww_by by = n->container_id[0] ? BY_CONTAINER : n->pod_uid[0] ? BY_POD :
			n->unit[0]	   ? BY_UNIT :
					     BY_CGROUP;

	if (by == BY_CGROUP)
		return NULL;
	cg_names_label(buf, len, n, by, g->cgroup_id);
	return buf;
}

/* The container, pod or unit the group's cgroup names, into key; false if none. */
static bool merge_key(char *key, size_t len, const struct leak_group *g, enum ww_by by)
{
	const struct cg_names *n = &g->names;

	if (!((by == BY_CONTAINER && n->container_id[0]) || (by == BY_POD && n->pod_uid[0]) ||
	      (by == BY_UNIT && n->unit[0])))
		return false;
	cg_names_group_key(key, len, n, by);
	return true;
}

static void merge_peer(struct leak_group *a, const struct leak_peer *p)
{
	for (uint32_t i = 0; i < a->npeers; i++) {
		if (!strcmp(a->peers[i].peer, p->peer)) {
			a->peers[i].count += p->count;
			return;
		}
	}
	if (a->npeers < LEAK_MAX_PEERS)
		a->peers[a->npeers++] = *p;
	else
		a->peers_more += p->count;
}

/* b's sockets into a: a keeps its owner's pid and fds. */
static void merge_into(struct leak_group *a, const struct leak_group *b)
{
	a->count += b->count;
	a->owners += b->owners;
	a->fds_more += b->nfds + b->fds_more;
	a->peers_more += b->peers_more;
	if (b->oldest_ns > a->oldest_ns)
		a->oldest_ns = b->oldest_ns;
	for (uint32_t i = 0; i < b->npeers; i++)
		merge_peer(a, &b->peers[i]);
}

void leak_report__merge_by(struct leak_report *r, enum ww_by by)
{
	char ka[CG_PATH_LEN + 4], kb[CG_PATH_LEN + 4];
	size_t n = 0;

	/* worst first already: each merges into the heaviest of its kind */
	for (size_t i = 0; i < r->n; i++) {
		struct leak_group *g = &r->groups[i];
		size_t j = n;

		if (merge_key(ka, sizeof(ka), g, by))
			for (j = 0; j < n; j++)
				if (r->groups[j].kind == g->kind && r->groups[j].state == g->state &&
				    merge_key(kb, sizeof(kb), &r->groups[j], by) && !strcmp(ka, kb))
					break;
		if (j < n)
			merge_into(&r->groups[j], g);
		else if (n++ != i)
			r->groups[n - 1] = *g;
	}
	r->n = n;
	if (n)
		qsort(r->groups, n, sizeof(*r->groups), cmp_group);
}
