// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Snapshots in the Prometheus text exposition format, version 0.0.4.
 *
 * Each family is written whole (HELP, TYPE, then every sample) so that
 * the output is valid for promtool and every scraper. Series per endpoint
 * are bounded by --max-endpoints (docs/prometheus.md has the worst case);
 * the folded rest is endpoint="other".
 */
#include <string.h>
#include "format.h"
#include "leaks.h"
#include "out_prom.h"

/* Length of the valid UTF-8 sequence at s, 0 if none (overlong, surrogate, cut). */
static int utf8_len(const unsigned char *s)
{
	int n;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

/*
 * Label values are UTF-8: backslash, double quote and newline escaped, any
 * byte that is not valid UTF-8 (a comm may hold anything) as U+FFFD.
 */
void prom_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		int n = utf8_len(s);

		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (n)
			fwrite(s, 1, n, f);
		else
			fputs("\xef\xbf\xbd", f);
		s += n ? n : 1;
	}
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* serve --labels: ,container="...",pod="...",pod_namespace="...",unit="..." ("" unknown, other) */
static void cg_labels(FILE *f, const struct cg_names *n, unsigned int labels)
{
	char buf[CG_ID_LEN];

	for (int i = 0; i < CGF_N; i++) {
		if (!(labels & CGF_BIT(i)))
			continue;
		fprintf(f, ",%s=\"", cg_field_names[i]);
		prom_escape(f, cg_names_field(n, i, buf, sizeof(buf)));
		fputc('"', f);
	}
}

/* endpoint="...",direction="...",netns="..." */
static void ep_labels(FILE *f, const struct ep_row *r, const struct view_opts *v)
{
	char name[VIEW_NAME_LEN];

	if (r->is_other) {
		fputs("endpoint=\"other\",direction=\"\",netns=\"\"", f);
		cg_labels(f, NULL, v->labels);
		return;
	}
	view_endpoint_name(name, sizeof(name), r, v);
	fputs("endpoint=\"", f);
	prom_escape(f, name);
	fprintf(f, "\",direction=\"%s\",netns=\"%u\"", r->key.dir ? dir_label(r->key.dir) : "",
		r->key.netns);
	cg_labels(f, view_row_names(r, v), v->labels);
}

/* Every endpoint row, then "other" if anything was folded into it. */
#define for_each_row(s, r)                                                                 \
	for (size_t _i = 0; _i <= (s)->nrows; _i++)                                        \
		if ((r = _i < (s)->nrows ? &(s)->rows[_i] :                                \
			 ((s)->other.folded ? &(s)->other : NULL)))

/* A series of an endpoint, up to its labels: the caller adds its own and the value. */
static void series(FILE *f, const char *name, const struct ep_row *r, const struct view_opts *v)
{
	fputs(name, f);
	fputc('{', f);
	ep_labels(f, r, v);
}

static void state_sample(FILE *f, const char *name, const struct ep_row *r,
			 const struct view_opts *v, int state, unsigned long long value)
{
	series(f, name, r, v);
	fprintf(f, ",state=\"%s\"} %llu\n", tcp_state_name(state), value);
}

static void sockets_gauge(FILE *f, const struct snapshot *s, const struct view_opts *v)
{
	const struct ep_row *r;

	family(f, "waitwatch_sockets", "gauge",
	       "TCP sockets per endpoint and state, as ss shows them, exact at the last sweep.");
	for_each_row(s, r) {
		for (int i = 0; i < VIEW_NSTATES; i++)
			state_sample(f, "waitwatch_sockets", r, v, view_states[i],
				     r->count[view_states[i]]);
	}
	family(f, "waitwatch_host_sockets", "gauge", "TCP sockets per state on the host.");
	for (int i = 0; i < VIEW_NSTATES; i++)
		fprintf(f, "waitwatch_host_sockets{state=\"%s\"} %u\n",
			tcp_state_name(view_states[i]), s->totals[view_states[i]]);
}

static void entries_counter(FILE *f, const struct snapshot *s, const struct view_opts *v)
{
	static const int states[] = { WW_TCP_TIME_WAIT, WW_TCP_CLOSE_WAIT };
	const struct ep_row *r;

	family(f, "waitwatch_state_entries_total", "counter",
	       "Sockets that entered TIME_WAIT or CLOSE_WAIT, per endpoint.");
	for_each_row(s, r) {
		for (size_t i = 0; i < 2; i++)
			state_sample(f, "waitwatch_state_entries_total", r, v, states[i],
				     ep_stats_entries(&r->stats, states[i]));
	}
}

static void transitions_counter(FILE *f, const struct snapshot *s, const struct view_opts *v)
{
	const struct ep_row *r;

	family(f, "waitwatch_transitions_total", "counter",
	       "TCP state transitions per endpoint; only pairs that happened are listed.");
	for_each_row(s, r) {
		for (int o = 0; o < WW_TCP_NSTATES; o++) {
			for (int n = 0; n < WW_TCP_NSTATES; n++) {
				__u64 count = ep_stats_trans(&r->stats, o, n);

				if (!count)
					continue;
				series(f, "waitwatch_transitions_total", r, v);
				fprintf(f, ",from=\"%s\",to=\"%s\"} %llu\n", tcp_state_name(o),
					tcp_state_name(n), (unsigned long long)count);
			}
		}
	}
}

/* slot: the state's histogram, ww_hist_states[slot]. */
static void histogram_one(FILE *f, const struct ep_row *r, const struct view_opts *v, int slot)
{
	const __u64 *h = r->stats.hist[slot];
	int st = ww_hist_states[slot];
	__u64 cum = 0, total = 0;

	for (int i = 0; i < WW_LE_BUCKETS; i++)
		total += h[i];
	for (int i = 0; i < WW_LE_BUCKETS - 1; i++) {
		/* bucket i holds durations up to le = 2^(WW_LE_FIRST + i * WW_LE_STEP) us */
		int le = WW_LE_FIRST + i * WW_LE_STEP;

		cum += h[i];
		series(f, "waitwatch_state_duration_seconds_bucket", r, v);
		fprintf(f, ",state=\"%s\",le=\"%.9g\"} %llu\n", tcp_state_name(st),
			(double)(1ull << le) / 1e6, (unsigned long long)cum);
	}
	series(f, "waitwatch_state_duration_seconds_bucket", r, v);
	fprintf(f, ",state=\"%s\",le=\"+Inf\"} %llu\n", tcp_state_name(st),
		(unsigned long long)total);
	series(f, "waitwatch_state_duration_seconds_sum", r, v);
	fprintf(f, ",state=\"%s\"} %.9g\n", tcp_state_name(st), r->stats.hist_sum_ns[slot] / 1e9);
	series(f, "waitwatch_state_duration_seconds_count", r, v);
	fprintf(f, ",state=\"%s\"} %llu\n", tcp_state_name(st), (unsigned long long)total);
}

static void duration_histogram(FILE *f, const struct snapshot *s, const struct view_opts *v)
{
	const struct ep_row *r;

	family(f, "waitwatch_state_duration_seconds", "histogram",
	       "Time sockets spent in a state before leaving it, per endpoint.");
	for_each_row(s, r)
		for (int i = 0; i < WW_HIST_STATES; i++)
			histogram_one(f, r, v, i);
}

static void age_and_ports(FILE *f, const struct snapshot *s, const struct view_opts *v)
{
	const struct ep_row *r;

	family(f, "waitwatch_oldest_close_wait_seconds", "gauge",
	       "Age of the oldest CLOSE_WAIT socket per endpoint (a lower bound if it "
	       "predates waitwatch).");
	for_each_row(s, r) {
		if (!r->count[WW_TCP_CLOSE_WAIT] || !r->oldest_since[WW_TCP_CLOSE_WAIT])
			continue;
		series(f, "waitwatch_oldest_close_wait_seconds", r, v);
		fprintf(f, "} %.3f\n", ep_row_oldest_age(r, WW_TCP_CLOSE_WAIT, s->ts_ns) / 1e9);
	}
	family(f, "waitwatch_ephemeral_ports_used", "gauge",
	       "Local ports held by sockets towards an outbound endpoint (TIME_WAIT included).");
	for_each_row(s, r) {
		if (r->is_other || r->key.dir != DIR_OUT)
			continue;
		series(f, "waitwatch_ephemeral_ports_used", r, v);
		fprintf(f, "} %u\n", r->ports_used);
	}
	family(f, "waitwatch_ephemeral_port_pressure_ratio", "gauge",
	       "Ports used towards an outbound endpoint over the size of ip_local_port_range.");
	for_each_row(s, r) {
		if (r->is_other || ep_row_port_pressure(r) < 0)
			continue;
		series(f, "waitwatch_ephemeral_port_pressure_ratio", r, v);
		fprintf(f, "} %.9g\n", ep_row_port_pressure(r) / 100);
	}
}

static void counter(FILE *f, const char *name, const char *help, unsigned long long v)
{
	family(f, name, "counter", help);
	fprintf(f, "%s %llu\n", name, v);
}

static void gauge(FILE *f, const char *name, const char *help, double v)
{
	family(f, name, "gauge", help);
	fprintf(f, "%s %.17g\n", name, v);
}

/* A self-metric whose value is a whole number: a counter, or a gauge printed as one. */
struct self_row {
	const char *type, *name, *help;
	unsigned long long v;
};

static void self_rows(FILE *f, const struct self_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(rows[i].type, "gauge"))
			gauge(f, rows[i].name, rows[i].help, rows[i].v);
		else
			counter(f, rows[i].name, rows[i].help, rows[i].v);
	}
}

static void self_metrics(FILE *f, const struct snapshot *s, const struct prom_self *m)
{
	const struct collector_stats *st = &s->stats;
	const struct self_row rows[] = {
		{ "counter", "waitwatch_bpf_program_runs_total",
		  "Runs of the transition program (needs kernel.bpf_stats_enabled=1).", m->run_cnt },
		{ "counter", "waitwatch_bpf_recursion_misses_total",
		  "Times the transition program could not run, from the kernel.",
		  m->recursion_misses },
		{ "counter", "waitwatch_repairs_total",
		  "Counts a sweep of the kernel's table corrected after lost events.", st->repairs },
		{ "counter", "waitwatch_sweeps_total", "Sweeps of the kernel's socket table.",
		  st->sweeps },
		{ "counter", "waitwatch_time_wait_entries_total",
		  "Entries into TIME_WAIT on the host, inferred at FIN_WAIT2/CLOSING->CLOSE.",
		  st->tw_entries },
		{ "counter", "waitwatch_endpoints_evicted_total",
		  "Endpoints whose figures were folded into other when the table was full.",
		  st->endpoints_evicted },
		{ "gauge", "waitwatch_endpoints_folded",
		  "Endpoints folded into the other row at the last snapshot.", s->other.folded },
		{ "counter", "waitwatch_cgroups_resolved_total",
		  "Cgroup ids whose path was found, once per cgroup.", m->cgroups_resolved },
		{ "counter", "waitwatch_cgroups_unresolved_total",
		  "Cgroup ids with no path: gone before asked for, or no cgroup2 mount.",
		  m->cgroups_unresolved },
		{ "counter", "waitwatch_cgroups_evicted_total",
		  "Cgroups forgotten when their table was full (1024).", m->cgroups_evicted },
	};

	counter(f, "waitwatch_events_total", "TCP state transitions received.", m->events);
	family(f, "waitwatch_events_lost_total", "counter",
	       "Transitions lost: ring buffer full, or the program could not run (nested).");
	fprintf(f, "waitwatch_events_lost_total{reason=\"ringbuf_full\"} %llu\n",
		(unsigned long long)m->rb_drops);
	fprintf(f, "waitwatch_events_lost_total{reason=\"recursion\"} %llu\n",
		(unsigned long long)m->recursion_misses);
	self_rows(f, rows, sizeof(rows) / sizeof(rows[0]));
	family(f, "waitwatch_container_names_total", "counter",
	       "Containers whose names a runtime's files gave, or did not.");
	fprintf(f, "waitwatch_container_names_total{result=\"found\"} %llu\n", m->containers_named);
	fprintf(f, "waitwatch_container_names_total{result=\"none\"} %llu\n", m->containers_unnamed);
	gauge(f, "waitwatch_sockets_tracked", "Sockets in the collector's table.", st->sockets);
	counter(f, "waitwatch_sockets_untracked_total",
		"Sockets not tracked because the table was full (--max-sockets).",
		st->sockets_dropped);
	gauge(f, "waitwatch_collector_memory_bytes", "Memory held by the collector's tables.",
	      st->memory_bytes);
	gauge(f, "waitwatch_sweep_duration_seconds", "Duration of the last sweep.",
	      m->sweep_seconds);
	counter(f, "waitwatch_http_connections_refused_total",
		"HTTP connections closed at once: --max-connections were open.",
		m->http_refused);
	if (m->record_asked)
		gauge(f, "waitwatch_recording",
		      "1 while --record writes its file; 0 once a write error stopped it.",
		      m->recording);
	family(f, "waitwatch_build_info", "gauge", "Build and runtime facts; always 1.");
	fputs("waitwatch_build_info{version=\"", f);
	prom_escape(f, m->version);
	fputs("\",revision=\"", f);
	prom_escape(f, m->revision);
	fputs("\",kernel=\"", f);
	prom_escape(f, m->kernel);
	fputs("\",program=\"", f);
	prom_escape(f, m->program);
	fputs("\"} 1\n", f);
	family(f, "process_cpu_seconds_total", "counter",
	       "Total user and system CPU time spent in seconds.");
	fprintf(f, "process_cpu_seconds_total %.2f\n", m->cpu_seconds);
	gauge(f, "process_resident_memory_bytes", "Resident memory size in bytes.",
	      m->rss_bytes);
	gauge(f, "process_start_time_seconds", "Start time of the process since unix epoch.",
	      m->start_time_seconds);
}

void prom_render(FILE *f, const struct snapshot *s, const struct view_opts *v,
		 const struct prom_self *m)
{
	sockets_gauge(f, s, v);
	entries_counter(f, s, v);
	transitions_counter(f, s, v);
	duration_histogram(f, s, v);
	age_and_ports(f, s, v);
	self_metrics(f, s, m);
}

/*
 * One series per (comm, cgroup), the heaviest first; groups of the same
 * process name and cgroup (several pids, a listener) are added up.
 */
void prom_render_leaks(FILE *f, const struct leak_report *r, int state, unsigned int labels)
{
	size_t shown = 0;

	family(f, "waitwatch_leak_suspect_sockets", "gauge",
	       "Sockets stuck in a state past the leak age, per owner comm and cgroup.");
	for (size_t i = 0; i < r->n && shown < PROM_MAX_LEAK_SERIES; i++) {
		const struct leak_group *g = &r->groups[i];
		uint64_t count = 0;
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = !strcmp(r->groups[j].comm, g->comm) &&
			       !strcmp(r->groups[j].cgroup, g->cgroup);
		if (seen)
			continue;
		for (size_t j = i; j < r->n; j++)
			if (!strcmp(r->groups[j].comm, g->comm) &&
			    !strcmp(r->groups[j].cgroup, g->cgroup))
				count += r->groups[j].count;
		fputs("waitwatch_leak_suspect_sockets{comm=\"", f);
		prom_escape(f, g->kind == LEAK_ORPHAN ? "(orphan)" : g->comm);
		fputs("\",cgroup=\"", f);
		prom_escape(f, g->cgroup);
		fputc('"', f);
		cg_labels(f, &g->names, labels);
		fprintf(f, ",state=\"%s\"} %llu\n", tcp_state_name(state),
			(unsigned long long)count);
		shown++;
	}
}

void prom_render_web(FILE *f, const struct prom_web *w)
{
	gauge(f, "waitwatch_websocket_clients", "WebSocket clients connected now.", w->clients);
	counter(f, "waitwatch_websocket_clients_accepted_total", "WebSocket clients accepted.",
		w->accepted);
	counter(f, "waitwatch_websocket_clients_dropped_total",
		"WebSocket clients dropped because they did not read: send queue full.",
		w->dropped);
	counter(f, "waitwatch_websocket_protocol_errors_total",
		"WebSocket clients closed for a malformed or oversized frame.", w->closed_protocol);
	counter(f, "waitwatch_websocket_messages_sent_total", "WebSocket messages queued to clients.",
		w->messages_sent);
	counter(f, "waitwatch_websocket_messages_received_total",
		"WebSocket messages received from clients.", w->messages_received);
	counter(f, "waitwatch_websocket_stream_events_dropped_total",
		"Events /api/v1/stream could not queue: its queue was full.", w->events_dropped);
	family(f, "waitwatch_websocket_upgrades_refused_total", "counter",
	       "WebSocket upgrades refused: a foreign Origin, a bad handshake or filter, or "
	       "every WebSocket slot taken.");
	fprintf(f, "waitwatch_websocket_upgrades_refused_total{reason=\"origin\"} %llu\n",
		w->refused_origin);
	fprintf(f, "waitwatch_websocket_upgrades_refused_total{reason=\"handshake\"} %llu\n",
		w->refused_handshake);
	fprintf(f, "waitwatch_websocket_upgrades_refused_total{reason=\"full\"} %llu\n",
		w->refused_full);
	gauge(f, "waitwatch_web_history_samples", "Samples in the live page's history.",
	      w->history_samples);
	gauge(f, "waitwatch_web_history_capacity", "Samples the live page's history holds at most.",
	      w->history_capacity);
}
