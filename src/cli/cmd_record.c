// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitwatch record: the initial sweep of the kernel's table, then every
 * event and every later sweep, into a compressed file that `report` and
 * `trace --replay` read anywhere, without root. It is the live session of
 * `top` with the collector's input written down.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "log.h"
#include "options.h"
#include "privs.h"
#include "recorder.h"
#include "session.h"

enum {
	OPT_OUTPUT = OPT_FIRST_LOCAL,
	OPT_MAX_SIZE,
};

struct record_args {
	struct ww_filters filters;
	struct ww_common common;
	const char *path;
	uint64_t max_size;
	uint64_t interval_ns;
};

static const char record_about[] =
	"Record the kernel's TCP socket table, then every state transition and a\n"
	"sweep of the table every interval, into FILE (zlib blocks with checksums).\n"
	"Read it anywhere, without root: waitwatch report FILE, waitwatch trace\n"
	"--replay FILE.\n";

static const struct ww_opt record_opts[] = {
	{ "output", 'o', "FILE", "the recording (created, or truncated)",
	  WW_INTO(struct record_args, path, WW_V_STRING) },
	{ "max-size", OPT_MAX_SIZE, "SIZE", "past SIZE (e.g. 100M), move FILE to FILE.1 and "
	  "start a new one (at most 2 x SIZE on disk)", WW_INTO(struct record_args, max_size, WW_V_SIZE) },
	{ "interval", 'i', "SECS", "sweep every SECS (default 1s): TIME_WAIT exits are exact at "
	  "each sweep", WW_INTO(struct record_args, interval_ns, WW_V_INTERVAL) },
	WW_GROUP(WW_COMMON_OPTS),
	WW_GROUP(WW_SOCKET_FILTER_OPTS),
	WW_GROUP(WW_TRACING_OPTS),
	{},
};

static int parse_args(int argc, char **argv, struct record_args *a)
{
	struct ww_parser p = {
		.cmd = "record", .synopsis = "-o FILE [OPTIONS]", .about = record_about,
		.opts = record_opts, .filters = &a->filters, .common = &a->common,
		.ctx = a,
	};
	int first, ret = ww_parse(argc, argv, &p, &first);

	if (!ret && !a->path)
		return ww_usage_error("record", "-o FILE is required");
	return ret;
}

static int record_parse(int argc, char **argv, void *args)
{
	struct record_args *a = args;

	a->interval_ns = 1000000000ull;
	ww_common_init(&a->common);
	return parse_args(argc, argv, a);
}

static int record_run(void *args, int argc, char **argv)
{
	const struct record_args *a = args;
	struct collector_opts copts = { .sort_state = -1 };
	struct session_loop lp = { .sweep_at_end = true };
	char options[512];
	struct session s;
	int ret, err;

	ret = session__open(&s, &a->filters, &a->common, &copts, true);
	if (ret)
		return ret;
	/* the recording is opened with the rights it is rotated with */
	ret = session__steady(&a->filters, &a->common, false);
	if (ret)
		goto out;
	recorder__argv_text(options, sizeof(options), argc, argv);
	ret = session__record(&s, a->path, a->max_size, options, false);
	if (ret)
		goto out;
	lp.interval_ns = a->interval_ns;
	lp.duration_ns = a->common.duration_ns;
	ret = session__run(&s, &lp);
	if (!ret)
		vlog("recorded %llu sweeps to %s", (unsigned long long)collector__stats(s.c)->sweeps,
		     a->path);
out:
	err = session__close(&s);
	return ret ?: err;
}

const struct ww_cmd cmd_record = {
	.name = "record", .summary = "record the socket table and every transition to a file",
	.args_size = sizeof(struct record_args), .parse = record_parse, .run = record_run,
};
