/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What one viewer of the live page sees of the endpoint table: the rows
 * of the last snapshot, regrouped (by address or port alone), narrowed by
 * a filter, and the endpoint picked for a closer look; and the commands
 * the page sends over its WebSocket to change it. Pure: no I/O.
 */
#ifndef WW_WEBVIEW_H
#define WW_WEBVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "collector.h"
#include "history.h"

enum web_group {
	WEB_GROUP_ENDPOINT, /* as serve groups them (--by) */
	WEB_GROUP_ADDRESS,  /* the address alone, every port together */
	WEB_GROUP_PORT,     /* the port alone, every address together */
};

#define WEB_FILTER_LEN 64

/* One row of the table, as the live page and /api/v1/endpoints show it. */
struct web_row {
	struct ep_key key;
	char endpoint[HISTORY_LABEL_LEN];
	uint32_t count[WW_TCP_NSTATES];
	uint64_t oldest_close_wait_ns; /* age of the oldest CLOSE_WAIT socket; 0 none */
	double time_wait_per_s, close_wait_per_s;
	double port_pressure_pct; /* < 0 unknown */
	uint32_t endpoints;       /* rows of serve's table it stands for */
};

struct web_view {
	enum web_group group;
	char filter[WEB_FILTER_LEN];           /* "": every row; else a part of the name */
	char selected[HISTORY_LABEL_LEN];      /* "": none */
};

/* "endpoint", "address", "port"; 0 or -EINVAL. */
int web_group_parse(const char *s, size_t len, enum web_group *g);
const char *web_group_name(enum web_group g);

/* Grouping other than by endpoint is only for --by service, local and remote. */
bool web_group_applies(enum web_group g, enum ww_by by);

/*
 * The rows of in that view v shows, into out (room for n), worst first:
 * regrouped, then filtered. Returns how many.
 */
size_t web_rows_view(const struct web_row *in, size_t n, const struct web_view *v,
		     enum ww_by by, int prefix4, int prefix6, struct web_row *out);

/*
 * A command of the page, a JSON object of strings: {"op":"group",
 * "value":"address"}, {"op":"filter","value":"198.51"}, {"op":"select",
 * "value":"198.51.100.1:80"} ("" unselects), {"op":"refresh"}. Applied to
 * v: 0; -EINVAL (malformed, unknown op or value) leaves v as it was.
 */
int web_command_apply(const char *msg, size_t len, enum ww_by by, struct web_view *v);

#endif
