// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "format.h"
#include "json_writer.h"
#include "out_leaks.h"
#include "out_web.h"

static const char *const by_names[] = {
	[BY_SERVICE] = "service", [BY_LOCAL] = "local",   [BY_REMOTE] = "remote",
	[BY_LADDR] = "laddr",     [BY_RADDR] = "raddr",   [BY_LPORT] = "lport",
	[BY_RPORT] = "rport",     [BY_NETNS] = "netns",   [BY_CGROUP] = "cgroup",
	[BY_COMM] = "comm",
};

/* Every document opens with the API version, then the double that dates (ts) or paces it. */
static void doc_start(struct json_writer *jw, const char *name, double v)
{
	jw__start_object(jw);
	jw__kv_uint(jw, "version", WEB_API_VERSION);
	jw__kv_double(jw, name, v);
}

void web_row_of(struct web_row *out, const struct ep_row *r, const struct view_opts *v,
		uint64_t now)
{
	memset(out, 0, sizeof(*out));
	out->key = r->key;
	if (r->is_other)
		snprintf(out->endpoint, sizeof(out->endpoint), "other");
	else
		ep_key_format(out->endpoint, sizeof(out->endpoint), &r->key, v->by, v->prefix4,
			      v->prefix6);
	memcpy(out->count, r->count, sizeof(out->count));
	out->oldest_close_wait_ns = ep_row_oldest_age(r, WW_TCP_CLOSE_WAIT, now);
	out->time_wait_per_s = r->rate[WW_TCP_TIME_WAIT];
	out->close_wait_per_s = r->rate[WW_TCP_CLOSE_WAIT];
	out->port_pressure_pct = ep_row_port_pressure(r);
	out->endpoints = r->is_other ? r->folded : 1;
}

static void row(struct json_writer *jw, const struct web_row *r, bool selected)
{
	jw__start_object(jw);
	jw__kv_string(jw, "endpoint", r->endpoint);
	jw__kv_uint(jw, "netns", r->key.netns);
	jw__kv_string(jw, "dir", dir_label(r->key.dir));
	view_states_json(jw, "states", r->count);
	jw__kv_double(jw, "oldest_close_wait_s", r->oldest_close_wait_ns / 1e9);
	jw__kv_double(jw, "time_wait_per_s", r->time_wait_per_s);
	jw__kv_double(jw, "close_wait_per_s", r->close_wait_per_s);
	if (r->port_pressure_pct >= 0)
		jw__kv_double(jw, "port_pressure_pct", r->port_pressure_pct);
	else
		jw__kv_null(jw, "port_pressure_pct");
	jw__kv_uint(jw, "endpoints", r->endpoints);
	jw__kv_bool(jw, "selected", selected);
	jw__end_object(jw);
}

void out_web_endpoints(struct json_writer *jw, const struct web_table *t)
{
	const struct web_view *v = t->view;

	doc_start(jw, "ts", t->ts_real_ns / 1e9);
	jw__kv_string(jw, "by", by_names[t->by]);
	jw__kv_string(jw, "group", web_group_name(v->group));
	jw__kv_string(jw, "filter", v->filter);
	jw__kv_string(jw, "selected", v->selected);
	jw__name(jw, "columns");
	jw__start_array(jw);
	for (int i = 0; i < VIEW_NSTATES; i++)
		jw__string(jw, tcp_state_name(view_states[i]));
	jw__end_array(jw);
	jw__kv_uint(jw, "rows_total", t->total_rows);
	jw__name(jw, "rows");
	jw__start_array(jw);
	for (size_t i = 0; i < t->nrows; i++)
		row(jw, &t->rows[i], v->selected[0] && !strcmp(v->selected, t->rows[i].endpoint));
	jw__end_array(jw);
	view_states_json(jw, "totals", t->totals);
	jw__end_object(jw);
}

void out_web_sample(struct json_writer *jw, const struct history_sample *s, int64_t mono_to_real)
{
	jw__start_object(jw);
	jw__kv_double(jw, "ts", (s->ts_ns + mono_to_real) / 1e9);
	jw__kv_uint(jw, "time_wait", s->time_wait);
	jw__kv_uint(jw, "close_wait", s->close_wait);
	jw__name(jw, "endpoints");
	jw__start_array(jw);
	for (uint32_t i = 0; i < s->n; i++) {
		jw__start_object(jw);
		jw__kv_string(jw, "endpoint", s->ep[i].endpoint);
		jw__kv_uint(jw, "netns", s->ep[i].netns);
		jw__kv_uint(jw, "time_wait", s->ep[i].time_wait);
		jw__kv_uint(jw, "close_wait", s->ep[i].close_wait);
		jw__end_object(jw);
	}
	jw__end_array(jw);
	jw__end_object(jw);
}

void out_web_history(struct json_writer *jw, const struct history *h, uint64_t interval_ns,
		     int64_t mono_to_real)
{
	doc_start(jw, "interval_s", interval_ns / 1e9);
	jw__kv_uint(jw, "span_s", HISTORY_SPAN_S);
	jw__kv_uint(jw, "capacity", h->cap);
	jw__kv_uint(jw, "top", HISTORY_TOP);
	jw__name(jw, "samples");
	jw__start_array(jw);
	for (size_t i = 0; i < h->n; i++) {
		const struct history_sample *s = history__at(h, i);

		if (s->text)
			jw__raw(jw, s->text, s->text_len);
		else
			out_web_sample(jw, s, mono_to_real);
	}
	jw__end_array(jw);
	jw__end_object(jw);
}

void out_web_diagram(struct json_writer *jw, const struct snapshot *s, int64_t mono_to_real,
		     const struct collector_flow *f, const char *svg)
{
	doc_start(jw, "ts", (s->ts_ns + mono_to_real) / 1e9);
	jw__name(jw, "states");
	jw__start_object(jw);
	for (int st = 1; st < WW_TCP_NSTATES; st++)
		jw__kv_uint(jw, tcp_state_name(st), s->totals[st]);
	jw__end_object(jw);
	jw__name(jw, "transitions");
	jw__start_array(jw);
	for (int from = 1; from < WW_TCP_NSTATES; from++) {
		for (int to = 1; to < WW_TCP_NSTATES; to++) {
			uint64_t n = from == to ? 0 : f->trans[from][to];

			if (!n)
				continue;
			jw__start_object(jw);
			jw__kv_string(jw, "from", tcp_state_name(from));
			jw__kv_string(jw, "to", tcp_state_name(to));
			jw__kv_uint(jw, "count", n);
			jw__end_object(jw);
		}
	}
	jw__end_array(jw);
	jw__kv_uint(jw, "events", s->stats.events);
	if (svg)
		jw__kv_string(jw, "svg", svg);
	jw__end_object(jw);
}

void out_web_leaks(struct json_writer *jw, const struct leak_report *r, uint64_t min_age_ns,
		   uint64_t ts_real_ns)
{
	doc_start(jw, "ts", ts_real_ns / 1e9);
	jw__kv_double(jw, "min_age_s", min_age_ns / 1e9);
	jw__kv_uint(jw, "sockets", r->sockets);
	jw__name(jw, "owners");
	jw__start_array(jw);
	out_leaks_json(jw, r);
	jw__end_array(jw);
	jw__end_object(jw);
}
