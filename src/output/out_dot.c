// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The state diagram as Graphviz DOT, for whoever wants Graphviz to lay it
 * out: the same boxes, arrows, counts and dash patterns as the SVG, the
 * positions of the fixed layout as pinned pos attributes.
 */
#include <errno.h>
#include <stdio.h>
#include "out_diagram.h"

/* Graphviz's y grows upwards; points are 1/72 inch. */
static void pos(FILE *f, int x, int y)
{
	fprintf(f, "pos=\"%d,%d!\"", x, DIAGRAM_H - y);
}

static void node(FILE *f, const struct diagram *d, int b)
{
	const struct dg_box_def *bx = &dg_boxes[b];

	fprintf(f, "  %s [", bx->id);
	if (d->sockets[b] >= 0)
		fprintf(f, "label=\"%s\\n%lld socket%s\", ", bx->label, d->sockets[b],
			d->sockets[b] == 1 ? "" : "s");
	else
		fprintf(f, "label=\"%s\", ", bx->label);
	fprintf(f, "shape=box, style=\"rounded%s\", width=%.2f, height=%.2f, ",
		b > DG_CLOSED_END ? ",dashed" : "", bx->w / 72.0, bx->h / 72.0);
	pos(f, bx->x + bx->w / 2, bx->y + bx->h / 2);
	fputs("];\n", f);
}

static void edge(FILE *f, const struct diagram *d, size_t i)
{
	const struct dg_arrow_def *def = &dg_arrows[i];
	const struct dg_arrow *a = &d->arrows[i];
	bool inferred = def->kind == DG_TW_IN || def->kind == DG_TW_OUT;
	char l0[128], l1[128];

	dg_arrow_label(d, i, 0, l0, sizeof(l0));
	dg_arrow_label(d, i, 1, l1, sizeof(l1));
	fprintf(f, "  %s -> %s [label=\"%s%s%s%s\", penwidth=%.2f, style=%s, color=\"%s\"];\n",
		dg_boxes[def->from].id, dg_boxes[def->to].id,
		def->flags & DG_F_SIMULTANEOUS ? "\xe2\x87\x84 " : "", l0, l1[0] ? "\\n" : "", l1,
		dg_arrow_width(d, i), !a->seen ? "dotted" : inferred ? "dashed" : "solid",
		a->seen ? "#1f3b5c" : "#9a9a9a");
}

int out_dot_diagram(FILE *f, const struct diagram *d)
{
	fprintf(f, "digraph tcp_states {\n"
		   "  // waitwatch diagram, model version %d; pos: the fixed layout, pinned\n"
		   "  graph [label=\"TCP state transitions: %llu (TIME_WAIT inferred: %llu in, "
		   "%llu out)\", labelloc=t, bb=\"0,0,%d,%d\"];\n"
		   "  node [fontname=\"DejaVu Sans\", fontsize=11];\n"
		   "  edge [fontname=\"DejaVu Sans\", fontsize=10];\n",
		DIAGRAM_VERSION, (unsigned long long)d->events, (unsigned long long)d->tw_entries,
		(unsigned long long)d->tw_exits, DIAGRAM_W, DIAGRAM_H);
	for (int b = 0; b < DG_NBOXES; b++)
		node(f, d, b);
	for (size_t i = 0; i < dg_narrows; i++)
		edge(f, d, i);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}
