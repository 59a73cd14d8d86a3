// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cgnames.h"
#include "clock.h"
#include "log.h"
#include "privs.h"
#include "recorder.h"
#include "seccomp_filter.h"
#include "session.h"
#include "signals.h"

/*
 * A sweep of a large table under churn can take longer than the rings hold
 * events for: drain them as it goes. Events during a sweep are what the
 * collector expects anyway (collector.h); only the sweep's end must wait
 * for those after it.
 */
#define SWEEP_DRAIN_NS 20000000ull

static int on_event(void *ctx, const struct ww_event *e)
{
	struct session *s = ctx;

	collector__ingest(s->c, e);
	for (int i = 0; i < s->ntaps; i++)
		if (s->taps[i].event)
			s->taps[i].event(s->taps[i].ctx, e);
	return 0;
}

static void drain_during_sweep(struct session *s)
{
	uint64_t now = now_mono_ns();

	if (now < s->next_drain_ns)
		return;
	s->next_drain_ns = now + SWEEP_DRAIN_NS;
	session__drain(s);
}

/* The kernel filters events; sweep records are filtered here, the same way. */
static void on_sock(void *ctx, const struct ww_sock_rec *kernel_rec)
{
	struct session *s = ctx;
	struct ww_sock_rec rec;

	if (s->events && (s->last_sweep.sockets & 1023) == 0)
		drain_during_sweep(s);
	if (!filters__match_sock(s->filters, kernel_rec))
		return;
	rec = *kernel_rec;
	loader__sweep_rec(s->l, &rec); /* the kernel's address becomes our id */
	collector__sweep_sock(s->c, &rec);
	for (int i = 0; i < s->ntaps; i++)
		if (s->taps[i].sock)
			s->taps[i].sock(s->taps[i].ctx, &rec);
}

static void on_port_range(void *ctx, __u32 netns, __u32 size)
{
	struct session *s = ctx;

	collector__set_port_range(s->c, netns, size);
	for (int i = 0; i < s->ntaps; i++)
		if (s->taps[i].port_range)
			s->taps[i].port_range(s->taps[i].ctx, netns, size);
}

/* Rows by container, pod or unit, or split by them (serve --labels): the cgroups' names. */
static void session_groups(struct collector_opts *o)
{
	enum ww_by g = o->by == BY_CONTAINER || o->by == BY_POD || o->by == BY_UNIT ? o->by :
		       o->split_by_group ? o->group_by : BY_CGROUP;

	if (g == BY_CGROUP)
		return;
	cgnames__group_by(g);
	o->group_of = cgnames__group_of;
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
		.max_sockets = copts->max_sockets,
	};

	memset(s, 0, sizeof(*s));
	s->filters = f;
	s->copts = *copts;
	s->events = events;
	session_groups(&s->copts);
	s->c = collector__new(&s->copts);
	if (!s->c) {
		elog("out of memory");
		return -ENOMEM;
	}
	s->l = loader__new(&lo, on_event, s);
	if (!s->l) {
		collector__free(s->c);
		s->c = NULL;
		return -EPERM; /* printed: privileges, BTF, the tracepoint */
	}
	vlog("source: %s", events ? loader__mode(s->l) : "iter/tcp");
	return 0;
}

int session__close(struct session *s)
{
	int err = recorder__close(s->rec);

	s->rec = NULL;
	loader__free(s->l);
	collector__free(s->c);
	s->l = NULL;
	s->c = NULL;
	return err;
}

int session__add_tap(struct session *s, const struct session_tap *t)
{
	if (s->ntaps == SESSION_MAX_TAPS)
		return -ENOSPC;
	s->taps[s->ntaps++] = *t;
	return 0;
}

int session__reset(struct session *s)
{
	collector__free(s->c);
	s->c = collector__new(&s->copts);
	if (!s->c) {
		elog("out of memory");
		return -ENOMEM;
	}
	return 0;
}

void session__wait(struct session *s, uint64_t ns)
{
	if (!ww_exiting)
		loader__wait(s->l, ns);
}

struct view_opts session__view(const struct collector_opts *copts)
{
	return (struct view_opts){
		.by = copts->by,
		.prefix4 = copts->prefix4 ? copts->prefix4 : 32,
		.prefix6 = copts->prefix6 ? copts->prefix6 : 128,
		.mono_to_real_ns = clock_mono_to_real_ns(),
		.names = cgnames__names,
	};
}

int session__steady(const struct ww_filters *f, const struct ww_common *common, bool owners)
{
	return privs__steady(privs__needs(true, f->netns, owners), NULL,
			     common->no_seccomp ? -1 : SECCOMP_SWEEP);
}

int session__drain(struct session *s)
{
	int n = loader__drain(s->l);

	if (n < 0)
		elog("reading the ring buffer failed: %s", strerror(-n));
	return n < 0 ? n : 0;
}

int session__record(struct session *s, const char *path, uint64_t max_size,
		    const char *options, bool optional)
{
	struct session_tap t = {
		.event = recorder__event,
		.sweep_begin = recorder__sweep_begin,
		.sock = recorder__sock,
		.port_range = recorder__port_range,
		.sweep_end = recorder__sweep_end,
	};

	s->rec = recorder__open(path, max_size, options, s->l, optional);
	s->rec_optional = optional;
	if (!s->rec)
		return -EIO;
	t.ctx = s->rec;
	return session__add_tap(s, &t);
}

/*
 * The tap at i failed (err, printed). An optional recording ends there: its
 * tap goes, and the session carries on (0). Anything else is err.
 */
static int tap_failed(struct session *s, int i, int err)
{
	if (!s->rec_optional || !s->rec || s->taps[i].ctx != s->rec)
		return err;
	recorder__close(s->rec); /* the failure is said: closing says nothing more */
	s->rec = NULL;
	memmove(&s->taps[i], &s->taps[i + 1], (s->ntaps - i - 1) * sizeof(s->taps[0]));
	s->ntaps--;
	return 0;
}

/* Each tap's sweep_begin (end: sweep_end) in turn, until one fails. */
static int taps_sweep_edge(struct session *s, uint64_t start, bool end)
{
	int err = 0;

	for (int i = 0; i < s->ntaps && !err; i++) {
		int (*fn)(void *, uint64_t) = end ? s->taps[i].sweep_end : s->taps[i].sweep_begin;

		if (fn && (err = fn(s->taps[i].ctx, start)) && !(err = tap_failed(s, i, err)))
			i--; /* the next tap took its place */
	}
	return err;
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

	err = session__drain(s) ?: taps_sweep_edge(s, start, false);
	if (err)
		return err;
	collector__sweep_begin(s->c, start);
	loader__sweep_begin(s->l, start);
	s->next_drain_ns = start + SWEEP_DRAIN_NS;
	err = sweep_all(loader__iter_link_fd(s->l), s->filters->netns, &cb, &s->last_sweep);
	if (err)
		return err;
	err = session__drain(s);
	loader__sweep_end(s->l);
	collector__sweep_end(s->c);
	if (!err)
		err = taps_sweep_edge(s, start, true);
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

/* The interval's sweep, then the command's tick: 0, 1 (done) or -errno. */
static int tick(struct session *s, const struct session_loop *lp)
{
	int err = session__sweep(s);

	if (err || !lp->tick)
		return err;
	return lp->tick(lp->ctx);
}

static bool past(uint64_t start, uint64_t duration_ns)
{
	return duration_ns && now_mono_ns() - start >= duration_ns;
}

struct session_loop session_loop__every(uint64_t interval_ns, uint64_t duration_ns,
					int (*on_tick)(void *ctx), void *ctx)
{
	return (struct session_loop){
		.interval_ns = interval_ns,
		.duration_ns = duration_ns,
		.tick = on_tick,
		.ctx = ctx,
	};
}

int session__run(struct session *s, const struct session_loop *lp)
{
	uint64_t start = now_mono_ns(), next = start;
	int err = 0;

	if (!lp->tick_at_start) {
		err = session__sweep(s); /* seed: every socket older than the program */
		next += lp->interval_ns;
	}
	session__meta(s, &(struct view_meta){}, start); /* rates count from here */
	while (!err && !ww_exiting) {
		seccomp__selftest();
		err = session__drain(s);
		if (!err && now_mono_ns() >= next) {
			err = tick(s, lp);
			next += lp->interval_ns;
		}
		if (lp->turn)
			lp->turn(lp->ctx);
		if (err || past(start, lp->duration_ns))
			break;
		session__wait(s, LOADER_DRAIN_NS);
	}
	if (err > 0)
		err = 0; /* the tick said done */
	/* end on a sweep: a recording's last counts are the kernel's at the end */
	if (!err && lp->sweep_at_end)
		err = session__sweep(s);
	return err;
}
