// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "webview.h"

static const char *const group_names[] = {
	[WEB_GROUP_ENDPOINT] = "endpoint",
	[WEB_GROUP_ADDRESS] = "address",
	[WEB_GROUP_PORT] = "port",
};

int web_group_parse(const char *s, size_t len, enum web_group *g)
{
	for (size_t i = 0; i < sizeof(group_names) / sizeof(group_names[0]); i++) {
		if (strlen(group_names[i]) == len && !memcmp(s, group_names[i], len)) {
			*g = i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *web_group_name(enum web_group g)
{
	return g <= WEB_GROUP_PORT ? group_names[g] : "endpoint";
}

bool web_group_applies(enum web_group g, enum ww_by by)
{
	return g == WEB_GROUP_ENDPOINT || by == BY_SERVICE || by == BY_LOCAL || by == BY_REMOTE;
}

/* The row's key and name once regrouped. */
static void regroup(struct web_row *r, enum web_group g, enum ww_by by, int prefix4, int prefix6)
{
	if (g == WEB_GROUP_ADDRESS) {
		r->key.port = 0;
		ep_key_format(r->endpoint, sizeof(r->endpoint), &r->key, BY_RADDR, prefix4, prefix6);
	} else if (g == WEB_GROUP_PORT) {
		memset(r->key.addr, 0, sizeof(r->key.addr));
		r->key.family = 0;
		ep_key_format(r->endpoint, sizeof(r->endpoint), &r->key, BY_RPORT, prefix4, prefix6);
	}
}

static int by_name(const void *a, const void *b)
{
	const struct web_row *x = a, *y = b;
	int c = strcmp(x->endpoint, y->endpoint);

	if (c)
		return c;
	if (x->key.netns != y->key.netns)
		return x->key.netns < y->key.netns ? -1 : 1;
	return (int)x->key.dir - (int)y->key.dir;
}

static uint64_t weight(const struct web_row *r)
{
	return (uint64_t)r->count[WW_TCP_TIME_WAIT] + r->count[WW_TCP_CLOSE_WAIT];
}

static int worst_first(const void *a, const void *b)
{
	uint64_t x = weight(a), y = weight(b);

	if (x != y)
		return x > y ? -1 : 1;
	return by_name(a, b);
}

/* Fold r into acc, a row of the same group. */
static void fold(struct web_row *acc, const struct web_row *r)
{
	for (int s = 0; s < WW_TCP_NSTATES; s++)
		acc->count[s] += r->count[s];
	if (r->oldest_close_wait_ns > acc->oldest_close_wait_ns)
		acc->oldest_close_wait_ns = r->oldest_close_wait_ns;
	acc->time_wait_per_s += r->time_wait_per_s;
	acc->close_wait_per_s += r->close_wait_per_s;
	if (r->port_pressure_pct > acc->port_pressure_pct)
		acc->port_pressure_pct = r->port_pressure_pct;
	acc->endpoints += r->endpoints;
}

/* Sorted by name, the rows of one group are neighbours: fold them. */
static size_t merge_groups(struct web_row *rows, size_t n)
{
	size_t m = 0;

	qsort(rows, n, sizeof(*rows), by_name);
	for (size_t i = 0; i < n; i++) {
		if (m && !by_name(&rows[m - 1], &rows[i]))
			fold(&rows[m - 1], &rows[i]);
		else
			rows[m++] = rows[i];
	}
	return m;
}

size_t web_rows_view(const struct web_row *in, size_t n, const struct web_view *v,
		     enum ww_by by, int prefix4, int prefix6, struct web_row *out)
{
	enum web_group g = web_group_applies(v->group, by) ? v->group : WEB_GROUP_ENDPOINT;
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		out[m] = in[i];
		regroup(&out[m], g, by, prefix4, prefix6);
		if (v->filter[0] && !strcasestr(out[m].endpoint, v->filter))
			continue;
		m++;
	}
	if (g != WEB_GROUP_ENDPOINT)
		m = merge_groups(out, m);
	qsort(out, m, sizeof(*out), worst_first);
	return m;
}

/* ---- the page's commands ------------------------------------------------------ */

/*
 * The string value of "name" in a flat JSON object of strings, unescaped
 * into buf (NUL-terminated): 0, or -EINVAL (absent, not a string, an
 * escape other than \" \\ \/, a control byte, longer than len - 1).
 */
static int string_member(const char *msg, size_t len, const char *name, char *buf,
			 size_t buflen)
{
	size_t nl = strlen(name);

	for (size_t i = 0; i + nl + 2 < len; i++) {
		size_t j, k = 0;

		if (msg[i] != '"' || memcmp(msg + i + 1, name, nl) || msg[i + 1 + nl] != '"')
			continue;
		j = i + nl + 2;
		while (j < len && (msg[j] == ' ' || msg[j] == ':'))
			j++;
		if (j >= len || msg[j++] != '"')
			return -EINVAL;
		for (; j < len && msg[j] != '"'; j++) {
			char c = msg[j];

			if ((unsigned char)c < 0x20 || k + 1 >= buflen)
				return -EINVAL;
			if (c == '\\') {
				if (++j >= len || !strchr("\"\\/", msg[j]))
					return -EINVAL;
				c = msg[j];
			}
			buf[k++] = c;
		}
		if (j >= len)
			return -EINVAL;
		buf[k] = 0;
		return 0;
	}
	return -EINVAL;
}

int web_command_apply(const char *msg, size_t len, enum ww_by by, struct web_view *v)
{
	char op[16], value[HISTORY_LABEL_LEN];
	enum web_group g;

	if (!len || msg[0] != '{' || string_member(msg, len, "op", op, sizeof(op)))
		return -EINVAL;
	if (!strcmp(op, "refresh"))
		return 0;
	if (string_member(msg, len, "value", value, sizeof(value)))
		return -EINVAL;
	if (!strcmp(op, "group")) {
		if (web_group_parse(value, strlen(value), &g) || !web_group_applies(g, by))
			return -EINVAL;
		v->group = g;
	} else if (!strcmp(op, "filter")) {
		if (strlen(value) >= sizeof(v->filter))
			return -EINVAL;
		strcpy(v->filter, value);
	} else if (!strcmp(op, "select")) {
		strcpy(v->selected, value);
	} else {
		return -EINVAL;
	}
	return 0;
}
