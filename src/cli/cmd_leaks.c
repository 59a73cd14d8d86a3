// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitwatch leaks: which process is leaking sockets, to whom, since when.
 *
 * For CLOSE_WAIT (and any state but TIME_WAIT) one sweep of the kernel's
 * table is enough: it gives each socket's inode (mapped to pid and fd
 * through /proc, for the suspects only), and the kernel dates CLOSE_WAIT by
 * the last ACK it received. For TIME_WAIT, the question is who churns short
 * connections: waitwatch watches the transitions for one interval and
 * diagnoses each outbound endpoint.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cmd.h"
#include "json_writer.h"
#include "leaks.h"
#include "loader.h"
#include "log.h"
#include "options.h"
#include "out_leaks.h"
#include "out_trace.h"
#include "owners.h"
#include "privs.h"
#include "session.h"
#include "suspects.h"
#include "sweep.h"

enum {
	OPT_MIN_AGE = OPT_FIRST_LOCAL,
	OPT_WATCH,
	OPT_GROUP_BY,
};

struct leaks_args {
	struct ww_filters filters;
	struct ww_common common;
	int state;
	uint64_t min_age_ns;
	uint64_t interval_ns;
	bool watch;
	enum ww_by group_by; /* --by: BY_CONTAINER, BY_POD, BY_UNIT; BY_SERVICE: by process */
};

static const char leaks_about[] =
	"List the sockets stuck in a state (CLOSE_WAIT by default) for longer than\n"
	"--min-age, grouped by the process that holds them (pid, comm, cgroup, fd\n"
	"numbers), by the listener of those never accepted, or as orphans; worst\n"
	"first. With --state time-wait, watch the transitions for one interval and\n"
	"list the outbound endpoints by port pressure: connections per second, their\n"
	"lifetime, short- or long-lived, and what to do.\n";

/* --state is its own: one state a socket stays in, not transitions as trace's. */
static const struct ww_opt leaks_opts[] = {
	{ "state", OPT_STATE, "STATE", "close-wait (default), time-wait, fin-wait-2, ..." },
	{ "min-age", OPT_MIN_AGE, "SECS", "only sockets in the state for longer (default 30s; "
	  "the kernel dates CLOSE_WAIT and TIME_WAIT only)",
	  WW_INTO(struct leaks_args, min_age_ns, WW_V_DURATION) },
	{ "by", OPT_GROUP_BY, "GROUP", "one row per container, pod or unit (their heaviest "
	  "owner's pid and fds), not per process" },
	{ "watch", OPT_WATCH, NULL, "refresh every interval until interrupted",
	  WW_INTO(struct leaks_args, watch, WW_V_FLAG) },
	{ "interval", 'i', "SECS", "refresh interval, and time-wait's window (default 5s)",
	  WW_INTO(struct leaks_args, interval_ns, WW_V_INTERVAL) },
	WW_GROUP(WW_COMMON_OPTS),
	WW_GROUP(WW_SOCKET_FILTER_OPTS),
	WW_GROUP(WW_OUTPUT_OPTS),
	{ "json", OPT_JSON, NULL, "one object per owner (or endpoint) per refresh" },
	{},
};

static int leaks_local(int opt, const char *arg, void *ctx, char *err, size_t len)
{
	struct leaks_args *a = ctx;

	switch (opt) {
	case OPT_STATE:
		a->state = tcp_state_parse(arg);
		if (a->state <= 0 || a->state == WW_TCP_CLOSE || a->state == WW_TCP_NEW_SYN_RECV ||
		    a->state == WW_TCP_LISTEN) {
			snprintf(err, len, "--state '%.32s' is not a state a socket stays in "
				 "(close-wait, time-wait, fin-wait-2, ...)", arg);
			return -EINVAL;
		}
		return 1;
	case OPT_GROUP_BY:
		a->group_by = !strcmp(arg, "container") ? BY_CONTAINER :
			      !strcmp(arg, "pod")	  ? BY_POD :
			      !strcmp(arg, "unit")	  ? BY_UNIT :
							    BY_SERVICE;
		if (a->group_by == BY_SERVICE) {
			snprintf(err, len, "--by '%.32s': container, pod or unit", arg);
			return -EINVAL;
		}
		return 1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct leaks_args *a)
{
	struct ww_parser p = {
		.cmd = "leaks", .synopsis = "[OPTIONS]", .about = leaks_about, .opts = leaks_opts,
		.filters = &a->filters, .common = &a->common,
		.local = leaks_local, .ctx = a,
	};
	int first;

	return ww_parse(argc, argv, &p, &first);
}

static int stuck_once(struct loader *l, const struct leaks_args *a, struct json_writer *jw)
{
	struct suspects s;
	struct sweep_cb cb = { .sock = suspects__add, .ctx = &s };
	struct sweep_result res;
	struct leak_report rep = {};
	int err;

	suspects__init(&s, a->state, a->min_age_ns, &a->filters);
	err = sweep_all(loader__iter_link_fd(l), a->filters.netns, &cb, &res);
	if (!err && s.oom)
		elog("too many suspects: only the first %zu are shown", s.n);
	if (!err)
		err = suspects__report(&s, &rep);
	if (!err && a->group_by != BY_SERVICE)
		leak_report__merge_by(&rep, a->group_by);
	if (err) {
		if (err == -ENOMEM)
			elog("out of memory");
	} else {
		if (jw)
			out_leaks_json(jw, &rep);
		else
			out_leaks_term(stdout, &rep);
		vlog("%u sockets in %zu groups; %llu younger than --min-age, %llu of unknown "
		     "age; %u processes scanned", rep.sockets, rep.n,
		     (unsigned long long)s.too_young, (unsigned long long)s.unknown_age,
		     s.procs_scanned);
	}
	fflush(stdout);
	leak_report__free(&rep);
	suspects__free(&s);
	return err;
}

static int run_stuck(const struct leaks_args *a, struct json_writer *jw)
{
	struct loader_opts lo = { .filters = &a->filters, .want_iter = true };
	struct loader *l = loader__new(&lo, NULL, NULL);
	bool tty = !jw && isatty(STDOUT_FILENO);
	int ret;

	if (!l)
		return -EPERM; /* printed */
	ret = session__steady(&a->filters, &a->common, true);
	while (!ret) {
		if (a->watch && tty)
			fputs("\033[H\033[2J", stdout);
		ret = stuck_once(l, a, jw);
		if (ret || !a->watch || ferror(stdout))
			break;
		if (!tty && !jw)
			fputc('\n', stdout);
		seccomp__selftest();
		sleep_interruptible(a->interval_ns);
		if (ww_exiting)
			break;
	}
	loader__free(l);
	return ret;
}

/* ---- TIME_WAIT: who churns short connections ------------------------------------ */

static int cmp_tw(const void *x, const void *y)
{
	const struct tw_row *a = x, *b = y;
	double pa = a->d.ports_used * (a->d.port_range ? 1.0 / a->d.port_range : 0);
	double pb = b->d.ports_used * (b->d.port_range ? 1.0 / b->d.port_range : 0);

	if (pa != pb)
		return pa > pb ? -1 : 1;
	return a->d.time_wait > b->d.time_wait ? -1 : a->d.time_wait < b->d.time_wait;
}

static int tw_report(struct session *s, double window_s, struct json_writer *jw)
{
	struct view_opts v = { .prefix4 = 32, .prefix6 = 128 };
	struct tw_row *rows;
	struct snapshot snap;
	size_t n = 0;

	if (collector__snapshot(s->c, now_mono_ns(), false, &snap))
		return elog("out of memory"), -ENOMEM;
	rows = calloc(snap.nrows ? snap.nrows : 1, sizeof(*rows));
	if (!rows) {
		snapshot__free(&snap);
		return elog("out of memory"), -ENOMEM;
	}
	for (size_t i = 0; i < snap.nrows; i++) {
		const struct ep_row *r = &snap.rows[i];

		if (r->key.dir != DIR_OUT)
			continue;
		ep_key_format(rows[n].endpoint, sizeof(rows[n].endpoint), &r->key, BY_SERVICE,
			      v.prefix4, v.prefix6);
		rows[n].netns = r->key.netns;
		tw_diagnose(r, window_s, &rows[n].d);
		n++;
	}
	qsort(rows, n, sizeof(*rows), cmp_tw);
	if (jw)
		out_tw_json(jw, rows, n);
	else
		out_tw_term(stdout, rows, n);
	fflush(stdout);
	free(rows);
	snapshot__free(&snap);
	return 0;
}

struct tw_run {
	const struct leaks_args *a;
	struct session s;
	struct json_writer *jw;
	uint64_t window_start;
	bool reported; /* the current window's diagnosis is out */
};

/* A window ends: its diagnosis, then a new window (--watch) from a fresh sweep. */
static int tw_tick(void *ctx)
{
	struct tw_run *r = ctx;
	uint64_t now = now_mono_ns();
	int err = tw_report(&r->s, (now - r->window_start) / 1e9, r->jw);

	r->reported = true;
	if (err || !r->a->watch || ww_exiting)
		return err ?: 1;
	if (!r->jw)
		fputc('\n', stdout);
	r->window_start = now_mono_ns();
	r->reported = false;
	return session__reset(&r->s) ?: session__sweep(&r->s);
}

/* Watch one interval of transitions, then diagnose. */
static int run_time_wait(const struct leaks_args *a, struct json_writer *jw)
{
	struct collector_opts copts = { .sort_state = WW_TCP_TIME_WAIT };
	struct tw_run r = { .a = a, .jw = jw };
	struct session_loop lp = session_loop__every(a->interval_ns, 0, tw_tick, &r);
	int ret;

	ret = session__open(&r.s, &a->filters, &a->common, &copts, true);
	if (ret)
		return ret;
	ret = session__steady(&a->filters, &a->common, true);
	if (ret)
		goto out;
	r.window_start = now_mono_ns();
	ret = session__run(&r.s, &lp);
	/* interrupted: the window so far is still diagnosed */
	if (!ret && !r.reported)
		ret = session__sweep(&r.s) ?: tw_report(&r.s, (now_mono_ns() - r.window_start) / 1e9, jw);
out:
	session__close(&r.s);
	return ret;
}

static int leaks_parse(int argc, char **argv, void *args)
{
	struct leaks_args *a = args;

	a->state = WW_TCP_CLOSE_WAIT;
	a->min_age_ns = 30000000000ull;
	a->interval_ns = 5000000000ull;
	ww_common_init(&a->common);
	return parse_args(argc, argv, a);
}

static int leaks_run(void *args, int argc, char **argv)
{
	const struct leaks_args *a = args;
	struct json_writer *jw = NULL;
	int ret;

	if (a->common.json && !(jw = jw__new(stdout)))
		return elog("out of memory"), 1;
	if (a->state == WW_TCP_TIME_WAIT)
		ret = run_time_wait(a, jw);
	else
		ret = run_stuck(a, jw);
	jw__free(jw);
	return ret;
}

const struct ww_cmd cmd_leaks = {
	.name = "leaks",
	.summary = "which process holds sockets stuck in CLOSE_WAIT; who churns TIME_WAIT",
	.args_size = sizeof(struct leaks_args), .parse = leaks_parse, .run = leaks_run,
};
