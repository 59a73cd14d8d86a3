// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitwatch report FILE: the very same collector over a recording, printing
 * what `top --once` would have printed at its end (or at --at). Needs no
 * root and no BPF: it runs on any Linux machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cmd.h"
#include "collector.h"
#include "json_writer.h"
#include "log.h"
#include "options.h"
#include "privs.h"
#include "format.h"
#include "record.h"
#include "record_file.h"
#include "replay.h"
#include "out_json.h"
#include "out_term.h"

#define RATE_WINDOW_NS 1000000000ull /* rates over the last second, as top shows them */

enum {
	OPT_AT = OPT_FIRST_LOCAL,
};

struct report_args {
	struct collector_opts copts;
	const char *path;
	const char *at;
	bool json;
};

static const char report_about[] =
	"Replay a recording (waitwatch record) through the collector and print what\n"
	"`waitwatch top --once` would have printed at its end, or at --at. Needs\n"
	"neither root nor BPF.\n";

static const struct ww_opt report_opts[] = {
	{ "at", OPT_AT, "TIME", "+DURATION from the start (+90s, +5m), or a UTC time "
	  "YYYY-MM-DDTHH:MM:SS[Z]", WW_INTO(struct report_args, at, WW_V_STRING) },
	WW_GROUP(WW_COMMON_OPTS),
	WW_GROUP(WW_ENDPOINT_OPTS),
	WW_GROUP(WW_ENDPOINT_OUTPUT_OPTS),
	{},
};

static int report_local(int opt, const char *arg, void *ctx, char *err, size_t len)
{
	struct report_args *a = ctx;

	switch (opt) {
	case OPT_JSON:
		a->json = true;
		return 1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct report_args *a)
{
	struct ww_parser p = {
		.cmd = "report", .synopsis = "FILE [OPTIONS]", .about = report_about,
		.opts = report_opts, .epilogue =
			"Exit status 1 when the file is damaged: a file cut off inside a block is\n"
			"still reported up to there, with a warning naming the byte offset.\n",
		.copts = &a->copts, .local = report_local, .ctx = a,
		.min_args = 1, .max_args = 1,
	};
	int first, ret = ww_parse(argc, argv, &p, &first);

	if (!ret)
		a->path = argv[first];
	return ret;
}

/* --at as a CLOCK_MONOTONIC time of the recording; 0 with err on a bad value. */
static __u64 parse_at(const char *s, const struct rec_meta *m, __u64 first_ts, char *err,
		      size_t len)
{
	struct tm tm = {};
	uint64_t off;
	char *end;
	time_t t;

	__u64 at;
	__s64 real_ns, mono_ns;

	if (s[0] == '+') {
		if (parse_duration(s + 1, &off, err, len))
			return 0;
		if (__builtin_add_overflow(first_ts, off, &at))
			goto too_late;
		return at;
	}
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || (*end && strcmp(end, "Z"))) {
		snprintf(err, len, "--at '%.40s' must be +DURATION or YYYY-MM-DDTHH:MM:SS[Z]", s);
		return 0;
	}
	t = timegm(&tm);
	/* a date or a header's clock offset far enough out overflows: say so */
	if (__builtin_mul_overflow((__s64)t, 1000000000ll, &real_ns) ||
	    __builtin_sub_overflow(real_ns, m->mono_to_real_ns, &mono_ns))
		goto too_late;
	if (mono_ns <= 0) {
		snprintf(err, len, "--at '%.40s' is before the recording", s);
		return 0;
	}
	return (__u64)mono_ns;
too_late:
	snprintf(err, len, "--at '%.40s' is beyond any time a recording can hold", s);
	return 0;
}

static void print(const struct report_args *a, struct snapshot *snap, const struct replay *rp,
		  const struct rec_meta *m)
{
	struct view_opts v = {
		.by = a->copts.by,
		.prefix4 = a->copts.prefix4 ? a->copts.prefix4 : 32,
		.prefix6 = a->copts.prefix6 ? a->copts.prefix6 : 128,
		.mono_to_real_ns = m->mono_to_real_ns,
	};
	char source[48];
	struct view_meta vm = {
		.source = source,
		.events = rp->counters.events,
		.lost = rp->counters.rb_drops + rp->counters.recursion_misses,
	};
	struct json_writer *jw;

	char program[sizeof(m->program)];

	text_printable(program, sizeof(program), m->program, sizeof(m->program));
	snprintf(source, sizeof(source), "%s (recorded)", program[0] ? program : "?");
	if (!a->json) {
		out_term_snapshot(stdout, snap, &v, &vm);
		return;
	}
	jw = jw__new(stdout);
	if (jw)
		out_json_snapshot(jw, snap, &v, &vm);
	jw__free(jw);
}

/*
 * A first, quick pass (nothing is replayed), on a reader of its own opened
 * before the privileges went: the last time the recording holds, and how
 * its reading ends: 0, or -errno with err set (-ENODATA: cut off inside a
 * block). --at stops replaying before the end, so this is where it learns
 * of damage after that time.
 */
static int scan(struct rec_reader *r, __u64 *last, char *err, size_t len)
{
	struct rec_item it;
	int ret;

	*last = 0;
	while ((ret = rec_reader__next(r, &it, err, len)) > 0)
		if (rec_item_ts(&it) > *last)
			*last = rec_item_ts(&it);
	return ret;
}

/* Replay to the end (or --at) and take the snapshot there; rates over its last second. */
static int replay_and_print(const struct report_args *a, struct rec_reader *r,
			    struct rec_reader *first_pass)
{
	const struct rec_meta *m = rec_reader__meta(r);
	char err[WW_ERR_LEN + 64], scan_err[WW_ERR_LEN + 64];
	struct snapshot snap;
	struct collector *c;
	struct replay rp;
	__u64 at = 0, last;
	int ret = 0, scanned;

	c = collector__new(&a->copts);
	if (!c)
		return elog("out of memory"), 1;
	replay__init(&rp, r);
	if (a->at) {
		at = parse_at(a->at, m, m->start_ns, err, sizeof(err));
		if (!at) {
			collector__free(c);
			return ww_usage_error("report", "%s", err);
		}
	}
	scanned = scan(first_pass, &last, scan_err, sizeof(scan_err));
	if (!a->at)
		at = last;
	if (at) {
		/* a snapshot one second before sets the base of the rates */
		ret = replay__until(&rp, c, at > RATE_WINDOW_NS ? at - RATE_WINDOW_NS : 1, err,
				   sizeof(err));
		if (!ret && !collector__snapshot(c, at - RATE_WINDOW_NS, true, &snap))
			snapshot__free(&snap);
		if (!ret)
			ret = replay__until(&rp, c, at, err, sizeof(err));
	}
	if (!ret && !a->at)
		ret = replay__until(&rp, c, 0, err, sizeof(err));
	/* the damage a full read meets, with the same warning or error */
	if (!ret && a->at && scanned) {
		ret = scanned;
		snprintf(err, sizeof(err), "%s", scan_err);
	}
	if (ret && ret != -ENODATA) {
		elog("%s: %s", a->path, err);
		collector__free(c);
		return ret;
	}
	if (ret == -ENODATA)
		wlog("%s: %s", a->path, err);
	if (collector__snapshot(c, at ? at : rp.last_ts, true, &snap)) {
		collector__free(c);
		return elog("out of memory"), 1;
	}
	print(a, &snap, &rp, m);
	fflush(stdout);
	snapshot__free(&snap);
	collector__free(c);
	return ret ? 1 : 0;
}

static int report_parse(int argc, char **argv, void *args)
{
	struct report_args *a = args;

	a->copts.sort_state = -1;
	return parse_args(argc, argv, a);
}

static int report_run(void *args, int argc, char **argv)
{
	const struct report_args *a = args;
	char err[WW_ERR_LEN + 64];
	struct rec_reader *r, *first_pass = NULL;
	int ret;

	r = rec_reader__open(a->path, err, sizeof(err));
	if (r)
		first_pass = rec_reader__open(a->path, err, sizeof(err));
	if (!r || !first_pass) {
		elog("%s: %s", a->path, err);
		rec_reader__close(r);
		return -EIO;
	}
	/* the file is open: nothing else needs a privilege */
	ret = privs__drop(0, NULL) ?: replay_and_print(a, r, first_pass);
	rec_reader__close(first_pass);
	rec_reader__close(r);
	return ret;
}

const struct ww_cmd cmd_report = {
	.name = "report", .summary = "what top would have shown, from a recording (no root)",
	.args_size = sizeof(struct report_args), .parse = report_parse, .run = report_run,
};
