// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for the live page's pure parts: the history ring
 * (src/core/history.c), the views of the table and the page's commands
 * (src/core/webview.c), and their JSON (src/output/out_web.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "json_writer.h"
#include "out_web.h"
#include "webview.h"

static void test_capacity(void **state)
{
	assert_int_equal(history_capacity(1000000000ull), 900);
	assert_int_equal(history_capacity(2000000000ull), 450);
	assert_int_equal(history_capacity(700000000ull), 1286);      /* rounded up */
	assert_int_equal(history_capacity(100000000ull), HISTORY_MAX_SAMPLES);
	assert_int_equal(history_capacity(3600ull * 1000000000ull), 2);
	assert_int_equal(history_capacity(0), HISTORY_MAX_SAMPLES);
}

static void test_ring(void **state)
{
	struct history h;
	struct history_sample s = {};

	assert_int_equal(history__init(&h, 3), 0);
	for (int i = 1; i <= 5; i++) {
		s.ts_ns = i;
		history__add(&h, &s);
		assert_int_equal(h.n, i < 3 ? i : 3);
	}
	/* the oldest forgotten, oldest first */
	assert_int_equal(history__at(&h, 0)->ts_ns, 3);
	assert_int_equal(history__at(&h, 1)->ts_ns, 4);
	assert_int_equal(history__at(&h, 2)->ts_ns, 5);
	history__free(&h);
}

static struct ep_row ep(const char *addr, uint16_t port, uint32_t tw, uint32_t cw)
{
	struct ep_row r = { .key = { .family = WW_AF_INET, .port = port, .netns = 7,
				     .dir = DIR_OUT } };
	unsigned int a, b, c, d;

	sscanf(addr, "%u.%u.%u.%u", &a, &b, &c, &d);
	r.key.addr[0] = a, r.key.addr[1] = b, r.key.addr[2] = c, r.key.addr[3] = d;
	r.count[WW_TCP_TIME_WAIT] = tw;
	r.count[WW_TCP_CLOSE_WAIT] = cw;
	return r;
}

static void test_sample(void **state)
{
	struct ep_row rows[HISTORY_TOP + 2];
	struct snapshot snap = { .ts_ns = 42, .rows = rows, .nrows = HISTORY_TOP + 2 };
	struct history_sample s;

	for (int i = 0; i < HISTORY_TOP + 2; i++)
		rows[i] = ep("198.51.100.1", 80 + i, 100 - i, i);
	rows[1] = ep("198.51.100.9", 9, 0, 0); /* neither state: left out */
	snap.totals[WW_TCP_TIME_WAIT] = 500;
	snap.totals[WW_TCP_CLOSE_WAIT] = 20;
	history_sample_of(&s, &snap, BY_SERVICE, 32, 128);
	assert_int_equal(s.ts_ns, 42);
	assert_int_equal(s.time_wait, 500);
	assert_int_equal(s.close_wait, 20);
	assert_int_equal(s.n, HISTORY_TOP);
	assert_string_equal(s.ep[0].endpoint, "198.51.100.1:80");
	assert_string_equal(s.ep[1].endpoint, "198.51.100.1:82");
	assert_int_equal(s.ep[1].time_wait, 98);
	assert_int_equal(s.ep[1].close_wait, 2);
	assert_int_equal(s.ep[0].netns, 7);
}

static struct web_row wrow(const char *addr, uint16_t port, uint32_t tw, uint32_t cw)
{
	struct ep_row r = ep(addr, port, tw, cw);
	struct view_opts v = { .by = BY_SERVICE, .prefix4 = 32, .prefix6 = 128 };
	struct web_row w;

	web_row_of(&w, &r, &v, 0);
	return w;
}

static void test_views(void **state)
{
	struct web_row in[4] = {
		wrow("198.51.100.1", 80, 1, 0), wrow("198.51.100.1", 443, 5, 1),
		wrow("198.51.100.2", 80, 2, 0), wrow("198.51.100.3", 8004, 0, 50),
	};
	struct web_view v = {};
	struct web_row out[4];
	size_t n;

	n = web_rows_view(in, 4, &v, BY_SERVICE, 32, 128, out);
	assert_int_equal(n, 4);
	assert_string_equal(out[0].endpoint, "198.51.100.3:8004"); /* worst first */
	assert_string_equal(out[1].endpoint, "198.51.100.1:443");

	v.group = WEB_GROUP_ADDRESS;
	n = web_rows_view(in, 4, &v, BY_SERVICE, 32, 128, out);
	assert_int_equal(n, 3);
	assert_string_equal(out[0].endpoint, "198.51.100.3");
	assert_string_equal(out[1].endpoint, "198.51.100.1");
	assert_int_equal(out[1].count[WW_TCP_TIME_WAIT], 6);
	assert_int_equal(out[1].endpoints, 2);

	v.group = WEB_GROUP_PORT;
	n = web_rows_view(in, 4, &v, BY_SERVICE, 32, 128, out);
	assert_int_equal(n, 3);
	assert_string_equal(out[2].endpoint, "*:80");
	assert_int_equal(out[2].count[WW_TCP_TIME_WAIT], 3);

	v.group = WEB_GROUP_ENDPOINT;
	strcpy(v.filter, ":80");
	n = web_rows_view(in, 4, &v, BY_SERVICE, 32, 128, out);
	assert_int_equal(n, 3); /* :80 and :8004 */
	strcpy(v.filter, "NOTHING");
	assert_int_equal(web_rows_view(in, 4, &v, BY_SERVICE, 32, 128, out), 0);

	/* by comm, there is no address to group by */
	v.filter[0] = 0;
	v.group = WEB_GROUP_ADDRESS;
	assert_false(web_group_applies(WEB_GROUP_ADDRESS, BY_COMM));
	assert_int_equal(web_rows_view(in, 4, &v, BY_COMM, 32, 128, out), 4);
}

static void test_commands(void **state)
{
	struct web_view v = {};
	const char *ok[] = {
		"{\"op\":\"group\",\"value\":\"address\"}",
		"{\"op\":\"filter\",\"value\":\"198.51\"}",
		"{ \"value\" : \"10.0.0.1:80\", \"op\" : \"select\" }",
		"{\"op\":\"refresh\"}",
	};
	const char *bad[] = {
		"", "[]", "{}", "{\"op\":\"group\"}", "{\"op\":\"group\",\"value\":\"nope\"}",
		"{\"op\":\"drop\",\"value\":\"x\"}", "{\"op\":\"filter\",\"value\":\"unterminated}",
		"{\"op\":\"filter\",\"value\":\"\\u0041\"}", "{\"op\":1}",
		"{\"op\":\"filter\",\"value\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
		"{\"op\":\"filter\",\"value\":\"a\nb\"}",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(web_command_apply(ok[i], strlen(ok[i]), BY_SERVICE, &v), 0);
	assert_int_equal(v.group, WEB_GROUP_ADDRESS);
	assert_string_equal(v.filter, "198.51");
	assert_string_equal(v.selected, "10.0.0.1:80");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(web_command_apply(bad[i], strlen(bad[i]), BY_SERVICE, &v), -EINVAL);
	/* refused commands change nothing */
	assert_string_equal(v.filter, "198.51");
	assert_int_equal(web_command_apply("{\"op\":\"group\",\"value\":\"port\"}", 31, BY_COMM,
					   &v), -EINVAL);
	assert_int_equal(v.group, WEB_GROUP_ADDRESS);
}

static void test_json(void **state)
{
	struct web_row rows[1] = { wrow("198.51.100.3", 8004, 0, 50) };
	uint32_t totals[WW_TCP_NSTATES] = { [WW_TCP_CLOSE_WAIT] = 50 };
	struct web_view v = { .group = WEB_GROUP_ENDPOINT };
	struct web_table t = { .rows = rows, .nrows = 1, .total_rows = 1, .totals = totals,
			       .by = BY_SERVICE, .view = &v, .ts_real_ns = 1500000000ull };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct json_writer *jw = jw__new(f);

	strcpy(v.selected, "198.51.100.3:8004");
	out_web_endpoints(jw, &t);
	jw__free(jw);
	fclose(f);
	assert_non_null(strstr(text, "\"version\":1,"));
	assert_non_null(strstr(text, "\"endpoint\":\"198.51.100.3:8004\",\"netns\":7,\"dir\":\"out\""));
	assert_non_null(strstr(text, "\"CLOSE_WAIT\":50"));
	assert_non_null(strstr(text, "\"selected\":true"));
	assert_non_null(strstr(text, "\"port_pressure_pct\":null"));
	free(text);
}

/* the history copies each sample's own text; the ring frees what it forgets */
static void test_history_text(void **state)
{
	struct history h;
	struct history_sample s = { .ts_ns = 1000000000ull };
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	struct json_writer *jw;

	assert_int_equal(history__init(&h, 2), 0);
	for (int i = 0; i < 3; i++) {
		s.text = strdup(i ? "{\"pre\":\"rendered\"}" : "{\"forgotten\":1}");
		s.text_len = strlen(s.text);
		history__add(&h, &s);
	}
	s.text = NULL;
	history__add(&h, &s); /* one without: rendered */
	f = open_memstream(&text, &len);
	jw = jw__new(f);
	out_web_history(jw, &h, 1000000000ull, 0);
	jw__free(jw);
	fclose(f);
	assert_non_null(strstr(text, "\"samples\":[{\"pre\":\"rendered\"},{\"ts\":1,"));
	assert_null(strstr(text, "forgotten"));
	free(text);
	history__free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity), cmocka_unit_test(test_ring),
		cmocka_unit_test(test_sample),   cmocka_unit_test(test_views),
		cmocka_unit_test(test_commands), cmocka_unit_test(test_json),
		cmocka_unit_test(test_history_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
