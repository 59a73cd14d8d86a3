// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The state diagram's model as one JSON document (docs/output.md): what
 * the SVG draws, with its geometry, so that a page can draw it again.
 * "version" changes when a member changes meaning or goes.
 */
#include <errno.h>
#include <stdio.h>
#include "format.h"
#include "json_writer.h"
#include "out_diagram.h"

static void window(struct json_writer *jw, const struct diagram *d)
{
	char from[40], to[40];
	double secs;

	diagram_window(d, from, to, sizeof(from), &secs);
	jw__name(jw, "window");
	jw__start_object(jw);
	jw__kv_string(jw, "start", from);
	jw__kv_string(jw, "end", to);
	jw__kv_double(jw, "seconds", secs);
	jw__end_object(jw);
}

static void rect(struct json_writer *jw, int x, int y, int w, int h)
{
	jw__kv_int(jw, "x", x);
	jw__kv_int(jw, "y", y);
	jw__kv_int(jw, "w", w);
	jw__kv_int(jw, "h", h);
}

static void boxes(struct json_writer *jw, const struct diagram *d)
{
	jw__name(jw, "boxes");
	jw__start_array(jw);
	for (int b = 0; b < DG_NBOXES; b++) {
		const struct dg_box_def *bx = &dg_boxes[b];

		jw__start_object(jw);
		jw__kv_string(jw, "id", bx->id);
		jw__kv_string(jw, "state", tcp_state_name(bx->state));
		jw__kv_string(jw, "label", bx->label);
		if (d->sockets[b] >= 0)
			jw__kv_uint(jw, "sockets", (uint64_t)d->sockets[b]);
		else
			jw__kv_null(jw, "sockets");
		rect(jw, bx->x, bx->y, bx->w, bx->h);
		jw__end_object(jw);
	}
	jw__end_array(jw);
}

static const char *kind_name(enum dg_kind k)
{
	switch (k) {
	case DG_CLOSE:
		return "close";
	case DG_TW_IN:
		return "time_wait_entry";
	case DG_TW_OUT:
		return "time_wait_exit";
	case DG_EVENT:
		break;
	}
	return "event";
}

static void points(struct json_writer *jw, const struct dg_arrow_def *def)
{
	jw__name(jw, "points");
	jw__start_array(jw);
	for (int p = 0; p < def->npoints; p++) {
		jw__start_array(jw);
		jw__int(jw, def->pt[p].x);
		jw__int(jw, def->pt[p].y);
		jw__end_array(jw);
	}
	jw__end_array(jw);
}

static void arrow(struct json_writer *jw, const struct diagram *d, size_t i)
{
	const struct dg_arrow_def *def = &dg_arrows[i];
	const struct dg_arrow *a = &d->arrows[i];
	bool distinct = !(def->flags & DG_F_NOT_DISTINCT);

	jw__start_object(jw);
	jw__kv_string(jw, "from", tcp_state_name(def->oldstate));
	jw__kv_string(jw, "to", tcp_state_name(def->newstate));
	jw__kv_string(jw, "from_box", dg_boxes[def->from].id);
	jw__kv_string(jw, "to_box", dg_boxes[def->to].id);
	jw__kv_string(jw, "kind", kind_name(def->kind));
	jw__kv_string(jw, "event", def->event);
	if (distinct)
		jw__kv_uint(jw, "count", a->count);
	else
		jw__kv_null(jw, "count");
	if (def->kind == DG_CLOSE)
		jw__kv_uint(jw, "errors", a->errors);
	else
		jw__kv_null(jw, "errors");
	jw__kv_bool(jw, "seen", a->seen);
	jw__kv_bool(jw, "distinct", distinct);
	jw__kv_bool(jw, "simultaneous", def->flags & DG_F_SIMULTANEOUS);
	jw__kv_bool(jw, "textbook", !(def->flags & DG_F_ABORT));
	jw__name(jw, "width");
	jw__fixed(jw, dg_arrow_width(d, i), 2);
	points(jw, def);
	jw__end_object(jw);
}

int out_json_diagram(FILE *f, const struct diagram *d)
{
	struct json_writer *jw = jw__new(f);

	if (!jw)
		return -ENOMEM;
	jw__start_object(jw);
	jw__kv_uint(jw, "version", DIAGRAM_VERSION);
	jw__kv_string(jw, "source", d->source);
	window(jw, d);
	jw__kv_int(jw, "width", DIAGRAM_W);
	jw__kv_int(jw, "height", DIAGRAM_H);
	jw__kv_uint(jw, "transitions", d->events);
	jw__kv_uint(jw, "other_transitions", d->other);
	jw__kv_uint(jw, "time_wait_entries", d->tw_entries);
	jw__kv_uint(jw, "time_wait_exits", d->tw_exits);
	jw__kv_uint(jw, "fin_wait2_orphaned", d->orphaned);
	jw__kv_uint(jw, "fin_wait2_orphans_ended", d->orphans_ended);
	boxes(jw, d);
	jw__name(jw, "arrows");
	jw__start_array(jw);
	for (size_t i = 0; i < dg_narrows; i++)
		arrow(jw, d, i);
	jw__end_array(jw);
	jw__end_object(jw);
	jw__free(jw);
	return ferror(f) ? -EIO : 0;
}
