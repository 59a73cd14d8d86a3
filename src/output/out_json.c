// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Snapshots as JSON lines: one object per endpoint, then one "totals"
 * object, all stamped with the same time. Field names are stable
 * (docs/output.md).
 */
#include <time.h>
#include "format.h"
#include "json_writer.h"
#include "out_trace.h"
#include "out_json.h"

static void rates_object(struct json_writer *jw, const struct ep_row *r)
{
	jw__name(jw, "entries_per_s");
	jw__start_object(jw);
	for (int i = 0; i < VIEW_NSTATES; i++)
		if (view_states[i] != WW_TCP_LISTEN)
			jw__kv_double(jw, tcp_state_name(view_states[i]), r->rate[view_states[i]]);
	jw__end_object(jw);
}

/*
 * Ages of the oldest socket per state. When that socket predates waitwatch
 * its age is only a lower bound, listed apart so nobody mistakes it.
 */
static void oldest_object(struct json_writer *jw, const struct ep_row *r, __u64 now,
			  const char *name, bool at_least)
{
	jw__name(jw, name);
	jw__start_object(jw);
	for (int i = 0; i < VIEW_NSTATES; i++) {
		int st = view_states[i];

		if (!r->count[st] || !r->oldest_since[st])
			continue;
		if (!!(r->oldest_at_least & (1u << st)) != at_least)
			continue;
		jw__kv_double(jw, tcp_state_name(st), ep_row_oldest_age(r, st, now) / 1e9);
	}
	jw__end_object(jw);
}

static void endpoint(struct json_writer *jw, const struct ep_row *r, const struct view_opts *v,
		     const char *when, __u64 now)
{
	char name[VIEW_NAME_LEN];
	double p = ep_row_port_pressure(r);

	jw__start_object(jw);
	jw__kv_string(jw, "type", "endpoint");
	jw__kv_string(jw, "time", when);
	if (r->is_other) {
		jw__kv_string(jw, "endpoint", "other");
		jw__kv_null(jw, "dir");
		jw__kv_null(jw, "netns");
		jw__kv_uint(jw, "folded", r->folded);
	} else {
		view_endpoint_name(name, sizeof(name), r, v);
		jw__kv_string(jw, "endpoint", name);
		view_cg_members(jw, view_row_names(r, v), cg_row_fields(v->by));
		if (r->key.dir)
			jw__kv_string(jw, "dir", dir_label(r->key.dir));
		else
			jw__kv_null(jw, "dir");
		jw__kv_uint(jw, "netns", r->key.netns);
	}
	view_states_json(jw, "states", r->count);
	rates_object(jw, r);
	oldest_object(jw, r, now, "oldest_s", false);
	oldest_object(jw, r, now, "oldest_at_least_s", true);
	jw__kv_uint(jw, "tw_entries", ep_stats_entries(&r->stats, WW_TCP_TIME_WAIT));
	jw__kv_uint(jw, "cw_entries", ep_stats_entries(&r->stats, WW_TCP_CLOSE_WAIT));
	jw__kv_uint(jw, "ports_used", r->ports_used);
	jw__kv_uint(jw, "port_range", r->port_range);
	if (p >= 0)
		jw__kv_double(jw, "port_pressure_pct", p);
	else
		jw__kv_null(jw, "port_pressure_pct");
	jw__end_object(jw);
}

struct uint_member {
	const char *name;
	uint64_t v;
};

/* Members in the order given, up to the one without a name. */
static void uint_members(struct json_writer *jw, const struct uint_member *m)
{
	for (; m->name; m++)
		jw__kv_uint(jw, m->name, m->v);
}

static void totals(struct json_writer *jw, const struct snapshot *s, const struct view_meta *m,
		   const char *when)
{
	const struct collector_stats *st = &s->stats;

	jw__start_object(jw);
	jw__kv_string(jw, "type", "totals");
	jw__kv_string(jw, "time", when);
	jw__kv_string(jw, "source", m->source);
	view_states_json(jw, "states", s->totals);
	jw__kv_uint(jw, "sockets", st->sockets);
	jw__kv_uint(jw, "endpoints", s->nrows);
	jw__kv_uint(jw, "folded", s->other.folded);
	jw__kv_uint(jw, "events", m->events);
	jw__kv_double(jw, "events_per_s", m->events_per_s);
	jw__kv_uint(jw, "lost", m->lost);
	uint_members(jw, (const struct uint_member[]){
		{ "repairs", st->repairs },
		{ "seeded", st->seeded },
		{ "tw_entries", st->tw_entries },
		{ "tw_exits_sweep", st->tw_exits_sweep },
		{ "tw_exits_reuse", st->tw_exits_reuse },
		{ "sockets_dropped", st->sockets_dropped },
		{ "endpoints_evicted", st->endpoints_evicted },
		{ "namespaces", m->namespaces },
		{ "memory_bytes", st->memory_bytes },
		{},
	});
	jw__end_object(jw);
}

void out_json_snapshot(struct json_writer *jw, const struct snapshot *s,
		       const struct view_opts *v, const struct view_meta *m)
{
	char when[40];

	time_iso8601(when, sizeof(when), mono_to_real(s->ts_ns, v->mono_to_real_ns));
	for (size_t i = 0; i < s->nrows; i++)
		endpoint(jw, &s->rows[i], v, when, s->ts_ns);
	if (s->other.folded)
		endpoint(jw, &s->other, v, when, s->ts_ns);
	totals(jw, s, m, when);
}
