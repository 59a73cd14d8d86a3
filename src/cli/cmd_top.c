// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitwatch top: live per-endpoint state counts.
 * waitwatch snapshot: the same counts once, from the kernel's table alone.
 *
 * top attaches the transition program first, then seeds the collector
 * with a sweep of every namespace (so no socket falls between the two),
 * drains events every 100 ms and, at each refresh, sweeps again: the sweep
 * ends the TIME_WAIT sockets the kernel let go (no event says so) and
 * repairs what a lost event left wrong. Counts are exact at each refresh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "cmd.h"
#include "collector.h"
#include "format.h"
#include "json_writer.h"
#include "loader.h"
#include "log.h"
#include "options.h"
#include "privs.h"
#include "out_trace.h"
#include "out_leaks.h"
#include "session.h"
#include "suspects.h"
#include "out_json.h"
#include "out_term.h"

enum {
	OPT_ONCE = OPT_FIRST_LOCAL,
};

struct top_args {
	struct ww_filters filters;
	struct ww_common common;
	struct collector_opts copts;
	uint64_t interval_ns;
	bool once;
	bool snapshot; /* the snapshot command */
};

struct top_run {
	const struct top_args *a;
	struct session s;
	struct json_writer *jw;
	struct view_opts view;
	struct leak_watch leaks;
	bool live_tty; /* a terminal redrawn in place */
};

static const char top_about[] =
	"A live table of TCP sockets per endpoint and state, worst first, exact\n"
	"at each refresh, with entries per second into TIME_WAIT (TW/s) and\n"
	"CLOSE_WAIT (CW/s), the oldest CLOSE_WAIT and outbound port pressure.\n";

static const char snapshot_about[] =
	"Count TCP sockets per endpoint and state once, straight from the\n"
	"kernel's socket table in every network namespace, then exit.\n";

static const struct ww_opt top_opts[] = {
	{ "interval", 'i', "SECS", "refresh interval (default 1s)",
	  WW_INTO(struct top_args, interval_ns, WW_V_INTERVAL) },
	{ "once", OPT_ONCE, NULL, "print one refresh after one interval, then exit",
	  WW_INTO(struct top_args, once, WW_V_FLAG) },
	WW_GROUP(WW_COMMON_OPTS),
	WW_GROUP(WW_ENDPOINT_OPTS),
	WW_GROUP(WW_SOCKET_FILTER_OPTS),
	WW_GROUP(WW_TRACING_OPTS),
	WW_GROUP(WW_ENDPOINT_OUTPUT_OPTS),
	{},
};

/* No transition program: no interval, no tracing option. */
static const struct ww_opt snapshot_opts[] = {
	WW_GROUP(WW_COMMON_OPTS),
	WW_GROUP(WW_ENDPOINT_OPTS),
	WW_GROUP(WW_SOCKET_FILTER_OPTS),
	WW_GROUP(WW_ENDPOINT_OUTPUT_OPTS),
	{},
};

static int parse_args(int argc, char **argv, struct top_args *a, const char *cmd)
{
	struct ww_parser p = {
		.cmd = cmd, .synopsis = "[OPTIONS]",
		.about = a->snapshot ? snapshot_about : top_about,
		.opts = a->snapshot ? snapshot_opts : top_opts,
		.filters = &a->filters, .common = &a->common, .copts = &a->copts,
		.ctx = a,
	};
	int first;

	return ww_parse(argc, argv, &p, &first);
}

/* ---- output ----------------------------------------------------------------- */

static size_t terminal_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || ws.ws_row < 8)
		return 0;
	return ws.ws_row - 7;
}

static int render(struct top_run *r, bool live_tty)
{
	uint64_t now = now_mono_ns();
	struct view_meta m;
	struct snapshot s;

	if (collector__snapshot(r->s.c, now, true, &s)) {
		elog("out of memory taking a snapshot");
		return -ENOMEM;
	}
	session__meta(&r->s, &m, now);
	if (r->jw) {
		out_leaks_json(r->jw, &r->leaks.rep);
		out_json_snapshot(r->jw, &s, &r->view, &m);
	} else {
		if (live_tty) {
			fputs("\033[H\033[2J", stdout); /* home, clear */
			r->view.max_rows = terminal_rows();
		}
		out_term_snapshot(stdout, &s, &r->view, &m);
		out_leaks_lines(stdout, &r->leaks.rep, r->leaks.s.min_age_ns, 5);
		if (!live_tty)
			fputc('\n', stdout);
	}
	snapshot__free(&s);
	/* the reader went away (top | head): stop */
	if (fflush(stdout) || ferror(stdout))
		ww_exiting = 1;
	return 0;
}

/* ---- the loops -------------------------------------------------------------- */

static int top_tick(void *ctx)
{
	struct top_run *r = ctx;
	int err = render(r, r->live_tty);

	return err ?: r->a->once;
}

static int run_top(struct top_run *r)
{
	struct session_loop lp = session_loop__every(r->a->interval_ns, r->a->common.duration_ns,
						     top_tick, r);

	r->live_tty = !r->a->common.json && !r->a->once && isatty(STDOUT_FILENO);
	return session__run(&r->s, &lp);
}

static int run(struct top_args *a)
{
	struct top_run r = { .a = a };
	struct session_tap leak_tap;
	int ret;

	r.view = session__view(&a->copts);
	if (a->common.json && !(r.jw = jw__new(stdout))) {
		elog("out of memory");
		return -ENOMEM;
	}
	ret = session__open(&r.s, &a->filters, &a->common, &a->copts, !a->snapshot);
	if (ret)
		goto out;
	leak_watch__init(&r.leaks, &a->filters, a->copts.leak_age_ns);
	leak_watch__tap(&r.leaks, &leak_tap);
	session__add_tap(&r.s, &leak_tap);
	ret = session__steady(&a->filters, &a->common, true);
	if (!ret && a->snapshot)
		ret = session__sweep(&r.s) ?: render(&r, false);
	else if (!ret)
		ret = run_top(&r);
	session__close(&r.s);
	leak_watch__free(&r.leaks);
out:
	jw__free(r.jw);
	return ret;
}

static int top_parse_as(int argc, char **argv, struct top_args *a, bool snapshot)
{
	ww_common_init(&a->common);
	a->snapshot = snapshot;
	a->interval_ns = 1000000000ull;
	a->copts.sort_state = -1;
	return parse_args(argc, argv, a, snapshot ? "snapshot" : "top");
}

static int top_parse(int argc, char **argv, void *args)
{
	return top_parse_as(argc, argv, args, false);
}

static int snapshot_parse(int argc, char **argv, void *args)
{
	return top_parse_as(argc, argv, args, true);
}

static int top_run(void *args, int argc, char **argv)
{
	return run(args);
}

const struct ww_cmd cmd_top = {
	.name = "top", .summary = "live table of sockets per endpoint and state, worst first",
	.args_size = sizeof(struct top_args), .parse = top_parse, .run = top_run,
};

const struct ww_cmd cmd_snapshot = {
	.name = "snapshot", .summary = "the same counts once, from the kernel's socket table",
	.args_size = sizeof(struct top_args), .parse = snapshot_parse, .run = top_run,
};
