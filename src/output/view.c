// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What every output shows of an endpoint the same way: states, direction, age. */
#include "format.h"
#include "json_writer.h"
#include "view.h"

const int view_states[VIEW_NSTATES] = {
	WW_TCP_ESTABLISHED, WW_TCP_SYN_SENT, WW_TCP_SYN_RECV, WW_TCP_FIN_WAIT1,
	WW_TCP_FIN_WAIT2,   WW_TCP_TIME_WAIT, WW_TCP_CLOSE_WAIT, WW_TCP_LAST_ACK,
	WW_TCP_CLOSING,     WW_TCP_LISTEN,
};

const char *const view_state_titles[VIEW_NSTATES] = {
	"ESTAB",      "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT",  "CLOSE_WAIT", "LAST_ACK", "CLOSING", "LISTEN",
};

const char *dir_label(int dir)
{
	return dir == DIR_OUT ? "out" : dir == DIR_IN ? "in" : "-";
}

double ep_row_port_pressure(const struct ep_row *r)
{
	if (r->key.dir != DIR_OUT || !r->port_range)
		return -1;
	return 100.0 * r->ports_used / r->port_range;
}

uint64_t ep_row_oldest_age(const struct ep_row *r, int state, uint64_t now)
{
	uint64_t since = r->oldest_since[state];

	return since && now > since ? now - since : 0;
}

static bool by_cgroup(enum ww_by by)
{
	return by == BY_CGROUP || by == BY_CONTAINER || by == BY_POD || by == BY_UNIT;
}

const struct cg_names *view_row_names(const struct ep_row *r, const struct view_opts *v)
{
	__u64 id = by_cgroup(v->by) ? r->key.id : r->key.group;

	if (!v->names || !id || r->is_other)
		return NULL;
	return v->names(v->names_ctx, id);
}

void view_endpoint_name(char *buf, size_t len, const struct ep_row *r, const struct view_opts *v)
{
	if (by_cgroup(v->by) && v->names)
		cg_names_label(buf, len, view_row_names(r, v), v->by, r->key.id);
	else
		ep_key_format(buf, len, &r->key, v->by, v->prefix4, v->prefix6);
}

void view_states_json(struct json_writer *jw, const char *name, const uint32_t *count)
{
	jw__name(jw, name);
	jw__start_object(jw);
	for (int i = 0; i < VIEW_NSTATES; i++)
		jw__kv_uint(jw, tcp_state_name(view_states[i]), count[view_states[i]]);
	jw__end_object(jw);
}

void view_cg_members(struct json_writer *jw, const struct cg_names *n, unsigned int fields)
{
	char buf[CG_ID_LEN];

	for (int f = 0; n && f < CGF_N; f++) {
		const char *val = fields & CGF_BIT(f) ? cg_names_field(n, f, buf, sizeof(buf)) : "";

		if (val[0])
			jw__kv_string(jw, cg_field_names[f], val);
	}
}
