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
#include <getopt.h>
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
#include "out_trace.h"
#include "sweep.h"
#include "view.h"

#define DRAIN_INTERVAL_NS 100000000ull

enum {
	OPT_ONCE = OPT_FIRST_LOCAL,
	OPT_SORT,
	OPT_BY,
	OPT_PREFIX4,
	OPT_PREFIX6,
	OPT_MAX_ENDPOINTS,
	OPT_MAX_SOCKETS,
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
	struct collector *c;
	struct loader *l;
	struct json_writer *jw;
	struct view_opts view;
	struct sweep_result last_sweep;
	struct loader_counters prev_counters;
	uint64_t prev_counters_ts;
};

static const char *const by_names[] = {
	[BY_SERVICE] = "service", [BY_LOCAL] = "local",   [BY_REMOTE] = "remote",
	[BY_LADDR] = "laddr",     [BY_RADDR] = "raddr",   [BY_LPORT] = "lport",
	[BY_RPORT] = "rport",     [BY_NETNS] = "netns",   [BY_CGROUP] = "cgroup",
	[BY_COMM] = "comm",
};

static void top_usage(FILE *f, bool snapshot)
{
	if (snapshot)
		fprintf(f, "Usage: waitwatch snapshot [OPTIONS]\n\n"
			   "Count TCP sockets per endpoint and state once, straight from the\n"
			   "kernel's socket table in every network namespace, then exit.\n\n");
	else
		fprintf(f, "Usage: waitwatch top [OPTIONS]\n\n"
			   "A live table of TCP sockets per endpoint and state, worst first, exact\n"
			   "at each refresh, with entries per second into TIME_WAIT (TW/s) and\n"
			   "CLOSE_WAIT (CW/s), the oldest CLOSE_WAIT and outbound port pressure.\n\n");
	fprintf(f,
		"Endpoints:\n"
		"      --by KEY           service (default: remote addr:port of outbound\n"
		"                         connections, listener addr:port of inbound ones),\n"
		"                         local, remote, laddr, raddr, lport, rport, netns,\n"
		"                         cgroup, comm\n"
		"      --prefix4 N        fold IPv4 addresses into /N prefixes\n"
		"      --prefix6 N        fold IPv6 addresses into /N prefixes\n"
		"      --sort STATE       worst first by this state (default: time-wait +\n"
		"                         close-wait)\n"
		"      --max-endpoints N  rows kept exact; the rest fold into 'other'\n"
		"                         (default %u)\n"
		"      --max-sockets N    sockets tracked (default %u); more are counted\n"
		"                         as untracked\n\n"
		"Filters:\n"
		"  -4, --ipv4 / -6, --ipv6, --port N, --lport N, --rport N, --addr CIDR,\n"
		"      --netns INODE      as for trace\n\n"
		"Output:\n"
		"      --json             one object per endpoint, then a totals object\n",
		WW_DEFAULT_MAX_ENDPOINTS, WW_DEFAULT_MAX_SOCKETS);
	if (!snapshot)
		fprintf(f, "  -i, --interval SECS    refresh interval (default 1s)\n"
			   "      --once             print one refresh after one interval, then exit\n"
			   "      --duration SECS    stop after SECS\n"
			   "      --ringbuf-size SZ  BPF ring buffer size (default 8M)\n"
			   "      --classic          use the classic tracepoint instead of tp_btf\n");
	fprintf(f, "  -v, --verbose          more messages on stderr\n"
		   "  -h, --help             this text\n");
}

static int parse_by(const char *arg, enum ww_by *by)
{
	for (size_t i = 0; i < sizeof(by_names) / sizeof(by_names[0]); i++) {
		if (!strcmp(arg, by_names[i])) {
			*by = i;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_local(int opt, const char *arg, struct top_args *a, const char *cmd)
{
	char err[WW_ERR_LEN];
	uint64_t v;

	switch (opt) {
	case 'i':
		if (parse_duration(arg, &a->interval_ns, err, sizeof(err)) ||
		    a->interval_ns < 100000000ull)
			return usage_error("%s: interval '%s' must be at least 0.1s", cmd, arg);
		return 1;
	case OPT_ONCE:
		a->once = true;
		return 1;
	case OPT_SORT:
		a->copts.sort_state = tcp_state_parse(arg);
		if (a->copts.sort_state < 0)
			return usage_error("%s: unknown state '%s' for --sort", cmd, arg);
		return 1;
	case OPT_BY:
		if (parse_by(arg, &a->copts.by))
			return usage_error("%s: unknown key '%s' for --by (service, local, remote, "
					   "laddr, raddr, lport, rport, netns, cgroup, comm)",
					   cmd, arg);
		return 1;
	case OPT_PREFIX4:
	case OPT_PREFIX6:
		if (parse_u64(arg, 1, opt == OPT_PREFIX4 ? 32u : 128u, &v, err, sizeof(err)))
			return usage_error("%s: %s", cmd, err);
		*(opt == OPT_PREFIX4 ? &a->copts.prefix4 : &a->copts.prefix6) = v;
		return 1;
	case OPT_MAX_ENDPOINTS:
	case OPT_MAX_SOCKETS:
		if (parse_u64(arg, 1, opt == OPT_MAX_ENDPOINTS ? 1000000u : 1u << 28, &v, err,
			      sizeof(err)))
			return usage_error("%s: %s", cmd, err);
		*(opt == OPT_MAX_ENDPOINTS ? &a->copts.max_endpoints : &a->copts.max_sockets) = v;
		return 1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct top_args *a, const char *cmd)
{
	static const struct option longopts[] = {
		WW_FILTER_LONGOPTS,
		WW_COMMON_LONGOPTS,
		{ "interval", required_argument, NULL, 'i' },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "by", required_argument, NULL, OPT_BY },
		{ "prefix4", required_argument, NULL, OPT_PREFIX4 },
		{ "prefix6", required_argument, NULL, OPT_PREFIX6 },
		{ "max-endpoints", required_argument, NULL, OPT_MAX_ENDPOINTS },
		{ "max-sockets", required_argument, NULL, OPT_MAX_SOCKETS },
		{},
	};
	char err[WW_ERR_LEN];
	int opt, ret;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "46vhi:", longopts, NULL)) != -1) {
		if (opt == 'h')
			return top_usage(stdout, a->snapshot), -1;
		if (opt == OPT_PID || opt == OPT_STATE)
			return usage_error("%s: --pid and --state apply to trace (try --sort or "
					   "leaks)", cmd);
		ret = parse_local(opt, optarg, a, cmd);
		if (!ret)
			ret = ww_filter_opt(opt, optarg, &a->filters, err, sizeof(err));
		if (!ret)
			ret = ww_common_opt(opt, optarg, &a->common, err, sizeof(err));
		if (ret == EXIT_USAGE)
			return ret;
		if (ret < 0)
			return usage_error("%s: %s", cmd, err);
		if (ret == 0) {
			if (optopt && optopt < 256)
				return usage_error("%s: bad option -%c (try --help)", cmd, optopt);
			return usage_error("%s: bad option '%s' (try --help)", cmd,
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("%s: unexpected argument '%s' (try --help)", cmd, argv[optind]);
	return 0;
}

/* ---- feeding the collector ----------------------------------------------- */

static int on_event(void *ctx, const struct ww_event *e)
{
	struct top_run *r = ctx;

	collector__ingest(r->c, e);
	return 0;
}

static void on_sock(void *ctx, const struct ww_sock_rec *rec)
{
	struct top_run *r = ctx;
	const struct ww_filters *f = &r->a->filters;

	if (f->port && rec->sport != f->port && rec->dport != f->port)
		return;
	if ((f->lport && rec->sport != f->lport) || (f->rport && rec->dport != f->rport))
		return;
	if (!ww_filters_match_addr(f, rec->family, rec->saddr, rec->daddr))
		return;
	collector__sweep_sock(r->c, rec);
}

static void on_port_range(void *ctx, __u32 netns, __u32 size)
{
	struct top_run *r = ctx;

	collector__set_port_range(r->c, netns, size);
}

/*
 * One reconciliation: events up to the start of the sweep are drained
 * first, those that happen during it afterwards, and only then does the
 * collector compare (collector.h).
 */
static int sweep_now(struct top_run *r)
{
	struct sweep_cb cb = { .sock = on_sock, .port_range = on_port_range, .ctx = r };
	uint64_t start = now_mono_ns();
	int err;

	if (r->l && loader__drain(r->l) < 0)
		return -EIO;
	collector__sweep_begin(r->c, start);
	err = sweep_all(loader__iter_link_fd(r->l), r->a->filters.netns, &cb, &r->last_sweep);
	if (err)
		return err;
	loader__drain(r->l);
	collector__sweep_end(r->c);
	dlog("sweep: %u namespaces, %llu sockets in %.1f ms", r->last_sweep.namespaces,
	     (unsigned long long)r->last_sweep.sockets, (now_mono_ns() - start) / 1e6);
	return 0;
}

/* ---- output ----------------------------------------------------------------- */

static void meta_now(struct top_run *r, struct view_meta *m, uint64_t now)
{
	struct loader_counters c = {};

	memset(m, 0, sizeof(*m));
	m->namespaces = r->last_sweep.namespaces;
	if (r->a->snapshot) {
		m->source = "iter/tcp";
		return;
	}
	m->source = loader__mode(r->l);
	if (loader__counters(r->l, &c))
		return;
	m->events = c.events - c.filtered;
	m->lost = c.rb_drops + c.recursion_misses;
	if (r->prev_counters_ts && now > r->prev_counters_ts)
		m->events_per_s = ((c.events - c.filtered) - (r->prev_counters.events -
							       r->prev_counters.filtered)) /
				  ((now - r->prev_counters_ts) / 1e9);
	r->prev_counters = c;
	r->prev_counters_ts = now;
}

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

	if (collector__snapshot(r->c, now, true, &s)) {
		elog("out of memory taking a snapshot");
		return -ENOMEM;
	}
	meta_now(r, &m, now);
	if (r->jw) {
		out_json_snapshot(r->jw, &s, &r->view, &m);
	} else {
		if (live_tty) {
			fputs("\033[H\033[2J", stdout); /* home, clear */
			r->view.max_rows = terminal_rows();
		}
		out_term_snapshot(stdout, &s, &r->view, &m);
		if (!live_tty)
			fputc('\n', stdout);
	}
	fflush(stdout);
	snapshot_free(&s);
	return 0;
}

/* ---- the loops -------------------------------------------------------------- */

static int run_top(struct top_run *r)
{
	const struct top_args *a = r->a;
	uint64_t start = now_mono_ns(), next = start + a->interval_ns;
	bool live_tty = !a->common.json && !a->once && isatty(STDOUT_FILENO);
	int err;

	if (sweep_now(r))
		return 1;
	meta_now(r, &(struct view_meta){}, start);
	while (!ww_exiting) {
		if (loader__drain(r->l) < 0) {
			elog("reading the ring buffer failed");
			return 1;
		}
		if (now_mono_ns() >= next) {
			err = sweep_now(r) ?: render(r, live_tty);
			if (err)
				return 1;
			if (a->once)
				break;
			next += a->interval_ns;
		}
		if (a->common.duration_ns && now_mono_ns() - start >= a->common.duration_ns)
			break;
		sleep_interruptible(DRAIN_INTERVAL_NS);
	}
	return 0;
}

static int run(struct top_args *a)
{
	struct loader_opts lo = {
		.filters = &a->filters,
		.ringbuf_bytes = a->common.ringbuf_bytes,
		.force_classic = a->common.force_classic,
		.want_events = !a->snapshot,
		.want_iter = true,
	};
	struct top_run r = { .a = a };
	int ret = 1;

	r.view = (struct view_opts){
		.by = a->copts.by,
		.prefix4 = a->copts.prefix4 > 0 ? a->copts.prefix4 : 32,
		.prefix6 = a->copts.prefix6 > 0 ? a->copts.prefix6 : 128,
		.mono_to_real_ns = clock_mono_to_real_ns(),
	};
	r.c = collector__new(&a->copts);
	if (!r.c) {
		elog("out of memory");
		return 1;
	}
	if (a->common.json && !(r.jw = jw_new(stdout))) {
		elog("out of memory");
		goto out;
	}
	r.l = loader__new(&lo, on_event, &r);
	if (!r.l)
		goto out;
	vlog("%s: source %s", a->snapshot ? "snapshot" : "top",
	     a->snapshot ? "iter/tcp" : loader__mode(r.l));
	if (a->snapshot)
		ret = sweep_now(&r) || render(&r, false) ? 1 : 0;
	else
		ret = run_top(&r);
out:
	loader__free(r.l);
	jw_free(r.jw);
	collector__free(r.c);
	return ret;
}

static int top_main(int argc, char **argv, bool snapshot)
{
	const char *cmd = snapshot ? "snapshot" : "top";
	struct top_args a = {};
	int ret;

	ww_common_init(&a.common);
	a.snapshot = snapshot;
	a.interval_ns = 1000000000ull;
	a.copts.sort_state = -1;
	ret = parse_args(argc, argv, &a, cmd);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (snapshot && (a.once || a.common.duration_ns || a.interval_ns != 1000000000ull))
		return usage_error("snapshot: --once, --interval and --duration apply to top");
	return run(&a);
}

int cmd_top(int argc, char **argv)
{
	return top_main(argc, argv, false);
}

int cmd_snapshot(int argc, char **argv)
{
	return top_main(argc, argv, true);
}
