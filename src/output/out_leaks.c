// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `waitwatch leaks`: suspects per owner, and TIME_WAIT diagnoses, as a table or JSON. */
#include <string.h>
#include "format.h"
#include "json_writer.h"
#include "leaks.h"
#include "out_leaks.h"
#include "view.h"

static const char *owner_kind(enum leak_owner k)
{
	return k == LEAK_PROCESS ? "process" : k == LEAK_LISTENER ? "listener" : "orphan";
}

/* "57,58,61,...(+184)" within width */
static void fds_cell(char *buf, size_t len, const struct leak_group *g)
{
	size_t n = 0;
	uint32_t shown = 0;

	buf[0] = 0;
	if (g->kind == LEAK_LISTENER) {
		snprintf(buf, len, "(not accepted)");
		return;
	}
	if (!g->nfds) {
		snprintf(buf, len, "-");
		return;
	}
	for (; shown < g->nfds && n + 12 < 22; shown++)
		n += snprintf(buf + n, len - n, "%s%u", shown ? "," : "", g->fds[shown]);
	if (shown < g->nfds || g->fds_more)
		snprintf(buf + n, len - n, ",...(+%u)", g->nfds - shown + g->fds_more);
}

static void peers_cell(char *buf, size_t len, const struct leak_group *g)
{
	size_t n = 0;

	buf[0] = 0;
	for (uint32_t i = 0; i < g->npeers && n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s (%u)", i ? ", " : "", g->peers[i].peer,
			      g->peers[i].count);
	if (g->peers_more && n < len)
		snprintf(buf + n, len - n, ", +%u more", g->peers_more);
}

/* The group's container, pod or unit, else its cgroup path, printable. */
static const char *group_where(char *buf, size_t len, const struct leak_group *g)
{
	if (!leak_group_name(buf, len, g))
		snprintf(buf, len, "%s", g->cgroup);
	return text_printable(buf, len, buf, len);
}

void out_leaks_term(FILE *f, const struct leak_report *r)
{
	char fds[96], peers[256], age[16], pid[24], cg[40], comm[64], cgroup[VIEW_NAME_LEN];

	fprintf(f, "%-7s %-15s %-36s %-22s %-11s %6s %8s  %s\n", "PID", "COMM", "CONTAINER/UNIT/CGROUP", "FDS",
		"STATE", "COUNT", "OLDEST", "PEERS");
	for (size_t i = 0; i < r->n; i++) {
		const struct leak_group *g = &r->groups[i];
		size_t cl = strlen(group_where(cgroup, sizeof(cgroup), g));

		fds_cell(fds, sizeof(fds), g);
		peers_cell(peers, sizeof(peers), g);
		if (g->oldest_ns)
			age_format(age, sizeof(age), g->oldest_ns);
		else
			snprintf(age, sizeof(age), "-");
		if (g->pid && g->owners > 1)
			snprintf(pid, sizeof(pid), "%u+%u", g->pid, g->owners - 1);
		else if (g->pid)
			snprintf(pid, sizeof(pid), "%u", g->pid);
		else
			snprintf(pid, sizeof(pid), "-");
		/* keep the end of a long cgroup path: the unit or container is there */
		snprintf(cg, sizeof(cg), "%s%.36s", cl > 36 ? "..." : "", cgroup + (cl > 36 ? cl - 33 : 0));
		text_printable(comm, sizeof(comm), g->comm, sizeof(g->comm));
		fprintf(f, "%-7s %-15.15s %-36s %-22s %-11s %6u %8s  %s%s%s\n", pid,
			g->kind == LEAK_ORPHAN ? "(orphan)" : comm, cg, fds,
			tcp_state_name(g->state), g->count, age, peers,
			g->kind == LEAK_LISTENER ? "  listener " : "", g->listener);
	}
	if (!r->n)
		fprintf(f, "(no socket matches)\n");
}

void out_leaks_json(struct json_writer *jw, const struct leak_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct leak_group *g = &r->groups[i];

		jw__start_object(jw);
		jw__kv_string(jw, "type", "owner");
		jw__kv_string(jw, "owner", owner_kind(g->kind));
		if (g->pid)
			jw__kv_uint(jw, "pid", g->pid);
		else
			jw__kv_null(jw, "pid");
		jw__kv_string(jw, "comm", g->kind == LEAK_ORPHAN ? "" : g->comm);
		jw__kv_string(jw, "cgroup", g->cgroup);
		jw__kv_uint(jw, "cgroup_id", g->cgroup_id);
		view_cg_members(jw, &g->names, cg_row_fields(BY_CGROUP) & ~CGF_BIT(CGF_CGROUP));
		jw__kv_uint(jw, "netns", g->netns);
		jw__name(jw, "fds");
		jw__start_array(jw);
		for (uint32_t j = 0; j < g->nfds; j++)
			jw__uint(jw, g->fds[j]);
		jw__end_array(jw);
		jw__kv_uint(jw, "fds_more", g->fds_more);
		jw__kv_uint(jw, "owners", g->owners);
		if (g->kind == LEAK_LISTENER)
			jw__kv_string(jw, "listener", g->listener);
		else
			jw__kv_null(jw, "listener");
		jw__kv_string(jw, "state", tcp_state_name(g->state));
		jw__kv_uint(jw, "count", g->count);
		if (g->oldest_ns)
			jw__kv_double(jw, "oldest_s", g->oldest_ns / 1e9);
		else
			jw__kv_null(jw, "oldest_s");
		jw__name(jw, "peers");
		jw__start_array(jw);
		for (uint32_t j = 0; j < g->npeers; j++) {
			jw__start_object(jw);
			jw__kv_string(jw, "peer", g->peers[j].peer);
			jw__kv_uint(jw, "count", g->peers[j].count);
			jw__end_object(jw);
		}
		jw__end_array(jw);
		jw__end_object(jw);
	}
}

void out_tw_term(FILE *f, const struct tw_row *rows, size_t n)
{
	char p50[16], p99[16], pct[16], line[512];

	fprintf(f, "%-24s %-11s %8s %9s %9s %9s %7s %6s  %s\n", "ENDPOINT", "NETNS", "CONN/s",
		"LIFE_P50", "LIFE_P99", "TIME_WAIT", "PORTS", "PORTS%", "TRAFFIC");
	for (size_t i = 0; i < n; i++) {
		const struct tw_diag *d = &rows[i].d;

		duration_human(p50, sizeof(p50), d->life_p50_s);
		duration_human(p99, sizeof(p99), d->life_p99_s);
		if (d->pressure_pct >= 0)
			snprintf(pct, sizeof(pct), "%.0f%%", d->pressure_pct);
		else
			snprintf(pct, sizeof(pct), "-");
		fprintf(f, "%-24s %-11u %8.1f %9s %9s %9u %7u %6s  %s\n", rows[i].endpoint,
			rows[i].netns, d->conn_per_s, p50, p99, d->time_wait, d->ports_used, pct,
			traffic_name(d->traffic));
	}
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].d.say)
			continue;
		tw_diagnosis_line(line, sizeof(line), rows[i].endpoint, &rows[i].d);
		fprintf(f, "%s\n", line);
	}
	if (!n)
		fprintf(f, "(no outbound endpoint)\n");
}

void out_tw_json(struct json_writer *jw, const struct tw_row *rows, size_t n)
{
	char line[512];

	for (size_t i = 0; i < n; i++) {
		const struct tw_diag *d = &rows[i].d;

		jw__start_object(jw);
		jw__kv_string(jw, "type", "endpoint");
		jw__kv_string(jw, "endpoint", rows[i].endpoint);
		jw__kv_string(jw, "dir", "out");
		jw__kv_uint(jw, "netns", rows[i].netns);
		jw__kv_double(jw, "conn_per_s", d->conn_per_s);
		jw__kv_uint(jw, "closes", d->closes);
		if (d->life_p50_s >= 0) {
			jw__kv_double(jw, "life_p50_s", d->life_p50_s);
			jw__kv_double(jw, "life_p99_s", d->life_p99_s);
		} else {
			jw__kv_null(jw, "life_p50_s");
			jw__kv_null(jw, "life_p99_s");
		}
		jw__kv_uint(jw, "time_wait", d->time_wait);
		jw__kv_uint(jw, "ports_used", d->ports_used);
		jw__kv_uint(jw, "port_range", d->port_range);
		if (d->pressure_pct >= 0)
			jw__kv_double(jw, "port_pressure_pct", d->pressure_pct);
		else
			jw__kv_null(jw, "port_pressure_pct");
		jw__kv_string(jw, "traffic", traffic_name(d->traffic));
		if (d->say) {
			tw_diagnosis_line(line, sizeof(line), rows[i].endpoint, d);
			jw__kv_string(jw, "diagnosis", line);
		} else {
			jw__kv_null(jw, "diagnosis");
		}
		jw__end_object(jw);
	}
}

void out_leaks_lines(FILE *f, const struct leak_report *r, uint64_t min_age_ns, size_t max)
{
	char fds[96], peers[256], age[16], min_age[16], comm[64], cgroup[VIEW_NAME_LEN];

	if (!r->n)
		return;
	age_format(min_age, sizeof(min_age), min_age_ns);
	fprintf(f, "\nLEAKS: %s for over %s, by owner (waitwatch leaks for all)\n",
		tcp_state_name(r->groups[0].state), min_age);
	for (size_t i = 0; i < r->n && i < max; i++) {
		const struct leak_group *g = &r->groups[i];

		fds_cell(fds, sizeof(fds), g);
		peers_cell(peers, sizeof(peers), g);
		age_format(age, sizeof(age), g->oldest_ns);
		text_printable(comm, sizeof(comm), g->comm, sizeof(g->comm));
		group_where(cgroup, sizeof(cgroup), g);
		if (g->kind == LEAK_ORPHAN)
			fprintf(f, "  orphans in %s", cgroup);
		else
			fprintf(f, "  pid %u (%s) %s", g->pid, comm, cgroup);
		fprintf(f, ": %u sockets, oldest %s, fds %s, peers %s\n", g->count, age, fds, peers);
	}
	if (r->n > max)
		fprintf(f, "  ... %zu more owners\n", r->n - max);
}
