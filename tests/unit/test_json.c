// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/json_writer.c. Output is captured with open_memstream
 * and checked both against exact strings and with an independent strict
 * parser below, which also decodes strings so escaping can be round-tripped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

/* ---- capture ------------------------------------------------------------ */

struct capture {
	FILE *f;
	char *buf;
	size_t len;
	struct json_writer *jw;
};

static void cap_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
	c->jw = jw__new(c->f);
	assert_non_null(c->jw);
}

/* Closes the stream; the text stays in c->buf until cap_free. */
static const char *cap_text(struct capture *c)
{
	jw__free(c->jw);
	c->jw = NULL;
	assert_int_equal(fclose(c->f), 0);
	c->f = NULL;
	return c->buf;
}

static void cap_free(struct capture *c)
{
	free(c->buf);
}

static void cap_expect(struct capture *c, const char *want)
{
	assert_string_equal(cap_text(c), want);
	cap_free(c);
}

/* json_escape output for len bytes of s, malloc'ed. */
static char *escape(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	json_escape(f, s, len);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void escape_expect(const char *s, size_t len, const char *want)
{
	char *got = escape(s, len);

	assert_string_equal(got, want);
	free(got);
}

/* ---- a strict, independent JSON parser ---------------------------------- */

/*
 * RFC 8259 grammar with two extra rules for this writer: no whitespace at
 * all (compact output), and raw bytes must be well-formed UTF-8, checked by
 * decoding code points rather than with byte-range tables like the writer.
 */
struct jp {
	const unsigned char *s;
	size_t i, n;
	unsigned char *out;	/* decoded bytes of the last string, if set */
	size_t outlen;
	int depth;
};

static bool jp_value(struct jp *p);

static void jp_put(struct jp *p, const unsigned char *b, size_t n)
{
	if (p->out) {
		memcpy(p->out + p->outlen, b, n);
		p->outlen += n;
	}
}

static size_t utf8_encode(unsigned char *b, uint32_t cp)
{
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (unsigned char)(0xf0 | cp >> 18);
	b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	b[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode one UTF-8 code point at s[0..n); 0 if ill-formed. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len, i;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4;
	else
		return 0;
	v = s[0] & (0x7f >> len);
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool jp_u_escape(struct jp *p)
{
	unsigned char b[4];
	uint32_t cp = 0;
	int k;

	for (k = 0; k < 4; k++) {
		int h = p->i < p->n ? hexval(p->s[p->i]) : -1;

		if (h < 0)
			return false;
		cp = cp << 4 | (uint32_t)h;
		p->i++;
	}
	/* The writer only ever needs \u00XX; a lone surrogate is invalid. */
	if (cp >= 0xd800 && cp <= 0xdfff)
		return false;
	jp_put(p, b, utf8_encode(b, cp));
	return true;
}

static bool jp_escape(struct jp *p)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	unsigned char c;

	if (p->i >= p->n)
		return false;
	c = p->s[p->i++];
	if (c == 'u')
		return jp_u_escape(p);
	e = c ? strchr(from, c) : NULL;
	if (!e)
		return false;
	jp_put(p, (const unsigned char *)&to[e - from], 1);
	return true;
}

static bool jp_string(struct jp *p)
{
	p->outlen = 0;
	if (p->i >= p->n || p->s[p->i] != '"')
		return false;
	p->i++;
	while (p->i < p->n) {
		unsigned char c = p->s[p->i];
		uint32_t cp;
		size_t len;

		if (c == '"') {
			p->i++;
			return true;
		}
		if (c == '\\') {
			p->i++;
			if (!jp_escape(p))
				return false;
			continue;
		}
		if (c < 0x20)
			return false;
		len = utf8_decode(p->s + p->i, p->n - p->i, &cp);
		if (!len)
			return false;
		jp_put(p, p->s + p->i, len);
		p->i += len;
	}
	return false;
}

static size_t jp_digits(struct jp *p)
{
	size_t start = p->i;

	while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
		p->i++;
	return p->i - start;
}

static bool jp_number(struct jp *p)
{
	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i < p->n && p->s[p->i] == '0')
		p->i++;
	else if (!jp_digits(p))
		return false;
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (!jp_digits(p))
			return false;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!jp_digits(p))
			return false;
	}
	return true;
}

static bool jp_lit(struct jp *p, const char *lit)
{
	size_t n = strlen(lit);

	if (p->n - p->i < n || memcmp(p->s + p->i, lit, n))
		return false;
	p->i += n;
	return true;
}

static bool jp_peek(struct jp *p, char c)
{
	return p->i < p->n && p->s[p->i] == (unsigned char)c;
}

/* Items of an object (with names) or array until close. */
static bool jp_items(struct jp *p, bool named, char close)
{
	if (jp_peek(p, close)) {
		p->i++;
		return true;
	}
	for (;;) {
		if (named && (!jp_string(p) || !jp_peek(p, ':')))
			return false;
		if (named)
			p->i++;
		if (!jp_value(p))
			return false;
		if (jp_peek(p, close)) {
			p->i++;
			return true;
		}
		if (!jp_peek(p, ','))
			return false;
		p->i++;
	}
}

static bool jp_value(struct jp *p)
{
	bool ok, named;

	if (p->i >= p->n)
		return false;
	switch (p->s[p->i]) {
	case '{':
	case '[':
		named = p->s[p->i++] == '{';
		if (++p->depth > 64)
			return false;
		ok = jp_items(p, named, named ? '}' : ']');
		p->depth--;
		return ok;
	case '"':
		return jp_string(p);
	case 't':
		return jp_lit(p, "true");
	case 'f':
		return jp_lit(p, "false");
	case 'n':
		return jp_lit(p, "null");
	default:
		return jp_number(p);
	}
}

/* Whole text is one or more compact JSON documents, each ending in '\n'. */
static bool json_lines_valid(const char *text, size_t len)
{
	struct jp p = { .s = (const unsigned char *)text, .n = len };

	if (!len)
		return false;
	while (p.i < p.n) {
		if (!jp_value(&p) || !jp_peek(&p, '\n'))
			return false;
		p.i++;
	}
	return true;
}

/* Parse "\"" + escaped + "\"" back to bytes; out must hold 4 * len. */
static bool decode_escaped(const char *escaped, unsigned char *out, size_t *outlen)
{
	size_t n = strlen(escaped);
	char *quoted = malloc(n + 3);
	struct jp p = { .n = n + 2, .out = out };
	bool ok;

	assert_non_null(quoted);
	quoted[0] = '"';
	memcpy(quoted + 1, escaped, n);
	memcpy(quoted + 1 + n, "\"", 2);
	p.s = (const unsigned char *)quoted;
	ok = jp_string(&p) && p.i == p.n;
	*outlen = p.outlen;
	free(quoted);
	return ok;
}

/* The parser itself must reject what it should, or the checks prove nothing. */
static void test_validator_self_check(void **state)
{
	static const char *const good[] = {
		"{}\n", "[]\n", "{\"a\":[1,-2.5e+3,true,false,null,\"x\"]}\n", "0\n", "{}\n[]\n",
		"\"\\u00e9\\n\"\n", "\"\xc3\xa9\"\n",
	};
	static const char *const bad[] = {
		"{}", "{} \n", "{ }\n", "[1,]\n", "[,1]\n", "{\"a\"}\n", "{\"a\":1,}\n", "[01]\n",
		"[1.]\n", "[.5]\n", "[NaN]\n", "[inf]\n", "[\"\x01\"]\n", "[\"\xc0\xaf\"]\n",
		"[\"\xed\xa0\x80\"]\n", "[\"\xff\"]\n", "[\"\xe2\x82\"]\n", "[\"\\x\"]\n",
		"[\"\\ud800\"]\n", "[1}\n", "{\"a\":1]\n", "[\"a\",\n", "\n", "[1][2]\n", "{1:2}\n",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!json_lines_valid(good[i], strlen(good[i])))
			fail_msg("validator rejects good %zu: %s", i, good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (json_lines_valid(bad[i], strlen(bad[i])))
			fail_msg("validator accepts bad %zu: %s", i, bad[i]);
	}
}

/* ---- writer structure --------------------------------------------------- */

static void test_flat_object(void **state)
{
	struct capture c;

	cap_open(&c);
	jw__start_object(c.jw);
	jw__kv_uint(c.jw, "a", 1);
	jw__kv_string(c.jw, "b", "x");
	jw__kv_bool(c.jw, "c", true);
	jw__kv_bool(c.jw, "d", false);
	jw__kv_null(c.jw, "e");
	jw__kv_int(c.jw, "f", -5);
	jw__kv_double(c.jw, "g", 0.5);
	jw__end_object(c.jw);
	cap_expect(&c, "{\"a\":1,\"b\":\"x\",\"c\":true,\"d\":false,\"e\":null,"
		   "\"f\":-5,\"g\":0.5}\n");
}

static void test_nesting(void **state)
{
	struct capture c;
	const char *text;

	cap_open(&c);
	jw__start_object(c.jw);
	jw__name(c.jw, "a");
	jw__start_array(c.jw);
	jw__uint(c.jw, 1);
	jw__uint(c.jw, 2);
	jw__start_object(c.jw);
	jw__name(c.jw, "b");
	jw__start_array(c.jw);
	jw__end_array(c.jw);
	jw__end_object(c.jw);
	jw__start_array(c.jw);
	jw__start_array(c.jw);
	jw__end_array(c.jw);
	jw__string(c.jw, "s");
	jw__end_array(c.jw);
	jw__end_array(c.jw);
	jw__name(c.jw, "c");
	jw__start_object(c.jw);
	jw__end_object(c.jw);
	jw__kv_uint(c.jw, "d", 3);
	jw__end_object(c.jw);
	text = cap_text(&c);
	assert_string_equal(text, "{\"a\":[1,2,{\"b\":[]},[[],\"s\"]],\"c\":{},\"d\":3}\n");
	assert_true(json_lines_valid(text, strlen(text)));
	cap_free(&c);
}

/* Each outermost value is a line of its own; commas never cross lines. */
static void test_json_lines(void **state)
{
	struct capture c;
	int i;

	cap_open(&c);
	for (i = 0; i < 3; i++) {
		jw__start_object(c.jw);
		jw__kv_int(c.jw, "i", i);
		jw__end_object(c.jw);
	}
	jw__start_array(c.jw);
	jw__start_object(c.jw);
	jw__end_object(c.jw);
	jw__start_object(c.jw);
	jw__end_object(c.jw);
	jw__end_array(c.jw);
	jw__uint(c.jw, 7);
	cap_expect(&c, "{\"i\":0}\n{\"i\":1}\n{\"i\":2}\n[{},{}]\n7\n");
}

static void test_max_depth(void **state)
{
	struct capture c;
	char want[128];
	const char *text;
	size_t n;
	int i;

	/* 32 levels are kept... */
	cap_open(&c);
	for (i = 0; i < 32; i++)
		jw__start_array(c.jw);
	jw__uint(c.jw, 1);
	for (i = 0; i < 32; i++)
		jw__end_array(c.jw);
	memset(want, '[', 32);
	memcpy(want + 32, "1", 1);
	memset(want + 33, ']', 32);
	memcpy(want + 65, "\n", 2);
	cap_expect(&c, want);

	/* ...and a 33rd becomes null, with everything inside it dropped. */
	cap_open(&c);
	for (i = 0; i < 31; i++)
		jw__start_array(c.jw);
	jw__start_object(c.jw);
	jw__kv_uint(c.jw, "x", 1);
	jw__name(c.jw, "deep");
	jw__start_array(c.jw);
	jw__start_object(c.jw);
	jw__kv_uint(c.jw, "y", 2);
	jw__end_object(c.jw);
	jw__uint(c.jw, 3);
	jw__end_array(c.jw);
	jw__kv_uint(c.jw, "z", 4);
	jw__end_object(c.jw);
	for (i = 0; i < 31; i++)
		jw__end_array(c.jw);
	text = cap_text(&c);
	memset(want, '[', 31);
	n = 31 + sprintf(want + 31, "{\"x\":1,\"deep\":null,\"z\":4}");
	memset(want + n, ']', 31);
	strcpy(want + n + 31, "\n");
	assert_string_equal(text, want);
	assert_true(json_lines_valid(text, strlen(text)));
	cap_free(&c);
}

/* Caller bugs still give valid JSON. */
static void test_misuse(void **state)
{
	struct capture c;

	cap_open(&c);
	jw__end_object(c.jw);		/* nothing open: ignored */
	jw__name(c.jw, "top");		/* no object: ignored */
	jw__start_array(c.jw);
	jw__name(c.jw, "in-array");	/* ignored */
	jw__uint(c.jw, 1);
	jw__end_object(c.jw);		/* closes the array it is in */
	jw__start_object(c.jw);
	jw__name(c.jw, "a");
	jw__name(c.jw, "b");		/* "a" gets null */
	jw__uint(c.jw, 2);
	jw__name(c.jw, "c");		/* closed with no value: null */
	jw__end_array(c.jw);
	jw__start_object(c.jw);
	jw__kv_string(c.jw, NULL, NULL);
	jw__end_object(c.jw);
	cap_expect(&c, "[1]\n{\"a\":null,\"b\":2,\"c\":null}\n{\"\":null}\n");
}

static void test_numbers(void **state)
{
	struct capture c;

	cap_open(&c);
	jw__start_array(c.jw);
	jw__uint(c.jw, 0);
	jw__uint(c.jw, UINT64_MAX);
	jw__int(c.jw, INT64_MIN);
	jw__int(c.jw, INT64_MAX);
	jw__int(c.jw, 0);
	jw__end_array(c.jw);
	cap_expect(&c, "[0,18446744073709551615,-9223372036854775808,9223372036854775807,0]\n");
}

static void double_expect(double v, const char *want)
{
	struct capture c;
	char line[64];

	cap_open(&c);
	jw__double(c.jw, v);
	snprintf(line, sizeof(line), "%s\n", want);
	cap_expect(&c, line);
}

static void test_double(void **state)
{
	double_expect(0.0, "0");
	double_expect(-0.0, "-0");
	double_expect(1.0, "1");
	double_expect(0.1, "0.1");
	double_expect(0.5, "0.5");
	double_expect(-2.5, "-2.5");
	double_expect(1.0 / 3, "0.3333333333333333");
	double_expect(0.1 + 0.2, "0.30000000000000004");
	double_expect(123456.789, "123456.789");
	double_expect(1e21, "1e+21");
	double_expect(1e300, "1e+300");
	double_expect(1.5e-7, "1.5e-07");
	double_expect(5e-324, "5e-324");
	double_expect(1.7976931348623157e308, "1.7976931348623157e+308");
	double_expect(9007199254740993.0, "9007199254740992");
	double_expect(NAN, "null");
	double_expect(-NAN, "null");
	double_expect(INFINITY, "null");
	double_expect(-INFINITY, "null");
}

/* xorshift64: the same pseudo-random sequence on every run. */
static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random doubles: valid JSON numbers that read back to the same value. */
static void test_double_round_trip(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int i;

	for (i = 0; i < 20000; i++) {
		struct capture c;
		const char *text;
		double v;

		next(&x);
		memcpy(&v, &x, sizeof(v));
		if (!isfinite(v))
			continue;
		cap_open(&c);
		jw__double(c.jw, v);
		text = cap_text(&c);
		if (!json_lines_valid(text, strlen(text)) || strtod(text, NULL) != v)
			fail_msg("%a written as '%s'", v, text);
		/* Never longer than needed: 17 significant digits at most. */
		assert_true(strlen(text) <= 25);
		cap_free(&c);
	}
}

static void fixed_expect(double v, int decimals, const char *want)
{
	struct capture c;
	char line[512];
	const char *text;

	cap_open(&c);
	jw__fixed(c.jw, v, decimals);
	text = cap_text(&c);
	snprintf(line, sizeof(line), "%s\n", want);
	assert_string_equal(text, line);
	assert_true(json_lines_valid(text, strlen(text)));
	cap_free(&c);
}

static void test_fixed(void **state)
{
	fixed_expect(0.41234, 3, "0.412");
	fixed_expect(0.4126, 3, "0.413");
	fixed_expect(12.0, 3, "12.000");
	fixed_expect(12.6, 0, "13");
	fixed_expect(-1.5, 1, "-1.5");
	fixed_expect(-0.0001, 3, "-0.000");
	fixed_expect(0.25, -1, "0");
	fixed_expect(NAN, 3, "null");
	fixed_expect(INFINITY, 3, "null");
	fixed_expect(-INFINITY, 3, "null");
	fixed_expect(1e20, 2, "100000000000000000000.00");

	/* The largest double still fits, as a valid number. */
	{
		struct capture c;
		const char *text;

		cap_open(&c);
		jw__fixed(c.jw, -1.7976931348623157e308, 3);
		text = cap_text(&c);
		assert_int_equal(strlen(text), 1 + 309 + 4 + 1);
		assert_true(json_lines_valid(text, strlen(text)));
		cap_free(&c);
	}
}

/* ---- escaping ----------------------------------------------------------- */

static void test_escape_ascii(void **state)
{
	escape_expect("", 0, "");
	escape_expect("plain text 123", SIZE_MAX, "plain text 123");
	escape_expect("a\"b\\c/d", SIZE_MAX, "a\\\"b\\\\c/d");
	escape_expect("\x7f", SIZE_MAX, "\\u007f");
	escape_expect(" ~", SIZE_MAX, " ~");
	/* Stops at len, and at a NUL before it. */
	escape_expect("abcdef", 3, "abc");
	escape_expect("ab\0cd", 5, "ab");
	escape_expect("\0ab", 3, "");
}

static void test_escape_control_bytes(void **state)
{
	static const char *const want[0x20] = {
		[0x08] = "\\b", [0x09] = "\\t", [0x0a] = "\\n", [0x0c] = "\\f", [0x0d] = "\\r",
	};
	char in[2], other[8];
	int b;

	for (b = 1; b < 0x20; b++) {
		in[0] = (char)b;
		in[1] = '\0';
		snprintf(other, sizeof(other), "\\u%04x", b);
		escape_expect(in, 1, want[b] ? want[b] : other);
	}
}

/* Well-formed sequences of each length, and the edges of the ranges: as they are. */
static void test_escape_utf8(void **state)
{
	static const char *const valid[] = {
		"\xc3\xa9",
		"\xc2\x80",
		"\xdf\xbf",
		"\xe2\x82\xac",
		"\xe0\xa0\x80",
		"\xed\x9f\xbf",
		"\xee\x80\x80",
		"\xef\xbf\xbf",
		"\xf0\x9f\x98\x80",
		"\xf0\x90\x80\x80",
		"\xf4\x8f\xbf\xbf",
		"\xe2\x80\xa8",
	};

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
		escape_expect(valid[i], SIZE_MAX, valid[i]);
}

static void test_escape_invalid_utf8(void **state)
{
	/* Overlong: '/' as C0 AF, and E0/F0 overlongs. */
	escape_expect("\xc0\xaf", SIZE_MAX, "\\u00c0\\u00af");
	escape_expect("\xc1\xbf", SIZE_MAX, "\\u00c1\\u00bf");
	escape_expect("\xe0\x80\xaf", SIZE_MAX, "\\u00e0\\u0080\\u00af");
	escape_expect("\xe0\x9f\xbf", SIZE_MAX, "\\u00e0\\u009f\\u00bf");
	escape_expect("\xf0\x8f\xbf\xbf", SIZE_MAX, "\\u00f0\\u008f\\u00bf\\u00bf");
	/* Surrogates U+D800 and U+DFFF. */
	escape_expect("\xed\xa0\x80", SIZE_MAX, "\\u00ed\\u00a0\\u0080");
	escape_expect("\xed\xbf\xbf", SIZE_MAX, "\\u00ed\\u00bf\\u00bf");
	/* Past U+10FFFF, and lead bytes that never occur. */
	escape_expect("\xf4\x90\x80\x80", SIZE_MAX, "\\u00f4\\u0090\\u0080\\u0080");
	escape_expect("\xf5\x80\x80\x80", SIZE_MAX, "\\u00f5\\u0080\\u0080\\u0080");
	escape_expect("\xf8\x88\x80\x80\x80", SIZE_MAX,
		      "\\u00f8\\u0088\\u0080\\u0080\\u0080");
	escape_expect("\xfe\xff", SIZE_MAX, "\\u00fe\\u00ff");
	/* Truncated: by the end of the string, by a NUL, by len, by ASCII. */
	escape_expect("\xe2\x82", SIZE_MAX, "\\u00e2\\u0082");
	escape_expect("\xe2\x82\0\xac", 4, "\\u00e2\\u0082");
	escape_expect("\xe2\x82\xac", 2, "\\u00e2\\u0082");
	escape_expect("\xf0\x9f\x98", SIZE_MAX, "\\u00f0\\u009f\\u0098");
	escape_expect("\xc3" "a", SIZE_MAX, "\\u00c3a");
	/* Stray continuation bytes, then a good sequence right after a bad lead. */
	escape_expect("\x80\xbf", SIZE_MAX, "\\u0080\\u00bf");
	escape_expect("\xe2\xe2\x82\xac", SIZE_MAX, "\\u00e2\xe2\x82\xac");
	escape_expect("\xc3\xa9\xa9", SIZE_MAX, "\xc3\xa9\\u00a9");
}

/*
 * What a reader of the output must get back: well-formed UTF-8 as is, any
 * other byte as the code point of the same number (Latin-1).
 */
static size_t expected_decode(const unsigned char *s, size_t len, unsigned char *out)
{
	size_t i = 0, o = 0;

	while (i < len && s[i]) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (n) {
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
		} else {
			o += utf8_encode(out + o, s[i]);
			i++;
		}
	}
	return o;
}

static void check_round_trip(const unsigned char *s, size_t len)
{
	unsigned char got[64], want[64];
	size_t gotlen, wantlen;
	char *esc;

	assert_true(len <= 16);
	esc = escape((const char *)s, len);
	if (!decode_escaped(esc, got, &gotlen)) {
		fail_msg("invalid JSON string from %zu bytes %02x %02x %02x %02x: \"%s\"",
			 len, len > 0 ? s[0] : 0, len > 1 ? s[1] : 0, len > 2 ? s[2] : 0,
			 len > 3 ? s[3] : 0, esc);
	}
	wantlen = expected_decode(s, len, want);
	if (gotlen != wantlen || memcmp(got, want, gotlen))
		fail_msg("round trip differs for %zu bytes %02x %02x %02x: \"%s\"",
			 len, len > 0 ? s[0] : 0, len > 1 ? s[1] : 0, len > 2 ? s[2] : 0, esc);
	free(esc);
}

static void test_escape_all_bytes(void **state)
{
	unsigned char s[2];
	int a, b;

	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		check_round_trip(s, 1);
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			check_round_trip(s, 2);
		}
	}
}

/* Every lead byte E0..FF against the interesting continuation values. */
static void test_escape_long_sequences(void **state)
{
	static const unsigned char mid[] = {
		0x00, 0x01, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xe0,
		0xed, 0xf0, 0xf4, 0xff,
	};
	const size_t nm = sizeof(mid);
	unsigned char s[4];
	size_t i, j, k;
	int lead;

	for (lead = 0xe0; lead <= 0xff; lead++) {
		s[0] = (unsigned char)lead;
		for (i = 0; i < nm; i++) {
			for (j = 0; j < nm; j++) {
				s[1] = mid[i];
				s[2] = mid[j];
				check_round_trip(s, 3);
				for (k = 0; k < nm; k++) {
					s[3] = mid[k];
					check_round_trip(s, 4);
				}
			}
		}
	}
}

static void test_escape_random(void **state)
{
	uint64_t x = 88172645463325252ULL;
	unsigned char s[16];
	int i;

	for (i = 0; i < 100000; i++) {
		size_t len, j;

		len = next(&x) % (sizeof(s) + 1);
		for (j = 0; j < len; j++) {
			next(&x);
			/* Mostly high bytes, where UTF-8 goes wrong. */
			s[j] = (unsigned char)(x >> 32 & 1 ? 0x80 | (x >> 40) : x >> 48);
		}
		check_round_trip(s, len);
	}
}

/* A comm as the kernel hands it: fixed 16 bytes, odd bytes, NUL-padded. */
static void test_comm(void **state)
{
	const char comm[16] = { 0x01, 'a', 'b', (char)0xff, '"', 0 };
	const char full[16] = "0123456789abcdef";	/* no NUL at all */
	struct capture c;
	const char *text;

	cap_open(&c);
	jw__start_object(c.jw);
	jw__name(c.jw, "comm");
	jw__string_n(c.jw, comm, sizeof(comm));
	jw__name(c.jw, "full");
	jw__string_n(c.jw, full, sizeof(full));
	jw__name(c.jw, "k\xff\n");
	jw__string(c.jw, "v");
	jw__end_object(c.jw);
	text = cap_text(&c);
	assert_string_equal(text, "{\"comm\":\"\\u0001ab\\u00ff\\\"\","
			    "\"full\":\"0123456789abcdef\",\"k\\u00ff\\n\":\"v\"}\n");
	assert_true(json_lines_valid(text, strlen(text)));
	cap_free(&c);
}

/* Every byte value in names and strings of a document: still valid JSON. */
static void test_document_all_bytes(void **state)
{
	char all[256];
	struct capture c;
	const char *text;
	int i;

	for (i = 0; i < 255; i++)
		all[i] = (char)(i + 1);
	all[255] = '\0';
	cap_open(&c);
	jw__start_array(c.jw);
	jw__start_object(c.jw);
	jw__kv_string(c.jw, all, all);
	jw__kv_string(c.jw, all + 127, all + 191);
	jw__end_object(c.jw);
	jw__string_n(c.jw, all, 255);
	jw__end_array(c.jw);
	text = cap_text(&c);
	assert_true(json_lines_valid(text, strlen(text)));
	assert_non_null(strstr(text, "\\u001f !\\\"#"));
	assert_non_null(strstr(text, "~\\u007f\\u0080"));
	assert_non_null(strstr(text, "\\u00fe\\u00ff\""));
	cap_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validator_self_check),
		cmocka_unit_test(test_flat_object),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_json_lines),
		cmocka_unit_test(test_max_depth),
		cmocka_unit_test(test_misuse),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_double),
		cmocka_unit_test(test_double_round_trip),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_escape_ascii),
		cmocka_unit_test(test_escape_control_bytes),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_escape_invalid_utf8),
		cmocka_unit_test(test_escape_all_bytes),
		cmocka_unit_test(test_escape_long_sequences),
		cmocka_unit_test(test_escape_random),
		cmocka_unit_test(test_comm),
		cmocka_unit_test(test_document_all_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
