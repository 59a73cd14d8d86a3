/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The TCP state diagram: the fixed layout of RFC 793's figure (active open
 * and close on the left, passive on the right), and the model drawn on it
 * from the collector: sockets per state now, transitions per arrow over a
 * window. Pure: the writers (output/out_svg.c, out_dot.c, out_diagram_json.c)
 * draw it, docs/output.md describes it.
 *
 * TIME_WAIT never appears in an event (docs/counting.md): its entries are
 * the ->CLOSE events that left a TIME_WAIT socket, and the orphaned
 * FIN_WAIT2 sockets a sweep found in substate TIME_WAIT; its exits are what
 * the sweeps found gone and the reuses of a 4-tuple. Linux passes through
 * FIN_WAIT2 when the peer's FIN comes with the ACK of ours, so the textbook
 * FIN_WAIT_1 -> TIME_WAIT cannot be told from FIN_WAIT_2 -> TIME_WAIT: its
 * arrow is marked DG_F_NOT_DISTINCT and counts nothing of its own.
 */
#ifndef WW_DIAGRAM_H
#define WW_DIAGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "collector.h"

#define DIAGRAM_VERSION 1 /* of the JSON model (docs/output.md) */
#define DIAGRAM_W 1280
#define DIAGRAM_H 800

/*
 * Where the legend (title, window, what each stroke means) and the notes
 * (what no arrow shows) go: no arrow or label enters them.
 */
#define DG_LEGEND_X 786
#define DG_LEGEND_Y 8
#define DG_LEGEND_W 490
#define DG_LEGEND_H 144
#define DG_NOTES_X 286
#define DG_NOTES_Y 116
#define DG_NOTES_W 204
#define DG_NOTES_H 100

/* The boxes: the eleven states, CLOSED again at the end, and the ->CLOSED of the aborts. */
enum dg_box_id {
	DG_CLOSED,
	DG_LISTEN,
	DG_SYN_SENT,
	DG_SYN_RECEIVED,
	DG_ESTABLISHED,
	DG_FIN_WAIT_1,
	DG_FIN_WAIT_2,
	DG_CLOSE_WAIT,
	DG_CLOSING,
	DG_LAST_ACK,
	DG_TIME_WAIT,
	DG_NSTATES,
	DG_CLOSED_END = DG_NSTATES, /* where the textbook ends: LAST_ACK, TIME_WAIT */
	DG_ABORT_SYN_RECEIVED,      /* small CLOSED boxes: resets and aborts */
	DG_ABORT_ESTABLISHED,
	DG_ABORT_FIN_WAIT_1,
	DG_ABORT_FIN_WAIT_2,
	DG_ABORT_CLOSE_WAIT,
	DG_ABORT_CLOSING,
	DG_NBOXES
};

struct dg_point {
	int x, y;
};

struct dg_box_def {
	const char *id;    /* stable, for JSON and DOT: "ESTABLISHED", "CLOSED_END", ... */
	const char *label; /* RFC 793's name */
	int state;         /* WW_TCP_*: what its count is of (CLOSE: none is counted) */
	int x, y, w, h;    /* top left corner and size, in the viewBox */
};

enum dg_kind {
	DG_EVENT,  /* an old -> new the kernel reports */
	DG_CLOSE,  /* old -> CLOSE that left no TIME_WAIT socket: closes, and errors apart */
	DG_TW_IN,  /* into TIME_WAIT: inferred */
	DG_TW_OUT, /* out of TIME_WAIT: sweeps and reuse */
};

#define DG_F_SIMULTANEOUS (1 << 0) /* simultaneous open or close */
#define DG_F_NOT_DISTINCT (1 << 1) /* the kernel does not tell it apart: counts nothing */
#define DG_F_ABORT (1 << 2)        /* not in the textbook figure: resets and aborts */

#define DG_MAX_POINTS 5

enum dg_anchor { DG_START, DG_MIDDLE, DG_END };

struct dg_arrow_def {
	int from, to;           /* enum dg_box_id */
	int oldstate, newstate; /* WW_TCP_*: the transition (newstate TIME_WAIT: inferred) */
	enum dg_kind kind;
	unsigned int flags;     /* DG_F_* */
	const char *event;      /* what makes it, the textbook's words */
	int npoints;
	struct dg_point pt[DG_MAX_POINTS]; /* a polyline from the edge of from to the edge of to */
	struct dg_point label;  /* where its label's first line sits (baseline) */
	enum dg_anchor anchor;
	int lines;              /* of the label: 1, or 2 (count, then errors) */
};

extern const struct dg_box_def dg_boxes[DG_NBOXES];
extern const struct dg_arrow_def dg_arrows[];
extern const size_t dg_narrows;

#define DG_MAX_ARROWS 32

struct dg_arrow {
	__u64 count;  /* transitions over the window (DG_CLOSE: those without an error) */
	__u64 errors; /* DG_CLOSE: with a socket error (a reset received, refused, timed out) */
	bool seen;    /* count or errors */
};

struct diagram {
	long long sockets[DG_NBOXES];   /* sockets in the box's state now; -1: not counted */
	struct dg_arrow arrows[DG_MAX_ARROWS]; /* as dg_arrows */
	__u64 max_count;        /* the largest count + errors of an arrow: stroke widths */
	__u64 events;           /* every transition counted */
	__u64 other;            /* transitions no arrow draws (a recording's odd ones) */
	__u64 orphaned;         /* FIN_WAIT2 -> CLOSE that left an orphan: still FIN_WAIT2 */
	__u64 tw_entries;       /* into TIME_WAIT, all paths */
	__u64 tw_exits;         /* out of TIME_WAIT (substate TIME_WAIT) */
	__u64 orphans_ended;    /* orphaned FIN_WAIT2 sockets gone (tcp_fin_timeout) */
	/* the window, CLOCK_MONOTONIC, and how to show it */
	__u64 start_ns, end_ns;
	long long mono_to_real_ns;
	char source[96];        /* "live (tp_btf)", "recording FILE" */
};

/*
 * The model from the sockets per state now (a snapshot's totals) and the
 * flow over the window (collector__flow()).
 */
void diagram__build(struct diagram *d, const __u32 totals[WW_TCP_NSTATES],
		    const struct collector_flow *f);

/* A box's centre, and whether p lies on its edge (within half a unit). */
bool dg_box_edge_has(const struct dg_box_def *b, struct dg_point p);

/* Stroke width of an arrow: 1 unseen, up to 7 at the window's largest. */
double dg_arrow_width(const struct diagram *d, size_t i);

/* The arrow's label text: "12 rcv FIN", and its second line (errors), into buf. */
void dg_arrow_label(const struct diagram *d, size_t i, int line, char *buf, size_t len);

#endif
