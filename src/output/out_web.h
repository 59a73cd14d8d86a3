/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The JSON of serve's API (docs/api.md): the endpoint table, the history,
 * the state diagram's figures and the leak suspects, each a document with
 * a "version"; the same documents go over the page's WebSocket.
 */
#ifndef WW_OUT_WEB_H
#define WW_OUT_WEB_H

#include <stdint.h>
#include <stdio.h>
#include "history.h"
#include "leaks.h"
#include "view.h"
#include "webview.h"

struct json_writer;

/* The version of every document; a change that drops or renames a field raises it. */
#define WEB_API_VERSION 1

void web_row_of(struct web_row *out, const struct ep_row *r, const struct view_opts *v,
		uint64_t now);

/* What the table's document says besides its rows. */
struct web_table {
	const struct web_row *rows; /* as the view shows them */
	size_t nrows;
	size_t total_rows;          /* before the filter */
	const uint32_t *totals;     /* per state, the host's */
	enum ww_by by;
	const struct web_view *view;
	uint64_t ts_real_ns;
};

void out_web_endpoints(struct json_writer *jw, const struct web_table *t);
void out_web_sample(struct json_writer *jw, const struct history_sample *s, int64_t mono_to_real);
/* The samples' own text where they have one (history_sample.text), else rendered here. */
void out_web_history(struct json_writer *jw, const struct history *h, uint64_t interval_ns,
		     int64_t mono_to_real);
/*
 * The states of snapshot s, the transitions of the collector's flow f (the
 * same table the drawing is made from), and svg: the drawn diagram
 * (out_diagram_buf()), or NULL for none.
 */
void out_web_diagram(struct json_writer *jw, const struct snapshot *s, int64_t mono_to_real,
		     const struct collector_flow *f, const char *svg);
void out_web_leaks(struct json_writer *jw, const struct leak_report *r, uint64_t min_age_ns,
		   uint64_t ts_real_ns);

#endif
