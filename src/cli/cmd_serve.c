// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * waitwatch serve: a Prometheus exporter.
 *
 * This thread drains events every 100 ms and, every interval, sweeps the
 * kernel's table, renders the whole /metrics page (plain and gzip) and
 * publishes it; libmicrohttpd's thread serves the last page published.
 * Scrapes never touch the collector, so no client can slow the drain.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include "cmd.h"
#include "gzip.h"
#include "cgnames.h"
#include "history.h"
#include "diagram.h"
#include "out_diagram.h"
#include "http.h"
#include "json_writer.h"
#include "log.h"
#include "options.h"
#include "out_trace.h"
#include "out_prom.h"
#include "out_web.h"
#include "privs.h"
#include "procfs.h"
#include "recorder.h"
#include "session.h"
#include "suspects.h"
#include "version.h"
#include "webconfig_file.h"
#include "ws.h"

#define SERVE_DEFAULT_MAX_ENDPOINTS 100
#define PORT_STR WW_STR(WW_DEFAULT_PORT) /* in --help */

enum {
	OPT_LISTEN = OPT_FIRST_LOCAL,
	OPT_MAX_CONNECTIONS,
	OPT_RECORD,
	OPT_RECORD_MAX,
	OPT_USER,
	OPT_WEB_CONFIG,
	OPT_LABELS,
};

struct serve_args {
	struct ww_filters filters;
	struct ww_common common;
	struct collector_opts copts;
	struct http_opts http;
	uint64_t interval_ns;
	const char *record;     /* also record to this file */
	uint64_t record_max;    /* rotate it past this size */
	const char *user;       /* run as this user once started */
	const char *web_config; /* --web.config.file: TLS, passwords */
	unsigned int labels;    /* --labels: CGF_BIT()s */
};

static const char serve_about[] =
	"Export TCP sockets per endpoint and state, transitions, time in state,\n"
	"the oldest CLOSE_WAIT and port pressure for Prometheus at /metrics; a live\n"
	"page at / with its JSON API and WebSockets under /api/v1 (docs/api.md).\n";

static const struct ww_opt serve_opts[] = {
	{ "interval", 'i', "SECS", "sweep and rebuild /metrics every SECS (default 1s)",
	  WW_INTO(struct serve_args, interval_ns, WW_V_INTERVAL) },
	WW_GROUP(WW_COMMON_OPTS),
	WW_HEADING("HTTP:"),
	{ "listen", OPT_LISTEN, "ADDR:PORT", "where to serve (default 127.0.0.1:" PORT_STR "; use "
	  "0.0.0.0:" PORT_STR " or [::]:" PORT_STR " to expose it)" },
	{ "max-connections", OPT_MAX_CONNECTIONS, "N", "concurrent HTTP connections (default "
	  WW_STR(WW_HTTP_MAX_CONNECTIONS) ")" },
	{ "user", OPT_USER, "USER", "once started, run as USER (default nobody), keeping only "
	  "the capabilities the sweeps need; root keeps uid 0",
	  WW_INTO(struct serve_args, user, WW_V_STRING) },
	{ "web.config.file", OPT_WEB_CONFIG, "FILE", "TLS, client certificates and passwords "
	  "from FILE, in the Prometheus exporter toolkit's format (docs/security.md); a FILE "
	  "that cannot be applied stops serve", WW_INTO(struct serve_args, web_config, WW_V_STRING) },
	WW_HEADING("Recording:"),
	{ "record", OPT_RECORD, "FILE", "also record everything to FILE (waitwatch record)",
	  WW_INTO(struct serve_args, record, WW_V_STRING) },
	{ "record-max-size", OPT_RECORD_MAX, "SIZE", "past SIZE (default 100M), move FILE to "
	  "FILE.1 and start a new one", WW_INTO(struct serve_args, record_max, WW_V_SIZE) },
	WW_GROUP(WW_ENDPOINT_OPTS),
	{ "max-endpoints", OPT_MAX_ENDPOINTS, "N", "rows kept exact; the rest fold into 'other' "
	  "(default " WW_STR(SERVE_DEFAULT_MAX_ENDPOINTS) ")" },
	{ "labels", OPT_LABELS, "L[,L]", "also split rows by the sockets' container, pod or "
	  "systemd unit, as labels container, pod and pod_namespace, unit (within "
	  "--max-endpoints)" },
	WW_GROUP(WW_SOCKET_FILTER_OPTS),
	WW_GROUP(WW_TRACING_OPTS),
	{},
};

static int serve_local(int opt, const char *arg, void *ctx, char *err, size_t len)
{
	struct serve_args *a = ctx;
	uint64_t v;
	int ret;

	switch (opt) {
	case OPT_LISTEN:
		return http_parse_listen(arg, &a->http.addr, err, len) ?: 1;
	case OPT_MAX_CONNECTIONS:
		ret = parse_u64(arg, 1, 65536, &v, err, len);
		if (ret) {
			snprintf(err, len, "--max-connections '%.32s' must be from 1 to 65536", arg);
			return ret;
		}
		a->http.max_connections = v;
		return 1;
	case OPT_LABELS:
		ret = cg_labels_parse(arg, &a->labels, &a->copts.group_by, err, len);
		if (ret)
			return ret;
		a->copts.split_by_group = true;
		return 1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct serve_args *a)
{
	struct ww_parser p = {
		.cmd = "serve", .synopsis = "[OPTIONS]", .about = serve_about, .opts = serve_opts,
		.filters = &a->filters, .common = &a->common, .copts = &a->copts,
		.local = serve_local, .ctx = a,
	};
	int first;

	return ww_parse(argc, argv, &p, &first);
}

/* ---- what the exporter says about itself --------------------------------- */

/* CPU time and start time from /proc/self/stat, RSS from statm. */
static void process_stats(struct prom_self *m)
{
	unsigned long long utime, stime, start, pages;
	double tick = sysconf(_SC_CLK_TCK);
	char buf[1024], *p;
	FILE *f;

	f = fopen("/proc/self/stat", "r");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d "
				  "%*d %*d %*d %*d %llu",
			   &utime, &stime, &start) == 3) {
			m->cpu_seconds = (utime + stime) / tick;
			m->start_time_seconds = procfs__boot_time_s() + start / tick;
		}
		fclose(f);
	}
	f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%*u %llu", &pages) == 1)
			m->rss_bytes = (double)pages * sysconf(_SC_PAGESIZE);
		fclose(f);
	}
}

/* Room for every allowed connection besides the BPF maps, links and /proc reads. */
static void raise_fd_limit(unsigned int connections)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	if (rl.rlim_cur < connections + 256) {
		rl.rlim_cur = connections + 256 < rl.rlim_max ? connections + 256 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ---- the loop ----------------------------------------------------------------- */

struct serve_run {
	struct serve_args *a;
	struct session s;
	struct http_server *http;
	struct view_opts view;
	struct utsname uts;
	struct leak_watch leaks;
	struct history history; /* the page's chart */
	const struct history_sample *new_sample; /* this refresh's, while it is rendered */
	uint64_t web_seq;
	uint64_t start_ns; /* the diagram's window starts here */
};

static void self_now(struct serve_run *r, struct prom_self *m)
{
	struct loader_counters c = {};
	struct cgnames_stats cg;

	memset(m, 0, sizeof(*m));
	loader__counters(r->s.l, &c);
	m->events = c.events - c.filtered;
	m->rb_drops = c.rb_drops;
	m->recursion_misses = c.recursion_misses;
	m->run_cnt = c.run_cnt;
	m->http_refused = http__refused(r->http);
	m->sweep_seconds = r->s.last_sweep_seconds;
	m->version = WW_VERSION;
	m->revision = WW_GIT_REV;
	m->kernel = r->uts.release;
	m->program = loader__mode(r->s.l);
	m->record_asked = r->a->record;
	m->recording = r->s.rec; /* the session drops it at a write error */
	cgnames__stats(&cg);
	m->cgroups_resolved = cg.resolved;
	m->cgroups_unresolved = cg.unresolved;
	m->cgroups_evicted = cg.evicted;
	m->containers_named = cg.runtime_names;
	m->containers_unnamed = cg.runtime_none;
	process_stats(m);
}

/* What a json writer writes, as a NUL-terminated string; NULL: out of memory. */
typedef void (*doc_fn)(struct json_writer *jw, struct serve_run *r, const struct snapshot *s);

static char *render_doc(doc_fn fn, struct serve_run *r, const struct snapshot *snap)
{
	struct json_writer *jw;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	jw = jw__new(f);
	if (jw) {
		fn(jw, r, snap);
		jw__free(jw);
	}
	if (fclose(f) || !jw) {
		free(text);
		return NULL;
	}
	while (len && text[len - 1] == '\n') /* the writer ends a document with one */
		text[--len] = 0;
	return text;
}

static void doc_history(struct json_writer *jw, struct serve_run *r, const struct snapshot *s)
{
	out_web_history(jw, &r->history, r->a->interval_ns, r->view.mono_to_real_ns);
}

static void doc_sample(struct json_writer *jw, struct serve_run *r, const struct snapshot *s)
{
	out_web_sample(jw, r->new_sample, r->view.mono_to_real_ns);
}

/* The page's state diagram: drawn here, by the same code as `waitwatch diagram`. */
static char *diagram_svg(struct serve_run *r, const struct snapshot *s)
{
	struct diagram d;
	char *svg = NULL;
	size_t len;

	diagram__build(&d, s->totals, collector__flow(r->s.c));
	d.start_ns = r->start_ns;
	d.end_ns = s->ts_ns;
	d.mono_to_real_ns = r->view.mono_to_real_ns;
	snprintf(d.source, sizeof(d.source), "live (%s)", loader__mode(r->s.l));
	if (out_diagram_buf(&d, DIAGRAM_SVG, &svg, &len))
		return NULL;
	return svg;
}

static void doc_diagram(struct json_writer *jw, struct serve_run *r, const struct snapshot *s)
{
	char *svg = diagram_svg(r, s);

	out_web_diagram(jw, s, r->view.mono_to_real_ns, collector__flow(r->s.c), svg);
	free(svg);
}

static void doc_leaks(struct json_writer *jw, struct serve_run *r, const struct snapshot *s)
{
	out_web_leaks(jw, &r->leaks.rep, r->leaks.s.min_age_ns,
		      s->ts_ns + r->view.mono_to_real_ns);
}

/* The table's rows, "other" last when it holds anything. */
static int web_rows(struct web_docs *d, const struct snapshot *s, const struct view_opts *v)
{
	bool other = s->other.folded || s->other.count[WW_TCP_TIME_WAIT] ||
		     s->other.count[WW_TCP_CLOSE_WAIT] || s->other.count[WW_TCP_ESTABLISHED];

	d->rows = calloc(s->nrows + 1, sizeof(*d->rows));
	if (!d->rows)
		return -ENOMEM;
	for (size_t i = 0; i < s->nrows; i++)
		web_row_of(&d->rows[d->nrows++], &s->rows[i], v, s->ts_ns);
	if (other)
		web_row_of(&d->rows[d->nrows++], &s->other, v, s->ts_ns);
	return 0;
}

/*
 * The documents of /api/v1 and the page's WebSocket, for this refresh:
 * built here, on the collector's loop, from its snapshot; the HTTP and
 * WebSocket threads only read them.
 */
static int publish_web(struct serve_run *r, const struct snapshot *snap)
{
	struct web_docs *d = calloc(1, sizeof(*d));
	struct history_sample sample;
	int err = -ENOMEM;

	if (!d)
		return -ENOMEM;
	d->refs = 1;
	d->seq = ++r->web_seq;
	d->ts_real_ns = snap->ts_ns + r->view.mono_to_real_ns;
	d->by = r->view.by;
	d->prefix4 = r->view.prefix4;
	d->prefix6 = r->view.prefix6;
	memcpy(d->totals, snap->totals, sizeof(d->totals));
	history_sample_of(&sample, snap, r->view.by, r->view.prefix4, r->view.prefix6);
	r->new_sample = &sample;
	d->sample = render_doc(doc_sample, r, snap);
	sample.text = d->sample ? strdup(d->sample) : NULL;
	sample.text_len = sample.text ? strlen(sample.text) : 0;
	history__add(&r->history, &sample);
	if (web_rows(d, snap, &r->view))
		goto out;
	d->history = render_doc(doc_history, r, snap);
	d->diagram = render_doc(doc_diagram, r, snap);
	d->leaks = render_doc(doc_leaks, r, snap);
	if (!d->history || !d->sample || !d->diagram || !d->leaks)
		goto out;
	http__publish_web(r->http, d);
	err = 0;
out:
	web_docs__put(d);
	return err;
}

static void web_now(struct serve_run *r, struct prom_web *w)
{
	struct ws_counters c;
	uint64_t origin, handshake, full;

	http__ws_counters(r->http, &c, &origin, &handshake, &full);
	*w = (struct prom_web){
		.clients = c.clients, .accepted = c.accepted, .dropped = c.dropped,
		.closed_protocol = c.closed_protocol, .messages_sent = c.messages_sent,
		.messages_received = c.messages_received, .events_dropped = c.events_dropped,
		.refused_origin = origin, .refused_handshake = handshake, .refused_full = full,
		.history_samples = r->history.n, .history_capacity = r->history.cap,
	};
}

/* Render the page of this interval's sweep, compress it, hand it to the HTTP thread. */
static int render_page(struct serve_run *r)
{
	char *text = NULL, *gz = NULL;
	size_t len = 0, gzlen = 0;
	struct prom_self self;
	struct prom_web web;
	struct snapshot snap;
	FILE *f;

	if (collector__snapshot(r->s.c, now_mono_ns(), false, &snap))
		return -ENOMEM;
	self_now(r, &self);
	web_now(r, &web);
	f = open_memstream(&text, &len);
	if (!f)
		goto oom;
	prom_render(f, &snap, &r->view, &self);
	prom_render_leaks(f, &r->leaks.rep, WW_TCP_CLOSE_WAIT, r->view.labels);
	prom_render_web(f, &web);
	if (fclose(f) || gzip_buffer(text, len, &gz, &gzlen) || publish_web(r, &snap))
		goto oom;
	snapshot__free(&snap);
	http__publish(r->http, text, len, gz, gzlen);
	return 0;
oom:
	free(text);
	snapshot__free(&snap);
	return -ENOMEM;
}

static int publish(void *ctx)
{
	int err = render_page(ctx);

	if (err)
		elog("cannot build /metrics: %s", strerror(-err));
	return err;
}

static void reap(void *ctx)
{
	struct serve_run *r = ctx;

	if (http__reap(r->http))
		dlog("ended a connection that was too slow to send its request");
}

/* Each event, to /api/v1/stream's clients too (queued: never waits). */
static void stream_event(void *ctx, const struct ww_event *e)
{
	struct serve_run *r = ctx;

	if (r->http)
		http__event(r->http, e);
}

static int serve(struct serve_run *r)
{
	struct session_loop lp = session_loop__every(r->a->interval_ns, r->a->common.duration_ns,
						     publish, r);
	int ret;

	lp.tick_at_start = true;
	lp.turn = reap;

	/* the HTTP thread inherits the filter (TSYNC would cover it too) */
	ret = r->a->common.no_seccomp ? 0 : seccomp__install(SECCOMP_SERVE);
	if (ret)
		return ret;
	r->http = http__start(&r->a->http);
	if (!r->http)
		return -EADDRNOTAVAIL; /* printed */
	r->start_ns = now_mono_ns();
	ret = session__run(&r->s, &lp);
	vlog("served %llu scrapes", (unsigned long long)http__scrapes(r->http));
	http__stop(r->http);
	return ret;
}

static int serve_parse(int argc, char **argv, void *args)
{
	struct serve_args *a = args;
	char err[WW_ERR_LEN];

	*a = (struct serve_args){
		.copts = { .sort_state = -1, .max_endpoints = SERVE_DEFAULT_MAX_ENDPOINTS },
		.http = { .max_connections = WW_HTTP_MAX_CONNECTIONS,
			  .timeout_s = WW_HTTP_TIMEOUT_S,
			  .memory_limit = WW_HTTP_MEMORY_LIMIT },
		.interval_ns = 1000000000ull,
		.record_max = 100ull << 20,
		.user = "nobody",
	};
	ww_common_init(&a->common);
	http_parse_listen("127.0.0.1:10061", &a->http.addr, err, sizeof(err));
	return parse_args(argc, argv, a);
}

static int serve_run(void *args, int argc, char **argv)
{
	struct serve_args *a = args;
	struct serve_run r = { .a = a };
	struct web_setup web = {};
	struct session_tap leak_tap, stream_tap = { .event = stream_event, .ctx = &r };
	struct privs_user user;
	char options[512];
	int ret, cerr;

	ret = privs__lookup_user(a->user, &user);
	if (ret)
		return ww_usage_error("serve", "--user '%.64s': %s", a->user,
				      ret == -ENOENT ? "no such user" : strerror(-ret));
	if (a->web_config) {
		ret = web_setup__load(&web, a->web_config);
		if (ret)
			return ret; /* printed */
		a->http.web = &web;
	}
	uname(&r.uts);
	r.view = session__view(&a->copts);
	r.view.labels = a->labels;
	ret = session__open(&r.s, &a->filters, &a->common, &a->copts, true);
	if (ret) {
		web_setup__free(&web);
		return ret;
	}
	leak_watch__init(&r.leaks, &a->filters, a->copts.leak_age_ns);
	leak_watch__tap(&r.leaks, &leak_tap);
	session__add_tap(&r.s, &leak_tap);
	session__add_tap(&r.s, &stream_tap);
	a->http.mono_to_real_ns = r.view.mono_to_real_ns;
	a->http.stream_filter = ww_filter_by_name;
	if (history__init(&r.history, history_capacity(a->interval_ns))) {
		elog("out of memory");
		session__close(&r.s);
		leak_watch__free(&r.leaks);
		web_setup__free(&web);
		return -ENOMEM;
	}
	recorder__argv_text(options, sizeof(options), argc, argv);
	raise_fd_limit(a->http.max_connections);
	/*
	 * Bound as root, then run as --user; the recording is opened after,
	 * by the user that will rotate it, and the HTTP thread started last.
	 */
	ret = http__listen(&a->http) ?: privs__drop(privs__needs(true, a->filters.netns, true), &user);
	if (!ret && a->record)
		ret = session__record(&r.s, a->record, a->record_max, options, true);
	if (!ret)
		ret = serve(&r);
	cerr = session__close(&r.s);
	leak_watch__free(&r.leaks);
	history__free(&r.history);
	web_setup__free(&web);
	return ret ?: cerr;
}

const struct ww_cmd cmd_serve = {
	.name = "serve", .summary = "Prometheus exporter: /metrics per endpoint and state",
	.args_size = sizeof(struct serve_args), .parse = serve_parse, .run = serve_run,
};
