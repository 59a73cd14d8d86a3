// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitwatch diagram: the TCP state machine drawn with what this host did,
 * as a standalone SVG (or DOT, or the JSON model): each state's sockets at
 * the end, each arrow's transitions over the window. Live, the window is
 * --duration of tracing and ends on a sweep; from a recording (--replay,
 * no root needed), the whole recording.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cmd.h"
#include "collector.h"
#include "diagram.h"
#include "format.h"
#include "log.h"
#include "options.h"
#include "out_diagram.h"
#include "privs.h"
#include "record.h"
#include "record_file.h"
#include "replay.h"
#include "session.h"

#define DEFAULT_DURATION_NS (5 * 1000000000ull)
#define SWEEP_NS 1000000000ull /* TIME_WAIT exits are exact at each sweep */

enum {
	OPT_REPLAY = OPT_FIRST_LOCAL,
	OPT_DOT,
	OPT_OUTPUT,
};

struct diagram_args {
	struct ww_filters filters;
	struct ww_common common;
	const char *replay;
	const char *output;
	bool dot;
	bool json;
};

static const char diagram_about[] =
	"Draw the TCP state machine (RFC 793's figure) with what this host did: in\n"
	"each state's box its sockets at the end, on each arrow the transitions\n"
	"over the window, its width by their number; arrows never taken faint,\n"
	"resets and errors marked, TIME_WAIT's entries and exits inferred (no\n"
	"event names TIME_WAIT). Live: --duration of tracing (default 5s), ending\n"
	"on a sweep of the kernel's table. --replay: a whole recording, without\n"
	"root. A standalone SVG on stdout unless --dot, --json or -o say otherwise.\n";

static const struct ww_opt diagram_opts[] = {
	{ "replay", OPT_REPLAY, "FILE", "a recording (waitwatch record) instead of tracing",
	  WW_INTO(struct diagram_args, replay, WW_V_STRING) },
	{ "output", 'o', "FILE", "write there (created, or truncated; default stdout)",
	  WW_INTO(struct diagram_args, output, WW_V_STRING) },
	{ "dot", OPT_DOT, NULL, "Graphviz DOT instead of SVG",
	  WW_INTO(struct diagram_args, dot, WW_V_FLAG) },
	{ "json", OPT_JSON, NULL, "the model as one JSON document (version, boxes, arrows)",
	  WW_INTO(struct diagram_args, json, WW_V_FLAG) },
	WW_GROUP(WW_COMMON_OPTS),
	WW_GROUP(WW_SOCKET_FILTER_OPTS),
	WW_GROUP(WW_TRACING_OPTS),
	{},
};

static bool filters_set(const struct ww_filters *f)
{
	static const struct ww_filters none;

	return memcmp(f, &none, sizeof(none)) != 0;
}

static int parse_args(int argc, char **argv, struct diagram_args *a)
{
	struct ww_parser p = {
		.cmd = "diagram", .synopsis = "[--duration SECS | --replay FILE] [OPTIONS]",
		.about = diagram_about, .opts = diagram_opts, .filters = &a->filters,
		.common = &a->common, .ctx = a,
		.epilogue = "Exit status 1 when the recording is damaged: a file cut off inside a\n"
			    "block is still drawn up to there, with a warning.\n",
	};
	struct ww_common defaults;
	int first, ret = ww_parse(argc, argv, &p, &first);

	if (ret)
		return ret;
	if (a->dot && a->json)
		return ww_usage_error("diagram", "--dot and --json exclude each other");
	ww_common_init(&defaults);
	if (a->replay && (memcmp(&a->common, &defaults, sizeof(defaults)) ||
			  filters_set(&a->filters)))
		return ww_usage_error("diagram", "--replay takes no tracing option or filter");
	return 0;
}

static enum diagram_format format_of(const struct diagram_args *a)
{
	return a->dot ? DIAGRAM_DOT : a->json ? DIAGRAM_JSON : DIAGRAM_SVG;
}

/* The model from the collector at the window's end. */
static int model(struct diagram *d, struct collector *c, __u64 start, __u64 end)
{
	struct snapshot snap;

	if (collector__snapshot(c, end, false, &snap)) {
		elog("out of memory taking a snapshot");
		return -ENOMEM;
	}
	diagram__build(d, snap.totals, collector__flow(c));
	snapshot__free(&snap);
	d->start_ns = start;
	d->end_ns = end;
	return 0;
}

/* Write it: the output file was opened before any privilege went. */
static int emit(const struct diagram_args *a, FILE *out, const struct diagram *d)
{
	int err = out_diagram(out, d, format_of(a));

	if (!err && fflush(out))
		err = -errno;
	if (err)
		elog("%s: cannot write: %s", a->output ?: "stdout", strerror(-err));
	return err;
}

static int from_recording(const struct diagram_args *a, FILE *out)
{
	struct collector_opts copts = { .sort_state = -1 };
	char err[WW_ERR_LEN + 64], program[16];
	const struct rec_meta *m;
	struct collector *c = NULL;
	struct rec_reader *r;
	struct diagram d;
	struct replay rp;
	int ret;

	r = rec_reader__open(a->replay, err, sizeof(err));
	if (!r) {
		elog("%s: %s", a->replay, err);
		return -EIO;
	}
	ret = privs__drop(0, NULL);
	if (!ret && !(c = collector__new(&copts))) {
		elog("out of memory");
		ret = -ENOMEM;
	}
	if (ret)
		goto out;
	replay__init(&rp, r);
	ret = replay__until(&rp, c, 0, err, sizeof(err));
	if (ret && ret != -ENODATA) {
		elog("%s: %s", a->replay, err);
		goto out;
	}
	if (ret)
		wlog("%s: %s", a->replay, err);
	m = rec_reader__meta(r);
	if (model(&d, c, m->start_ns ?: rp.first_ts, rp.last_ts)) {
		ret = -ENOMEM;
		goto out;
	}
	d.mono_to_real_ns = m->mono_to_real_ns;
	text_printable(program, sizeof(program), m->program, sizeof(m->program));
	snprintf(d.source, sizeof(d.source), "recording (%s)", program[0] ? program : "?");
	ret = emit(a, out, &d) ?: ret;
out:
	collector__free(c);
	rec_reader__close(r);
	return ret;
}

static int live(const struct diagram_args *a, FILE *out)
{
	struct collector_opts copts = { .sort_state = -1 };
	struct session_loop lp = { .sweep_at_end = true };
	struct ww_common common = a->common;
	struct session s;
	struct diagram d;
	__u64 start;
	int ret, err;

	if (!common.duration_ns)
		common.duration_ns = DEFAULT_DURATION_NS;
	lp.duration_ns = common.duration_ns;
	lp.interval_ns = common.duration_ns < SWEEP_NS ? common.duration_ns : SWEEP_NS;
	ret = session__open(&s, &a->filters, &common, &copts, true);
	if (ret)
		return ret;
	ret = session__steady(&a->filters, &common, false);
	start = now_mono_ns();
	if (!ret)
		ret = session__run(&s, &lp);
	if (!ret)
		ret = model(&d, s.c, start, now_mono_ns());
	if (!ret) {
		d.mono_to_real_ns = clock_mono_to_real_ns();
		snprintf(d.source, sizeof(d.source), "live (%s)", loader__mode(s.l));
		ret = emit(a, out, &d);
	}
	err = session__close(&s);
	return ret ?: err;
}

static int diagram_parse(int argc, char **argv, void *args)
{
	struct diagram_args *a = args;

	ww_common_init(&a->common);
	return parse_args(argc, argv, a);
}

static int diagram_run(void *args, int argc, char **argv)
{
	const struct diagram_args *a = args;
	FILE *out = stdout;
	int ret;

	if (a->output && !(out = fopen(a->output, "w"))) {
		ret = -errno;
		elog("%s: %s", a->output, strerror(-ret));
		return ret;
	}
	ret = a->replay ? from_recording(a, out) : live(a, out);
	if (out != stdout && fclose(out) && !ret) {
		elog("%s: %s", a->output, strerror(errno));
		ret = -EIO;
	}
	return ret;
}

const struct ww_cmd cmd_diagram = {
	.name = "diagram", .summary = "the TCP state machine drawn with this host's transitions (SVG)",
	.args_size = sizeof(struct diagram_args), .parse = diagram_parse, .run = diagram_run,
};
