// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitwatch trace: one line per TCP state transition, as it happens.
 *
 * Events reach user space through the ring buffer without wakeups; this
 * loop drains it every 100 ms, flushes the output, and once a second checks
 * the kernel's loss counters so that no loss goes unreported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include "cgnames.h"
#include "cmd.h"
#include "loader.h"
#include "log.h"
#include "options.h"
#include "privs.h"
#include "out_trace.h"
#include "record.h"
#include "record_file.h"

#define LOSS_CHECK_NS 1000000000ull

enum { OPT_COUNT_MAX = OPT_FIRST_LOCAL, OPT_REPLAY };

struct trace_state {
	struct trace_out out;
	uint64_t max_events; /* 0: no limit */
	uint64_t printed;
};

static const char trace_about[] =
	"Print one line per TCP state transition on this host, in every network\n"
	"namespace: who owns the socket, its addresses, the transition and the time\n"
	"spent in the old state (MS; '-' on a socket's first transition seen).\n";

struct trace_args {
	struct ww_filters filters;
	struct ww_common common;
	uint64_t max_events;
	const char *replay; /* a recording instead of the kernel */
};

static const struct ww_opt trace_opts[] = {
	{ "count", OPT_COUNT_MAX, "N", "stop after N transitions",
	  WW_INTO(struct trace_args, max_events, WW_V_COUNT) },
	{ "replay", OPT_REPLAY, "FILE", "print the transitions of a recording (waitwatch record) "
	  "instead; needs no root", WW_INTO(struct trace_args, replay, WW_V_STRING) },
	WW_GROUP(WW_COMMON_OPTS),
	WW_GROUP(WW_SOCKET_FILTER_OPTS),
	WW_GROUP(WW_TRANSITION_FILTER_OPTS),
	WW_GROUP(WW_TRACING_OPTS),
	WW_GROUP(WW_OUTPUT_OPTS),
	{},
};

static int on_event(void *ctx, const struct ww_event *e)
{
	struct trace_state *ts = ctx;

	trace_out__event(&ts->out, e);
	if (ts->max_events && ++ts->printed >= ts->max_events)
		return -ECANCELED; /* stops the drain */
	return 0;
}

static int parse_args(int argc, char **argv, struct trace_args *a)
{
	struct ww_parser p = {
		.cmd = "trace", .synopsis = "[OPTIONS]", .about = trace_about, .opts = trace_opts,
		.epilogue = "Examples:\n"
			    "  waitwatch trace --state time-wait,close-wait\n"
			    "  waitwatch trace --json --port 5432 | jq .\n",
		.filters = &a->filters, .common = &a->common,
		.ctx = a,
	};
	int first;

	ww_common_init(&a->common);
	return ww_parse(argc, argv, &p, &first);
}

static int trace_parse(int argc, char **argv, void *args)
{
	return parse_args(argc, argv, args);
}

/* A pipe whose reader closed reports an error even with nothing to write. */
static bool reader_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

/* Warn at most once a second while the kernel reports losses. */
static void check_losses(struct loader *l, struct loader_counters *last)
{
	struct loader_counters now;
	uint64_t rb, rec;

	if (loader__counters(l, &now))
		return;
	rb = now.rb_drops - last->rb_drops;
	rec = now.recursion_misses - last->recursion_misses;
	if (rb || rec)
		wlog("lost %llu events in the last second (ring buffer full: %llu, "
		     "program could not run: %llu)%s",
		     (unsigned long long)(rb + rec), (unsigned long long)rb,
		     (unsigned long long)rec, rb ? "; raise --ringbuf-size" : "");
	*last = now;
}

static void summary(struct loader *l, const struct loader_counters *start)
{
	struct loader_counters c;

	if (loader__counters(l, &c)) {
		elog("cannot read the kernel's counters at exit");
		return;
	}
	fprintf(stderr,
		"waitwatch: %llu events, %llu lost (ring buffer full: %llu, program could not "
		"run: %llu), %llu filtered out, %llu without per-socket state; program: %s\n",
		(unsigned long long)(c.events - c.filtered),
		(unsigned long long)(c.rb_drops + c.recursion_misses - start->recursion_misses),
		(unsigned long long)c.rb_drops,
		(unsigned long long)(c.recursion_misses - start->recursion_misses),
		(unsigned long long)c.filtered, (unsigned long long)c.storage_fail,
		loader__mode(l));
}

static int run(struct loader *l, struct trace_state *ts, const struct trace_args *a)
{
	uint64_t start = now_mono_ns(), next_check = start + LOSS_CHECK_NS;
	struct loader_counters last, first;
	int n = 0;

	loader__counters(l, &first);
	last = first;
	while (!ww_exiting) {
		seccomp__selftest();
		n = loader__drain(l);
		trace_out__flush(&ts->out);
		/* the reader went away (trace | head): stop as a pipeline expects */
		if (fflush(stdout) || ferror(stdout) || reader_gone())
			break;
		if (n == -ECANCELED)
			break;
		if (n < 0 && n != -EINTR) {
			elog("reading the ring buffer failed: %s", strerror(-n));
			return n;
		}
		if (now_mono_ns() >= next_check) {
			check_losses(l, &last);
			next_check += LOSS_CHECK_NS;
		}
		if (a->common.duration_ns && now_mono_ns() - start >= a->common.duration_ns)
			break;
		/* --count may be reached by what the wait drained */
		if (!ww_exiting && loader__wait(l, LOADER_DRAIN_NS) == -ECANCELED) {
			n = -ECANCELED;
			break;
		}
	}
	/* Whatever the kernel already wrote is still shown. */
	if (n != -ECANCELED)
		loader__drain_final(l);
	trace_out__flush(&ts->out);
	fflush(stdout);
	summary(l, &first);
	return 0;
}

/* The events of a recording, through the same filters and output. */
static int replay(const struct trace_args *a)
{
	char err[WW_ERR_LEN + 64];
	struct trace_state ts = { .max_events = a->max_events };
	struct rec_reader *r;
	struct rec_item it;
	int ret = 0;

	r = rec_reader__open(a->replay, err, sizeof(err));
	if (!r) {
		elog("%s: %s", a->replay, err);
		return -EIO;
	}
	ret = privs__drop(0, NULL); /* the file is open: nothing else needs a privilege */
	if (ret)
		goto out;
	if (trace_out__init(&ts.out, stdout, a->common.json,
			   rec_reader__meta(r)->mono_to_real_ns)) {
		elog("out of memory");
		ret = -ENOMEM;
		goto out;
	}
	while (!ww_exiting && (ret = rec_reader__next(r, &it, err, sizeof(err))) > 0) {
		if (it.type != REC_EVENT || !filters__match_event(&a->filters, &it.event))
			continue;
		if (on_event(&ts, &it.event) == -ECANCELED)
			break;
	}
	trace_out__flush(&ts.out);
	fflush(stdout);
	if (ret < 0)
		elog("%s: %s", a->replay, err);
	trace_out__fini(&ts.out);
out:
	rec_reader__close(r);
	return ret < 0 ? ret : 0;
}

static int trace_run(void *args, int argc, char **argv)
{
	const struct trace_args *a = args;
	struct trace_state ts = {};
	struct loader_opts lo;
	struct loader *l;
	int ret;

	if (a->replay)
		return replay(a);
	lo = (struct loader_opts){
		.filters = &a->filters,
		.ringbuf_bytes = a->common.ringbuf_bytes,
		.force_classic = a->common.force_classic,
		.want_events = true,
	};
	ts.max_events = a->max_events;
	if (trace_out__init(&ts.out, stdout, a->common.json, clock_mono_to_real_ns())) {
		elog("out of memory");
		return -ENOMEM;
	}
	ts.out.names = cgnames__names;
	l = loader__new(&lo, on_event, &ts);
	if (!l) {
		ret = -EPERM; /* printed: privileges, BTF, the tracepoint */
		goto out;
	}
	/* no sweep, no owner: the rings need no capability */
	ret = privs__steady(0, NULL, a->common.no_seccomp ? -1 : SECCOMP_TRACE);
	if (ret)
		goto free;
	vlog("tracing TCP state transitions with %s; Ctrl-C to stop", loader__mode(l));
	ret = run(l, &ts, a);
free:
	loader__free(l);
out:
	trace_out__fini(&ts.out);
	return ret;
}

const struct ww_cmd cmd_trace = {
	.name = "trace", .summary = "print every TCP state transition as it happens",
	.args_size = sizeof(struct trace_args), .parse = trace_parse, .run = trace_run,
};
