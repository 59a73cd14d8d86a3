// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cgnames.h"
#include "owners.h"
#include "clock.h"
#include "suspects.h"

#define MAX_SUSPECTS (1u << 22)

void suspects__init(struct suspects *s, int state, uint64_t min_age_ns,
		   const struct ww_filters *f)
{
	memset(s, 0, sizeof(*s));
	s->state = state;
	s->min_age_ns = min_age_ns;
	s->filters = f;
}

void suspects__reset(struct suspects *s)
{
	s->n = s->nl = 0;
	s->too_young = s->unknown_age = 0;
	s->oom = false;
}

void suspects__free(struct suspects *s)
{
	free(s->socks);
	free(s->listeners);
	s->socks = NULL;
	s->listeners = NULL;
	s->n = s->nl = s->cap = s->capl = 0;
}

static bool grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 256;
	void *q;

	if (n < *cap)
		return true;
	if (*cap >= MAX_SUSPECTS || !(q = realloc(*p, c * size)))
		return false;
	*p = q;
	*cap = c;
	return true;
}

void suspects__add(void *ctx, const struct ww_sock_rec *r)
{
	struct suspects *s = ctx;
	uint64_t age = (r->flags & WW_SF_AGE) ? (uint64_t)r->state_age_ms * 1000000 : 0;

	if (s->filters && !filters__match_sock(s->filters, r))
		return;
	if (r->state == WW_TCP_LISTEN) {
		if (!grow((void **)&s->listeners, &s->capl, s->nl, sizeof(*r)))
			return (void)(s->oom = true);
		s->listeners[s->nl++] = *r;
		return;
	}
	if (r->state != s->state || (r->flags & WW_SF_REQUEST))
		return;
	/* only the kernel can tell the age of a socket that predates us */
	if (s->min_age_ns && !(r->flags & WW_SF_AGE)) {
		s->unknown_age++;
		return;
	}
	if (age < s->min_age_ns) {
		s->too_young++;
		return;
	}
	if (!grow((void **)&s->socks, &s->cap, s->n, sizeof(*s->socks)))
		return (void)(s->oom = true);
	s->socks[s->n++] = (struct leak_sock){ .r = *r, .age_ns = age };
}

static int owners_of(const struct suspects *s, struct owner_map *m)
{
	uint64_t *inodes = malloc((s->n + s->nl + 1) * sizeof(*inodes));
	size_t k = 0;
	int err;

	if (!inodes)
		return -ENOMEM;
	for (size_t i = 0; i < s->n; i++)
		if (s->socks[i].r.sock_ino)
			inodes[k++] = s->socks[i].r.sock_ino;
	for (size_t i = 0; i < s->nl; i++)
		if (s->listeners[i].sock_ino)
			inodes[k++] = s->listeners[i].sock_ino;
	err = owners__scan(m, inodes, k);
	free(inodes);
	return err;
}

/* comm and cgroup of each group's process, or the sockets' cgroup for orphans */
static void name_groups(struct leak_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		struct leak_group *g = &rep->groups[i];

		if (g->kind == LEAK_ORPHAN) {
			snprintf(g->comm, sizeof(g->comm), "-");
			cgroup_path(g->cgroup_id, g->cgroup, sizeof(g->cgroup));
		} else {
			owner_comm(g->pid, g->comm, sizeof(g->comm));
			owner_cgroup(g->pid, g->cgroup, sizeof(g->cgroup));
		}
		cgnames__of_path(g->cgroup, &g->names);
	}
}

int suspects__report(struct suspects *s, struct leak_report *rep)
{
	struct owner_map m = {};
	int err;

	memset(rep, 0, sizeof(*rep));
	/* nothing stuck: no need to read every process's fds */
	if (!s->n)
		return 0;
	err = owners_of(s, &m);
	if (!err)
		err = leak_report__build(s->socks, s->n, s->listeners, s->nl, &m, rep);
	s->procs_scanned = m.procs_scanned;
	owner_map__free(&m);
	if (!err)
		name_groups(rep);
	return err;
}

void leak_watch__init(struct leak_watch *w, const struct ww_filters *f, uint64_t min_age_ns)
{
	memset(w, 0, sizeof(*w));
	suspects__init(&w->s, WW_TCP_CLOSE_WAIT, min_age_ns ?: LEAK_WATCH_MIN_AGE_NS, f);
	w->every_ns = LEAK_WATCH_EVERY_NS;
}

static int before_sweep(void *ctx, uint64_t start)
{
	struct leak_watch *w = ctx;

	suspects__reset(&w->s);
	return 0;
}

static void on_sock(void *ctx, const struct ww_sock_rec *r)
{
	struct leak_watch *w = ctx;

	suspects__add(&w->s, r);
}

/* Owners are read from /proc at most every every_ns: that costs. */
static int after_sweep(void *ctx, uint64_t start)
{
	struct leak_watch *w = ctx;
	uint64_t now = now_mono_ns();

	if (now < w->next_ns)
		return 0;
	w->next_ns = now + w->every_ns;
	leak_report__free(&w->rep);
	if (suspects__report(&w->s, &w->rep))
		leak_report__free(&w->rep); /* out of memory: no leak lines this time */
	return 0;
}

void leak_watch__tap(struct leak_watch *w, struct session_tap *t)
{
	*t = (struct session_tap){
		.sweep_begin = before_sweep,
		.sock = on_sock,
		.sweep_end = after_sweep,
		.ctx = w,
	};
}

void leak_watch__free(struct leak_watch *w)
{
	leak_report__free(&w->rep);
	suspects__free(&w->s);
}
