// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "cmd.h"
#include "log.h"
#include "session.h"

static int on_event(void *ctx, const struct ww_event *e)
{
	struct session *s = ctx;

	collector__ingest(s->c, e);
	return 0;
}

/* The kernel filters events; sweep records are filtered here, the same way. */
static void on_sock(void *ctx, const struct ww_sock_rec *rec)
{
	struct session *s = ctx;
	const struct ww_filters *f = s->filters;

	if (f->port && rec->sport != f->port && rec->dport != f->port)
		return;
	if ((f->lport && rec->sport != f->lport) || (f->rport && rec->dport != f->rport))
		return;
	if (!ww_filters_match_addr(f, rec->family, rec->saddr, rec->daddr))
		return;
	collector__sweep_sock(s->c, rec);
}

static void on_port_range(void *ctx, __u32 netns, __u32 size)
{
	struct session *s = ctx;

	collector__set_port_range(s->c, netns, size);
}

int session__open(struct session *s, const struct ww_filters *f, const struct ww_common *common,
		  const struct collector_opts *copts, bool events)
{
	struct loader_opts lo = {
		.filters = f,
		.ringbuf_bytes = common->ringbuf_bytes,
		.force_classic = common->force_classic,
		.want_events = events,
		.want_iter = true,
	};

	memset(s, 0, sizeof(*s));
	s->filters = f;
	s->events = events;
	s->c = collector__new(copts);
	if (!s->c) {
		elog("out of memory");
		return 1;
	}
	s->l = loader__new(&lo, on_event, s);
	if (!s->l) {
		collector__free(s->c);
		s->c = NULL;
		return 1;
	}
	vlog("source: %s", events ? loader__mode(s->l) : "iter/tcp");
	return 0;
}

void session__close(struct session *s)
{
	loader__free(s->l);
	collector__free(s->c);
	s->l = NULL;
	s->c = NULL;
}

int session__drain(struct session *s)
{
	int n = loader__drain(s->l);

	if (n < 0)
		elog("reading the ring buffer failed: %s", strerror(-n));
	return n < 0 ? n : 0;
}

/*
 * Events up to the start of the sweep are drained first, those that happen
 * during it afterwards, and only then does the collector compare.
 */
int session__sweep(struct session *s)
{
	struct sweep_cb cb = { .sock = on_sock, .port_range = on_port_range, .ctx = s };
	uint64_t start = now_mono_ns();
	int err;

	err = session__drain(s);
	if (err)
		return err;
	collector__sweep_begin(s->c, start);
	err = sweep_all(loader__iter_link_fd(s->l), s->filters->netns, &cb, &s->last_sweep);
	if (err)
		return err;
	err = session__drain(s);
	collector__sweep_end(s->c);
	s->last_sweep_seconds = (now_mono_ns() - start) / 1e9;
	dlog("sweep: %u namespaces, %llu sockets in %.1f ms", s->last_sweep.namespaces,
	     (unsigned long long)s->last_sweep.sockets, s->last_sweep_seconds * 1e3);
	return err;
}

void session__meta(struct session *s, struct view_meta *m, uint64_t now)
{
	struct loader_counters c;

	memset(m, 0, sizeof(*m));
	m->namespaces = s->last_sweep.namespaces;
	if (!s->events) {
		m->source = "iter/tcp";
		return;
	}
	m->source = loader__mode(s->l);
	if (loader__counters(s->l, &c))
		return;
	m->events = c.events - c.filtered;
	m->lost = c.rb_drops + c.recursion_misses;
	if (s->prev_ts && now > s->prev_ts)
		m->events_per_s = (double)(m->events - (s->prev.events - s->prev.filtered)) /
				  ((now - s->prev_ts) / 1e9);
	s->prev = c;
	s->prev_ts = now;
}
