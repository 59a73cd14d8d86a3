// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "clock.h"
#include "procfs.h"
#include "signals.h"
#include "log.h"
#include "session.h"

/* Remember the first write error; the caller decides what it means. */
static void record_result(struct session *s, int err)
{
	if (err && !s->rec_err)
		s->rec_err = err;
}

static int on_event(void *ctx, const struct ww_event *e)
{
	struct session *s = ctx;

	collector__ingest(s->c, e);
	if (s->rec)
		record_result(s, rec_writer__event(s->rec, e));
	return 0;
}

/* The kernel filters events; sweep records are filtered here, the same way. */
/*
 * A sweep of a large table under churn can take longer than the rings hold
 * events for: drain them as it goes. Events during a sweep are what the
 * collector expects anyway (collector.h); only the sweep's end must wait
 * for those after it.
 */
#define SWEEP_DRAIN_NS 20000000ull

static void drain_during_sweep(struct session *s)
{
	uint64_t now = now_mono_ns();

	if (now < s->next_drain_ns)
		return;
	s->next_drain_ns = now + SWEEP_DRAIN_NS;
	session__drain(s);
}

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
	if (s->tap)
		s->tap(s->tap_ctx, &rec);
	if (s->rec)
		record_result(s, rec_writer__sock(s->rec, &rec));
}

static void on_port_range(void *ctx, __u32 netns, __u32 size)
{
	struct session *s = ctx;

	collector__set_port_range(s->c, netns, size);
	if (s->rec)
		record_result(s, rec_writer__port_range(s->rec, netns, size));
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
	session__record_close(s);
	loader__free(s->l);
	collector__free(s->c);
	s->l = NULL;
	s->c = NULL;
}

void session__wait(struct session *s, uint64_t ns)
{
	if (!ww_exiting)
		loader__wait(s->l, ns);
}

int session__drain(struct session *s)
{
	int n = loader__drain(s->l);

	if (n < 0)
		elog("reading the ring buffer failed: %s", strerror(-n));
	return n < 0 ? n : 0;
}

/* ---- recording ------------------------------------------------------------ */

void session__argv_text(char *buf, size_t len, int argc, char **argv)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < argc && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? " " : "", argv[i]);
}

static int record_open(struct session *s)
{
	char err[256];

	s->rec_meta.start_ns = now_mono_ns();
	s->rec_meta.mono_to_real_ns = clock_mono_to_real_ns();
	s->rec = rec_writer__open(s->rec_path, &s->rec_meta, err, sizeof(err));
	if (!s->rec) {
		elog("%s", err);
		return 1;
	}
	return 0;
}

int session__record(struct session *s, const char *path, uint64_t max_size,
		    const char *options)
{
	struct rec_meta *m = &s->rec_meta;
	struct utsname uts;

	memset(m, 0, sizeof(*m));
	gethostname(m->hostname, sizeof(m->hostname) - 1);
	if (!uname(&uts))
		snprintf(m->kernel, sizeof(m->kernel), "%s", uts.release);
	snprintf(m->options, sizeof(m->options), "%s", options);
	snprintf(m->program, sizeof(m->program), "%s", loader__mode(s->l));
	m->boot_time_s = procfs__boot_time_s();
	s->rec_path = path;
	s->rec_max = max_size;
	return record_open(s);
}

/* Past the size limit: keep the full file as path.1 and start afresh. */
static int record_rotate(struct session *s)
{
	char old[4096];

	if (!s->rec_max || rec_writer__size(s->rec) < s->rec_max)
		return 0;
	if (rec_writer__close(s->rec))
		elog("writing %s failed: %s", s->rec_path, strerror(errno));
	s->rec = NULL;
	snprintf(old, sizeof(old), "%s.1", s->rec_path);
	if (rename(s->rec_path, old)) {
		elog("cannot rotate %s to %s: %s", s->rec_path, old, strerror(errno));
		return -errno;
	}
	vlog("rotated %s to %s", s->rec_path, old);
	return record_open(s) ? -EIO : 0;
}

/* A new file always starts with a sweep: it stands on its own. */
static int record_sweep_begin(struct session *s, uint64_t start)
{
	int err;

	if (!s->rec)
		return 0;
	err = record_rotate(s);
	if (err)
		return err;
	record_result(s, rec_writer__sweep_begin(s->rec, start));
	return 0;
}

static int record_sweep_end(struct session *s, uint64_t start)
{
	struct loader_counters lc;
	struct rec_counters rc = { .ts_ns = now_mono_ns() };

	if (!s->rec)
		return 0;
	record_result(s, rec_writer__sweep_end(s->rec, start));
	if (s->events && !loader__counters(s->l, &lc)) {
		rc.events = lc.events - lc.filtered;
		rc.rb_drops = lc.rb_drops;
		rc.recursion_misses = lc.recursion_misses;
		record_result(s, rec_writer__counters(s->rec, &rc));
	}
	/* a crash loses at most one interval */
	record_result(s, rec_writer__flush(s->rec));
	if (s->rec_err) {
		elog("writing %s failed: %s", s->rec_path, strerror(-s->rec_err));
		return s->rec_err;
	}
	return 0;
}

int session__record_close(struct session *s)
{
	int err;

	if (!s->rec)
		return 0;
	err = rec_writer__close(s->rec) ?: s->rec_err;
	s->rec = NULL;
	if (err) {
		elog("writing %s failed: %s", s->rec_path, strerror(-err));
		return 1;
	}
	return 0;
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
	err = record_sweep_begin(s, start);
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
		err = record_sweep_end(s, start);
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
