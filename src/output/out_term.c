// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The terminal table of `top`, `snapshot` and `report`. */
#include <string.h>
#include <time.h>
#include "format.h"
#include "out_term.h"

static void header(FILE *f, const struct snapshot *s, const struct view_opts *v,
		   const struct view_meta *m)
{
	time_t sec = (mono_to_real(s->ts_ns, v->mono_to_real_ns)) / 1000000000ll;
	const struct collector_stats *st = &s->stats;
	char when[16];
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(f, "waitwatch %s  source %s  sockets %llu  events %.0f/s  lost %llu  repairs %llu"
		   "  endpoints %zu%s",
		when, m->source, (unsigned long long)st->sockets, m->events_per_s,
		(unsigned long long)m->lost, (unsigned long long)st->repairs, s->nrows,
		s->other.folded ? "" : "\n");
	if (s->other.folded)
		fprintf(f, " (+%u in other)\n", s->other.folded);
	fprintf(f, "TOTAL");
	for (int i = 0; i < VIEW_NSTATES; i++)
		fprintf(f, "  %s %u", view_state_titles[i], s->totals[view_states[i]]);
	if (st->sockets_dropped)
		fprintf(f, "  (untracked: %llu, table full)", (unsigned long long)st->sockets_dropped);
	fprintf(f, "\n\n");
}

static void oldest_cell(char *buf, size_t len, const struct ep_row *r, uint64_t now)
{
	uint64_t age = ep_row_oldest_age(r, WW_TCP_CLOSE_WAIT, now);

	if (!r->count[WW_TCP_CLOSE_WAIT] || !age) {
		snprintf(buf, len, "-");
		return;
	}
	/* a socket that predates waitwatch is at least that old */
	buf[0] = (r->oldest_at_least & (1u << WW_TCP_CLOSE_WAIT)) ? '>' : ' ';
	age_format(buf + 1, len - 1, age);
	if (buf[0] == ' ')
		memmove(buf, buf + 1, strlen(buf));
}

static void rate_cell(char *buf, size_t len, double r)
{
	if (r >= 10 || r == 0)
		snprintf(buf, len, "%.0f", r);
	else
		snprintf(buf, len, "%.1f", r);
}

static void row(FILE *f, const struct ep_row *r, const struct view_opts *v, uint64_t now)
{
	char name[VIEW_NAME_LEN], tw[16], cw[16], oldest[16], ports[16];
	double pressure = ep_row_port_pressure(r);

	if (r->is_other)
		snprintf(name, sizeof(name), "other (%u)", r->folded);
	else
		view_endpoint_name(name, sizeof(name), r, v);
	text_printable(name, sizeof(name), name, sizeof(name)); /* a comm may hold anything */
	rate_cell(tw, sizeof(tw), r->rate[WW_TCP_TIME_WAIT]);
	rate_cell(cw, sizeof(cw), r->rate[WW_TCP_CLOSE_WAIT]);
	oldest_cell(oldest, sizeof(oldest), r, now);
	if (pressure < 0)
		snprintf(ports, sizeof(ports), "-");
	else
		snprintf(ports, sizeof(ports), "%.0f%%", pressure);
	if (r->is_other)
		fprintf(f, "%-24s %-3s %-11s", name, "-", "-");
	else
		fprintf(f, "%-24s %-3s %-11u", name, dir_label(r->key.dir), r->key.netns);
	for (int i = 0; i < VIEW_NSTATES; i++)
		fprintf(f, " %*u", (int)strlen(view_state_titles[i]), r->count[view_states[i]]);
	fprintf(f, " %6s %6s %9s %6s\n", tw, cw, oldest, ports);
}

void out_term_snapshot(FILE *f, const struct snapshot *s, const struct view_opts *v,
		       const struct view_meta *m)
{
	size_t n = s->nrows;

	header(f, s, v, m);
	fprintf(f, "%-24s %-3s %-11s", "ENDPOINT", "DIR", "NETNS");
	for (int i = 0; i < VIEW_NSTATES; i++)
		fprintf(f, " %s", view_state_titles[i]);
	fprintf(f, " %6s %6s %9s %6s\n", "TW/s", "CW/s", "OLDEST_CW", "PORTS%");
	if (v->max_rows && n > v->max_rows)
		n = v->max_rows;
	for (size_t i = 0; i < n; i++)
		row(f, &s->rows[i], v, s->ts_ns);
	if (s->other.folded)
		row(f, &s->other, v, s->ts_ns);
	if (n < s->nrows)
		fprintf(f, "... %zu more endpoints (--json shows all)\n", s->nrows - n);
}
