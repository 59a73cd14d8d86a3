// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for core/diagram.c and its writers: the fixed layout (no two
 * boxes overlap, every arrow runs from a box's edge to a box's edge and
 * crosses no box, labels and all fit the viewBox and stay off the boxes)
 * and the model's numbers from hand-made events through the collector.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "diagram.h"
#include "events.h"
#include "expect.h"
#include "out_diagram.h"

struct rect {
	double x0, y0, x1, y1;
};

static struct rect box_rect(const struct dg_box_def *b)
{
	return (struct rect){ b->x, b->y, b->x + b->w, b->y + b->h };
}

static bool overlap(struct rect a, struct rect b)
{
	return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

static bool inside_view(struct rect r)
{
	return r.x0 >= 0 && r.y0 >= 0 && r.x1 <= DIAGRAM_W && r.y1 <= DIAGRAM_H;
}

static const struct rect legend = { DG_LEGEND_X, DG_LEGEND_Y, DG_LEGEND_X + DG_LEGEND_W,
				    DG_LEGEND_Y + DG_LEGEND_H };
static const struct rect notes = { DG_NOTES_X, DG_NOTES_Y, DG_NOTES_X + DG_NOTES_W,
				   DG_NOTES_Y + DG_NOTES_H };

static void test_boxes_apart_and_inside(void **state)
{
	for (int a = 0; a < DG_NBOXES; a++) {
		assert_true(inside_view(box_rect(&dg_boxes[a])));
		for (int b = a + 1; b < DG_NBOXES; b++) {
			/* a margin, so that an arrow fits between any two */
			struct rect ra = box_rect(&dg_boxes[a]);

			ra.x0 -= 10, ra.y0 -= 10, ra.x1 += 10, ra.y1 += 10;
			if (overlap(ra, box_rect(&dg_boxes[b])))
				print_error("boxes %s and %s overlap\n", dg_boxes[a].id,
					    dg_boxes[b].id);
			assert_false(overlap(ra, box_rect(&dg_boxes[b])));
		}
	}
}

/* Every state of the textbook has a box of its own, and its count is of that state. */
static void test_eleven_states(void **state)
{
	const int want[DG_NSTATES] = {
		WW_TCP_CLOSE, WW_TCP_LISTEN, WW_TCP_SYN_SENT, WW_TCP_SYN_RECV,
		WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2, WW_TCP_CLOSE_WAIT,
		WW_TCP_CLOSING, WW_TCP_LAST_ACK, WW_TCP_TIME_WAIT,
	};

	for (int b = 0; b < DG_NSTATES; b++)
		assert_int_equal(dg_boxes[b].state, want[b]);
	for (int b = DG_NSTATES; b < DG_NBOXES; b++)
		assert_int_equal(dg_boxes[b].state, WW_TCP_CLOSE);
}

static void test_arrows_edge_to_edge(void **state)
{
	assert_true(dg_narrows <= DG_MAX_ARROWS);
	for (size_t i = 0; i < dg_narrows; i++) {
		const struct dg_arrow_def *a = &dg_arrows[i];

		assert_true(a->npoints >= 2 && a->npoints <= DG_MAX_POINTS);
		if (!dg_box_edge_has(&dg_boxes[a->from], a->pt[0]) ||
		    !dg_box_edge_has(&dg_boxes[a->to], a->pt[a->npoints - 1]))
			print_error("arrow %zu %s -> %s is off an edge\n", i, dg_boxes[a->from].id,
				    dg_boxes[a->to].id);
		assert_true(dg_box_edge_has(&dg_boxes[a->from], a->pt[0]));
		assert_true(dg_box_edge_has(&dg_boxes[a->to], a->pt[a->npoints - 1]));
		assert_int_equal(dg_boxes[a->from].state, a->kind == DG_TW_OUT ?
				 WW_TCP_TIME_WAIT : a->oldstate);
	}
}

/* Sampled every half unit: no point of an arrow but its ends' touches a box. */
static void test_arrows_cross_no_box(void **state)
{
	for (size_t i = 0; i < dg_narrows; i++) {
		const struct dg_arrow_def *a = &dg_arrows[i];

		for (int s = 0; s + 1 < a->npoints; s++) {
			double dx = a->pt[s + 1].x - a->pt[s].x, dy = a->pt[s + 1].y - a->pt[s].y;
			double len = dx > 0 ? dx : -dx;
			int steps;

			len = (dy > 0 ? dy : -dy) > len ? (dy > 0 ? dy : -dy) : len;
			steps = (int)(len * 2);
			for (int k = 0; k <= steps; k++) {
				double x = a->pt[s].x + dx * k / steps, y = a->pt[s].y + dy * k / steps;
				struct rect p = { x - 0.5, y - 0.5, x + 0.5, y + 0.5 };
				/* the ends lie on edges: the first and last unit are theirs */
				bool end = (s == 0 && k < 2) || (s + 2 == a->npoints && k > steps - 2);

				assert_true(inside_view(p));
				assert_false(overlap(p, legend) || overlap(p, notes));
				for (int b = 0; b < DG_NBOXES && !end; b++) {
					if (overlap(p, box_rect(&dg_boxes[b])))
						print_error("arrow %zu crosses %s at %.1f,%.1f\n", i,
							    dg_boxes[b].id, x, y);
					assert_false(overlap(p, box_rect(&dg_boxes[b])));
				}
			}
		}
	}
}

/* UTF-8 code points: what the width of a label goes by. */
static size_t glyphs(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void test_legend_and_notes_apart(void **state)
{
	assert_true(inside_view(legend));
	assert_true(inside_view(notes));
	for (int b = 0; b < DG_NBOXES; b++) {
		assert_false(overlap(legend, box_rect(&dg_boxes[b])));
		assert_false(overlap(notes, box_rect(&dg_boxes[b])));
	}
}

/* Labels of six-digit counts, errors included: in the viewBox, off every box, legend and notes. */
static void test_labels_fit(void **state)
{
	struct diagram d;

	memset(&d, 0, sizeof(d));
	for (size_t i = 0; i < dg_narrows; i++) {
		d.arrows[i].count = d.arrows[i].errors = 123456;
		d.arrows[i].seen = true;
	}
	d.max_count = 246912;
	for (size_t i = 0; i < dg_narrows; i++) {
		const struct dg_arrow_def *a = &dg_arrows[i];

		for (int l = 0; l < a->lines; l++) {
			char text[128];
			double w, x;
			struct rect r;

			dg_arrow_label(&d, i, l, text, sizeof(text));
			/* 11 px DejaVu Sans: at most 6.6 px a glyph, bold digits included */
			w = 6.6 * (glyphs(text) + (a->flags & DG_F_SIMULTANEOUS ? 2 : 0));
			x = a->anchor == DG_START ? a->label.x :
			    a->anchor == DG_END	  ? a->label.x - w : a->label.x - w / 2;
			r = (struct rect){ x, a->label.y + 14 * l - 9, x + w, a->label.y + 14 * l + 3 };
			if (!inside_view(r))
				print_error("label '%s' leaves the view\n", text);
			assert_true(inside_view(r));
			if (overlap(r, legend) || overlap(r, notes))
				print_error("label '%s' on the legend or the notes\n", text);
			assert_false(overlap(r, legend) || overlap(r, notes));
			for (int b = 0; b < DG_NBOXES; b++) {
				if (overlap(r, box_rect(&dg_boxes[b])))
					print_error("label '%s' on %s\n", text, dg_boxes[b].id);
				assert_false(overlap(r, box_rect(&dg_boxes[b])));
			}
		}
	}
}

/* ---- the model from events ------------------------------------------------------ */

static const struct dg_arrow *arrow_to(const struct diagram *d, int from, int to)
{
	for (size_t i = 0; i < dg_narrows; i++)
		if (dg_arrows[i].from == from && dg_arrows[i].to == to)
			return &d->arrows[i];
	fail_msg("no arrow %d -> %d", from, to);
	return NULL;
}

/* An arrow's expected figure: its count, errors or seen. */
struct arrow_check {
	int from, to;
	enum { AC_COUNT, AC_ERRORS, AC_SEEN } what;
	__u64 want;
};

#define ARROW_COUNT(f, t, n) { (f), (t), AC_COUNT, (n) }
#define ARROW_ERRORS(f, t, n) { (f), (t), AC_ERRORS, (n) }
#define ARROW_SEEN(f, t, b) { (f), (t), AC_SEEN, (b) }

static void expect_arrows_at(const struct diagram *d, const struct arrow_check *c, size_t n,
			     int line)
{
	static const char *const names[] = { "count", "errors", "seen" };

	for (size_t i = 0; i < n; i++) {
		const struct dg_arrow *a = arrow_to(d, c[i].from, c[i].to);
		__u64 got = c[i].what == AC_COUNT ? a->count :
			    c[i].what == AC_ERRORS ? a->errors : a->seen;

		if (got != c[i].want)
			fail_msg("line %d: arrow %d -> %d: %s %llu, expected %llu", line, c[i].from,
				 c[i].to, names[c[i].what], (unsigned long long)got,
				 (unsigned long long)c[i].want);
	}
}

#define EXPECT_ARROWS(d, ...)                                                        \
	do {                                                                         \
		const struct arrow_check arrows_c_[] = { __VA_ARGS__ };              \
		expect_arrows_at(d, arrows_c_, ARRAY_LEN(arrows_c_), __LINE__);      \
	} while (0)

static struct collector *mk(void)
{
	struct collector_opts o = { .sort_state = -1 };
	struct collector *c = collector__new(&o);

	assert_non_null(c);
	return c;
}

static void build(struct collector *c, struct diagram *d, __u64 now)
{
	struct snapshot s;

	assert_int_equal(collector__snapshot(c, now, false, &s), 0);
	diagram__build(d, s.totals, collector__flow(c));
	snapshot__free(&s);
}

/* A listener, two active closes into TIME_WAIT, one passive close, a CLOSE_WAIT held. */
static void test_model_common_paths(void **state)
{
	struct collector *c = mk();
	struct tsock l = t_listener(1, "0.0.0.0", 80);
	struct tsock o1 = t_out(2, "198.51.100.1", 40001, "198.51.100.2", 443);
	struct tsock o2 = t_out(3, "198.51.100.1", 40002, "198.51.100.2", 443);
	struct tsock in = t_in(4, "198.51.100.1", 80, "198.51.100.9", 50001);
	struct tsock cw = t_in(5, "198.51.100.1", 80, "198.51.100.9", 50002);
	struct diagram d;

	t_listen(c, &l, SEC);
	t_conn_tw(c, &o1, 2 * SEC);
	t_conn_tw(c, &o2, 3 * SEC);
	t_accept(c, &in, 4 * SEC);
	tr(c, &in, 5 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	tr(c, &in, 6 * SEC, WW_TCP_CLOSE_WAIT, WW_TCP_LAST_ACK, 0, 0);
	tr(c, &in, 7 * SEC, WW_TCP_LAST_ACK, WW_TCP_CLOSE, 0, 0);
	t_accept(c, &cw, 8 * SEC);
	tr(c, &cw, 9 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	build(c, &d, 10 * SEC);

	assert_int_equal(d.sockets[DG_LISTEN], 1);
	assert_int_equal(d.sockets[DG_TIME_WAIT], 2);
	assert_int_equal(d.sockets[DG_CLOSE_WAIT], 1);
	assert_int_equal(d.sockets[DG_ESTABLISHED], 0);
	assert_int_equal(d.sockets[DG_CLOSED], -1);
	EXPECT_ARROWS(&d,
		ARROW_COUNT(DG_CLOSED, DG_LISTEN, 1),
		ARROW_COUNT(DG_CLOSED, DG_SYN_SENT, 2),
		ARROW_COUNT(DG_SYN_SENT, DG_ESTABLISHED, 2),
		ARROW_COUNT(DG_LISTEN, DG_SYN_RECEIVED, 2),
		ARROW_COUNT(DG_SYN_RECEIVED, DG_ESTABLISHED, 2),
		ARROW_COUNT(DG_ESTABLISHED, DG_FIN_WAIT_1, 2),
		ARROW_COUNT(DG_FIN_WAIT_1, DG_FIN_WAIT_2, 2),
		ARROW_COUNT(DG_FIN_WAIT_2, DG_TIME_WAIT, 2),
		/* FIN_WAIT2 -> CLOSE left TIME_WAIT sockets: no close of FIN_WAIT2 */
		ARROW_COUNT(DG_FIN_WAIT_2, DG_ABORT_FIN_WAIT_2, 0),
		ARROW_SEEN(DG_FIN_WAIT_2, DG_ABORT_FIN_WAIT_2, 0),
		ARROW_COUNT(DG_ESTABLISHED, DG_CLOSE_WAIT, 2),
		ARROW_COUNT(DG_CLOSE_WAIT, DG_LAST_ACK, 1),
		ARROW_COUNT(DG_LAST_ACK, DG_CLOSED_END, 1),
		ARROW_ERRORS(DG_LAST_ACK, DG_CLOSED_END, 0),
		ARROW_SEEN(DG_SYN_SENT, DG_SYN_RECEIVED, 0));
	EXPECT_FIELDS(&d, FV(events, 19), FV(other, 0), FV(tw_entries, 2), FV(tw_exits, 0),
		      FV(max_count, 2));
	collector__free(c);
}

/* Simultaneous open and close, resets, a refused connect, an abort. */
static void test_model_simultaneous_and_errors(void **state)
{
	struct collector *c = mk();
	struct tsock a = t_out(1, "198.51.100.1", 40001, "198.51.100.2", 5000);
	struct tsock r = t_out(2, "198.51.100.1", 40002, "198.51.100.2", 5001);
	struct tsock x = t_in(3, "198.51.100.1", 80, "198.51.100.9", 50001);
	struct tsock y = t_in(4, "198.51.100.1", 80, "198.51.100.9", 50002);
	struct tsock z = t_out(5, "198.51.100.1", 40005, "198.51.100.2", 5000);
	struct diagram d;

	/* a: both sides send a SYN, then both a FIN */
	tr(c, &a, SEC, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
	tr(c, &a, SEC + 1, WW_TCP_SYN_SENT, WW_TCP_SYN_RECV, 0, 0);
	tr(c, &a, SEC + 2, WW_TCP_SYN_RECV, WW_TCP_ESTABLISHED, 0, 0);
	tr(c, &a, 2 * SEC, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	tr(c, &a, 2 * SEC + 1, WW_TCP_FIN_WAIT1, WW_TCP_CLOSING, 0, 0);
	tr(c, &a, 2 * SEC + 2, WW_TCP_CLOSING, WW_TCP_CLOSE, WW_EF_TW, 0);
	/* r: refused */
	tr(c, &r, 3 * SEC, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
	tr(c, &r, 3 * SEC + 1, WW_TCP_SYN_SENT, WW_TCP_CLOSE, 0, 111);
	/* x: the peer resets; y: reset in CLOSE_WAIT; z: closed with SO_LINGER 0 */
	t_accept(c, &x, 4 * SEC);
	tr(c, &x, 5 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE, 0, 104);
	t_accept(c, &y, 4 * SEC);
	tr(c, &y, 5 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	tr(c, &y, 6 * SEC, WW_TCP_CLOSE_WAIT, WW_TCP_CLOSE, 0, 32);
	t_connect(c, &z, 7 * SEC);
	tr(c, &z, 8 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE, 0, 0);
	build(c, &d, 10 * SEC);

	EXPECT_ARROWS(&d,
		ARROW_COUNT(DG_SYN_SENT, DG_SYN_RECEIVED, 1),
		ARROW_COUNT(DG_FIN_WAIT_1, DG_CLOSING, 1),
		ARROW_COUNT(DG_CLOSING, DG_TIME_WAIT, 1),
		ARROW_COUNT(DG_CLOSING, DG_ABORT_CLOSING, 0),
		ARROW_COUNT(DG_SYN_SENT, DG_CLOSED, 0),
		ARROW_ERRORS(DG_SYN_SENT, DG_CLOSED, 1),
		ARROW_SEEN(DG_SYN_SENT, DG_CLOSED, 1),
		ARROW_COUNT(DG_ESTABLISHED, DG_ABORT_ESTABLISHED, 1),
		ARROW_ERRORS(DG_ESTABLISHED, DG_ABORT_ESTABLISHED, 1),
		ARROW_ERRORS(DG_CLOSE_WAIT, DG_ABORT_CLOSE_WAIT, 1),
		ARROW_COUNT(DG_CLOSE_WAIT, DG_ABORT_CLOSE_WAIT, 0));
	assert_int_equal(d.sockets[DG_TIME_WAIT], 1);
	EXPECT_FIELDS(&d, FV(tw_entries, 1), FV(other, 0), FV(events, 18));
	collector__free(c);
}

/*
 * TIME_WAIT's three ways in and its ways out: FIN_WAIT2 -> CLOSE into
 * TIME_WAIT, an orphaned FIN_WAIT2 that a sweep finds in TIME_WAIT (the
 * peer's FIN, no event), CLOSING; out by a sweep that finds it gone and
 * by reuse; an orphan that times out leaves FIN_WAIT_2. The textbook
 * FIN_WAIT_1 -> TIME_WAIT counts nothing: Linux does not tell it apart.
 */
static void test_model_time_wait_paths(void **state)
{
	struct collector *c = mk();
	struct tsock tw = t_out(1, "198.51.100.1", 40001, "198.51.100.2", 443);
	struct tsock orph = t_out(2, "198.51.100.1", 40002, "198.51.100.2", 443);
	struct tsock late = t_out(3, "198.51.100.1", 40003, "198.51.100.2", 443);
	struct tsock reuse = t_out(4, "198.51.100.1", 40001, "198.51.100.2", 443);
	struct diagram d;

	t_conn_tw(c, &tw, SEC);
	t_connect(c, &orph, SEC);
	tr(c, &orph, 2 * SEC, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	tr(c, &orph, 2 * SEC + 1, WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2, 0, 0);
	tr(c, &orph, 2 * SEC + 2, WW_TCP_FIN_WAIT2, WW_TCP_CLOSE, WW_EF_TW_FW2, 0);
	t_connect(c, &late, SEC);
	tr(c, &late, 2 * SEC, WW_TCP_ESTABLISHED, WW_TCP_FIN_WAIT1, 0, 0);
	tr(c, &late, 2 * SEC + 1, WW_TCP_FIN_WAIT1, WW_TCP_FIN_WAIT2, 0, 0);
	tr(c, &late, 2 * SEC + 2, WW_TCP_FIN_WAIT2, WW_TCP_CLOSE, WW_EF_TW_FW2, 0);
	build(c, &d, 3 * SEC);
	assert_int_equal(d.sockets[DG_FIN_WAIT_2], 2); /* as ss shows orphans */
	assert_int_equal(d.sockets[DG_TIME_WAIT], 1);
	EXPECT_FIELDS(&d, FV(orphaned, 2), FV(tw_entries, 1), FV(orphans_ended, 0));

	/* a sweep: tw still there, orph got the peer's FIN, late is gone */
	collector__sweep_begin(c, 4 * SEC);
	sweep_rec(c, rec_tw(&tw, WW_TCP_TIME_WAIT));
	sweep_rec(c, rec_tw(&orph, WW_TCP_TIME_WAIT));
	collector__sweep_end(c);
	/* a new connection on tw's 4-tuple ends it */
	t_connect(c, &reuse, 5 * SEC);
	build(c, &d, 6 * SEC);

	EXPECT_ARROWS(&d,
		ARROW_COUNT(DG_FIN_WAIT_2, DG_TIME_WAIT, 2),
		ARROW_COUNT(DG_FIN_WAIT_1, DG_TIME_WAIT, 0),
		ARROW_SEEN(DG_FIN_WAIT_1, DG_TIME_WAIT, 0),
		ARROW_COUNT(DG_TIME_WAIT, DG_CLOSED_END, 1),
		ARROW_COUNT(DG_FIN_WAIT_2, DG_ABORT_FIN_WAIT_2, 1));
	assert_int_equal(d.sockets[DG_TIME_WAIT], 1);
	assert_int_equal(d.sockets[DG_FIN_WAIT_2], 0);
	assert_int_equal(d.sockets[DG_ESTABLISHED], 1);
	EXPECT_FIELDS(&d, FV(tw_entries, 2), FV(tw_exits, 1), FV(orphans_ended, 1),
		      FV(orphaned, 2));
	collector__free(c);
}

/* A pair the kernel does not make (from a recording) is counted apart, drawn nowhere. */
static void test_model_other(void **state)
{
	struct collector *c = mk();
	struct tsock s = t_out(1, "198.51.100.1", 40001, "198.51.100.2", 443);
	struct diagram d;

	t_connect(c, &s, SEC);
	tr(c, &s, 2 * SEC, WW_TCP_ESTABLISHED, WW_TCP_LAST_ACK, 0, 0);
	build(c, &d, 3 * SEC);
	EXPECT_FIELDS(&d, FV(events, 3), FV(other, 1));
	collector__free(c);
}

/* ---- the writers ---------------------------------------------------------------- */

static void test_writers(void **state)
{
	struct collector *c = mk();
	struct tsock s = t_out(1, "198.51.100.1", 40001, "198.51.100.2", 443);
	struct diagram d;
	char *buf;
	size_t len;

	t_conn_tw(c, &s, SEC);
	build(c, &d, 2 * SEC);
	snprintf(d.source, sizeof(d.source), "a <test> & \"quotes\"\x01");
	d.start_ns = SEC;
	d.end_ns = 2 * SEC;

	assert_int_equal(out_diagram_buf(&d, DIAGRAM_SVG, &buf, &len), 0);
	assert_int_equal(strlen(buf), len);
	assert_non_null(strstr(buf, "<?xml version=\"1.0\""));
	assert_non_null(strstr(buf, "viewBox=\"0 0 1280 800\""));
	assert_non_null(strstr(buf, "a &lt;test&gt; &amp; &quot;quotes&quot;?"));
	assert_non_null(strstr(buf, "id=\"arrow-FIN_WAIT2-TIME_WAIT\" data-from=\"FIN_WAIT2\" "
				    "data-to=\"TIME_WAIT\" data-count=\"1\""));
	assert_non_null(strstr(buf, "id=\"box-TIME_WAIT\" data-state=\"TIME_WAIT\" "
				    "data-sockets=\"1\""));
	assert_null(strstr(buf, "nan"));
	assert_string_equal(buf + len - 7, "</svg>\n");
	free(buf);

	assert_int_equal(out_diagram_buf(&d, DIAGRAM_JSON, &buf, &len), 0);
	assert_memory_equal(buf, "{\"version\":1,", 13);
	assert_non_null(strstr(buf, "\"from\":\"FIN_WAIT2\",\"to\":\"TIME_WAIT\","));
	assert_non_null(strstr(buf, "\"from\":\"FIN_WAIT1\",\"to\":\"TIME_WAIT\","));
	assert_non_null(strstr(buf, "\"count\":null"));
	free(buf);

	assert_int_equal(out_diagram_buf(&d, DIAGRAM_DOT, &buf, &len), 0);
	assert_memory_equal(buf, "digraph tcp_states {", 20);
	assert_non_null(strstr(buf, "FIN_WAIT2 -> TIME_WAIT [label=\"1 rcv FIN: snd ACK\""));
	free(buf);
	collector__free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boxes_apart_and_inside),
		cmocka_unit_test(test_eleven_states),
		cmocka_unit_test(test_arrows_edge_to_edge),
		cmocka_unit_test(test_arrows_cross_no_box),
		cmocka_unit_test(test_legend_and_notes_apart),
		cmocka_unit_test(test_labels_fit),
		cmocka_unit_test(test_model_common_paths),
		cmocka_unit_test(test_model_simultaneous_and_errors),
		cmocka_unit_test(test_model_time_wait_paths),
		cmocka_unit_test(test_model_other),
		cmocka_unit_test(test_writers),
	};

	return cmocka_run_group_tests_name("diagram", tests, NULL, NULL);
}
