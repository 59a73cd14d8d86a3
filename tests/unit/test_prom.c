// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/out_prom.c: the Prometheus text format (0.0.4) of
 * snapshots built by the collector from constructed events (events.h).
 *
 * - golden files: tests/data/prom/NAME.prom, read relative to the repo root
 *   (make check runs the tests from there). WW_GOLDEN_UPDATE=1 rewrites them
 *   from the current output instead of comparing: review the diff.
 * - structure, checked by an independent parser of the exposition text on
 *   every scenario: HELP then TYPE once per family, a family's samples all
 *   right after its TYPE (no interleaving), sample names of the family's
 *   type, well-formed and unique label sets, numeric values, valid UTF-8;
 *   histograms: le strictly increasing, counts cumulative, +Inf last and
 *   equal to _count; bucket counts follow le's meaning (value <= le).
 * - escaping of label values (backslash, double quote, newline) by
 *   prom_escape, and where it is reachable: --by comm, build_info.
 * - deterministic output: the same events in another order render the same.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "out_prom.h"
#include "view.h"

#define GOLDEN_DIR "tests/data/prom/"
#define T0 (1000 * SEC)

/* ---- rendering ------------------------------------------------------------ */

#define assert_near(a, b, eps)                                                       \
	do {                                                                         \
		double _a = (a), _b = (b);                                           \
		if (!(fabs(_a - _b) <= (eps)))                                       \
			fail_msg("%s = %.17g, expected %.17g", #a, _a, _b);          \
	} while (0)

static const struct prom_self self_fixed = {
	.events = 1234,
	.rb_drops = 5,
	.recursion_misses = 2,
	.run_cnt = 0,
	.sweep_seconds = 0.00125,
	.cpu_seconds = 0.5,
	.rss_bytes = 1048576,
	.start_time_seconds = 1700000000.25,
	.version = "0.1.0",
	.revision = "0123456789ab",
	.kernel = "6.1.0-test",
	.program = "tp_btf",
};

static struct view_opts view_of(enum ww_by by)
{
	struct view_opts v = { .by = by, .prefix4 = 32, .prefix6 = 128 };

	return v;
}

static char *render(const struct snapshot *s, const struct view_opts *v,
		    const struct prom_self *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	prom_render(f, s, v, m);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(strlen(buf), len); /* no NUL byte in the page */
	return buf;
}

static char *render_collector(struct collector *c, __u64 now, enum ww_by by)
{
	struct view_opts v = view_of(by);
	struct snapshot s;
	char *out;

	assert_int_equal(collector__snapshot(c, now, false, &s), 0);
	/* the tables' size is the pool's business, not the format's */
	s.stats.memory_bytes = 65536;
	out = render(&s, &v, &self_fixed);
	snapshot__free(&s);
	return out;
}

/* ---- scenarios ------------------------------------------------------------ */

/*
 * Host namespace: 3 connections to 198.51.100.1:80 closed into TIME_WAIT and
 * one established; one to [2001:db8::1]:443; a wildcard listener on :8080
 * with one accepted socket in CLOSE_WAIT and one that went through
 * CLOSE_WAIT to CLOSE. Another namespace: one SYN_SENT to 192.0.2.9:5432.
 */
static struct collector *scenario_basic(void)
{
	struct collector_opts o = { .by = BY_SERVICE, .sort_state = -1, .max_endpoints = 100 };
	struct collector *c = collector__new(&o);
	struct tsock s, l, a;

	assert_non_null(c);
	l = t_listener(300, "0.0.0.0", 8080);
	t_listen(c, &l, T0);
	for (int i = 0; i < 3; i++) {
		s = t_out(100 + i, "10.0.0.1", 40000 + i, "198.51.100.1", 80);
		t_conn_tw(c, &s, T0 + i * SEC);
	}
	s = t_out(110, "10.0.0.1", 40010, "198.51.100.1", 80);
	t_connect(c, &s, T0 + 5 * SEC);
	s = t_out(200, "2001:db8::2", 50000, "2001:db8::1", 443);
	t_connect(c, &s, T0 + 6 * SEC);
	a = t_in(301, "10.0.0.1", 8080, "203.0.113.5", 51000);
	t_accept(c, &a, T0 + SEC);
	tr(c, &a, T0 + 3 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	a = t_in(302, "10.0.0.1", 8080, "203.0.113.5", 51001);
	t_accept(c, &a, T0 + 2 * SEC);
	tr(c, &a, T0 + 4 * SEC, WW_TCP_ESTABLISHED, WW_TCP_CLOSE_WAIT, 0, 0);
	tr(c, &a, T0 + 4 * SEC + 500 * MSEC, WW_TCP_CLOSE_WAIT, WW_TCP_LAST_ACK, 0, 0);
	tr(c, &a, T0 + 4 * SEC + 600 * MSEC, WW_TCP_LAST_ACK, WW_TCP_CLOSE, 0, 0);
	s = t_out(400, "10.1.0.1", 45000, "192.0.2.9", 5432);
	s.netns = NETNS_OTHER;
	tr(c, &s, T0 + 7 * SEC, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
	collector__set_port_range(c, NETNS_HOST, 28232);
	return c;
}

/* Four outbound endpoints with 4, 3, 2 and 1 TIME_WAIT sockets, two rows kept. */
static struct collector *scenario_folded(void)
{
	struct collector_opts o = { .by = BY_SERVICE, .sort_state = -1, .max_endpoints = 2 };
	struct collector *c = collector__new(&o);
	static const char *const dst[] = { "192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4" };
	__u64 id = 1;

	assert_non_null(c);
	for (int e = 0; e < 4; e++) {
		for (int i = 0; i < 4 - e; i++) {
			struct tsock s = t_out(id, "10.0.0.1", 30000 + id, dst[e], 443);

			t_conn_tw(c, &s, T0 + id * 100 * MSEC);
			id++;
		}
	}
	collector__set_port_range(c, NETNS_HOST, 1000);
	return c;
}

/* --by comm, owners whose names need escaping: '"', '\' and a newline. */
#define WEIRD_COMM "we\"ird\na\\b"
#define WEIRD_COMM_ESCAPED "we\\\"ird\\na\\\\b"

static struct collector *scenario_comm(void)
{
	struct collector_opts o = { .by = BY_COMM, .sort_state = -1, .max_endpoints = 100 };
	struct collector *c = collector__new(&o);
	struct tsock s;

	assert_non_null(c);
	for (int i = 0; i < 2; i++) {
		s = t_out(10 + i, "10.0.0.1", 41000 + i, "198.51.100.7", 80);
		t_owner(&s, 4242, WEIRD_COMM);
		t_conn_tw(c, &s, T0 + i * SEC);
	}
	s = t_out(20, "10.0.0.1", 42000, "198.51.100.7", 80);
	t_owner(&s, 77, "curl");
	t_connect(c, &s, T0 + 3 * SEC);
	s = t_out(30, "10.0.0.1", 43000, "198.51.100.7", 80); /* owner unknown: "-" */
	t_connect(c, &s, T0 + 4 * SEC);
	return c;
}

/* ---- golden files ----------------------------------------------------------- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = 0;
	return buf;
}

static void golden(const char *name, const char *got)
{
	char path[256], *want;
	const char *g = got, *w;
	int line = 1;

	snprintf(path, sizeof(path), GOLDEN_DIR "%s", name);
	if (getenv("WW_GOLDEN_UPDATE")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(got, f);
		assert_int_equal(fclose(f), 0);
		print_message("wrote %s\n", path);
		return;
	}
	want = slurp(path);
	if (!want)
		fail_msg("cannot read %s (%s): run from the repo root, or WW_GOLDEN_UPDATE=1",
			 path, strerror(errno));
	for (w = want; *g && *g == *w; g++, w++)
		if (*g == '\n')
			line++;
	if (*g || *w) {
		const char *ge, *we;

		/* back to the start of the differing line */
		while (g > got && g[-1] != '\n')
			g--, w--;
		ge = strchr(g, '\n');
		we = strchr(w, '\n');
		fail_msg("%s differs at line %d:\n  want: %.*s\n  got:  %.*s", path, line,
			 (int)(we ? we - w : (long)strlen(w)), w,
			 (int)(ge ? ge - g : (long)strlen(g)), g);
	}
	free(want);
}

/* ---- an independent parser of the exposition text --------------------------- */

#define MAX_LABELS 16

struct sample {
	char name[128];
	int nlabels;
	char lname[MAX_LABELS][64];
	char lvalue[MAX_LABELS][256]; /* unescaped */
	double value;
};

/* Parse one sample line; returns NULL or what is wrong. */
static const char *parse_sample(const char *line, struct sample *s)
{
	const char *p = line;
	char *end;
	size_t n;

	memset(s, 0, sizeof(*s));
	n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:");
	if (!n || (p[0] >= '0' && p[0] <= '9') || n >= sizeof(s->name))
		return "bad metric name";
	memcpy(s->name, p, n);
	p += n;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			char *v;
			size_t k = 0;

			if (s->nlabels == MAX_LABELS)
				return "too many labels";
			n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
			if (!n || n >= 64 || p[n] != '=' || p[n + 1] != '"')
				return "bad label name";
			memcpy(s->lname[s->nlabels], p, n);
			p += n + 2;
			v = s->lvalue[s->nlabels];
			for (; *p != '"'; p++) {
				if (!*p || *p == '\n')
					return "unterminated label value";
				if (k + 1 >= sizeof(s->lvalue[0]))
					return "label value too long";
				if (*p == '\\') {
					p++;
					if (*p == 'n')
						v[k++] = '\n';
					else if (*p == '\\' || *p == '"')
						v[k++] = *p;
					else
						return "bad escape in a label value";
				} else {
					v[k++] = *p;
				}
			}
			p++;
			s->nlabels++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return "expected , or } after a label";
		}
		p++;
	}
	if (*p != ' ')
		return "no space before the value";
	p++;
	if (!strcmp(p, "+Inf") || !strcmp(p, "-Inf") || !strcmp(p, "NaN")) {
		s->value = !strcmp(p, "NaN") ? NAN : (*p == '-' ? -INFINITY : INFINITY);
		return NULL;
	}
	errno = 0;
	s->value = strtod(p, &end);
	if (end == p || *end || errno)
		return "value is not a number";
	return NULL;
}

static const char *label(const struct sample *s, const char *name)
{
	for (int i = 0; i < s->nlabels; i++)
		if (!strcmp(s->lname[i], name))
			return s->lvalue[i];
	return NULL;
}

/* The series key: name{labels} in order, without le (for buckets). */
static void series_key(const struct sample *s, const char *name, bool drop_le, char *buf,
		       size_t len)
{
	size_t n = snprintf(buf, len, "%s{", name);

	const char *sep = "";

	for (int i = 0; i < s->nlabels && n < len; i++) {
		if (drop_le && !strcmp(s->lname[i], "le"))
			continue;
		n += snprintf(buf + n, len - n, "%s%s=\"%s\"", sep, s->lname[i], s->lvalue[i]);
		sep = ",";
	}
	if (n < len)
		snprintf(buf + n, len - n, "}");
}

static bool valid_utf8(const unsigned char *p, size_t len, size_t *bad)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
			   (c & 0xf8) == 0xf0 ? 4 : 0;
		uint32_t cp;

		if (!n || i + n > len)
			goto bad;
		cp = n == 1 ? c : c & (0x7f >> n);
		for (size_t k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			goto bad;
		i += n;
		continue;
bad:
		*bad = i;
		return false;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct family {
	char name[128];
	char type[16];
	int samples;
};

/*
 * Check the whole page; fails the test with the line at fault. Returns the
 * number of families.
 */
static int check_exposition(const char *text)
{
	struct family fam[128];
	int nfam = 0, lineno = 0, nkeys = 0, cur = -1;
	char *copy = strdup(text), *save = NULL, *line, **keys;
	size_t bad, cap = 4096;
	/* histogram series in progress */
	char hkey[1024] = "";
	double prev_le = -INFINITY, prev_count = 0, inf_count = -1;
	bool in_hist = false;

	assert_non_null(copy);
	keys = calloc(cap, sizeof(*keys));
	assert_non_null(keys);
	if (!valid_utf8((const unsigned char *)text, strlen(text), &bad)) {
		const unsigned char *b = (const unsigned char *)text + bad;
		const char *sol = text + bad;

		while (sol > text && sol[-1] != '\n')
			sol--;
		fail_msg("not valid UTF-8 at byte %zu (%02x %02x ...), after: %.*s", bad, b[0],
			 b[1], (int)(text + bad - sol), sol);
	}
	assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');

	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct sample s;
		const char *err, *base;
		char key[1024];
		size_t n;

		lineno++;
		if (!strncmp(line, "# HELP ", 7)) {
			char name[128];
			char *next;

			assert_int_equal(sscanf(line + 7, "%127s", name), 1);
			for (int i = 0; i < nfam; i++)
				if (!strcmp(fam[i].name, name))
					fail_msg("line %d: family %s again (HELP)", lineno, name);
			/* TYPE follows at once */
			next = strtok_r(NULL, "\n", &save);
			lineno++;
			if (!next)
				fail_msg("line %d: HELP %s without TYPE", lineno, name);
			assert_true(nfam < 128);
			cur = nfam++;
			memset(&fam[cur], 0, sizeof(fam[cur]));
			snprintf(fam[cur].name, sizeof(fam[cur].name), "%s", name);
			n = strlen(name);
			if (strncmp(next, "# TYPE ", 7) || strncmp(next + 7, name, n) || next[7 + n] != ' ')
				fail_msg("line %d: '%s' after HELP %s", lineno, next, name);
			snprintf(fam[cur].type, sizeof(fam[cur].type), "%s", next + 8 + n);
			if (strcmp(fam[cur].type, "counter") && strcmp(fam[cur].type, "gauge") &&
			    strcmp(fam[cur].type, "histogram") && strcmp(fam[cur].type, "summary") &&
			    strcmp(fam[cur].type, "untyped"))
				fail_msg("line %d: bad type '%s'", lineno, fam[cur].type);
			continue;
		}
		if (line[0] == '#') {
			if (!strncmp(line, "# TYPE ", 7))
				fail_msg("line %d: TYPE without HELP: %s", lineno, line);
			continue; /* a comment */
		}
		err = parse_sample(line, &s);
		if (err)
			fail_msg("line %d: %s: %s", lineno, err, line);
		if (cur < 0)
			fail_msg("line %d: sample before any TYPE: %s", lineno, line);
		/* the sample belongs to the current family (no interleaving) */
		base = fam[cur].name;
		n = strlen(base);
		if (!strcmp(fam[cur].type, "histogram")) {
			if (strncmp(s.name, base, n) ||
			    (strcmp(s.name + n, "_bucket") && strcmp(s.name + n, "_sum") &&
			     strcmp(s.name + n, "_count")))
				fail_msg("line %d: %s in histogram family %s", lineno, s.name, base);
		} else if (strcmp(s.name, base)) {
			fail_msg("line %d: %s in family %s", lineno, s.name, base);
		}
		if (!strcmp(fam[cur].type, "counter") && !(s.value >= 0))
			fail_msg("line %d: negative counter: %s", lineno, line);
		fam[cur].samples++;

		/* unique series */
		series_key(&s, s.name, false, key, sizeof(key));
		if (nkeys == (int)cap) {
			cap *= 2;
			keys = realloc(keys, cap * sizeof(*keys));
			assert_non_null(keys);
		}
		keys[nkeys++] = strdup(key);

		/* histograms: buckets cumulative, le increasing, +Inf == _count */
		if (!strcmp(fam[cur].type, "histogram")) {
			const char *le = label(&s, "le");

			series_key(&s, base, true, key, sizeof(key));
			if (!strcmp(s.name + n, "_bucket")) {
				double lev;

				if (!le)
					fail_msg("line %d: bucket without le", lineno);
				lev = !strcmp(le, "+Inf") ? INFINITY : strtod(le, NULL);
				if (!in_hist || strcmp(key, hkey)) {
					if (in_hist && inf_count < 0)
						fail_msg("line %d: series %s has no +Inf bucket", lineno, hkey);
					snprintf(hkey, sizeof(hkey), "%s", key);
					in_hist = true;
					prev_le = -INFINITY;
					prev_count = 0;
					inf_count = -1;
				}
				if (inf_count >= 0)
					fail_msg("line %d: bucket after +Inf", lineno);
				if (!(lev > prev_le))
					fail_msg("line %d: le %s not above the previous bucket's", lineno, le);
				if (s.value < prev_count)
					fail_msg("line %d: bucket count %g below the previous %g (not cumulative)",
						 lineno, s.value, prev_count);
				prev_le = lev;
				prev_count = s.value;
				if (isinf(lev))
					inf_count = s.value;
			} else {
				if (le)
					fail_msg("line %d: le on %s", lineno, s.name);
				if (!in_hist || strcmp(key, hkey) || inf_count < 0)
					fail_msg("line %d: %s not after the buckets of its series", lineno,
						 s.name);
				if (!strcmp(s.name + n, "_count") && s.value != inf_count)
					fail_msg("line %d: _count %g != +Inf bucket %g", lineno, s.value,
						 inf_count);
			}
		}
	}
	qsort(keys, nkeys, sizeof(*keys), cmp_str);
	for (int i = 1; i < nkeys; i++)
		if (!strcmp(keys[i], keys[i - 1]))
			fail_msg("duplicate series %s", keys[i]);
	for (int i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	free(copy);
	return nfam;
}

/* The page of c at now, checked against the exposition format; c is freed. */
static char *page(struct collector *c, __u64 now, enum ww_by by)
{
	char *out = render_collector(c, now, by);

	collector__free(c);
	check_exposition(out);
	return out;
}

/* The value of the sample whose line starts with prefix; fails if none. */
static double value_of(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	while (p && *p) {
		if (!strncmp(p, prefix, n) && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	fail_msg("no sample %s", prefix);
	return 0;
}

static int count_lines(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix)))
			n++;
	return n;
}

/* ---- tests: escaping ---------------------------------------------------------- */

static char *escaped(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	prom_escape(f, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void escape_expect(const char *in, const char *want)
{
	char *got = escaped(in);

	assert_string_equal(got, want);
	free(got);
}

/* The value of the series fmt names, the endpoint's labels ep in its %s. */
static double value_at(const char *text, const char *fmt, const char *ep)
{
	char k[512];

	snprintf(k, sizeof(k), fmt, ep);
	return value_of(text, k);
}

static void test_escape(void **state)
{
	escape_expect("", "");
	escape_expect("plain 198.51.100.1:80", "plain 198.51.100.1:80");
	escape_expect("\\", "\\\\");
	escape_expect("\"", "\\\"");
	escape_expect("\n", "\\n");
	escape_expect("a\\b\"c\nd", "a\\\\b\\\"c\\nd");
	escape_expect("\\n", "\\\\n"); /* a backslash and an n stay two characters */
	escape_expect("\\\"\n\\", "\\\\\\\"\\n\\\\");
	/* everything else passes through: tab, UTF-8, braces, commas, '=' */
	escape_expect("t\tab é {a=\"b\",c}", "t\tab é {a=\\\"b\\\",c}");
	/* bytes that are not UTF-8 become U+FFFD, one per byte; valid sequences stay */
	escape_expect("a\xff" "b", "a\xef\xbf\xbd" "b");
	escape_expect("\xc3", "\xef\xbf\xbd");                          /* cut short */
	escape_expect("\xc3(", "\xef\xbf\xbd(");
	escape_expect("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");          /* overlong '/' */
	escape_expect("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	escape_expect("\xf0\x9f\x90\xb1\\", "\xf0\x9f\x90\xb1\\\\");  /* U+1F431, '\\' */
}

/* A comm with '"', '\' and a newline, reachable with --by comm. */
static void test_escape_comm_endpoint(void **state)
{
	char *out = page(scenario_comm(), T0 + 10 * SEC, BY_COMM);
	char want[256];

	snprintf(want, sizeof(want),
		 "waitwatch_sockets{endpoint=\"" WEIRD_COMM_ESCAPED
		 "\",direction=\"\",netns=\"%u\",state=\"TIME_WAIT\"} 2\n",
		 NETNS_HOST);
	if (!strstr(out, want))
		fail_msg("no line %s in:\n%s", want, out);
	assert_int_equal(value_of(out, "waitwatch_sockets{endpoint=\"curl\",direction=\"\","
				       "netns=\"4026531840\",state=\"ESTABLISHED\"}"),
			 1);
	assert_int_equal(value_of(out, "waitwatch_sockets{endpoint=\"-\",direction=\"\","
				       "netns=\"4026531840\",state=\"ESTABLISHED\"}"),
			 1);
	golden("by_comm.prom", out);
	free(out);
}

/* Names as host/cgnames.c would give them: cgroup 7 a pod's container, 8 a unit. */
static const struct cg_names *names_of(void *ctx, __u64 id)
{
	static struct cg_names n;

	if (id == 7) {
		cgroup_path_parse("/kubepods/besteffort/pod8c2e3f1a-7b4d-4e5f-9a0b-1c2d3e4f5a6b/"
				  "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
				  &n);
		snprintf(n.container, sizeof(n.container), "we\"b");
		snprintf(n.pod, sizeof(n.pod), "shop");
		snprintf(n.pod_namespace, sizeof(n.pod_namespace), "prod");
		return &n;
	}
	if (id == 8) {
		cgroup_path_parse("/system.slice/nginx.service", &n);
		return &n;
	}
	return NULL;
}

/*
 * serve --labels: each row's container, pod, pod_namespace and unit
 * labels, escaped; empty where unknown and on "other", within max_endpoints.
 */
static void test_labels(void **state)
{
	struct collector_opts o = { .by = BY_SERVICE, .sort_state = -1, .max_endpoints = 2,
				    .split_by_group = true };
	struct view_opts v = view_of(BY_SERVICE);
	struct collector *c = collector__new(&o);
	struct tsock a = t_out(1, "10.0.0.1", 41000, "198.51.100.7", 80);
	struct tsock b = t_out(2, "10.0.0.1", 41001, "198.51.100.7", 80);
	struct tsock d = t_out(3, "10.0.0.1", 41002, "198.51.100.7", 80);
	struct snapshot snap;
	char *out;

	assert_non_null(c);
	a.cgroup_id = 7;
	b.cgroup_id = 8;
	d.cgroup_id = 9;
	t_connect(c, &a, T0);
	t_connect(c, &b, T0);
	t_connect(c, &d, T0);
	v.names = names_of;
	v.labels = CGF_LABELS;
	assert_int_equal(collector__snapshot(c, T0 + SEC, false, &snap), 0);
	out = render(&snap, &v, &self_fixed);
	check_exposition(out);
	assert_int_equal(value_of(out, "waitwatch_sockets{endpoint=\"198.51.100.7:80\",direction=\"out\","
				       "netns=\"4026531840\",container=\"we\\\"b\",pod=\"shop\","
				       "pod_namespace=\"prod\",unit=\"\",state=\"ESTABLISHED\"}"),
			 1);
	assert_int_equal(value_of(out, "waitwatch_sockets{endpoint=\"198.51.100.7:80\",direction=\"out\","
				       "netns=\"4026531840\",container=\"\",pod=\"\","
				       "pod_namespace=\"\",unit=\"nginx.service\",state=\"ESTABLISHED\"}"),
			 1);
	/* the third group, beyond max_endpoints 2 */
	assert_int_equal(value_of(out, "waitwatch_sockets{endpoint=\"other\",direction=\"\",netns=\"\","
				       "container=\"\",pod=\"\",pod_namespace=\"\",unit=\"\","
				       "state=\"ESTABLISHED\"}"),
			 1);
	assert_int_equal(value_of(out, "waitwatch_endpoints_folded"), 1);
	free(out);
	snapshot__free(&snap);
	collector__free(c);
}

/* A comm is bytes, not UTF-8; the page must stay valid UTF-8 all the same. */
static void test_comm_not_utf8(void **state)
{
	struct collector_opts o = { .by = BY_COMM, .sort_state = -1, .max_endpoints = 100 };
	struct collector *c = collector__new(&o);
	struct tsock s = t_out(1, "10.0.0.1", 41000, "198.51.100.7", 80);
	char *out;

	assert_non_null(c);
	t_owner(&s, 4242, "bad\xff\xfe\xc3(");
	t_connect(c, &s, T0);
	out = render_collector(c, T0 + SEC, BY_COMM);
	/* promtool and Prometheus reject the whole page otherwise */
	check_exposition(out);
	/* each stray byte one U+FFFD, the rest kept */
	if (!strstr(out, "waitwatch_sockets{endpoint=\"bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd(\","
			 "direction=\"\",netns=\"4026531840\",state=\"ESTABLISHED\"} 1\n"))
		fail_msg("no ESTABLISHED line for the comm bad<U+FFFD x3>(");
	free(out);
	collector__free(c);
}

/* The page of an empty collector, with m for the exporter's own figures. */
static char *empty_page(const struct prom_self *m)
{
	struct view_opts v = view_of(BY_SERVICE);
	struct collector_opts o = { .sort_state = -1 };
	struct collector *c = collector__new(&o);
	struct snapshot s;
	char *out;

	assert_non_null(c);
	assert_int_equal(collector__snapshot(c, T0, false, &s), 0);
	out = render(&s, &v, m);
	check_exposition(out);
	snapshot__free(&s);
	collector__free(c);
	return out;
}

static void test_escape_build_info(void **state)
{
	struct prom_self m = self_fixed;
	char *out;

	m.version = "1.0\"x";
	m.revision = "a\\b";
	m.kernel = "6.1\nrc";
	out = empty_page(&m);
	if (!strstr(out, "waitwatch_build_info{version=\"1.0\\\"x\",revision=\"a\\\\b\","
			 "kernel=\"6.1\\nrc\",program=\"tp_btf\"} 1\n"))
		fail_msg("build_info not escaped:\n%s", out);
	free(out);
}

/* waitwatch_recording: only with --record; 1 while written, 0 once stopped. */
static void test_recording(void **state)
{
	struct prom_self m = self_fixed;
	char *out;

	out = empty_page(&m);
	assert_null(strstr(out, "waitwatch_recording"));
	free(out);
	m.record_asked = true;
	m.recording = true;
	out = empty_page(&m);
	assert_non_null(strstr(out, "# TYPE waitwatch_recording gauge\nwaitwatch_recording 1\n"));
	free(out);
	m.recording = false;
	out = empty_page(&m);
	assert_non_null(strstr(out, "\nwaitwatch_recording 0\n"));
	free(out);
}

/* ---- tests: golden files and structure ------------------------------------------ */

static void test_golden_basic(void **state)
{
	char *out = page(scenario_basic(), T0 + 10 * SEC, BY_SERVICE);

	golden("basic.prom", out);
	free(out);
}

static void test_golden_folded(void **state)
{
	char *out = page(scenario_folded(), T0 + 10 * SEC, BY_SERVICE);

	golden("folded.prom", out);
	free(out);
}

static void test_golden_empty(void **state)
{
	struct collector_opts o = { .sort_state = -1 };
	struct collector *c = collector__new(&o);
	char *out;

	assert_non_null(c);
	out = render_collector(c, T0, BY_SERVICE);
	check_exposition(out);
	/* no endpoint: no endpoint series, every family still announced */
	assert_int_equal(count_lines(out, "waitwatch_sockets{"), 0);
	assert_int_equal(count_lines(out, "# TYPE waitwatch_sockets gauge"), 1);
	golden("empty.prom", out);
	free(out);
	collector__free(c);
}

/* What the basic scenario must show, independently of the golden file. */
static void test_basic_values(void **state)
{
	char *out = page(scenario_basic(), T0 + 10 * SEC, BY_SERVICE);
	const char *out80 = "endpoint=\"198.51.100.1:80\",direction=\"out\",netns=\"4026531840\"";
	const char *in8080 = "endpoint=\"0.0.0.0:8080\",direction=\"in\",netns=\"4026531840\"";

	assert_int_equal(value_at(out, "waitwatch_sockets{%s,state=\"TIME_WAIT\"}", out80), 3);
	assert_int_equal(value_at(out, "waitwatch_sockets{%s,state=\"ESTABLISHED\"}", out80), 1);
	assert_int_equal(value_at(out, "waitwatch_sockets{%s,state=\"CLOSE_WAIT\"}", in8080), 1);
	assert_int_equal(value_at(out, "waitwatch_sockets{%s,state=\"LISTEN\"}", in8080), 1);
	assert_int_equal(value_at(out, "waitwatch_state_entries_total{%s,state=\"CLOSE_WAIT\"}",
				       in8080), 2);
	assert_int_equal(value_at(out, "waitwatch_state_entries_total{%s,state=\"TIME_WAIT\"}",
				       out80), 3);
	/* the oldest CLOSE_WAIT entered at T0 + 3 s, seen at T0 + 10 s */
	assert_near(value_at(out, "waitwatch_oldest_close_wait_seconds{%s}", in8080), 7.0, 1e-9);
	/* 4 ports held towards 198.51.100.1:80 (3 TIME_WAIT + 1) of 28232 */
	assert_int_equal(value_at(out, "waitwatch_ephemeral_ports_used{%s}", out80), 4);
	assert_near(value_at(out, "waitwatch_ephemeral_port_pressure_ratio{%s}",
				  out80), 4.0 / 28232, 1e-6);
	/* SYN_SENT for 1 ms, 4 times, towards :80 */
	assert_int_equal(value_at(out, "waitwatch_state_duration_seconds_count{%s,"
				       "state=\"SYN_SENT\"}", out80), 4);
	assert_near(value_at(out, "waitwatch_state_duration_seconds_sum{%s,state=\"SYN_SENT\"}",
				  out80), 0.004, 1e-12);
	/* CLOSE_WAIT for 0.5 s once on :8080 */
	assert_near(value_at(out, "waitwatch_state_duration_seconds_sum{%s,state=\"CLOSE_WAIT\"}",
				  in8080), 0.5, 1e-12);
	/* the exporter's own counters come from prom_self */
	assert_int_equal(value_of(out, "waitwatch_events_lost_total{reason=\"ringbuf_full\"}"), 5);
	assert_int_equal(value_of(out, "waitwatch_events_lost_total{reason=\"recursion\"}"), 2);
	assert_int_equal(value_of(out, "waitwatch_events_total"), 1234);
	/* the other namespace's socket */
	assert_int_equal(value_of(out, "waitwatch_sockets{endpoint=\"192.0.2.9:5432\","
				       "direction=\"out\",netns=\"4026532001\",state=\"SYN_SENT\"}"),
			 1);
	free(out);
}

static void test_folded_other(void **state)
{
	char *out = page(scenario_folded(), T0 + 10 * SEC, BY_SERVICE);

	/* the two worst rows, then "other" with the 2 + 1 others */
	assert_int_equal(value_of(out, "waitwatch_sockets{endpoint=\"192.0.2.1:443\","
				       "direction=\"out\",netns=\"4026531840\",state=\"TIME_WAIT\"}"),
			 4);
	assert_int_equal(value_of(out, "waitwatch_sockets{endpoint=\"other\",direction=\"\","
				       "netns=\"\",state=\"TIME_WAIT\"}"),
			 3);
	assert_int_equal(count_lines(out, "waitwatch_sockets{endpoint=\"192.0.2.3:443\""), 0);
	assert_int_equal(value_of(out, "waitwatch_endpoints_folded"), 2);
	/*
	 * The collector keeps figures for 2 endpoints: the first two were
	 * evicted (LRU) when the third and fourth came, and "other" holds the
	 * evicted endpoints' figures only (4 + 3 entries), so that it only
	 * grows; the folded rows' own figures are not shown (collector.h).
	 */
	assert_int_equal(value_of(out, "waitwatch_state_entries_total{endpoint=\"other\","
				       "direction=\"\",netns=\"\",state=\"TIME_WAIT\"}"),
			 7);
	assert_int_equal(value_of(out, "waitwatch_endpoints_evicted_total"), 2);
	/* the host-wide count has them all */
	assert_int_equal(value_of(out, "waitwatch_time_wait_entries_total"), 10);
	/* no entry is shown twice */
	{
		double sum = 0;
		const char *p = out;

		while ((p = strstr(p, "waitwatch_state_entries_total{")) != NULL) {
			const char *eol = strchr(p, '\n');

			if (memmem(p, eol - p, "state=\"TIME_WAIT\"", 17))
				sum += strtod(memrchr(p, ' ', eol - p) + 1, NULL);
			p = eol;
		}
		assert_true(sum <= 10);
	}
	free(out);
}

/*
 * le means "less than or equal": each bucket counts the observations <= its
 * le as printed. Durations at and next to the bounds, through SYN_SENT.
 */
static void test_histogram_le_semantics(void **state)
{
	static const __u64 dwell_ns[] = {
		500 * 1000ull,      /* 0.5 ms */
		1024 * 1000ull,     /* exactly 2^10 us: le="0.001024" */
		3 * MSEC,
		1048576 * 1000ull,  /* exactly 2^20 us = 1.048576 s */
		1048577 * 1000ull,  /* 1.048577 s: <= "1.04858" if that is printed */
		2 * SEC,
		268435400 * 1000ull, /* 268.4354 s: above "268.435" if that is printed */
		300 * SEC,
	};
	const size_t n = sizeof(dwell_ns) / sizeof(dwell_ns[0]);
	struct collector_opts o = { .sort_state = -1 };
	struct collector *c = collector__new(&o);
	char msg[4096] = "", *out, *p;
	size_t mlen = 0;
	int buckets = 0;

	assert_non_null(c);
	for (size_t i = 0; i < n; i++) {
		struct tsock s = t_out(i + 1, "10.0.0.1", 40000 + i, "198.51.100.1", 80);

		tr(c, &s, T0, WW_TCP_CLOSE, WW_TCP_SYN_SENT, 0, 0);
		tr(c, &s, T0 + dwell_ns[i], WW_TCP_SYN_SENT, WW_TCP_ESTABLISHED, 0, 0);
	}
	out = render_collector(c, T0 + 400 * SEC, BY_SERVICE);
	check_exposition(out);
	for (p = out; (p = strstr(p, "waitwatch_state_duration_seconds_bucket{")); p++) {
		struct sample s;
		char line[1024];
		const char *eol = strchr(p, '\n');
		size_t want = 0;
		double le;

		snprintf(line, sizeof(line), "%.*s", (int)(eol - p), p);
		assert_null(parse_sample(line, &s));
		if (strcmp(label(&s, "state"), "SYN_SENT"))
			continue;
		buckets++;
		le = !strcmp(label(&s, "le"), "+Inf") ? INFINITY : strtod(label(&s, "le"), NULL);
		for (size_t i = 0; i < n; i++)
			if (dwell_ns[i] / 1e9 <= le)
				want++;
		if (s.value != want && mlen < sizeof(msg) - 200)
			mlen += snprintf(msg + mlen, sizeof(msg) - mlen,
					 "\n  le=\"%s\": %g observations, %zu are <= %s",
					 label(&s, "le"), s.value, want, label(&s, "le"));
	}
	assert_true(buckets >= 2);
	if (mlen)
		fail_msg("SYN_SENT buckets do not count the observations <= le:%s", msg);
	free(out);
	collector__free(c);
}

/* ---- tests: counters only go up --------------------------------------------------- */

struct counters {
	int n;
	char key[1024][512];
	double value[1024];
};

/* Every sample of the counter and histogram families of a page. */
static void collect_counters(const char *text, struct counters *cs)
{
	char *copy = strdup(text), *save = NULL, *line;
	bool counting = false;

	assert_non_null(copy);
	cs->n = 0;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct sample s;

		if (!strncmp(line, "# TYPE ", 7)) {
			counting = strstr(line, " counter") || strstr(line, " histogram");
			continue;
		}
		if (line[0] == '#' || !counting)
			continue;
		assert_null(parse_sample(line, &s));
		assert_true(cs->n < 1024);
		series_key(&s, s.name, false, cs->key[cs->n], sizeof(cs->key[0]));
		cs->value[cs->n++] = s.value;
	}
	free(copy);
}

/*
 * A counter series may appear or vanish between scrapes, but never go down
 * (Prometheus takes that for a restart). Two snapshots of a collector that
 * keeps 2 endpoints: 4, 3, 2 and 1 TIME_WAIT sockets towards four
 * endpoints, then 3 more towards the third: it climbs into the rows kept.
 */
static void test_counters_monotonic(void **state)
{
	struct collector *c = scenario_folded();
	struct counters *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char *out1, *out2, msg[2048] = "";
	size_t mlen = 0;
	int down = 0;

	assert_non_null(a);
	assert_non_null(b);
	out1 = render_collector(c, T0 + 10 * SEC, BY_SERVICE);
	for (int i = 0; i < 3; i++) {
		struct tsock s = t_out(100 + i, "10.0.0.1", 31000 + i, "192.0.2.3", 443);

		t_conn_tw(c, &s, T0 + 11 * SEC + i * SEC);
	}
	out2 = render_collector(c, T0 + 20 * SEC, BY_SERVICE);
	check_exposition(out2);
	/* the third endpoint is a row now */
	assert_int_equal(value_of(out2, "waitwatch_sockets{endpoint=\"192.0.2.3:443\","
					"direction=\"out\",netns=\"4026531840\",state=\"TIME_WAIT\"}"),
			 5);
	collect_counters(out1, a);
	collect_counters(out2, b);
	assert_true(a->n > 0 && b->n > 0);
	for (int i = 0; i < b->n; i++) {
		for (int k = 0; k < a->n; k++) {
			if (strcmp(a->key[k], b->key[i]) || b->value[i] >= a->value[k])
				continue;
			if (++down <= 3)
				mlen += snprintf(msg + mlen, sizeof(msg) - mlen, "\n  %s: %g, then %g",
						 b->key[i], a->value[k], b->value[i]);
		}
	}
	if (down)
		fail_msg("%d counter series went down between two snapshots, e.g.:%s", down, msg);
	free(out1);
	free(out2);
	free(a);
	free(b);
	collector__free(c);
}

/* ---- tests: determinism ----------------------------------------------------------- */

/* Two endpoints with equal counts, fed in either order. */
static char *two_endpoints(bool reverse)
{
	struct collector_opts o = { .by = BY_SERVICE, .sort_state = -1, .max_endpoints = 100 };
	struct collector *c = collector__new(&o);
	static const char *const dst[] = { "192.0.2.20", "2001:db8::20" };
	char *out;

	assert_non_null(c);
	for (int k = 0; k < 2; k++) {
		int e = reverse ? 1 - k : k;

		for (int i = 0; i < 2; i++) {
			struct tsock s = t_out(10 * e + i + 1, e ? "2001:db8::1" : "10.0.0.1",
					       30000 + i, dst[e], 80);

			t_conn_tw(c, &s, T0 + i * SEC);
		}
	}
	out = render_collector(c, T0 + 10 * SEC, BY_SERVICE);
	collector__free(c);
	return out;
}

static void test_deterministic(void **state)
{
	struct collector *c = scenario_basic();
	char *a = render_collector(c, T0 + 10 * SEC, BY_SERVICE);
	char *b = render_collector(c, T0 + 10 * SEC, BY_SERVICE);

	assert_string_equal(a, b);
	free(a);
	free(b);
	collector__free(c);

	a = two_endpoints(false);
	b = two_endpoints(true);
	check_exposition(a);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* The families, in a fixed order, each once. */
static void test_families(void **state)
{
	static const char *const order[] = {
		"waitwatch_sockets", "waitwatch_host_sockets", "waitwatch_state_entries_total",
		"waitwatch_transitions_total", "waitwatch_state_duration_seconds",
		"waitwatch_oldest_close_wait_seconds", "waitwatch_ephemeral_ports_used",
		"waitwatch_ephemeral_port_pressure_ratio", "waitwatch_events_total",
		"waitwatch_events_lost_total", "waitwatch_repairs_total", "waitwatch_build_info",
		"process_start_time_seconds",
	};
	char *out = page(scenario_basic(), T0 + 10 * SEC, BY_SERVICE);
	const char *prev = out;
	char t[160];

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *at;

		snprintf(t, sizeof(t), "# TYPE %s ", order[i]);
		at = strstr(out, t);
		if (!at)
			fail_msg("no family %s", order[i]);
		if (at < prev)
			fail_msg("family %s out of order", order[i]);
		prev = at;
		assert_int_equal(count_lines(out, t), 1);
	}
	assert_int_equal(count_lines(out, "# TYPE waitwatch_state_duration_seconds histogram"), 1);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_comm_endpoint),
		cmocka_unit_test(test_comm_not_utf8),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_escape_build_info),
		cmocka_unit_test(test_recording),
		cmocka_unit_test(test_golden_basic),
		cmocka_unit_test(test_golden_folded),
		cmocka_unit_test(test_golden_empty),
		cmocka_unit_test(test_basic_values),
		cmocka_unit_test(test_folded_other),
		cmocka_unit_test(test_histogram_le_semantics),
		cmocka_unit_test(test_counters_monotonic),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_families),
	};

	return cmocka_run_group_tests_name("prom", tests, NULL, NULL);
}
