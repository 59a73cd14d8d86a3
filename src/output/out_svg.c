// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The state diagram as a standalone SVG: no script, no external font or
 * style sheet, readable without colour (every count is a label, dash
 * patterns tell events from inferences and from arrows never seen).
 * Each box and arrow carries its numbers in data-* attributes too, for
 * whoever reads the file with a program.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "format.h"
#include "out_diagram.h"

#define INK "#1f3b5c"
#define FAINT "#9a9a9a"
#define ERR "#a51d1d"

/* Text for XML: markup characters escaped, anything but printable ASCII as '?'. */
static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '&')
			fputs("&amp;", f);
		else if (ch == '<')
			fputs("&lt;", f);
		else if (ch == '>')
			fputs("&gt;", f);
		else if (ch == '"')
			fputs("&quot;", f);
		else if (ch < 0x20 || ch >= 0x7f)
			fputc('?', f);
		else
			fputc(ch, f);
	}
}

static void head(FILE *f)
{
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
		   "width=\"%d\" height=\"%d\" font-family=\"DejaVu Sans, Verdana, Arial, "
		   "sans-serif\" font-size=\"11\" data-version=\"%d\">\n",
		DIAGRAM_W, DIAGRAM_H, DIAGRAM_W, DIAGRAM_H, DIAGRAM_VERSION);
	fprintf(f, "<title>TCP state transitions (waitwatch)</title>\n"
		   "<defs>\n"
		   "<marker id=\"ah\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"11\" "
		   "markerHeight=\"11\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">"
		   "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"" INK "\"/></marker>\n"
		   "<marker id=\"ahf\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" "
		   "markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">"
		   "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"" FAINT "\"/></marker>\n"
		   "</defs>\n"
		   "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		DIAGRAM_W, DIAGRAM_H);
}

static void box(FILE *f, const struct diagram *d, int b)
{
	const struct dg_box_def *bx = &dg_boxes[b];
	int cx = bx->x + bx->w / 2;

	fprintf(f, "<g class=\"box\" id=\"box-%s\" data-state=\"%s\"", bx->id,
		tcp_state_name(bx->state));
	if (d->sockets[b] >= 0)
		fprintf(f, " data-sockets=\"%lld\"", d->sockets[b]);
	fprintf(f, ">\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\" fill=\"%s\" "
		   "stroke=\"#333333\" stroke-width=\"%s\"/>\n",
		bx->x, bx->y, bx->w, bx->h, b < DG_NSTATES ? "#f4f7fb" : "#ffffff",
		b < DG_NSTATES ? "1.6" : "1");
	if (b > DG_CLOSED_END) { /* the small CLOSED of resets and aborts */
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\">CLOSED"
			   "</text>\n</g>\n", cx, bx->y + 16);
		return;
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\" "
		   "font-size=\"13\">%s</text>\n", cx, bx->y + 18, bx->label);
	if (d->sockets[b] >= 0)
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"18\">%lld"
			   "<tspan font-size=\"10\"> socket%s</tspan></text>\n", cx, bx->y + 44,
			d->sockets[b], d->sockets[b] == 1 ? "" : "s");
	else
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" "
			   "fill=\"#555555\">%s</text>\n", cx, bx->y + 40,
			b == DG_CLOSED ? "(no socket: not counted)" : "(again)");
	fputs("</g>\n", f);
}

static const char *anchor_name(enum dg_anchor a)
{
	return a == DG_START ? "start" : a == DG_END ? "end" : "middle";
}

/* The label: its count in bold, errors in their colour with their mark. */
static void label_line(FILE *f, const struct diagram *d, size_t i, int line)
{
	const struct dg_arrow_def *def = &dg_arrows[i];
	const char *cut, *err;
	char text[128];

	dg_arrow_label(d, i, line, text, sizeof(text));
	if (!text[0])
		return;
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\"%s>", def->label.x,
		def->label.y + 14 * line, anchor_name(def->anchor),
		d->arrows[i].seen ? "" : " fill=\"#777777\"");
	if (def->flags & DG_F_SIMULTANEOUS)
		fputs("\xe2\x87\x84 ", f); /* U+21C4 */
	err = strstr(text, "\xe2\x9c\x95"); /* U+2715: the errors */
	if (err && err != text) {
		/* "N event · ✕ M reset/error": the part before in ink */
		fprintf(f, "%.*s", (int)(err - text), text);
	}
	if (err) {
		fprintf(f, "<tspan fill=\"%s\" font-weight=\"%s\">%s</tspan></text>\n",
			d->arrows[i].errors ? ERR : "#777777", d->arrows[i].errors ? "bold" : "normal",
			err);
		return;
	}
	cut = def->flags & DG_F_NOT_DISTINCT ? text : strchr(text, ' ');
	if (cut && cut != text)
		fprintf(f, "<tspan font-weight=\"bold\">%.*s</tspan>%s</text>\n", (int)(cut - text),
			text, cut);
	else
		fprintf(f, "%s</text>\n", text);
}

static void arrow(FILE *f, const struct diagram *d, size_t i)
{
	const struct dg_arrow_def *def = &dg_arrows[i];
	const struct dg_arrow *a = &d->arrows[i];
	bool inferred = def->kind == DG_TW_IN || def->kind == DG_TW_OUT;
	const char *dash = !a->seen ? "2 4" : inferred ? "9 4" : NULL;

	fprintf(f, "<g class=\"arrow\" id=\"arrow-%s-%s\" data-from=\"%s\" data-to=\"%s\" "
		   "data-count=\"%llu\" data-errors=\"%llu\"%s>\n<polyline points=\"",
		dg_boxes[def->from].id, dg_boxes[def->to].id, tcp_state_name(def->oldstate),
		tcp_state_name(def->newstate), (unsigned long long)a->count,
		(unsigned long long)a->errors,
		def->flags & DG_F_NOT_DISTINCT ? " data-distinct=\"false\"" : "");
	for (int p = 0; p < def->npoints; p++)
		fprintf(f, "%s%d,%d", p ? " " : "", def->pt[p].x, def->pt[p].y);
	fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.2f\" stroke-linejoin=\"round\"",
		a->seen ? INK : FAINT, dg_arrow_width(d, i));
	if (dash)
		fprintf(f, " stroke-dasharray=\"%s\"", dash);
	fprintf(f, " marker-end=\"url(#%s)\"/>\n", a->seen ? "ah" : "ahf");
	if (a->errors) { /* the mark of errors at the arrow's end, beside the count */
		struct dg_point e = def->pt[def->npoints - 1];

		fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"" ERR "\"/>\n", e.x, e.y);
	}
	for (int l = 0; l < def->lines; l++)
		label_line(f, d, i, l);
	fputs("</g>\n", f);
}

/* A sample stroke and what it means (in the legend's coordinates). */
static void key_line(FILE *f, int y, const char *stroke, const char *dash, double w,
		     const char *text)
{
	fprintf(f, "<line x1=\"0\" y1=\"%d\" x2=\"42\" y2=\"%d\" stroke=\"%s\" "
		   "stroke-width=\"%.1f\"%s%s%s/>\n<text x=\"50\" y=\"%d\">%s</text>\n",
		y - 4, y - 4, stroke, w, dash ? " stroke-dasharray=\"" : "", dash ?: "",
		dash ? "\"" : "", y, text);
}

/* Its rectangle (DG_LEGEND_*) is kept free of arrows and labels by the layout. */
static void legend(FILE *f, const struct diagram *d)
{
	char from[40], to[40];
	double secs;

	diagram_window(d, from, to, sizeof(from), &secs);
	fprintf(f, "<g class=\"legend\" transform=\"translate(%d %d)\">\n"
		   "<text x=\"0\" y=\"20\" font-size=\"16\" font-weight=\"bold\">TCP state "
		   "transitions</text>\n<text x=\"0\" y=\"37\">", DG_LEGEND_X + 4, DG_LEGEND_Y);
	xml_text(f, d->source);
	fprintf(f, ": %.1f s, %.19s to %.19s UTC</text>\n", secs, from, to);
	fprintf(f, "<text x=\"0\" y=\"53\">%llu transitions; each box: its sockets at the "
		   "end</text>\n", (unsigned long long)d->events);
	key_line(f, 72, INK, NULL, 3, "events the kernel reported (width: how many)");
	key_line(f, 88, INK, "9 4", 2, "inferred: no event names TIME_WAIT");
	key_line(f, 104, FAINT, "2 4", 1, "not seen in this window");
	fputs("<circle cx=\"21\" cy=\"116\" r=\"4\" fill=\"" ERR "\"/>\n"
	      "<text x=\"50\" y=\"120\"><tspan fill=\"" ERR "\">\xe2\x9c\x95</tspan> "
	      "-&gt;CLOSE with a socket error (reset, refused, timeout);"
	      " \xe2\x87\x84 simultaneous</text>\n"
	      "<text x=\"0\" y=\"138\">\xc2\xb9 FIN+ACK in one segment: Linux passes "
	      "through FIN_WAIT_2, counted there</text>\n</g>\n", f);
}

/* What the arrows cannot show, in DG_NOTES_*: beside LISTEN, where no arrow runs. */
static void notes(FILE *f, const struct diagram *d)
{
	fprintf(f, "<g class=\"notes\" font-size=\"10\" fill=\"#333333\" "
		   "transform=\"translate(%d %d)\">\n"
		   "<text x=\"0\" y=\"12\">other transitions: %llu</text>\n"
		   "<text x=\"0\" y=\"27\">FIN_WAIT_2 orphans: %llu</text>\n"
		   "<text x=\"0\" y=\"40\">(closed, kept by the kernel),</text>\n"
		   "<text x=\"0\" y=\"53\">%llu of them ended before its FIN</text>\n"
		   "<text x=\"0\" y=\"68\">TIME_WAIT: %llu in, %llu out</text>\n"
		   "<text x=\"0\" y=\"83\">SYN_RECEIVED counts request</text>\n"
		   "<text x=\"0\" y=\"96\">sockets too (no event)</text>\n</g>\n",
		DG_NOTES_X + 4, DG_NOTES_Y, (unsigned long long)d->other,
		(unsigned long long)d->orphaned, (unsigned long long)d->orphans_ended,
		(unsigned long long)d->tw_entries, (unsigned long long)d->tw_exits);
}

int out_svg_diagram(FILE *f, const struct diagram *d)
{
	head(f);
	legend(f, d);
	notes(f, d);
	for (size_t i = 0; i < dg_narrows; i++)
		arrow(f, d, i);
	for (int b = 0; b < DG_NBOXES; b++)
		box(f, d, b);
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}
