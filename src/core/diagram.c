// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The state diagram's fixed layout and its model: see diagram.h.
 *
 * The layout follows RFC 793's figure 6 turned so that each side has one
 * column: the active opener and closer on the left (SYN_SENT, FIN_WAIT_1,
 * FIN_WAIT_2), the passive side on the right (SYN_RECEIVED, CLOSE_WAIT,
 * LAST_ACK), what both pass through in the middle. Arrows are polylines
 * between box edges, placed by hand; tests/unit/test_diagram.c checks that
 * none crosses a box and that everything fits the viewBox.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "diagram.h"
#include "format.h"

#define BW 200 /* a state's box */
#define BH 58
#define AW 72 /* the CLOSED of the resets and aborts */
#define AH 24

#define L 140 /* the columns' left edges */
#define C 540
#define R 940

const struct dg_box_def dg_boxes[DG_NBOXES] = {
	[DG_CLOSED] = { "CLOSED", "CLOSED", WW_TCP_CLOSE, C, 41, BW, BH },
	[DG_LISTEN] = { "LISTEN", "LISTEN", WW_TCP_LISTEN, C, 151, BW, BH },
	[DG_SYN_SENT] = { "SYN_SENT", "SYN_SENT", WW_TCP_SYN_SENT, L, 271, BW, BH },
	[DG_SYN_RECEIVED] = { "SYN_RECV", "SYN_RECEIVED", WW_TCP_SYN_RECV, R, 271, BW, BH },
	[DG_ESTABLISHED] = { "ESTABLISHED", "ESTABLISHED", WW_TCP_ESTABLISHED, C, 391, BW, BH },
	[DG_FIN_WAIT_1] = { "FIN_WAIT1", "FIN_WAIT_1", WW_TCP_FIN_WAIT1, L, 511, BW, BH },
	[DG_FIN_WAIT_2] = { "FIN_WAIT2", "FIN_WAIT_2", WW_TCP_FIN_WAIT2, L, 621, BW, BH },
	[DG_CLOSE_WAIT] = { "CLOSE_WAIT", "CLOSE_WAIT", WW_TCP_CLOSE_WAIT, R, 511, BW, BH },
	[DG_CLOSING] = { "CLOSING", "CLOSING", WW_TCP_CLOSING, C, 621, BW, BH },
	[DG_LAST_ACK] = { "LAST_ACK", "LAST_ACK", WW_TCP_LAST_ACK, R, 621, BW, BH },
	[DG_TIME_WAIT] = { "TIME_WAIT", "TIME_WAIT", WW_TCP_TIME_WAIT, C, 723, BW, BH },
	[DG_CLOSED_END] = { "CLOSED_END", "CLOSED", WW_TCP_CLOSE, R, 723, BW, BH },
	[DG_ABORT_SYN_RECEIVED] = { "CLOSED_FROM_SYN_RECV", "CLOSED", WW_TCP_CLOSE, 1180, 288, AW, AH },
	[DG_ABORT_ESTABLISHED] = { "CLOSED_FROM_ESTABLISHED", "CLOSED", WW_TCP_CLOSE, 604, 462, AW, AH },
	[DG_ABORT_FIN_WAIT_1] = { "CLOSED_FROM_FIN_WAIT1", "CLOSED", WW_TCP_CLOSE, 28, 528, AW, AH },
	[DG_ABORT_FIN_WAIT_2] = { "CLOSED_FROM_FIN_WAIT2", "CLOSED", WW_TCP_CLOSE, 28, 638, AW, AH },
	[DG_ABORT_CLOSE_WAIT] = { "CLOSED_FROM_CLOSE_WAIT", "CLOSED", WW_TCP_CLOSE, 1180, 528, AW, AH },
	[DG_ABORT_CLOSING] = { "CLOSED_FROM_CLOSING", "CLOSED", WW_TCP_CLOSE, 766, 638, AW, AH },
};

#define P(x, y) { x, y }
#define PTS(...) .npoints = sizeof((struct dg_point[]){ __VA_ARGS__ }) / sizeof(struct dg_point), \
		 .pt = { __VA_ARGS__ }

const struct dg_arrow_def dg_arrows[] = {
	{ DG_CLOSED, DG_SYN_SENT, WW_TCP_CLOSE, WW_TCP_SYN_SENT, DG_EVENT, 0, "connect(): snd SYN",
	  PTS(P(540, 62), P(220, 62), P(220, 271)), P(380, 55), DG_MIDDLE, 1 },
	{ DG_SYN_SENT, DG_CLOSED, WW_TCP_SYN_SENT, WW_TCP_CLOSE, DG_CLOSE, 0, "close",
	  PTS(P(270, 271), P(270, 80), P(540, 80)), P(405, 96), DG_MIDDLE, 1 },
	{ DG_CLOSED, DG_LISTEN, WW_TCP_CLOSE, WW_TCP_LISTEN, DG_EVENT, 0, "listen()",
	  PTS(P(620, 99), P(620, 151)), P(612, 129), DG_END, 1 },
	{ DG_LISTEN, DG_CLOSED, WW_TCP_LISTEN, WW_TCP_CLOSE, DG_CLOSE, 0, "close",
	  PTS(P(660, 151), P(660, 99)), P(668, 122), DG_START, 2 },
	{ DG_LISTEN, DG_SYN_RECEIVED, WW_TCP_LISTEN, WW_TCP_SYN_RECV, DG_EVENT, 0,
	  "rcv SYN (a child, at the 3rd ACK)",
	  PTS(P(740, 180), P(1040, 180), P(1040, 271)), P(890, 172), DG_MIDDLE, 1 },
	{ DG_SYN_SENT, DG_SYN_RECEIVED, WW_TCP_SYN_SENT, WW_TCP_SYN_RECV, DG_EVENT,
	  DG_F_SIMULTANEOUS, "rcv SYN: simultaneous open",
	  PTS(P(340, 290), P(940, 290)), P(640, 282), DG_MIDDLE, 1 },
	{ DG_SYN_SENT, DG_ESTABLISHED, WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED, DG_EVENT, 0,
	  "rcv SYN,ACK: snd ACK",
	  PTS(P(300, 329), P(300, 405), P(540, 405)), P(420, 397), DG_MIDDLE, 1 },
	{ DG_SYN_RECEIVED, DG_ESTABLISHED, WW_TCP_SYN_RECV, WW_TCP_ESTABLISHED, DG_EVENT, 0,
	  "rcv ACK of SYN",
	  PTS(P(980, 329), P(980, 405), P(740, 405)), P(860, 397), DG_MIDDLE, 1 },
	{ DG_SYN_RECEIVED, DG_FIN_WAIT_1, WW_TCP_SYN_RECV, WW_TCP_FIN_WAIT1, DG_EVENT, 0,
	  "close: snd FIN",
	  PTS(P(960, 329), P(960, 498), P(300, 498), P(300, 511)), P(630, 514), DG_MIDDLE, 1 },
	{ DG_SYN_RECEIVED, DG_CLOSE_WAIT, WW_TCP_SYN_RECV, WW_TCP_CLOSE_WAIT, DG_EVENT, 0,
	  "rcv FIN", PTS(P(1100, 329), P(1100, 511)), P(1108, 470), DG_START, 1 },
	{ DG_ESTABLISHED, DG_FIN_WAIT_1, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, DG_EVENT, 0,
	  "close: snd FIN",
	  PTS(P(540, 435), P(240, 435), P(240, 511)), P(390, 427), DG_MIDDLE, 1 },
	{ DG_ESTABLISHED, DG_CLOSE_WAIT, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, DG_EVENT, 0,
	  "rcv FIN: snd ACK",
	  PTS(P(740, 435), P(1040, 435), P(1040, 511)), P(850, 427), DG_MIDDLE, 1 },
	{ DG_FIN_WAIT_1, DG_FIN_WAIT_2, WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2, DG_EVENT, 0,
	  "rcv ACK of FIN", PTS(P(200, 569), P(200, 621)), P(192, 599), DG_END, 1 },
	{ DG_FIN_WAIT_1, DG_CLOSING, WW_TCP_FIN_WAIT1, WW_TCP_CLOSING, DG_EVENT, DG_F_SIMULTANEOUS,
	  "rcv FIN: simultaneous close",
	  PTS(P(340, 560), P(600, 560), P(600, 621)), P(470, 552), DG_MIDDLE, 1 },
	{ DG_FIN_WAIT_1, DG_TIME_WAIT, WW_TCP_FIN_WAIT1, WW_TCP_TIME_WAIT, DG_TW_IN,
	  DG_F_NOT_DISTINCT, "rcv FIN+ACK \xc2\xb9", PTS(P(330, 569), P(560, 723)), P(440, 650),
	  DG_END, 1 },
	{ DG_FIN_WAIT_2, DG_TIME_WAIT, WW_TCP_FIN_WAIT2, WW_TCP_TIME_WAIT, DG_TW_IN, 0,
	  "rcv FIN: snd ACK",
	  PTS(P(240, 679), P(240, 765), P(540, 765)), P(390, 757), DG_MIDDLE, 1 },
	{ DG_CLOSING, DG_TIME_WAIT, WW_TCP_CLOSING, WW_TCP_TIME_WAIT, DG_TW_IN, DG_F_SIMULTANEOUS,
	  "rcv ACK of FIN", PTS(P(640, 679), P(640, 723)), P(648, 705), DG_START, 1 },
	{ DG_CLOSE_WAIT, DG_LAST_ACK, WW_TCP_CLOSE_WAIT, WW_TCP_LAST_ACK, DG_EVENT, 0,
	  "close: snd FIN", PTS(P(1040, 569), P(1040, 621)), P(1048, 599), DG_START, 1 },
	{ DG_LAST_ACK, DG_CLOSED_END, WW_TCP_LAST_ACK, WW_TCP_CLOSE, DG_CLOSE, 0,
	  "rcv ACK of FIN", PTS(P(1040, 679), P(1040, 723)), P(1048, 698), DG_START, 2 },
	{ DG_TIME_WAIT, DG_CLOSED_END, WW_TCP_TIME_WAIT, WW_TCP_CLOSE, DG_TW_OUT, 0,
	  "timeout 2MSL, or reuse", PTS(P(740, 752), P(940, 752)), P(840, 744), DG_MIDDLE, 1 },
	{ DG_SYN_RECEIVED, DG_ABORT_SYN_RECEIVED, WW_TCP_SYN_RECV, WW_TCP_CLOSE, DG_CLOSE,
	  DG_F_ABORT, "closed", PTS(P(1140, 300), P(1180, 300)), P(1216, 330), DG_MIDDLE, 2 },
	{ DG_ESTABLISHED, DG_ABORT_ESTABLISHED, WW_TCP_ESTABLISHED, WW_TCP_CLOSE, DG_CLOSE,
	  DG_F_ABORT, "closed", PTS(P(640, 449), P(640, 462)), P(684, 479), DG_START, 1 },
	{ DG_FIN_WAIT_1, DG_ABORT_FIN_WAIT_1, WW_TCP_FIN_WAIT1, WW_TCP_CLOSE, DG_CLOSE,
	  DG_F_ABORT, "closed", PTS(P(140, 540), P(100, 540)), P(64, 570), DG_MIDDLE, 2 },
	{ DG_FIN_WAIT_2, DG_ABORT_FIN_WAIT_2, WW_TCP_FIN_WAIT2, WW_TCP_CLOSE, DG_CLOSE,
	  DG_F_ABORT, "closed", PTS(P(140, 650), P(100, 650)), P(64, 680), DG_MIDDLE, 2 },
	{ DG_CLOSE_WAIT, DG_ABORT_CLOSE_WAIT, WW_TCP_CLOSE_WAIT, WW_TCP_CLOSE, DG_CLOSE,
	  DG_F_ABORT, "closed", PTS(P(1140, 540), P(1180, 540)), P(1216, 570), DG_MIDDLE, 2 },
	{ DG_CLOSING, DG_ABORT_CLOSING, WW_TCP_CLOSING, WW_TCP_CLOSE, DG_CLOSE, DG_F_ABORT,
	  "closed", PTS(P(740, 650), P(766, 650)), P(802, 676), DG_MIDDLE, 2 },
};

const size_t dg_narrows = sizeof(dg_arrows) / sizeof(dg_arrows[0]);

_Static_assert(sizeof(dg_arrows) / sizeof(dg_arrows[0]) <= DG_MAX_ARROWS, "room for every arrow");

/* ---- the model -------------------------------------------------------------- */

/* The ->CLOSE events of a state that left no TIME_WAIT socket and no error. */
static __u64 plain_closes(const struct collector_flow *f, int o)
{
	__u64 all = f->trans[o][WW_TCP_CLOSE], other = f->close_tw[o] + f->close_fw2[o] +
						       f->close_err[o];

	return all > other ? all - other : 0;
}

static void arrow_counts(struct dg_arrow *a, const struct dg_arrow_def *def,
			 const struct collector_flow *f)
{
	int o = def->oldstate;

	switch (def->kind) {
	case DG_EVENT:
		a->count = f->trans[o][def->newstate];
		break;
	case DG_CLOSE:
		a->count = plain_closes(f, o);
		a->errors = f->close_err[o];
		if (o == WW_TCP_FIN_WAIT2) /* an orphan's tcp_fin_timeout */
			a->count += f->tw_gone[WW_FLOW_SUB_FW2] + f->tw_reused[WW_FLOW_SUB_FW2];
		break;
	case DG_TW_IN:
		if (def->flags & DG_F_NOT_DISTINCT)
			break;
		a->count = f->close_tw[o] + (o == WW_TCP_FIN_WAIT2 ? f->fw2_to_tw : 0);
		break;
	case DG_TW_OUT:
		a->count = f->tw_gone[WW_FLOW_SUB_TW] + f->tw_reused[WW_FLOW_SUB_TW];
		break;
	}
	a->seen = a->count || a->errors;
}

/* Every event no arrow draws: a recording's odd pairs, TIME_WAIT left from odd states. */
static __u64 undrawn(const struct collector_flow *f)
{
	bool drawn[WW_TCP_NSTATES][WW_TCP_NSTATES] = {};
	__u64 n = 0;

	for (size_t i = 0; i < dg_narrows; i++) {
		const struct dg_arrow_def *def = &dg_arrows[i];

		if (def->kind == DG_EVENT || def->kind == DG_CLOSE)
			drawn[def->oldstate][def->newstate] = true;
	}
	for (int o = 0; o < WW_TCP_NSTATES; o++) {
		for (int s = 0; s < WW_TCP_NSTATES; s++)
			if (!drawn[o][s])
				n += f->trans[o][s];
		if (!drawn[o][WW_TCP_CLOSE])
			continue;
		/* drawn, but what they left goes elsewhere */
		if (o != WW_TCP_FIN_WAIT2 && o != WW_TCP_CLOSING)
			n += f->close_tw[o];
		if (o != WW_TCP_FIN_WAIT2)
			n += f->close_fw2[o];
	}
	return n;
}

void diagram__build(struct diagram *d, const __u32 totals[WW_TCP_NSTATES],
		    const struct collector_flow *f)
{
	memset(d, 0, sizeof(*d));
	for (int b = 0; b < DG_NBOXES; b++) {
		int st = dg_boxes[b].state;

		d->sockets[b] = st == WW_TCP_CLOSE ? -1 : (long long)totals[st];
	}
	for (size_t i = 0; i < dg_narrows; i++) {
		struct dg_arrow *a = &d->arrows[i];

		arrow_counts(a, &dg_arrows[i], f);
		if (a->count + a->errors > d->max_count)
			d->max_count = a->count + a->errors;
		if (dg_arrows[i].kind == DG_TW_IN)
			d->tw_entries += a->count;
		if (dg_arrows[i].kind == DG_TW_OUT)
			d->tw_exits += a->count;
	}
	for (int o = 0; o < WW_TCP_NSTATES; o++)
		for (int s = 0; s < WW_TCP_NSTATES; s++)
			d->events += f->trans[o][s];
	d->other = undrawn(f);
	d->orphaned = f->close_fw2[WW_TCP_FIN_WAIT2];
	d->orphans_ended = f->tw_gone[WW_FLOW_SUB_FW2] + f->tw_reused[WW_FLOW_SUB_FW2];
}

/* ---- geometry and labels ------------------------------------------------------ */

bool dg_box_edge_has(const struct dg_box_def *b, struct dg_point p)
{
	bool in_x = p.x >= b->x && p.x <= b->x + b->w;
	bool in_y = p.y >= b->y && p.y <= b->y + b->h;

	return (in_y && (p.x == b->x || p.x == b->x + b->w)) ||
	       (in_x && (p.y == b->y || p.y == b->y + b->h));
}

double dg_arrow_width(const struct diagram *d, size_t i)
{
	__u64 n = d->arrows[i].count + d->arrows[i].errors;

	if (!n || !d->max_count)
		return 1;
	return 1.5 + 5.5 * log1p((double)n) / log1p((double)d->max_count);
}

/* "1,234" */
static void thousands(char *buf, size_t len, __u64 v)
{
	char raw[24], out[32];
	int n = snprintf(raw, sizeof(raw), "%llu", (unsigned long long)v), o = 0;

	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = raw[i];
	}
	out[o] = 0;
	snprintf(buf, len, "%s", out);
}

void dg_arrow_label(const struct diagram *d, size_t i, int line, char *buf, size_t len)
{
	const struct dg_arrow_def *def = &dg_arrows[i];
	const struct dg_arrow *a = &d->arrows[i];
	bool close = def->kind == DG_CLOSE;
	char n[32], e[32];

	thousands(n, sizeof(n), a->count);
	thousands(e, sizeof(e), a->errors);
	buf[0] = 0;
	if (line && !(close && def->lines == 2))
		return; /* one line only */
	if (line)
		snprintf(buf, len, "\xe2\x9c\x95 %s error", e);
	else if (def->flags & DG_F_NOT_DISTINCT)
		snprintf(buf, len, "%s", def->event);
	else if (close && def->lines == 1 && a->errors)
		snprintf(buf, len, "%s %s \xc2\xb7 \xe2\x9c\x95 %s error", n, def->event, e);
	else
		snprintf(buf, len, "%s %s", n, def->event);
}
